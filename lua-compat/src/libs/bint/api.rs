//! The rest of AOS's bint library (`lua-bint`'s API as AOS 2.0.4 answers it, measured on
//! `aos2_0_4_32.wasm`: `tests/bint/bint.expected`): unsigned and truncated division, the
//! bitwise operators, shifts and rotations, predicates, increments and conversions. C
//! functions over Lua's stack, as the arithmetic in `stack` (no mlua callback code per
//! function); the text conversions (`tobase`, `frombase`) too.

use std::ffi::c_int;

use mlua::ffi;
use ruint::aliases::U256;

use super::stack::{push, read, DIVIDE_BY_ZERO};
use super::{divide, Bint, SIGN};

const BITS: usize = 256;

/// Raises `text` as Lua's error.
///
/// # Safety
/// A Lua C function's context whose frame owns nothing that needs dropping.
unsafe fn raise(state: *mut ffi::lua_State, text: &'static std::ffi::CStr) -> ! {
    // SAFETY: the caller's context.
    unsafe {
        ffi::lua_pushstring(state, text.as_ptr());
        ffi::lua_error(state)
    }
}

/// `x` with its sign dropped, and whether it was negative.
fn magnitude(x: Bint) -> (U256, bool) {
    if x.negative() {
        (x.0.wrapping_neg(), true)
    } else {
        (x.0, false)
    }
}

/// Why a division has no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoQuotient {
    ByZero,
    /// The smallest bint by -1, in truncated division (AOS refuses it).
    Overflow,
}

impl NoQuotient {
    fn text(self) -> &'static std::ffi::CStr {
        match self {
            NoQuotient::ByZero => DIVIDE_BY_ZERO,
            NoQuotient::Overflow => c"division overflow",
        }
    }
}

/// Truncated division (`tdiv`, `tmod`): the quotient rounds toward zero, the remainder
/// has the dividend's sign.
fn truncated(a: Bint, b: Bint) -> Result<(Bint, Bint), NoQuotient> {
    if b.0 == U256::ZERO {
        return Err(NoQuotient::ByZero);
    }
    if b.0 == U256::MAX && a.0 == SIGN {
        return Err(NoQuotient::Overflow);
    }
    let (ma, na) = magnitude(a);
    let (mb, nb) = magnitude(b);
    let (q, r) = ma.div_rem(mb);
    let sign = |x: U256, negative: bool| Bint(if negative { x.wrapping_neg() } else { x });
    Ok((sign(q, na != nb), sign(r, na)))
}

/// Unsigned division (`udiv`, `umod`).
fn unsigned(a: Bint, b: Bint) -> Result<(Bint, Bint), NoQuotient> {
    if b.0 == U256::ZERO {
        return Err(NoQuotient::ByZero);
    }
    let (q, r) = a.0.div_rem(b.0);
    Ok((Bint(q), Bint(r)))
}

/// Floored division (`idivmod`, `//`, `%`), which wraps for the smallest bint by -1.
fn floored(a: Bint, b: Bint) -> Result<(Bint, Bint), NoQuotient> {
    divide(a, b).ok_or(NoQuotient::ByZero)
}

/// A shift count from a bint: its signed value, saturated at ±(BITS + 1).
fn count(x: Bint) -> i64 {
    let (m, negative) = magnitude(x);
    let n = if m > U256::from(BITS + 1) {
        BITS as i64 + 1
    } else {
        m.as_limbs()[0] as i64
    };
    if negative {
        -n
    } else {
        n
    }
}

/// `x << n` (a negative `n` shifts right), logical; past 255 bits, zero.
fn shift_left(x: Bint, n: i64) -> Bint {
    let bits = n.unsigned_abs() as usize;
    Bint(match (n < 0, bits >= BITS) {
        (_, true) => U256::ZERO,
        (false, false) => x.0 << bits,
        (true, false) => x.0 >> bits,
    })
}

/// `x` rotated left by `n` bits (right when negative).
fn rotate_left(x: Bint, n: i64) -> Bint {
    let bits = n.rem_euclid(BITS as i64) as usize;
    Bint(x.0.rotate_left(bits))
}

