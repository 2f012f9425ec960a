//! [`U256`]: the 256-bit unsigned amount of AO tokens.
//!
//! A thin wrapper over `ruint`'s 256-bit integer (which does the arithmetic) whose serde
//! form is the one AO uses for amounts: a **decimal string** (`"200"`), in every serde path
//! (a state reply, a `#[patch]` field, the snapshot JSON view, a binary snapshot). `ruint`'s
//! own serde form is a hex string (`"0xc8"`), which AO clients misread. Reading accepts a
//! decimal string, a `0x` hex string (what older states hold) or a JSON integer.

use core::fmt;
use core::ops::{Add, AddAssign, Mul, Sub, SubAssign};
use core::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

type Inner = ruint::aliases::U256;

/// A 256-bit unsigned integer: token amounts. Arithmetic as `ruint`'s (checked, saturating,
/// and operators that panic on overflow); serde as a decimal string.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct U256(Inner);

impl U256 {
    /// 0.
    pub const ZERO: U256 = U256(Inner::ZERO);
    /// 1.
    pub const ONE: U256 = U256(Inner::ONE);
    /// 2^256 - 1.
    pub const MAX: U256 = U256(Inner::MAX);

    /// From any primitive integer, as `ruint`'s `from` (panics on a negative value). Amounts
    /// from messages go through [`FromTag`](crate::FromTag), which parses strictly.
    #[allow(clippy::should_implement_trait)]
    pub fn from<T>(value: T) -> Self
    where
        Inner: ruint::UintTryFrom<T>,
    {
        U256(Inner::from(value))
    }

    /// From little-endian 64-bit limbs.
    pub const fn from_limbs(limbs: [u64; 4]) -> Self {
        U256(Inner::from_limbs(limbs))
    }

    /// Parses digits in `radix` (2 to 36).
    pub fn from_str_radix(src: &str, radix: u64) -> Result<Self, ruint::ParseError> {
        Inner::from_str_radix(src, radix).map(U256)
    }

    /// The `ruint` value.
    pub const fn as_ruint(&self) -> &Inner {
        &self.0
    }

    /// True for 0.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// `self + rhs`, `None` on overflow.
    pub fn checked_add(self, rhs: U256) -> Option<U256> {
        self.0.checked_add(rhs.0).map(U256)
    }

    /// `self - rhs`, `None` below zero.
    pub fn checked_sub(self, rhs: U256) -> Option<U256> {
        self.0.checked_sub(rhs.0).map(U256)
    }

    /// `self * rhs`, `None` on overflow.
    pub fn checked_mul(self, rhs: U256) -> Option<U256> {
        self.0.checked_mul(rhs.0).map(U256)
    }

    /// `self + rhs`, at most [`U256::MAX`].
    pub fn saturating_add(self, rhs: U256) -> U256 {
        U256(self.0.saturating_add(rhs.0))
    }

    /// `self - rhs`, at least 0.
    pub fn saturating_sub(self, rhs: U256) -> U256 {
        U256(self.0.saturating_sub(rhs.0))
    }

    /// `self * rhs`, at most [`U256::MAX`].
    pub fn saturating_mul(self, rhs: U256) -> U256 {
        U256(self.0.saturating_mul(rhs.0))
    }

    /// `self ^ exp`, wrapping.
    pub fn pow(self, exp: U256) -> U256 {
        U256(self.0.pow(exp.0))
    }
}

macro_rules! from_unsigned {
    ($($t:ty),*) => {$(
        impl From<$t> for U256 {
            fn from(v: $t) -> Self {
                U256(Inner::from(v))
            }
        }
    )*};
}
from_unsigned!(u8, u16, u32, u64, u128, usize, bool);

impl From<Inner> for U256 {
    fn from(v: Inner) -> Self {
        U256(v)
    }
}

impl From<U256> for Inner {
    fn from(v: U256) -> Self {
        v.0
    }
}

impl TryFrom<&U256> for u64 {
    type Error = ruint::FromUintError<u64>;
    fn try_from(v: &U256) -> Result<u64, Self::Error> {
        u64::try_from(&v.0)
    }
}

impl TryFrom<U256> for u64 {
    type Error = ruint::FromUintError<u64>;
    fn try_from(v: U256) -> Result<u64, Self::Error> {
        u64::try_from(&v.0)
    }
}

impl TryFrom<U256> for u128 {
    type Error = ruint::FromUintError<u128>;
    fn try_from(v: U256) -> Result<u128, Self::Error> {
        u128::try_from(&v.0)
    }
}

macro_rules! op {
    ($tr:ident, $f:ident, $atr:ident, $af:ident) => {
        impl $tr for U256 {
            type Output = U256;
            fn $f(self, rhs: U256) -> U256 {
                U256($tr::$f(self.0, rhs.0))
            }
        }
        impl $atr for U256 {
            fn $af(&mut self, rhs: U256) {
                $atr::$af(&mut self.0, rhs.0)
            }
        }
    };
}
op!(Add, add, AddAssign, add_assign);
op!(Sub, sub, SubAssign, sub_assign);

