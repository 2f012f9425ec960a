//! Bints on Lua's stack: how a bint is made ([`push`]) and read ([`operand`]), the
//! arithmetic and comparison metamethods as C functions over them, and the same reading
//! for mlua values ([`arg`]).
//!
//! The metamethods a token's messages run (`+`, `-`, `<=`, `bint(x)`, ...) are C functions:
//! through mlua every operand became a `Value` holding a reference, read back through a
//! protected call, which was most of a bint operation's cost.

use std::ffi::{c_int, CStr};
use std::ptr;

use mlua::{ffi, IntoLua, Lua, Value};
use ruint::aliases::U256;

use super::{divide, Bint, LIMBS, META};
use crate::value::{type_name, LuaBytes};

/// Why an operand is not a bint; the error text is made where it is raised.
#[derive(Clone, Copy, Debug)]
pub(super) enum NotABint {
    /// A table that is not a bint.
    Table,
    /// A string that is not a decimal or hex integer.
    Text,
    /// A value of another type (its name as mlua gives it).
    Type(&'static CStr),
}

const NOT_A_BINT: &CStr = c"value is not a bint";
const TEXT_BEFORE: &CStr = c"value '";
const TEXT_AFTER: &CStr = c"' cannot be represented by a bint";
const TYPE_BEFORE: &CStr = c"value of type ";
const TYPE_AFTER: &CStr = c" cannot be represented by a bint";
/// Division or remainder by a zero bint.
pub(super) const DIVIDE_BY_ZERO: &CStr = c"attempt to divide by zero";

/// The text of `e` for an operand whose text (when a string) is `text`.
pub(super) fn message(e: NotABint, text: impl FnOnce() -> String) -> String {
    fn part(c: &'static CStr) -> &'static str {
        c.to_str().unwrap_or_default()
    }
    match e {
        NotABint::Table => part(NOT_A_BINT).to_owned(),
        NotABint::Text => format!("{}{}{}", part(TEXT_BEFORE), text(), part(TEXT_AFTER)),
        NotABint::Type(name) => format!("{}{}{}", part(TYPE_BEFORE), part(name), part(TYPE_AFTER)),
    }
}

/// Pushes `b` as a new table of its limbs with the bints' metatable.
///
/// # Safety
/// A Lua C function's context with two free stack slots; it may raise a memory error
/// (nothing of the caller's may need dropping then).
pub(super) unsafe fn push(state: *mut ffi::lua_State, b: Bint) {
    let limbs = b.0.as_limbs();
    // SAFETY: the caller's context.
    unsafe {
        ffi::lua_createtable(state, LIMBS as c_int, 0);
        for at in 0..LIMBS {
            let half = limbs[at / 2] >> (32 * (at % 2)) & u64::from(u32::MAX);
            ffi::lua_pushinteger(state, half as ffi::lua_Integer);
            ffi::lua_rawseti(state, -2, at as ffi::lua_Integer + 1);
        }
        ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, META.as_ptr());
        ffi::lua_setmetatable(state, -2);
    }
}

/// The bint the table at `index` holds, if it has the bints' metatable and eight integer
/// limbs in 0..2^32. The stack is left as it was.
///
/// # Safety
/// A Lua C function's context with three free slots and a table at `index`.
unsafe fn of_table(state: *mut ffi::lua_State, index: c_int) -> Option<Bint> {
    // SAFETY: the caller's context. Only raw reads; the registry key is a string the
    // registry holds, so reading it allocates nothing.
    unsafe {
        let index = ffi::lua_absindex(state, index);
        let top = ffi::lua_gettop(state);
        let ours = ffi::lua_getmetatable(state, index) != 0 && {
            ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, META.as_ptr());
            ffi::lua_rawequal(state, -1, -2) != 0
        };
        ffi::lua_settop(state, top);
        if !ours {
            return None;
        }
        let mut limbs = [0u64; 4];
        for at in 0..LIMBS {
            ffi::lua_rawgeti(state, index, at as ffi::lua_Integer + 1);
            let half = (ffi::lua_isinteger(state, -1) != 0)
                .then(|| ffi::lua_tointegerx(state, -1, ptr::null_mut()))
                .and_then(|i| u32::try_from(i).ok());
            ffi::lua_settop(state, top);
            limbs[at / 2] |= u64::from(half?) << (32 * (at % 2));
        }
        Some(Bint(U256::from_limbs(limbs)))
    }
}

