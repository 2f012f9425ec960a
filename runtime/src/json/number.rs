//! JSON numbers as serde_json reads them (as aoxide builds it: without its
//! `float_roundtrip` feature), so that aoxide's reader and the serde reference give the
//! same value, bit for bit, on every input.
//!
//! - An integer that fits is exact: `u64` when non-negative, `i64` when negative; `-0`
//!   and negatives below `i64::MIN` are doubles.
//! - Every other number is a double computed the way serde_json computes it: the first
//!   digits that fit a `u64` (a longer integer part raises the exponent instead, digits
//!   after the point that do not fit are dropped), converted to a double, then multiplied
//!   or divided by the double nearest to the power of ten. Not always the nearest double
//!   to the decimal (that would be `float_roundtrip`), but always the same one.
//! - A double that overflows is an error ("number out of range"); one that underflows is 0.
//!
//! The powers of ten are computed when needed instead of kept in a 309-entry table.

use crate::error::JsonError;

/// A JSON number as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// Anything else.
    F64(f64),
}

/// The value of the digit at `i`, if there is one.
#[inline(always)]
fn digit(b: &[u8], i: usize) -> Option<u64> {
    match b.get(i) {
        Some(&d @ b'0'..=b'9') => Some(u64::from(d - b'0')),
        _ => None,
    }
}

/// True when `n * 10 + d` would pass `max` (serde_json's test).
#[inline(always)]
fn overflows(n: u64, d: u64, max: u64) -> bool {
    n >= max / 10 && (n > max / 10 || d > max % 10)
}

/// Reads the number at `b[*at..]` (which starts with `-` or a digit), leaving `*at` after
/// it, or where it goes wrong.
pub(crate) fn read(b: &[u8], at: &mut usize) -> Result<Number, JsonError> {
    let mut i = *at;
    let negative = b.get(i) == Some(&b'-');
    if negative {
        i += 1;
    }
    let mut significand;
    let mut exponent = 0i32;
    let mut long = false;
    match digit(b, i) {
        Some(0) => {
            i += 1;
            if digit(b, i).is_some() {
                *at = i;
                return Err(JsonError::InvalidNumber);
            }
            significand = 0;
        }
        Some(d) => {
            i += 1;
            significand = d;
            while let Some(d) = digit(b, i) {
                if overflows(significand, d, u64::MAX) {
                    // The rest of the integer part only raises the exponent.
                    long = true;
                    while digit(b, i).is_some() {
                        i += 1;
                        exponent = exponent.wrapping_add(1);
                    }
                    break;
                }
                significand = significand * 10 + d;
                i += 1;
            }
        }
        None => {
            *at = i;
            return Err(JsonError::InvalidNumber);
        }
    }
    let float = match b.get(i) {
        Some(b'.') => fraction(b, &mut i, significand, exponent),
        Some(b'e' | b'E') => power(b, &mut i, significand, exponent),
        _ if long => scale(significand, exponent),
        _ => {
            *at = i;
            return Ok(integer(negative, significand));
        }
    };
    *at = i;
    let f = float?;
    Ok(Number::F64(if negative { -f } else { f }))
}

/// An integer without fraction or exponent.
fn integer(negative: bool, significand: u64) -> Number {
    if !negative {
        return Number::U64(significand);
    }
    let n = (significand as i64).wrapping_neg();
    if n >= 0 {
        // `-0`, or below i64::MIN.
        Number::F64(-(significand as f64))
    } else {
        Number::I64(n)
    }
}

/// The part from the decimal point on.
#[cold]
fn fraction(b: &[u8], i: &mut usize, mut significand: u64, before: i32) -> Result<f64, JsonError> {
    *i += 1;
    let mut after = 0i32;
    while let Some(d) = digit(b, *i) {
        if overflows(significand, d, u64::MAX) {
            // Digits that do not fit are dropped.
            let exponent = before.wrapping_add(after);
            while digit(b, *i).is_some() {
                *i += 1;
            }
            return match b.get(*i) {
                Some(b'e' | b'E') => power(b, i, significand, exponent),
                _ => scale(significand, exponent),
            };
        }
        significand = significand * 10 + d;
        after -= 1;
        *i += 1;
    }
    if after == 0 {
        return Err(JsonError::InvalidNumber);
    }
    let exponent = before.wrapping_add(after);
    match b.get(*i) {
        Some(b'e' | b'E') => power(b, i, significand, exponent),
        _ => scale(significand, exponent),
    }
}