impl Mul for U256 {
    type Output = U256;
    fn mul(self, rhs: U256) -> U256 {
        U256(self.0 * rhs.0)
    }
}

impl core::iter::Sum for U256 {
    fn sum<I: Iterator<Item = U256>>(iter: I) -> U256 {
        iter.fold(U256::ZERO, |a, b| a + b)
    }
}

impl<'a> core::iter::Sum<&'a U256> for U256 {
    fn sum<I: Iterator<Item = &'a U256>>(iter: I) -> U256 {
        iter.fold(U256::ZERO, |a, b| a + *b)
    }
}

/// Most decimal digits of a 256-bit number (2^256 - 1 has 78).
const MAX_DIGITS: usize = 78;

/// The decimal digits of `limbs` (little-endian), in `buf`, without leading zeros: by
/// repeated division by 10^9 in 64-bit arithmetic. What `ruint`'s `Display` writes, without
/// its formatting machinery (its `u128` and `write!` paths are about 5 KB of a module).
// Out of line: amounts of 2^64 or more are rare, and their loop kept out of
// `to_decimal` leaves the common path as short as it was with two callers.
#[inline(never)]
fn decimal_digits(limbs: [u64; 4], buf: &mut [u8; MAX_DIGITS]) -> &str {
    const CHUNK: u64 = 1_000_000_000;
    // Big-endian 32-bit words.
    let mut words = [0u32; 8];
    for (i, limb) in limbs.iter().rev().enumerate() {
        words[2 * i] = (limb >> 32) as u32;
        words[2 * i + 1] = *limb as u32;
    }
    let mut at = MAX_DIGITS;
    loop {
        let mut rem = 0u64;
        for w in words.iter_mut() {
            let cur = (rem << 32) | u64::from(*w);
            *w = (cur / CHUNK) as u32;
            rem = cur % CHUNK;
        }
        let last = words.iter().all(|&w| w == 0);
        for _ in 0..9 {
            at -= 1;
            buf[at] = b'0' + (rem % 10) as u8;
            rem /= 10;
            if last && rem == 0 {
                break;
            }
        }
        if last {
            break;
        }
    }
    // ASCII digits only.
    core::str::from_utf8(&buf[at..]).unwrap_or("0")
}

impl U256 {
    /// Reads decimal digits (leading zeros allowed): `None` for empty text, any other
    /// character, or a value of 2^256 or more. What `from_str_radix(s, 10)` reads, without
    /// `ruint`'s generic radix parser (about 2.5 KB of a module): nine digits at a time
    /// multiplied into 32-bit words in 64-bit arithmetic.
    pub fn from_decimal(s: &str) -> Option<U256> {
        const CHUNK: usize = 9;
        if s.is_empty() {
            return None;
        }
        // Little-endian 32-bit words.
        let mut words = [0u32; 8];
        for chunk in s.as_bytes().chunks(CHUNK) {
            let mut n = 0u64;
            let mut scale = 1u64;
            for &b in chunk {
                let digit = b.wrapping_sub(b'0');
                if digit > 9 {
                    return None;
                }
                n = n * 10 + u64::from(digit);
                scale *= 10;
            }
            // word * 10^9 + carry < 2^32 * 2^30 + 2^34: no overflow.
            let mut carry = n;
            for w in words.iter_mut() {
                let t = u64::from(*w) * scale + carry;
                *w = t as u32;
                carry = t >> 32;
            }
            if carry != 0 {
                return None;
            }
        }
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            *limb = u64::from(words[2 * i]) | (u64::from(words[2 * i + 1]) << 32);
        }
        Some(U256::from_limbs(limbs))
    }

    /// The decimal string AO writes amounts as: what `Display` writes, without
    /// `core::fmt` (values below 2^64, nearly all, by the writer of the result's numbers).
    pub fn to_decimal(&self) -> String {
        // One buffer and one copy out for both paths.
        let mut buf = [0u8; Self::DECIMAL_DIGITS];
        self.write_decimal(&mut buf).to_owned()
    }

    /// Room for the decimal digits of any `U256` (2^256 - 1 has 78).
    pub const DECIMAL_DIGITS: usize = MAX_DIGITS;

    /// [`U256::to_decimal`]'s digits written into `buf`, without allocating (for code that
    /// must not own a `String`, such as a C function Lua may unwind past).
    #[inline]
    pub fn write_decimal<'b>(&self, buf: &'b mut [u8; Self::DECIMAL_DIGITS]) -> &'b str {
        match u64::try_from(&self.0) {
            Ok(small) => {
                let start = crate::outbox::write_decimal(buf, small);
                // ASCII digits only.
                core::str::from_utf8(&buf[start..]).unwrap_or("0")
            }
            Err(_) => decimal_digits(*self.0.as_limbs(), buf),
        }
    }
}