/// The bint at `index`: a bint, an integer, an integral float below 2^63 or a decimal/hex
/// string. The stack is left as it was.
///
/// # Safety
/// A Lua C function's context with three free slots; `index` may be past the top (nil).
pub(super) unsafe fn operand(state: *mut ffi::lua_State, index: c_int) -> Result<Bint, NotABint> {
    // SAFETY: the caller's context; nothing here converts or allocates.
    unsafe {
        match ffi::lua_type(state, index) {
            ffi::LUA_TTABLE => of_table(state, index).ok_or(NotABint::Table),
            ffi::LUA_TNUMBER if ffi::lua_isinteger(state, index) != 0 => Ok(Bint::from_i64(
                ffi::lua_tointegerx(state, index, ptr::null_mut()),
            )),
            ffi::LUA_TNUMBER => {
                let n = ffi::lua_tonumberx(state, index, ptr::null_mut());
                if n.fract() == 0.0 && n.abs() < 9.2e18 {
                    Ok(Bint::from_i64(n as i64))
                } else {
                    Err(NotABint::Type(c"number"))
                }
            }
            ffi::LUA_TSTRING => {
                let text = LuaBytes::at(state, index).bytes();
                if text.len() > FREE_TEXT {
                    // SAFETY: one of the three free slots; the caller's frame owns nothing.
                    crate::vm::charge_from_registry(
                        state,
                        text.len() as u64 / crate::vm::READ_BYTES_PER_INSTRUCTION,
                    );
                }
                of_text(text)
            }
            kind => Err(NotABint::Type(type_name(kind))),
        }
    }
}

/// Bytes of a bint's text read free: a 256-bit number's digits with some spaces. A longer
/// text (spaces or digits, read whole) pays the budget one instruction per four bytes.
pub(super) const FREE_TEXT: usize = 128;

/// The bint a text names. Out of line: a process' first messages (a spawn's `bint(10)`,
/// `tostring`) read bints and integers, and V8 compiles a function whole on its first
/// call, this parsing with it when inlined.
#[inline(never)]
fn of_text(bytes: &[u8]) -> Result<Bint, NotABint> {
    // Invalid UTF-8 is no number (as the lossy text it was read as before).
    std::str::from_utf8(bytes)
        .ok()
        .and_then(Bint::parse)
        .ok_or(NotABint::Text)
}

/// Raises the error for the operand at `index`, its text made on Lua's stack.
///
/// # Safety
/// A Lua C function's context with three free slots, whose frame owns nothing that needs
/// dropping (the error unwinds past it).
unsafe fn raise(state: *mut ffi::lua_State, e: NotABint, index: c_int) -> ! {
    // SAFETY: the caller's context.
    unsafe {
        match e {
            NotABint::Table => {
                ffi::lua_pushstring(state, NOT_A_BINT.as_ptr());
            }
            NotABint::Text => {
                ffi::lua_pushstring(state, TEXT_BEFORE.as_ptr());
                ffi::lua_pushvalue(state, index);
                ffi::lua_pushstring(state, TEXT_AFTER.as_ptr());
                ffi::lua_concat(state, 3);
            }
            NotABint::Type(name) => {
                ffi::lua_pushstring(state, TYPE_BEFORE.as_ptr());
                ffi::lua_pushstring(state, name.as_ptr());
                ffi::lua_pushstring(state, TYPE_AFTER.as_ptr());
                ffi::lua_concat(state, 3);
            }
        }
        ffi::lua_error(state)
    }
}

/// The operand at `index`, or its error raised.
///
/// # Safety
/// As [`raise`].
pub(super) unsafe fn read(state: *mut ffi::lua_State, index: c_int) -> Bint {
    // SAFETY: the caller's context.
    unsafe {
        match operand(state, index) {
            Ok(b) => b,
            Err(e) => raise(state, e, index),
        }
    }
}

