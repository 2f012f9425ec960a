//! `.bint`: 256-bit two's-complement integers (AOS `require('.bint')(256)`), backed by
//! aoxide's `U256`. Arithmetic wraps; comparisons and text are signed; `ult`/`ule` are
//! unsigned.
//!
//! A bint is, as in AOS, a Lua table: its eight 32-bit limbs (least significant first) at
//! 1 to 8, and the bints' metatable (kept in the registry under [`META`]), whose
//! metamethods are written in Rust. A table, not userdata: making a userdata runs mlua's
//! generic userdata code (13.6 KB of it, with the metatable's registration inlined), which
//! V8 compiles the first time a process makes a bint, while a table with a metatable is what
//! every message already makes.

use std::ffi::CStr;

use mlua::chunk::ChunkMode;
use mlua::{IntoLua, Lua, Table, Value};
// ruint's U256 (what `aoxide::U256` wraps): bint needs its wrapping and bitwise arithmetic.
use ruint::aliases::U256;

mod api;
mod stack;

use stack::arg;

use crate::vm::Named;

/// Unsigned decimal, by aoxide's amount writer (without `core::fmt`, unlike `Display`).
fn decimal(x: U256) -> String {
    aoxide::U256::from_limbs(*x.as_limbs()).to_decimal()
}

/// One 256-bit integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bint(U256);

const SIGN: U256 = U256::from_limbs([0, 0, 0, 1 << 63]);

/// `text` without the spaces Lua's `isspace` sees around it (space, `\t`, `\n`, `\v`,
/// `\f`, `\r`), as `tonumber` skips them. Bytes, not `str::trim`: Unicode's spaces are
/// not Lua's, and its `char` searcher would be in the module for this alone.
fn trim_lua_space(text: &str) -> &str {
    let space = |b: &u8| matches!(b, b' ' | b'\t'..=b'\r');
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !space(b))
        .map_or(start, |last| last + 1);
    // Both ends are next to ASCII bytes: character boundaries.
    text.get(start..end).unwrap_or_default()
}

impl Bint {
    fn negative(self) -> bool {
        self.0 & SIGN != U256::ZERO
    }

    fn signed_lt(self, other: Bint) -> bool {
        (self.0 ^ SIGN) < (other.0 ^ SIGN)
    }

    /// Signed decimal.
    fn text(self) -> String {
        if self.negative() {
            let mut text = String::from("-");
            text.push_str(&decimal(self.0.wrapping_neg()));
            text
        } else {
            decimal(self.0)
        }
    }

    fn parse(text: &str) -> Option<Bint> {
        let text = trim_lua_space(text);
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let value = if let Some(hex) = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
        {
            U256::from_str_radix(hex, 16).ok()?
        } else {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            U256::from_str_radix(digits, 10).ok()?
        };
        Some(Bint(if negative {
            value.wrapping_neg()
        } else {
            value
        }))
    }

    fn from_i64(i: i64) -> Bint {
        let magnitude = U256::from(i.unsigned_abs());
        Bint(if i < 0 {
            magnitude.wrapping_neg()
        } else {
            magnitude
        })
    }
}

/// The registry key of the bints' metatable ([`META_KEY`] for Lua's C API).
const META_KEY: &str = "aoxide.bint";
/// [`META_KEY`] as a C string.
const META: &CStr = c"aoxide.bint";

/// A bint's limbs: 32 bits each, as AOS's 256-bit bints (`json.encode` of one is the same
/// array of eight numbers).
const LIMBS: usize = 8;

/// A binary function over two operands of any kind [`arg`] reads (through mlua: the
/// functions messages rarely run).
fn binary<R: IntoLua>(
    lua: &Lua,
    f: impl Fn(Bint, Bint) -> R + 'static,
) -> mlua::Result<mlua::Function> {
    lua.create_function(move |lua, (a, b): (Value, Value)| Ok(f(arg(lua, &a)?, arg(lua, &b)?)))
}