/// Decimal; width, fill and `+` as for the primitive integers (`ruint`'s behaviour). The
/// digits are [`U256::to_decimal`]'s: one copy of the digit writing in a module.
impl fmt::Display for U256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad_integral(true, "", &self.to_decimal())
    }
}

/// Decimal, as AO writes amounts.
impl fmt::Debug for U256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Decimal digits.
impl FromStr for U256 {
    type Err = ruint::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        U256::from_str_radix(s, 10)
    }
}

/// A decimal string, for every format.
impl Serialize for U256 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_decimal())
    }
}

impl<'de> Deserialize<'de> for U256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = U256;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 256-bit unsigned integer as a decimal string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<U256, E> {
                let parsed = match s.strip_prefix("0x") {
                    Some(hex) => U256::from_str_radix(hex, 16),
                    None => U256::from_str_radix(s, 10),
                };
                parsed.map_err(|e| E::custom(format!("invalid amount {s:?}: {e}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<U256, E> {
                Ok(U256::from(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_is_decimal_everywhere() {
        let v = U256::from(200u64);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""200""#);
        assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!("200"));
        let max = serde_json::to_string(&U256::MAX).unwrap();
        assert_eq!(max.trim_matches('"'), U256::MAX.to_string());
        for text in [r#""200""#, r#""0xc8""#, "200"] {
            assert_eq!(serde_json::from_str::<U256>(text).unwrap(), v, "{text}");
        }
        assert!(serde_json::from_str::<U256>(r#""-1""#).is_err());
        let bytes = rmp_serde::to_vec(&v).unwrap();
        assert_eq!(rmp_serde::from_slice::<U256>(&bytes).unwrap(), v);
        assert_eq!(format!("{v:?}"), "200");
    }

    /// The decimal writers (`Display`, `to_decimal`) against `ruint`'s `Display`, flags
    /// included.
    #[test]
    fn display_is_ruints() {
        let mut values = vec![U256::ZERO, U256::ONE, U256::MAX];
        let mut p = U256::ONE;
        for _ in 0..78 {
            values.extend([p, p - U256::ONE, p + U256::ONE]);
            p = match p.checked_mul(U256::from(10u8)) {
                Some(next) => next,
                None => break,
            };
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200 {
            let mut limbs = [0u64; 4];
            for l in limbs.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *l = x;
            }
            let shift = (x % 256) as usize;
            values.push(U256(Inner::from_limbs(limbs) >> shift));
        }
        for v in values {
            let r = v.as_ruint();
            assert_eq!(v.to_string(), r.to_string());
            assert_eq!(v.to_decimal(), r.to_string());
            assert_eq!(format!("{v:?}"), r.to_string());
            assert_eq!(
                format!("{v:>90}|{v:<3}|{v:+}|{v:080}"),
                format!("{r:>90}|{r:<3}|{r:+}|{r:080}")
            );
        }
    }

    /// `from_decimal` against `ruint`'s `from_str_radix(_, 10)` on digits: every power of
    /// ten and its neighbours, the edges of 2^256, leading zeros, every chunk length; and
    /// what only digits pass (`ruint` also skips `_` and reads "" as 0).
    #[test]
    fn from_decimal_is_ruints() {
        let mut texts = vec![
            "0".to_owned(),
            "00000000000000000000".to_owned(),
            U256::MAX.to_decimal(),
            format!("0000{}", U256::MAX.to_decimal()),
            // 2^256 and more.
            "115792089237316195423570985008687907853269984665640564039457584007913129639936"
                .to_owned(),
            "115792089237316195423570985008687907853269984665640564039457584007913129639945"
                .to_owned(),
            "1".repeat(79),
        ];
        let mut p = U256::ONE;
        loop {
            texts.extend([p, p - U256::ONE, p + U256::ONE].map(|v| v.to_decimal()));
            p = match p.checked_mul(U256::from(10u8)) {
                Some(next) => next,
                None => break,
            };
        }
        for len in 1..=80 {
            texts.push("7".repeat(len));
            texts.push("9".repeat(len));
        }
        for text in texts {
            assert_eq!(
                U256::from_decimal(&text),
                Inner::from_str_radix(&text, 10).ok().map(U256),
                "{text}"
            );
        }
        for bad in [
            "", "-1", "+1", "1 ", " 1", "12a4", "1_000", "1.5", "\u{661}", "/", ":",
        ] {
            assert_eq!(U256::from_decimal(bad), None, "{bad}");
        }
        assert_eq!(U256::from_decimal("0012"), Some(U256::from(12u8)));
    }

    #[test]
    fn arithmetic_is_ruints() {
        let a = U256::from(7u64);
        assert_eq!(a + a, U256::from(14u64));
        assert_eq!(a.checked_sub(U256::from(8u64)), None);
        assert_eq!(U256::MAX.checked_add(U256::ONE), None);
        assert_eq!(U256::from(10u64).pow(U256::from(2u8)), U256::from(100u64));
        assert_eq!(u64::try_from(&a).unwrap(), 7);
        assert_eq!([a, a].iter().sum::<U256>(), U256::from(14u64));
    }
}