/// The part from the `e` on.
#[cold]
fn power(b: &[u8], i: &mut usize, significand: u64, start: i32) -> Result<f64, JsonError> {
    *i += 1;
    let positive = match b.get(*i) {
        Some(b'+') => {
            *i += 1;
            true
        }
        Some(b'-') => {
            *i += 1;
            false
        }
        _ => true,
    };
    let Some(first) = digit(b, *i) else {
        return Err(JsonError::InvalidNumber);
    };
    *i += 1;
    let mut exp = first;
    while let Some(d) = digit(b, *i) {
        *i += 1;
        if overflows(exp, d, i32::MAX as u64) {
            // An exponent past i32: zero, or out of range.
            if significand != 0 && positive {
                return Err(JsonError::OutOfRange);
            }
            while digit(b, *i).is_some() {
                *i += 1;
            }
            return Ok(0.0);
        }
        exp = exp * 10 + d;
    }
    let exp = exp as i32;
    let exponent = if positive {
        start.saturating_add(exp)
    } else {
        start.saturating_sub(exp)
    };
    scale(significand, exponent)
}

/// `significand * 10^exponent` as serde_json computes it.
fn scale(significand: u64, mut exponent: i32) -> Result<f64, JsonError> {
    let mut f = significand as f64;
    loop {
        let n = exponent.unsigned_abs();
        if n <= 308 {
            let p = pow10(n);
            if exponent >= 0 {
                f *= p;
                if f.is_infinite() {
                    return Err(JsonError::OutOfRange);
                }
            } else {
                f /= p;
            }
            return Ok(f);
        }
        if f == 0.0 {
            return Ok(f);
        }
        if exponent >= 0 {
            return Err(JsonError::OutOfRange);
        }
        f /= pow10(308);
        exponent += 308;
    }
}

/// 10^n (n <= 308) rounded to the nearest double, ties to even: the double the literal
/// `1eN` is.
fn pow10(n: u32) -> f64 {
    if n <= 22 {
        // 5^22 < 2^53: every step is exact.
        let mut p = 1.0;
        for _ in 0..n {
            p *= 10.0;
        }
        return p;
    }
    // 10^n = 5^n * 2^n, with 5^n (n <= 308, under 2^716) in 32-bit limbs.
    let mut limbs = [0u32; 23];
    limbs[0] = 1;
    let mut len = 1;
    for _ in 0..n {
        let mut carry = 0u64;
        for limb in &mut limbs[..len] {
            let v = u64::from(*limb) * 5 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            limbs[len] = carry as u32;
            len += 1;
        }
    }
    let bits = 32 * len - limbs[len - 1].leading_zeros() as usize;
    // The top 54 bits (53 and the rounding bit); n > 22 makes 5^n longer than 53 bits.
    let shift = bits - 54;
    let (index, offset) = (shift / 32, shift % 32);
    let mut window = 0u128;
    for k in (index..len.min(index + 3)).rev() {
        window = window << 32 | u128::from(limbs[k]);
    }
    let top = (window >> offset) as u64 & ((1 << 54) - 1);
    let below = limbs[..index].iter().any(|&l| l != 0) || limbs[index] & ((1 << offset) - 1) != 0;
    let mut mantissa = top >> 1;
    if top & 1 == 1 && (below || mantissa & 1 == 1) {
        mantissa += 1;
    }
    // The value is mantissa * 2^exponent.
    let mut exponent = (shift + 1) as u64 + u64::from(n);
    if mantissa == 1 << 53 {
        mantissa >>= 1;
        exponent += 1;
    }
    f64::from_bits((exponent + 52 + 1023) << 52 | (mantissa & ((1 << 52) - 1)))
}