/// The bints' metatable, registered under [`META`]: the arithmetic and comparisons are C
/// functions (`stack`), text goes through mlua.
fn metatable(lua: &Lua) -> mlua::Result<Table> {
    let meta = lua.create_table()?;
    let operators: [(&str, mlua::ffi::lua_CFunction); 12] = [
        ("__tostring", stack::tostring),
        ("__add", stack::add),
        ("__sub", stack::sub),
        ("__mul", stack::mul),
        ("__idiv", stack::quotient),
        ("__div", stack::quotient),
        ("__mod", stack::remainder),
        ("__pow", stack::pow),
        ("__unm", stack::unm),
        ("__eq", stack::eq),
        ("__lt", stack::lt),
        ("__le", stack::le),
    ];
    for (name, f) in operators.into_iter().chain(api::OPERATORS) {
        // SAFETY: each is a C function over this VM's stack as Lua calls it (see `stack`,
        // `api`).
        meta.set(name, unsafe { lua.create_c_function(f)? })?;
    }
    meta.set(
        "__concat",
        lua.create_function(|lua, (a, b): (Value, Value)| {
            let mut text = text_of(lua, &a)?;
            text.push_str(&text_of(lua, &b)?);
            Ok(text)
        })?,
    )?;
    lua.set_named_registry_value(META_KEY, &meta)?;
    Ok(meta)
}

