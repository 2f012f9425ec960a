use std::cell::Cell;

use mlua::Lua;

use super::{install, pay, READ_BYTES_PER_INSTRUCTION};
use crate::error::BUDGET_MARK;
use crate::vm::shown::shown as run;

/// A VM with Lua's functions and one with the replacements, charging `budget`.
///
/// # Safety
/// `budget` must outlive the second VM's use.
unsafe fn vms(budget: &Cell<u64>) -> (Lua, Lua) {
    let plain = Lua::new();
    let ours = Lua::new();
    // SAFETY: the caller's contract.
    unsafe { install(&ours, budget).unwrap() };
    (plain, ours)
}

/// Every case runs in a VM with Lua's C functions and in one with the replacements, called
/// by `pcall` and inside a Lua function (so errors name the function alike): the same
/// results and errors.
#[test]
fn the_replacements_answer_as_lua() {
    let budget = Cell::new(u64::MAX);
    // SAFETY: `budget` outlives the VMs.
    let (plain, ours) = unsafe { vms(&budget) };
    let counting_len = "(function() local n = 0 \
        return setmetatable({}, { __len = function() n = n + 1 return 3 end, \
                                  __index = function(_, k) return k * 10 + n end }) end)()";
    let cases = [
        ("string.byte", "'abc'"),
        ("string.byte", "'abc', 2"),
        ("string.byte", "'abc', 1, -1"),
        ("string.byte", "'abc', -2, 10"),
        ("string.byte", "'abc', 0, 0"),
        ("string.byte", "'abc', 3, 1"),
        ("string.byte", "'abc', -10, -5"),
        ("string.byte", "'abc', '2', 3.0"),
        ("string.byte", "'abc', 1.5"),
        ("string.byte", "'abc', 'x'"),
        ("string.byte", "12345, 2, 4"),
        ("string.byte", "nil"),
        ("string.byte", "{}, 1"),
        ("string.byte", "''"),
        ("utf8.codepoint", "'héllo'"),
        ("utf8.codepoint", "'héllo', 1, -1"),
        ("utf8.codepoint", "'héllo', 2, 3"),
        ("utf8.codepoint", "'héllo', 3"),
        ("utf8.codepoint", "'abc', 0"),
        ("utf8.codepoint", "'abc', 1, 9"),
        ("utf8.codepoint", "'abc', 3, 1"),
        ("utf8.codepoint", "'\\xff'"),
        ("utf8.codepoint", "nil"),
        ("utf8.len", "'héllo'"),
        ("utf8.len", "'héllo', 3"),
        ("utf8.len", "'héllo', 1, 2"),
        ("utf8.len", "'héllo', -2"),
        ("utf8.len", "'ab\\xffcd'"),
        ("utf8.len", "'abc', 5"),
        ("utf8.len", "'abc', 1, 4"),
        ("utf8.len", "'abc', 0"),
        ("utf8.len", "''"),
        ("utf8.len", "{}"),
        ("tonumber", "'10'"),
        ("tonumber", "'  0x1F  '"),
        ("tonumber", "'1e3'"),
        ("tonumber", "'z'"),
        ("tonumber", "'ff', 16"),
        ("tonumber", "'zz', 36"),
        ("tonumber", "'8', 8"),
        ("tonumber", "'10', 99"),
        ("tonumber", "10"),
        ("tonumber", "nil"),
        ("tonumber", ""),
        ("tonumber", "{}, 10"),
        ("load", "'return 1 + 1'"),
        ("load", "'return +'"),
        ("load", "'x = ', '=chunk'"),
        ("load", "'return 1', 'name', 'b'"),
        ("load", "function() return nil end"),
        ("load", "nil"),
        ("collectgarbage", ""),
        ("collectgarbage", "'collect'"),
        ("collectgarbage", "'step'"),
        ("collectgarbage", "'step', 1"),
        ("collectgarbage", "'step', 'x'"),
        ("collectgarbage", "'isrunning'"),
        ("collectgarbage", "'nothing'"),
        ("collectgarbage", "7"),
        ("select", "'#', 'a', 'b'"),
        ("select", "'#'"),
        ("select", "2, 'a', 'b', 'c'"),
        ("select", "-1, 'a', 'b', 'c'"),
        ("select", "-4, 'a', 'b', 'c'"),
        ("select", "9, 'a', 'b'"),
        ("select", "0, 'a'"),
        ("select", "'2', 'a', 'b'"),
        ("select", "'#x', 'a'"),
        ("select", "'x', 'a'"),
        ("select", "1.5, 'a'"),
        ("select", "math.mininteger, 'a'"),
        ("select", ""),
        ("utf8.codes", "'héllo'"),
        ("utf8.codes", "5"),
        ("utf8.codes", "nil"),
        ("string.unpack", "'z', 'ab\\0cd'"),
        ("string.unpack", "'zz', 'ab\\0cd\\0'"),
        ("string.unpack", "'z', 'abc'"),
        ("string.unpack", "'i1z', '\\5abc\\0', 1"),
        ("string.unpack", "'B', 'abc', 2"),
        ("string.unpack", "'z', 12"),
        ("string.unpack", "nil, 'x'"),
        ("string.unpack", "'i4', 5"),
        ("string.pack", "'i4 z', 7, 'ab'"),
        ("string.pack", "'!4 i1 !  ', 1"),
        ("string.pack", "'q'"),
        ("string.pack", "nil"),
        ("string.packsize", "'i4 i8 !8 d'"),
        ("string.packsize", "'s'"),
        ("string.packsize", "{}"),
        ("utf8.offset", "'héllo', 3"),
        ("utf8.offset", "'héllo', -1"),
        ("utf8.offset", "'héllo', 0, 3"),
        ("utf8.offset", "'héllo', 2, 3"),
        ("utf8.offset", "'héllo', 10"),
        ("utf8.offset", "'héllo', -10"),
        ("utf8.offset", "'héllo', 1, 9"),
        ("utf8.offset", "'héllo', 1, 0"),
        ("utf8.offset", "'héllo', 1.5"),
        ("utf8.offset", "'\\x80\\x80a', 1"),
        ("utf8.offset", "12345, 2"),
        ("utf8.offset", "nil, 1"),
        (
            "load",
            "(function() local n = 0 return function() n = n + 1 \
                   if n == 1 then return 'return ' elseif n == 2 then return 40 + 2 end end end)()",
        ),
        ("load", "function() return {} end"),
        ("load", "function() error('no pieces') end"),
        ("table.concat", "{1, 2, 3}"),
        ("table.concat", "{'a', 'b', 'c'}, ', '"),
        ("table.concat", "{'a', 'b', 'c'}, '-', 2"),
        ("table.concat", "{'a', 'b', 'c'}, '-', 2, 3"),
        ("table.concat", "{'a', 'b', 'c'}, '-', 3, 2"),
        ("table.concat", "{'a', 'b', 'c'}, '-', 0"),
        ("table.concat", "{'a', 'b', 'c'}, '-', 1, 5"),
        ("table.concat", "{'a', {}, 'c'}"),
        ("table.concat", "{'a', 1.5, 2}, 7"),
        ("table.concat", "{'a', 'b'}, {}"),
        ("table.concat", "{'a', 'b'}, '', 'x'"),
        ("table.concat", "{'a', 'b'}, '', 1, 2.5"),
        ("table.concat", "{}, '', 1, math.maxinteger"),
        (
            "table.concat",
            "{}, '', math.maxinteger - 1, math.maxinteger",
        ),
        ("table.concat", "{}, '', 5000000000, 5000000001"),
        ("table.concat", "{}"),
        ("table.concat", "nil"),
        ("table.concat", "'abc'"),
        (
            "table.concat",
            "setmetatable({}, { __index = function(_, k) return k end, \
                                __len = function() return 4 end })",
        ),
        (
            "table.concat",
            "setmetatable({}, { __index = function(_, k) return k end })",
        ),
        (
            "table.concat",
            "setmetatable({}, { __len = function() return 2 end })",
        ),
        ("table.concat", counting_len),
        ("table.unpack", "{1, 2, 3}"),
        ("table.unpack", "{1, 2, 3}, 2"),
        ("table.unpack", "{1, 2, 3}, 2, 5"),
        ("table.unpack", "{1, 2, 3}, -1, 1"),
        ("table.unpack", "{1, 2, 3}, 3, 2"),
        ("table.unpack", "{1, 2, 3}, '2', 3.0"),
        ("table.unpack", "{1, 2, 3}, 1.5"),
        ("table.unpack", "{1, 2, 3}, 1, 'x'"),
        ("table.unpack", "{}, 1, math.maxinteger"),
        ("table.unpack", "{}, math.mininteger, math.maxinteger"),
        ("table.unpack", "{}, 1, 2000000"),
        ("table.unpack", "nil"),
        ("table.unpack", "nil, 1, 2"),
        ("table.unpack", "'abc', 1, 2"),
        ("table.unpack", "{}"),
        ("table.unpack", counting_len),
    ];
    for (name, args) in cases {
        let rest = if args.is_empty() {
            String::new()
        } else {
            format!(", {args}")
        };
        for call in [
            format!("pcall({name}{rest})"),
            format!("pcall(function() return {name}({args}) end)"),
        ] {
            assert_eq!(run(&ours, &call), run(&plain, &call), "{call}");
        }
    }
    // Iterating `utf8.codes` and a chunk a reader gave run alike.
    let codes = "(function() local out = {} \
                 for p, c in utf8.codes('h\\u{e9}llo') do out[#out + 1] = p .. ':' .. c end \
                 return table.concat(out, ' ') end)()";
    assert_eq!(run(&ours, codes), run(&plain, codes));
    let pieces = "(function() local parts = { 'return ', '1 ', '+ 2' } local i = 0 \
                  local f = load(function() i = i + 1 return parts[i] end) return f() end)()";
    assert_eq!(run(&ours, pieces), run(&plain, pieces));
    // A chunk `load` made runs alike.
    let chunk = "(function() local f = load('return ...') return f(4, 5) end)()";
    assert_eq!(run(&ours, chunk), run(&plain, chunk));
}