/// Skips the number at `b[*at..]` (which starts with `-` or a digit): its grammar only,
/// no range (serde_json's reading of values it ignores).
pub(crate) fn skip(b: &[u8], at: &mut usize) -> Result<(), JsonError> {
    let mut i = *at;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while digit(b, *i).is_some() {
            *i += 1;
        }
        *i > start
    };
    let result = (|| {
        match digit(b, i) {
            Some(0) => {
                i += 1;
                if digit(b, i).is_some() {
                    return Err(JsonError::InvalidNumber);
                }
            }
            Some(_) => {
                digits(&mut i);
            }
            None => return Err(JsonError::InvalidNumber),
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return Err(JsonError::InvalidNumber);
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if !digits(&mut i) {
                return Err(JsonError::InvalidNumber);
            }
        }
        Ok(())
    })();
    *at = i;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(s: &str) -> Result<Number, JsonError> {
        let mut at = 0;
        let n = read(s.as_bytes(), &mut at)?;
        assert_eq!(at, s.len(), "{s}");
        Ok(n)
    }

    #[test]
    fn powers_of_ten_are_the_literals() {
        for n in 0..=308u32 {
            let literal: f64 = format!("1e{n}").parse().unwrap();
            assert_eq!(pow10(n).to_bits(), literal.to_bits(), "1e{n}");
        }
    }

    /// What serde_json reads `s` as (the reference).
    fn serde(s: &str) -> Result<Number, ()> {
        match serde_json::from_str::<serde_json::Value>(s).map_err(|_| ())? {
            serde_json::Value::Number(n) => Ok(if let Some(u) = n.as_u64() {
                Number::U64(u)
            } else if let Some(i) = n.as_i64() {
                Number::I64(i)
            } else {
                Number::F64(n.as_f64().unwrap())
            }),
            _ => Err(()),
        }
    }

    fn same(s: &str) {
        let ours = read_str(s).map_err(|_| ());
        let theirs = serde(s);
        match (ours, theirs) {
            (Ok(Number::F64(a)), Ok(Number::F64(b))) => {
                assert_eq!(a.to_bits(), b.to_bits(), "{s}: {a} vs {b}")
            }
            (a, b) => assert_eq!(a, b, "{s}"),
        }
    }

    #[test]
    fn numbers_are_what_serde_json_reads() {
        for s in [
            "0",
            "-0",
            "1",
            "-1",
            "18446744073709551615",
            "18446744073709551616",
            "18446744073709551616.5",
            "184467440737095516150",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.5",
            "-1.5",
            "0.1",
            "1e3",
            "1E+3",
            "1e-3",
            "2.0",
            "-0.0",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "1e309",
            "1e-400",
            "4.9e-324",
            "2.2250738585072011e-308",
            "0.000000000000000000000000000000000000000001",
            "123456789012345678901234567890e-10",
            "0.12345678901234567890123456789",
            "1e2147483647",
            "1e2147483648",
            "0e99999999999",
            "1e-99999999999",
            "-1e-99999999999",
            "1.8e19",
            "17999999999999999999.5",
            "3.141592653589793238462643383279",
            "9007199254740993",
            "9007199254740993.0",
        ] {
            same(s);
        }
        for bad in [
            "-", "01", "-01", "1.", "1.e5", ".5", "1e", "1e+", "-a", "1e-",
        ] {
            let mut at = 0;
            assert!(read(bad.as_bytes(), &mut at).is_err(), "{bad}");
            let mut at = 0;
            assert!(skip(bad.as_bytes(), &mut at).is_err(), "{bad}");
        }
        let mut at = 0;
        assert!(
            skip(b"1e999999", &mut at).is_ok(),
            "ignored numbers have no range"
        );
        assert_eq!(at, 8);
    }

    #[test]
    fn generated_numbers_are_what_serde_json_reads() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut s = String::new();
            if next() % 3 == 0 {
                s.push('-');
            }
            let int_digits = 1 + next() % 25;
            for k in 0..int_digits {
                let d = (next() % 10) as u8;
                s.push(if k == 0 && int_digits > 1 && d == 0 {
                    '1'
                } else {
                    char::from(b'0' + d)
                });
            }
            if next() % 2 == 0 {
                s.push('.');
                for _ in 0..1 + next() % 25 {
                    s.push(char::from(b'0' + (next() % 10) as u8));
                }
            }
            if next() % 2 == 0 {
                s.push(if next() % 2 == 0 { 'e' } else { 'E' });
                match next() % 3 {
                    0 => s.push('-'),
                    1 => s.push('+'),
                    _ => {}
                }
                s.push_str(&(next() % 420).to_string());
            }
            same(&s);
            let mut at = 0;
            assert!(skip(s.as_bytes(), &mut at).is_ok());
            assert_eq!(at, s.len());
        }
    }
}