fn text_of(lua: &Lua, v: &Value) -> mlua::Result<String> {
    match v {
        Value::Table(_) => Ok(arg(lua, v)?.text()),
        Value::String(s) => Ok(s.to_string_lossy()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(mlua::Error::runtime(format!(
            "attempt to concatenate a {} value",
            other.type_name()
        ))),
    }
}

/// Signed truncating division (Lua's `//` on bints floors; AOS's bint floors too).
/// `None` for a zero divisor.
fn divide(a: Bint, b: Bint) -> Option<(Bint, Bint)> {
    if b.0 == U256::ZERO {
        return None;
    }
    let abs = |x: Bint| {
        if x.negative() {
            x.0.wrapping_neg()
        } else {
            x.0
        }
    };
    let (q, r) = abs(a).div_rem(abs(b));
    let mut q = Bint(if a.negative() != b.negative() {
        q.wrapping_neg()
    } else {
        q
    });
    let mut r = Bint(if a.negative() { r.wrapping_neg() } else { r });
    // Floor: adjust when the remainder's sign differs from the divisor's.
    if r.0 != U256::ZERO && r.negative() != b.negative() {
        q = Bint(q.0.wrapping_sub(U256::from(1u8)));
        r = Bint(r.0.wrapping_add(b.0));
    }
    Some((q, r))
}

pub(super) fn module(lua: &Lua) -> mlua::Result<Table> {
    let b = lua.create_table()?;
    // SAFETY: a C function over this VM's stack as Lua calls it (see `stack`).
    let new = unsafe { lua.create_c_function(stack::new)? };
    for name in ["new", "fromstring", "frominteger"] {
        b.set(name, new.clone())?;
    }
    b.set(
        "tobint",
        lua.create_function(|lua, v: Value| Ok(arg(lua, &v).ok()))?,
    )?;
    b.set("zero", lua.create_function(|_, ()| Ok(Bint(U256::ZERO)))?)?;
    b.set(
        "one",
        lua.create_function(|_, ()| Ok(Bint(U256::from(1u8))))?,
    )?;
    b.set(
        "isbint",
        lua.create_function(|lua, v: Value| {
            Ok(matches!(v, Value::Table(_)) && arg(lua, &v).is_ok())
        })?,
    )?;
    b.set(
        "tostring",
        lua.create_function(|lua, v: Value| Ok(arg(lua, &v)?.text()))?,
    )?;
    b.set(
        "iszero",
        lua.create_function(|lua, v: Value| Ok(arg(lua, &v)?.0 == U256::ZERO))?,
    )?;
    b.set(
        "isneg",
        lua.create_function(|lua, v: Value| Ok(arg(lua, &v)?.negative()))?,
    )?;
    b.set("ult", binary(lua, |a, c| a.0 < c.0)?)?;
    b.set("ule", binary(lua, |a, c| a.0 <= c.0)?)?;
    b.set(
        "max",
        binary(lua, |a, c| if a.signed_lt(c) { c } else { a })?,
    )?;
    b.set(
        "min",
        binary(lua, |a, c| if c.signed_lt(a) { c } else { a })?,
    )?;
    b.set(
        "abs",
        lua.create_function(|lua, v: Value| {
            let x = arg(lua, &v)?;
            Ok(if x.negative() {
                Bint(x.0.wrapping_neg())
            } else {
                x
            })
        })?,
    )?;
    for (name, f) in api::FUNCTIONS {
        // SAFETY: each is a C function over this VM's stack as Lua calls it (see `api`).
        b.set(name, unsafe { lua.create_c_function(f)? })?;
    }
    // The metamethods, callable as functions (`bint.__lt(a, b)`), taking any operand kind:
    // every entry of the metatable.
    let meta = metatable(lua)?;
    for entry in meta.pairs::<Value, Value>() {
        let (name, f) = entry?;
        b.set(name, f)?;
    }
    // `bint.eq(a, b)`, `bint.lt`, `bint.le` are the comparison metamethods.
    for (name, meta_name) in [
        ("eq", "__eq"),
        ("lt", "__lt"),
        ("le", "__le"),
        ("ipow", "__pow"),
    ] {
        let f: Value = meta.get(meta_name)?;
        b.set(name, f)?;
    }
    let bt = lua.create_table()?;
    // SAFETY: a C function over this VM's stack as Lua calls it (see `stack`).
    bt.set("__call", unsafe { lua.create_c_function(stack::call)? })?;
    b.set_metatable(Some(bt))?;
    // The module is `require('.bint')(bits)`; only 256 bits are offered. The factory is
    // Lua (made once, with the library), so the spawn of a process that calls it runs no
    // mlua callback code.
    lua.load(Named::new("=.bint", FACTORY.as_bytes(), ChunkMode::Text))
        .call(b)
}

/// `require('.bint')`: called with the bit width (a number, or text that is one), it
/// gives the 256-bit module; any other width is an error.
const FACTORY: &str = r#"
local bint = ...
local tointeger, tostring, error, mathtype, type, pcall = math.tointeger, tostring, error, math.type, type, pcall
-- The rest of AOS's API that is Lua over the C functions.
bint.bits = 256
function bint.maxinteger() return bint(-1) >> 1 end
function bint.mininteger() return ~(bint(-1) >> 1) end
function bint.type(x)
  if bint.isbint(x) then return "bint" end
  return mathtype(x)
end
function bint.isnumeric(x) return bint.isbint(x) or type(x) == "number" end
function bint.isintegral(x) return bint.isbint(x) or mathtype(x) == "integer" end
-- A 64-bit integer read as unsigned; nothing for what is not an integer.
function bint.fromuinteger(x)
  x = tointeger(x)
  if x then return bint(x) & ((bint(1) << 64) - 1) end
end
-- A bint of an integer or of text that is one; a float as it is; else nil.
function bint.parse(x)
  local kind = mathtype(x)
  if kind == "float" then return x end
  if kind == "integer" or bint.isbint(x) then return bint(x) end
  if type(x) == "string" then
    local ok, b = pcall(bint.new, x)
    if ok then return b end
  end
  return nil
end
return setmetatable({}, { __call = function(_, bits)
  if bits == nil or tointeger(bits) == 256 then return bint end
  error("only 256-bit bints are available, not " .. tostring(bits), 2)
end })
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn the_metatable_key_is_one_name() {
        assert_eq!(super::META.to_str(), Ok(super::META_KEY));
    }

    #[test]
    fn parsing_skips_the_spaces_lua_skips_and_no_others() {
        use super::{trim_lua_space, Bint};
        assert_eq!(trim_lua_space(" \t\n\x0b\x0c\r42 \r\n"), "42");
        assert_eq!(trim_lua_space(" \t "), "");
        assert_eq!(trim_lua_space(""), "");
        assert_eq!(trim_lua_space("\u{a0}7\u{2003}"), "\u{a0}7\u{2003}");
        assert_eq!(Bint::parse("\x0b 12\n"), Bint::parse("12"));
        assert!(Bint::parse("12").is_some());
        // No-break and em spaces are not Lua's: not a number, as `tonumber` says.
        assert_eq!(Bint::parse("\u{a0}12"), None);
    }
}
