//! Lua's C functions and these side by side, for the unit tests, the fuzz target
//! `lua_patterns` (`fuzz/`) and the bench `patterns`: one VM with Lua's, one with the replacements, the same calls.

use std::cell::Cell;

use mlua::Lua;

use crate::error::BUDGET_MARK;

/// Makes every call below in a VM and returns what they answered, a line each: results
/// with their types, or errors (`pcall`, then inside a Lua function).
const DESCRIBE: &str = r##"
local function show(ok, ...)
  local out = { tostring(ok) }
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    out[#out + 1] = type(v) .. ":" .. tostring(v)
  end
  return table.concat(out, ",")
end
local function all(f, ...)
  return show(pcall(f, ...)) .. " / " .. show(pcall(function(...) return f(...) end, ...))
end
local function matches(s, p)
  local got = {}
  local ok, e = pcall(function()
    for a, b, c in string.gmatch(s, p) do
      got[#got + 1] = tostring(a) .. "|" .. tostring(b) .. "|" .. tostring(c)
      if #got > 50 then break end
    end
  end)
  return tostring(ok) .. ":" .. tostring(e) .. ":" .. table.concat(got, ";")
end
return function(s, p, r, init)
  local lookup = setmetatable({ a = "A", ["1"] = false, b = 7 },
    { __index = function(_, k) return k == "x" and {} or nil end })
  return table.concat({
    all(string.find, s, p),
    all(string.find, s, p, init),
    all(string.find, s, p, 2),
    all(string.find, s, p, -3),
    all(string.find, s, p, 1, true),
    all(string.match, s, p),
    all(string.match, s, p, init),
    all(string.match, s, p, -2),
    matches(s, p),
    all(string.gsub, s, p, r),
    all(string.gsub, s, p, r, init),
    all(string.gsub, s, p, "<%0|%1>"),
    all(string.gsub, s, p, "[%%]"),
    all(string.gsub, s, p, "%2"),
    all(string.gsub, s, p, "x%"),
    all(string.gsub, s, p, 5),
    all(string.gsub, s, p, function(a, b) return b end),
    all(string.gsub, s, p, function(a) return a == "a" and {} or nil end),
    all(string.gsub, s, p, lookup),
    all(string.gsub, s, p, "-", 0),
    all(s.find, s, p),
  }, "\n")
end
"##;

/// A VM with Lua's C functions, and one with the replacements paying `budget`.
///
/// # Safety
/// `budget` must outlive the second VM's use.
pub(super) unsafe fn vms(budget: &Cell<u64>) -> (Lua, Lua) {
    let plain = Lua::new();
    let ours = Lua::new();
    // SAFETY: the caller's contract.
    unsafe { super::install(&ours, budget).expect("the functions install") };
    (plain, ours)
}

/// One VM with Lua's C functions and one with the replacements, each with `DESCRIBE`.
pub struct Differential {
    ours: Lua,
    plain: Lua,
    ours_describe: mlua::Function,
    plain_describe: mlua::Function,
    /// The replacements' budget, refilled before each case (boxed: the VM holds its address).
    budget: Box<Cell<u64>>,
    steps: u64,
}

impl Differential {
    /// Both VMs; each case may take `steps` steps of the replacements.
    pub fn new(steps: u64) -> Self {
        let budget = Box::new(Cell::new(steps));
        // SAFETY: the budget is boxed and dropped after `ours` (field order).
        let (plain, ours) = unsafe { vms(&budget) };
        let describe = |lua: &Lua| lua.load(DESCRIBE).eval::<mlua::Function>().unwrap();
        Self {
            ours_describe: describe(&ours),
            plain_describe: describe(&plain),
            ours,
            plain,
            budget,
            steps,
        }
    }

    /// The VM with the replacements and the one with Lua's C functions (for the bench
    /// `patterns`); the replacements' budget is refilled by [`Differential::answers`] only.
    pub fn vms(&self) -> (&Lua, &Lua) {
        (&self.ours, &self.plain)
    }

    /// What both VMs answer for `subject`, `pattern`, the replacement `replacement` and the
    /// position `init` (ours, then Lua's; bytes outside printable ASCII escaped), or `None`
    /// when ours needed more steps than its budget (where Lua's might take as long).
    pub fn answers(
        &self,
        subject: &[u8],
        pattern: &[u8],
        replacement: &[u8],
        init: i64,
    ) -> Option<(String, String)> {
        self.budget.set(self.steps);
        let run = |lua: &Lua, describe: &mlua::Function| -> String {
            let [s, p, r] = [subject, pattern, replacement].map(|b| lua.create_string(b).unwrap());
            let answer = describe.call::<mlua::LuaString>((s, p, r, init)).unwrap();
            answer
                .as_bytes()
                .escape_ascii()
                .to_string()
                .replace("\\n", "\n")
        };
        let ours = run(&self.ours, &self.ours_describe);
        if ours.contains(BUDGET_MARK) {
            return None;
        }
        Some((ours, run(&self.plain, &self.plain_describe)))
    }
}