/// The low 64 bits as a Lua integer (what `tointeger` and `touinteger` answer: they wrap).
fn low_integer(x: Bint) -> i64 {
    x.0.as_limbs()[0] as i64
}

/// A C function over two operands pushing one bint, or raising the division error.
macro_rules! binary {
    ($(#[$doc:meta])* $name:ident, |$a:ident, $b:ident| $value:expr) => {
        $(#[$doc])*
        pub(super) unsafe extern "C-unwind" fn $name(state: *mut ffi::lua_State) -> c_int {
            // SAFETY: Lua calls a C function with LUA_MINSTACK (20) free slots; its frame
            // holds only bints (no drop) when an error unwinds past it.
            unsafe {
                let $a = read(state, 1);
                let $b = read(state, 2);
                let value: Result<Bint, NoQuotient> = $value;
                match value {
                    Ok(v) => push(state, v),
                    Err(e) => raise(state, e.text()),
                }
            }
            1
        }
    };
}

binary!(
    /// `bint.udiv(a, b)`: the unsigned quotient.
    udiv, |a, b| unsigned(a, b).map(|qr| qr.0)
);
binary!(
    /// `bint.umod(a, b)`: the unsigned remainder.
    umod, |a, b| unsigned(a, b).map(|qr| qr.1)
);
binary!(
    /// `bint.tdiv(a, b)`: the quotient rounded toward zero.
    tdiv, |a, b| truncated(a, b).map(|qr| qr.0)
);
binary!(
    /// `bint.tmod(a, b)`: the remainder with the dividend's sign.
    tmod, |a, b| truncated(a, b).map(|qr| qr.1)
);
binary!(
    /// `a & b`.
    band, |a, b| Ok(Bint(a.0 & b.0))
);
binary!(
    /// `a | b`.
    bor, |a, b| Ok(Bint(a.0 | b.0))
);
binary!(
    /// `a ~ b`.
    bxor, |a, b| Ok(Bint(a.0 ^ b.0))
);
binary!(
    /// `a << n`: logical; a negative `n` shifts right.
    shl, |a, n| Ok(shift_left(a, count(n)))
);
binary!(
    /// `a >> n`: logical; a negative `n` shifts left.
    shr, |a, n| Ok(shift_left(a, count(n).wrapping_neg()))
);
binary!(
    /// `bint.brol(a, n)`: rotated left.
    brol, |a, n| Ok(rotate_left(a, count(n)))
);
binary!(
    /// `bint.bror(a, n)`: rotated right.
    bror, |a, n| Ok(rotate_left(a, count(n).wrapping_neg()))
);

/// A C function over two operands pushing a quotient and a remainder.
macro_rules! division {
    ($(#[$doc:meta])* $name:ident, $divide:expr) => {
        $(#[$doc])*
        pub(super) unsafe extern "C-unwind" fn $name(state: *mut ffi::lua_State) -> c_int {
            // SAFETY: as `binary!`.
            unsafe {
                let a = read(state, 1);
                let b = read(state, 2);
                let divided: Result<(Bint, Bint), NoQuotient> = $divide(a, b);
                match divided {
                    Ok((q, r)) => {
                        push(state, q);
                        push(state, r);
                    }
                    Err(e) => raise(state, e.text()),
                }
            }
            2
        }
    };
}

division!(
    /// `bint.idivmod(a, b)`: the floored quotient and remainder.
    idivmod, floored
);
division!(
    /// `bint.tdivmod(a, b)`: the truncated quotient and remainder.
    tdivmod, truncated
);
division!(
    /// `bint.udivmod(a, b)`: the unsigned quotient and remainder.
    udivmod, unsigned
);

/// A C function over one operand pushing what `$push` pushes.
macro_rules! unary {
    ($(#[$doc:meta])* $name:ident, |$state:ident, $a:ident| $push:expr) => {
        $(#[$doc])*
        pub(super) unsafe extern "C-unwind" fn $name($state: *mut ffi::lua_State) -> c_int {
            // SAFETY: as `binary!`.
            unsafe {
                let $a = read($state, 1);
                $push;
            }
            1
        }
    };
}

/// Pushes a Lua boolean.
///
/// # Safety
/// A Lua C function's context with a free slot.
unsafe fn boolean(state: *mut ffi::lua_State, b: bool) {
    // SAFETY: the caller's context.
    unsafe { ffi::lua_pushboolean(state, c_int::from(b)) }
}

unary!(
    /// `~a` (Lua passes the operand twice).
    bnot, |state, a| push(state, Bint(!a.0))
);
unary!(
    /// `bint.inc(a)`: `a + 1`, wrapping.
    inc, |state, a| push(state, Bint(a.0.wrapping_add(U256::from(1u8))))
);
unary!(
    /// `bint.dec(a)`: `a - 1`, wrapping.
    dec, |state, a| push(state, Bint(a.0.wrapping_sub(U256::from(1u8))))
);
unary!(
    /// `bint.iseven(a)`.
    iseven, |state, a| boolean(state, !a.0.bit(0))
);
unary!(
    /// `bint.isodd(a)`.
    isodd, |state, a| boolean(state, a.0.bit(0))
);
unary!(
    /// `bint.isone(a)`.
    isone, |state, a| boolean(state, a.0 == U256::from(1u8))
);
unary!(
    /// `bint.isminusone(a)`.
    isminusone, |state, a| boolean(state, a.0 == U256::MAX)
);
unary!(
    /// `bint.ispos(a)`: above zero.
    ispos, |state, a| boolean(state, !a.negative() && a.0 != U256::ZERO)
);
unary!(
    /// `bint.tointeger(a)` and `touinteger`: the low 64 bits, as AOS's wrap.
    tointeger, |state, a| ffi::lua_pushinteger(state, low_integer(a))
);
unary!(
    /// `bint.tonumber(a)`: an integer where it fits Lua's, else the nearest float.
    tonumber, |state, a| {
        let (m, negative) = magnitude(a);
        let low = low_integer(a);
        let fits = if negative { low < 0 } else { low >= 0 } && m.bit_len() <= 64;
        if fits || a.0 == U256::ZERO {
            ffi::lua_pushinteger(state, low);
        } else {
            let f: f64 = m.into();
            ffi::lua_pushnumber(state, if negative { -f } else { f });
        }
    }
);
unary!(
    /// `bint.floor(a)`, `ceil`, `trunc`, `tobint`'s copy: a bint of `a`.
    copy, |state, a| push(state, a)
);

/// `bint.upowmod(x, e, m)`: `x ^ e mod m`, unsigned.
pub(super) unsafe extern "C-unwind" fn upowmod(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: as `binary!`.
    unsafe {
        let x = read(state, 1);
        let e = read(state, 2);
        let m = read(state, 3);
        if m.0 == U256::ZERO {
            raise(state, DIVIDE_BY_ZERO);
        }
        push(state, Bint(x.0.pow_mod(e.0, m.0)));
    }
    1
}

/// The digits of `tobase` and `frombase`.
const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// `bint.tobase(x, base, unsigned)`: `x` in `base` (2 to 36), lower-case; unsigned (two's
/// complement) unless `unsigned` is false, or by default in base 10.
pub(super) unsafe extern "C-unwind" fn tobase(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: as `binary!`; the digits live in this frame's array.
    unsafe {
        let x = read(state, 1);
        let base = ffi::lua_tointegerx(state, 2, std::ptr::null_mut());
        if !(2..=36).contains(&base) {
            raise(state, c"base must be between 2 and 36");
        }
        let unsigned = match ffi::lua_type(state, 3) {
            ffi::LUA_TNIL | ffi::LUA_TNONE => base != 10,
            _ => ffi::lua_toboolean(state, 3) != 0,
        };
        let (mut m, negative) = if unsigned { (x.0, false) } else { magnitude(x) };
        let mut buf = [0u8; BITS + 1];
        let mut at = buf.len();
        let base = U256::from(base as u64);
        loop {
            let (q, r) = m.div_rem(base);
            at -= 1;
            buf[at] = DIGITS[r.as_limbs()[0] as usize];
            m = q;
            if m == U256::ZERO {
                break;
            }
        }
        if negative {
            at -= 1;
            buf[at] = b'-';
        }
        ffi::lua_pushlstring(state, buf[at..].as_ptr().cast(), buf.len() - at);
    }
    1
}

/// `bint.frombase(text, base)`: the bint `text` writes in `base` (a `-` or `+` first, then
/// digits of either case), wrapping; nothing for text that is not one.
pub(super) unsafe extern "C-unwind" fn frombase(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: as `binary!`; the text is read while it is on the stack.
    unsafe {
        let mut len = 0;
        let text = ffi::lua_tolstring(state, 1, &mut len);
        let base = ffi::lua_tointegerx(state, 2, std::ptr::null_mut());
        if text.is_null() || !(2..=36).contains(&base) {
            return 0;
        }
        if len > super::stack::FREE_TEXT {
            // One 256-bit multiplication and addition per digit.
            crate::vm::charge_from_registry(state, len as u64);
        }
        let text = std::slice::from_raw_parts(text.cast::<u8>(), len);
        match parse_base(text, base as u64) {
            Some(b) => {
                push(state, b);
                1
            }
            None => 0,
        }
    }
}

fn parse_base(text: &[u8], base: u64) -> Option<Bint> {
    let (negative, digits) = match text.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value = U256::ZERO;
    for &d in digits {
        let digit = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'z' => d - b'a' + 10,
            b'A'..=b'Z' => d - b'A' + 10,
            _ => return None,
        };
        if u64::from(digit) >= base {
            return None;
        }
        value = value
            .wrapping_mul(U256::from(base))
            .wrapping_add(U256::from(digit));
    }
    Some(Bint(if negative {
        value.wrapping_neg()
    } else {
        value
    }))
}

/// The functions of this module, by the names `bint.<name>` has in AOS.
pub(super) const FUNCTIONS: [(&str, ffi::lua_CFunction); 25] = [
    ("udiv", udiv),
    ("umod", umod),
    ("tdiv", tdiv),
    ("tmod", tmod),
    ("idivmod", idivmod),
    ("tdivmod", tdivmod),
    ("udivmod", udivmod),
    ("brol", brol),
    ("bror", bror),
    ("inc", inc),
    ("dec", dec),
    ("iseven", iseven),
    ("isodd", isodd),
    ("isone", isone),
    ("isminusone", isminusone),
    ("ispos", ispos),
    ("tointeger", tointeger),
    ("touinteger", tointeger),
    ("tonumber", tonumber),
    ("floor", copy),
    ("ceil", copy),
    ("trunc", copy),
    ("upowmod", upowmod),
    ("tobase", tobase),
    ("frombase", frombase),
];

/// The bitwise metamethods.
pub(super) const OPERATORS: [(&str, ffi::lua_CFunction); 6] = [
    ("__band", band),
    ("__bor", bor),
    ("__bxor", bxor),
    ("__bnot", bnot),
    ("__shl", shl),
    ("__shr", shr),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn b(i: i64) -> Bint {
        Bint::from_i64(i)
    }

    #[test]
    fn truncated_and_unsigned_division() {
        assert_eq!(truncated(b(-7), b(3)), Ok((b(-2), b(-1))));
        assert_eq!(truncated(b(7), b(-3)), Ok((b(-2), b(1))));
        assert_eq!(truncated(b(7), b(0)), Err(NoQuotient::ByZero));
        assert_eq!(truncated(Bint(SIGN), b(-1)), Err(NoQuotient::Overflow));
        assert_eq!(unsigned(b(-7), b(-3)), Ok((b(0), b(-7))));
    }

    #[test]
    fn shifts_and_rotations() {
        assert_eq!(shift_left(b(1), 3), b(8));
        assert_eq!(shift_left(b(8), -3), b(1));
        assert_eq!(shift_left(b(1), 256), b(0));
        assert_eq!(shift_left(b(-1), -255), b(1));
        assert_eq!(rotate_left(b(1), -1), Bint(U256::from(1u8) << 255));
        assert_eq!(count(Bint(U256::MAX)), -1);
        assert_eq!(count(Bint(U256::from(1u8) << 200)), 257);
    }

    #[test]
    fn bases() {
        assert_eq!(parse_base(b"-ff", 16), Some(b(-255)));
        assert_eq!(parse_base(b"zz", 36), Some(b(1295)));
        assert_eq!(parse_base(b"1g", 16), None);
        assert_eq!(parse_base(b"", 16), None);
        assert_eq!(parse_base(b"-", 16), None);
    }
}
