//! The Lua layer's libraries under hostile arguments: every function of `json`, `.bint`
//! (with a bint's metamethods), `.base64`, `.crypto`, `.utils`, `os`, `math`, `string`,
//! `table`, `utf8`, `ao` and `Handlers.utils`, and Lua's operators, called from the owner's
//! `Eval` with fuzzed values (any bytes, edge integers and floats, bints, big strings,
//! nested and cyclic tables, functions that fail or never end). Much of this is Rust or C
//! written for aoxide, and blueprints hand it what strangers send (`json.decode(msg.Data)`,
//! `bint(msg.Quantity)`). Checked: nothing panics; every result is valid JSON; the same
//! sequence on a second fresh process gives the same results but for addresses (no hash
//! seed, allocation order or uninitialised memory reaches an answer); afterwards the process still runs an `Eval`.
//! `Handlers` itself is left out: a handler added with fuzzed arguments may take every
//! message (as on AOS, where the owner's `Eval` can do the same), and `Handlers.receive`
//! makes the next message resume the `Eval` instead of running (AOS does the same).
#![no_main]
use std::fmt::Write as _;

use aoxide::{Outcome, Runtime};
use aoxide_fuzz::{check_result, env, spawn, to_json, FuzzMessage, TOKEN_ACTIONS, TOKEN_TAGS};
use aoxide_lua::{Limits, LuaFiles, LuaProcess, LuaSource};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

/// The AOS environment and nothing else, with limits small enough for a fuzzer's pace.
struct Bare;

impl LuaFiles for Bare {
    const SOURCES: &'static [LuaSource] = &[];

    fn limits() -> Limits {
        Limits {
            instructions: 1_000_000,
            memory: 8 * 1024 * 1024,
        }
    }
}

/// What the error of an `Eval` that hit a bound says.
const BOUNDS: [&str; 3] = ["instruction budget", "memory limit", "over the limit of"];

/// The action `Eval` in [`TOKEN_ACTIONS`].
const EVAL: u8 = 8;