/// What each replaced function pays for a call, against what it reads or pushes.
#[test]
fn reads_are_charged_by_their_size() {
    let budget = Cell::new(u64::MAX);
    // SAFETY: `budget` outlives the VM.
    let (_, lua) = unsafe { vms(&budget) };
    lua.load(
        "s = string.rep('a', 4000) spaces = string.rep(' ', 4000) \
              t = {} for i = 1, 1000 do t[i] = i end",
    )
    .exec()
    .unwrap();
    let spent = |code: &str| {
        budget.set(u64::MAX);
        lua.load(code).exec().unwrap();
        u64::MAX - budget.get()
    };
    let read = 4000 / READ_BYTES_PER_INSTRUCTION;
    assert_eq!(spent("local n = select('#', s:byte(1, -1))"), 4000);
    assert_eq!(spent("s:byte(10, 19)"), 10);
    assert_eq!(spent("s:byte()"), 1);
    assert_eq!(spent("s:byte(5000)"), 0);
    assert_eq!(spent("utf8.codepoint(s, 1, -1)"), 4000);
    assert_eq!(spent("utf8.len(s)"), read);
    assert_eq!(spent("utf8.len(s, 1, 400)"), 100);
    assert_eq!(spent("tonumber(spaces)"), read);
    assert_eq!(spent("tonumber(s, 36)"), read);
    assert_eq!(spent("tonumber(12)"), 0);
    assert_eq!(spent("load(spaces)"), read);
    assert_eq!(spent("table.unpack(t)"), 1000);
    assert_eq!(spent("table.concat(t, ',')"), 8000);
    assert_eq!(spent("table.concat(t, ',', 11, 20)"), 80);
    assert_eq!(spent("pcall(table.concat, {1, 2, {}, 4})"), 24);
    assert_eq!(
        spent("local function f(...) return select(2, ...) end f(table.unpack(t))"),
        1000 + 999
    );
    assert_eq!(spent("select('#', table.unpack(t))"), 1000);
    assert_eq!(spent("select(-10, table.unpack(t))"), 1000 + 10);
    assert_eq!(spent("for p, c in utf8.codes(s) do break end"), read);
    assert_eq!(spent("string.unpack('B', s)"), 1);
    assert_eq!(spent("pcall(string.unpack, 'z', s)"), 1 + read);
    assert_eq!(spent("string.unpack(string.rep('B', 4000), s)"), 4000);
    assert_eq!(spent("string.packsize(string.rep(' ', 4000))"), read);
    assert_eq!(spent("string.pack(spaces)"), read);
    assert_eq!(spent("utf8.offset(s, 4001)"), read);
    assert_eq!(spent("utf8.offset(s, 401)"), 100);
    assert_eq!(spent("utf8.offset(s, -400)"), 100);
    assert_eq!(spent("utf8.offset(s, 9999)"), read);
    assert_eq!(
        spent("local n = 0 load(function() n = n + 1 if n < 3 then return spaces end end)"),
        2 * read
    );
    assert_eq!(spent("table.unpack(t, 11, 20)"), 10);
    assert_eq!(spent("table.unpack(t, 2, 1)"), 0);
    assert_eq!(spent("collectgarbage('count')"), 0);
    // A collection pays for the heap it may go through.
    let heap = lua.used_memory() as u64;
    let collect = spent("collectgarbage()");
    assert!(
        collect.abs_diff(heap / READ_BYTES_PER_INSTRUCTION) < heap / 40,
        "{collect} for a heap of {heap} bytes"
    );
    assert_eq!(
        spent("collectgarbage('step', 2)"),
        2048 / READ_BYTES_PER_INSTRUCTION
    );
    // `#t` is read once: the `__len` below counts its calls.
    for call in ["table.unpack(t)", "table.concat(t)"] {
        let calls = lua
            .load(format!(
                "local n = 0 \
                 local t = setmetatable({{}}, {{ __len = function() n = n + 1 return 50 end, \
                                                __index = function() return 'x' end }}) \
                 {call} return n"
            ))
            .eval::<i64>()
            .unwrap();
        assert_eq!(calls, 1, "{call}");
    }
}