/// A C function over two operands (at 1 and 2) pushing one result.
macro_rules! binary {
    ($(#[$doc:meta])* $name:ident, |$state:ident, $a:ident, $b:ident| $push:expr) => {
        $(#[$doc])*
        pub(super) unsafe extern "C-unwind" fn $name($state: *mut ffi::lua_State) -> c_int {
            // SAFETY: Lua calls a C function with LUA_MINSTACK (20) free slots; its frame
            // holds only bints (no drop) when an error unwinds past it.
            unsafe {
                let $a = read($state, 1);
                let $b = read($state, 2);
                $push;
            }
            1
        }
    };
}

binary!(
    /// `a + b`, wrapping.
    add, |state, a, b| push(state, Bint(a.0.wrapping_add(b.0)))
);
binary!(
    /// `a - b`, wrapping.
    sub, |state, a, b| push(state, Bint(a.0.wrapping_sub(b.0)))
);
binary!(
    /// `a * b`, wrapping.
    mul, |state, a, b| push(state, Bint(product(a.0, b.0)))
);
binary!(
    /// `a ^ b`, wrapping.
    pow, |state, a, b| push(state, Bint(power(a.0, b.0)))
);

/// `a * b`, wrapping: one function for `*` and `^` (inlined, the multiplication was most
/// of each).
#[inline(never)]
fn product(a: U256, b: U256) -> U256 {
    a.wrapping_mul(b)
}

/// `base ^ exp`, wrapping (`U256::wrapping_pow`'s value), by squaring through
/// [`product`]: ruint's `wrapping_pow` tracks overflow and inlines its multiplications,
/// code a spawn that raises a bint to a power compiled for nothing.
fn power(mut base: U256, mut exp: U256) -> U256 {
    let mut result = U256::from(1u8);
    while exp != U256::ZERO {
        if exp.bit(0) {
            result = product(result, base);
        }
        exp >>= 1;
        base = product(base, base);
    }
    result
}
binary!(
    /// `a // b` and `a / b`: the floored quotient.
    quotient, |state, a, b| push(state, divided(state, a, b).0)
);
binary!(
    /// `a % b`: the floored remainder.
    remainder, |state, a, b| push(state, divided(state, a, b).1)
);
binary!(
    /// `a == b`.
    eq, |state, a, b| ffi::lua_pushboolean(state, c_int::from(a == b))
);
binary!(
    /// `a < b`, signed.
    lt, |state, a, b| ffi::lua_pushboolean(state, c_int::from(a.signed_lt(b)))
);
binary!(
    /// `a <= b`, signed.
    le, |state, a, b| ffi::lua_pushboolean(state, c_int::from(!b.signed_lt(a)))
);

/// [`divide`], or the division-by-zero error raised.
///
/// # Safety
/// As [`raise`].
unsafe fn divided(state: *mut ffi::lua_State, a: Bint, b: Bint) -> (Bint, Bint) {
    match divide(a, b) {
        Some(qr) => qr,
        // SAFETY: the caller's context.
        None => unsafe {
            ffi::lua_pushstring(state, DIVIDE_BY_ZERO.as_ptr());
            ffi::lua_error(state)
        },
    }
}

/// `-a` (Lua passes the operand twice).
pub(super) unsafe extern "C-unwind" fn unm(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: as the binary metamethods.
    unsafe {
        let a = read(state, 1);
        push(state, Bint(a.0.wrapping_neg()));
    }
    1
}

/// `bint.new(x)` (also `fromstring`, `frominteger`): `x` as a bint.
pub(super) unsafe extern "C-unwind" fn new(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: as the binary metamethods.
    unsafe {
        let a = read(state, 1);
        push(state, a);
    }
    1
}

/// `tostring(b)`, the bints' `__tostring` (also `bint.__tostring(x)`): the signed
/// decimal, written on the stack (the frame owns no `String` an error could skip).
pub(super) unsafe extern "C-unwind" fn tostring(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: as the binary metamethods; the digits live in this frame's array.
    unsafe {
        let a = read(state, 1);
        let magnitude = if a.negative() {
            a.0.wrapping_neg()
        } else {
            a.0
        };
        let mut buf = [0u8; aoxide::U256::DECIMAL_DIGITS];
        let digits = aoxide::U256::from_limbs(*magnitude.as_limbs()).write_decimal(&mut buf);
        ffi::lua_pushlstring(state, digits.as_ptr().cast(), digits.len());
        if a.negative() {
            ffi::lua_pushstring(state, c"-".as_ptr());
            ffi::lua_rotate(state, -2, 1);
            ffi::lua_concat(state, 2);
        }
    }
    1
}

/// `bint(x)`: the module table's `__call` (the table is the first argument).
pub(super) unsafe extern "C-unwind" fn call(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: as the binary metamethods.
    unsafe {
        let a = read(state, 2);
        push(state, a);
    }
    1
}

impl IntoLua for Bint {
    fn into_lua(self, lua: &Lua) -> mlua::Result<Value> {
        // SAFETY: `exec_raw` runs the closure as a protected C function with LUA_MINSTACK
        // (20) free slots; `push` uses two and leaves the table as the one result. A
        // memory error returns to `exec_raw`'s protected call past the closure, which owns
        // nothing to drop.
        unsafe { lua.exec_raw::<Value>((), |state| push(state, self)) }
    }
}

/// A bint from an mlua value, with the rules and error texts of the C functions.
pub(super) fn arg(lua: &Lua, v: &Value) -> mlua::Result<Bint> {
    let mut read = Err(NotABint::Table);
    // SAFETY: a protected call with `v` at index 1; `operand` leaves the stack as it was
    // and raises nothing; the stack is emptied, so the call returns nothing.
    unsafe {
        lua.exec_raw::<()>(v, |state| {
            read = operand(state, 1);
            ffi::lua_settop(state, 0);
        })?;
    }
    read.map_err(|e| {
        mlua::Error::runtime(message(e, || match v {
            Value::String(s) => s.to_string_lossy(),
            _ => String::new(),
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `power` is ruint's `wrapping_pow` on generated and edge operands.
    #[test]
    fn power_is_wrapping_pow() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut operands = vec![
            U256::ZERO,
            U256::from(1u8),
            U256::from(2u8),
            U256::from(10u8),
            U256::MAX,
            U256::MAX - U256::from(1u8),
        ];
        for _ in 0..40 {
            let limbs = [next(), next(), next(), next()];
            operands.push(U256::from_limbs(limbs));
            operands.push(U256::from(next() % 300));
        }
        for &a in &operands {
            for &b in &operands {
                assert_eq!(power(a, b), a.wrapping_pow(b), "{a} ^ {b}");
                assert_eq!(product(a, b), a.wrapping_mul(b));
            }
        }
    }
}