/// Collects the functions called into `F`, in an order that does not depend on the
/// fuzzer's input nor on addresses (each table's keys sorted), and `D`, which describes a
/// call's results without addresses (a table by its size, a bint by its text).
const PRELUDE: &str = r#"
local bint = require('.bint')(256)
local json = require('json')
local F, B = {}, getmetatable(bint(0))
local function collect(t, depth)
  local keys = {}
  for k in pairs(t) do if type(k) == 'string' then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = rawget(t, k)
    if type(v) == 'function' then F[#F + 1] = v
    elseif type(v) == 'table' and depth > 0 and v ~= t then collect(v, depth - 1) end
  end
end
for _, t in ipairs({ json, bint, B, require('.base64'), require('.crypto'), require('.utils'),
  os, math, string, table, utf8, ao, Handlers.utils }) do collect(t, 2) end
for _, f in ipairs({
  function(a, b) return a + b end, function(a, b) return a - b end,
  function(a, b) return a * b end, function(a, b) return a / b end,
  function(a, b) return a // b end, function(a, b) return a % b end,
  function(a, b) return a ^ b end, function(a, b) return a == b end,
  function(a, b) return a < b end, function(a, b) return a <= b end,
  function(a, b) return a .. b end, function(a, b) return a & b end,
  function(a, b) return a | b end, function(a, b) return a ~ b end,
  function(a, b) return a << b end, function(a, b) return a >> b end,
  function(a) return -a end, function(a) return ~a end, function(a) return #a end,
  function(a) return tostring(a) end, function(a, b) return tonumber(a, b) end,
  function(a) return bint(a) end, function(a) return json.decode(json.encode(a)) end,
}) do F[#F + 1] = f end
local function d(v)
  local t = type(v)
  if t == 'string' then return string.format('%q', v:sub(1, 64)) .. '#' .. #v end
  if t == 'number' then return math.type(v) .. ':' .. tostring(v) end
  if t == 'table' then
    if getmetatable(v) == B then
      -- Code may break a bint (a table of limbs): `table.remove(x)` drops one.
      local ok, text = pcall(tostring, v)
      return (ok and 'bint:' or 'broken bint:') .. text
    end
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    return 'table#' .. n
  end
  return t == 'boolean' and tostring(v) or t
end
local R = {}
local function D(...)
  -- The count and the first values (`table.unpack` may return a million).
  local r = table.pack(...)
  local out = { r.n }
  for i = 1, math.min(r.n, 16) do out[#out + 1] = d(r[i]) end
  R[#R + 1] = table.concat(out, ',')
end
local function call(i, ...) return F[(i % #F) + 1](...) end
"#;

/// A fuzzed argument, written as a Lua expression.
#[derive(Debug, Arbitrary)]
enum Arg {
    Nil,
    Bool(bool),
    Int(i64),
    Small(i8),
    Float(f64),
    Text(Vec<u8>),
    /// Decimal digits, as a 256-bit amount's text would be (`1` followed by zeros: a bint's
    /// edges, or past them).
    Digits(u8),
    /// `bint(n)`.
    Bint(i64),
    /// `string.rep(text, n)`: text up to MiBs, past the heap's limit.
    Rep(Vec<u8>, u32),
    Array(Vec<Arg>),
    Map(Vec<(Vec<u8>, Arg)>),
    /// A table that holds itself.
    Cycle,
    /// A table whose `__len` answers `n` (the table library trusts it for its loops).
    Length(i64),
    /// A function that returns its arguments, fails with a table, or never ends.
    Func(u8),
    /// One of the library functions, as a value.
    Lib(u16),
}

/// Writes `bytes` as a Lua string literal of decimal escapes.
fn text(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for b in bytes {
        let _ = write!(out, "\\{b}");
    }
    out.push('"');
}

impl Arg {
    fn write(&self, out: &mut String, depth: u32) {
        if depth > 4 {
            out.push_str("nil");
            return;
        }
        match self {
            Arg::Nil => out.push_str("nil"),
            Arg::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Arg::Int(i64::MIN) => out.push_str("math.mininteger"),
            Arg::Int(n) => {
                let _ = write!(out, "({n})");
            }
            Arg::Small(n) => {
                let _ = write!(out, "({n})");
            }
            Arg::Float(f) if f.is_nan() => out.push_str("(0/0)"),
            Arg::Float(f) if f.is_infinite() => {
                out.push_str(if *f > 0.0 { "(1/0)" } else { "(-1/0)" })
            }
            Arg::Float(f) => {
                let _ = write!(out, "({f:?})");
            }
            Arg::Text(bytes) => text(out, bytes),
            Arg::Digits(n) => {
                let _ = write!(out, "\"1{}\"", "0".repeat(usize::from(*n % 100)));
            }
            Arg::Bint(i64::MIN) => out.push_str("bint(math.mininteger)"),
            Arg::Bint(n) => {
                let _ = write!(out, "bint({n})");
            }
            Arg::Rep(bytes, n) => {
                out.push_str("string.rep(");
                text(out, bytes);
                let _ = write!(out, ", {})", n % 10_000_000);
            }
            Arg::Array(items) => {
                out.push('{');
                for item in items.iter().take(16) {
                    item.write(out, depth + 1);
                    out.push(',');
                }
                out.push('}');
            }
            Arg::Map(entries) => {
                out.push('{');
                for (key, value) in entries.iter().take(16) {
                    out.push('[');
                    text(out, key);
                    out.push_str("]=");
                    value.write(out, depth + 1);
                    out.push(',');
                }
                out.push('}');
            }
            Arg::Cycle => {
                out.push_str("(function() local t = {1} t.self = t t[2] = t return t end)()")
            }
            Arg::Length(n) => {
                let _ = write!(
                    out,
                    "setmetatable({{}}, {{ __len = function() return {} end }})",
                    if *n == i64::MIN {
                        "math.mininteger".to_owned()
                    } else {
                        format!("({n})")
                    }
                );
            }
            Arg::Func(n) => out.push_str(match n % 4 {
                0 => "function(...) return ... end",
                1 => "function() error({ code = 1 }) end",
                2 => "function() while true do end end",
                _ => "function(a, b) return a end",
            }),
            Arg::Lib(n) => {
                let _ = write!(out, "F[{} % #F + 1]", n);
            }
        }
    }
}

/// One call: `F[function]` with the arguments.
#[derive(Debug, Arbitrary)]
struct Call {
    function: u16,
    args: Vec<Arg>,
}

/// The Lua source of the first `Eval`: every function of `F` in turn, with the same
/// arguments (made once), each in a protected call that records its results.
fn sweep(args: &[Arg]) -> String {
    let mut out = String::from(PRELUDE);
    out.push_str("local ok, A = pcall(function() return table.pack(");
    for (n, arg) in args.iter().take(6).enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        arg.write(&mut out, 0);
    }
    out.push_str(
        ") end)\nD(ok)\nif ok then for i = 1, #F do D(pcall(F[i], table.unpack(A, 1, A.n))) end end\n",
    );
    out.push_str("print(table.concat(R, '\\n'))\n");
    out
}

/// The Lua source of one `Eval`: the prelude, then each call in a protected call that
/// records its results, then the record printed.
fn chunk(calls: &[Call]) -> String {
    let mut out = String::from(PRELUDE);
    for call in calls {
        let _ = write!(out, "D(pcall(function() return call({}", call.function);
        for arg in call.args.iter().take(6) {
            out.push_str(", ");
            arg.write(&mut out, 0);
        }
        out.push_str(") end))\n");
    }
    out.push_str("print(table.concat(R, '\\n'))\n");
    out
}

/// What the fuzzer gives: the arguments every function is called with, then calls of
/// functions of its choice.
#[derive(Debug, Arbitrary)]
struct Input {
    sweep: Vec<Arg>,
    calls: Vec<Call>,
}

/// Runs the sweep and the calls (eight to an `Eval`) on a fresh process, then a probe
/// `Eval`; returns every result's JSON-1 bytes.
fn run(input: &Input) -> Vec<Vec<u8>> {
    let mut rt = Runtime::<LuaProcess<Bare>>::new();
    let env = env();
    let out = rt.handle_bytes(&spawn(), &env);
    assert!(out.error.is_none(), "spawn failed: {:?}", out.error);
    let mut results = Vec::new();
    let mut send = |rt: &mut Runtime<LuaProcess<Bare>>, source: &str, n: usize| -> Outcome {
        let eval = FuzzMessage::new(0, EVAL, source);
        let out = rt.handle_bytes(&to_json(&eval, TOKEN_ACTIONS, TOKEN_TAGS, n), &env);
        check_result(&out);
        results.push(out.to_json());
        out
    };
    let sources =
        std::iter::once(sweep(&input.sweep)).chain(input.calls.chunks(8).take(4).map(chunk));
    for (n, source) in sources.enumerate() {
        let out = send(&mut rt, &source, n);
        // Every call is protected: only a bound (the budget, the heap, a size limit) may
        // end the `Eval` itself, not a syntax error of the generator nor an error that
        // escaped a `pcall`.
        if let Some(error) = out.error.as_deref() {
            assert!(
                BOUNDS.iter().any(|bound| error.contains(bound)),
                "the Eval failed: {error}"
            );
        }
    }
    let probe = send(&mut rt, "print('alive ' .. 6 * 7)", 63);
    assert!(probe.error.is_none(), "the probe failed: {:?}", probe.error);
    assert!(
        probe.output.data.contains("alive 42"),
        "the probe printed {:?}",
        probe.output.data
    );
    results
}

/// `text` with every hexadecimal number after `0x` replaced by `0x?`: natively, Lua writes a
/// table's or a function's address (`tostring({})`), which differs between two processes
/// (in a module the two would be the same bytes).
fn without_addresses(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_ref();
    while let Some(at) = rest.find("0x") {
        out.push_str(&rest[..at + 2]);
        rest = rest[at + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
        out.push('?');
    }
    out.push_str(rest);
    out
}

fuzz_target!(|input: Input| {
    let first = run(&input);
    let second = run(&input);
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(
            without_addresses(a),
            without_addresses(b),
            "two fresh processes answered the same Eval differently"
        );
    }
});