/// A read the budget cannot pay ends with the budget's error, before it reads, and empties
/// the budget.
#[test]
fn a_read_past_the_budget_is_the_budgets_error() {
    let budget = Cell::new(u64::MAX);
    // SAFETY: `budget` outlives the VM.
    let (_, lua) = unsafe { vms(&budget) };
    lua.load("s = string.rep('a', 4000) t = {} for i = 1, 1000 do t[i] = i end")
        .exec()
        .unwrap();
    for code in [
        "s:byte(1, -1)",
        "utf8.codepoint(s, 1, -1)",
        "utf8.len(s)",
        "tonumber(s)",
        "load(s)",
        "assert(load(function() return s end))",
        "select(2, table.unpack(t, 1, 10), s:byte(1, 90))",
        "string.unpack('z', s)",
        "string.unpack(string.rep('B', 200), s)",
        "string.packsize(string.rep(' ', 4000))",
        "utf8.offset(s, 4001)",
        "utf8.codes(s)",
        "table.unpack(t)",
        "table.concat(t)",
        "collectgarbage()",
    ] {
        budget.set(100);
        let error = lua.load(code).exec().unwrap_err().to_string();
        assert!(error.contains(BUDGET_MARK), "{code}: {error}");
        assert_eq!(budget.get(), 0, "{code}");
    }
}

/// What the Rust libraries pay through: the budget they hold, or the budget's error.
#[test]
fn rust_functions_pay_from_the_budget() {
    let budget = Cell::new(10);
    pay(&budget, 4).unwrap();
    assert_eq!(budget.get(), 6);
    let error = pay(&budget, 7).unwrap_err().to_string();
    assert!(error.contains(BUDGET_MARK), "{error}");
    assert_eq!(budget.get(), 0);
}
