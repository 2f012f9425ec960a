//! Reading typed values out of tags: the [`FromTag`] trait.

use std::borrow::Cow;

use crate::tags::TagValue;
use crate::U256;

/// Why a tag could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// The tag is required and absent.
    #[error("tag `{name}` is required ({expected})")]
    Missing {
        /// Tag name.
        name: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The tag is present but its value does not parse.
    #[error("tag `{name}` has value {}, expected {expected}", quoted(value))]
    Invalid {
        /// Tag name.
        name: String,
        /// The value found (cut to 80 characters).
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The data did not parse as JSON of the expected type.
    #[error("data is not valid JSON for {expected}: {reason}")]
    Data {
        /// The Rust type expected.
        expected: &'static str,
        /// The parser's reason.
        reason: String,
    },
}

/// `value` in double quotes, escaped as a JSON string (not `{:?}`: `Debug`'s escaping
/// brings Unicode tables and str slicing checks into every module).
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    crate::push_json_string(&mut out, value);
    out
}

impl TagError {
    /// An `Invalid` error for `value`, cutting long values.
    pub fn invalid(name: &str, value: &TagValue, expected: &'static str) -> Self {
        let mut value = number_text(value).into_owned();
        if value.len() > 80 {
            let mut cut = 77;
            while !value.is_char_boundary(cut) {
                cut -= 1;
            }
            value.truncate(cut);
            value.push_str("...");
        }
        TagError::Invalid {
            name: name.to_owned(),
            value,
            expected,
        }
    }

    /// A `Missing` error.
    pub fn missing(name: &str, expected: &'static str) -> Self {
        TagError::Missing {
            name: name.to_owned(),
            expected,
        }
    }
}

/// A type that can be read from a tag value. `Option<T>` makes a tag optional.
#[diagnostic::on_unimplemented(
    message = "cannot read a `{Self}` from a tag",
    label = "this parameter is read from a message tag",
    note = "take a `String` (or `Option<String>`) and parse it in the handler; or, for a type of your own crate, implement `aoxide::FromTag` for it; a type from another crate (such as `std::time::Duration`) cannot get the impl in yours (orphan rule): wrap it in a newtype of your own (`struct Seconds(Duration)`) and implement `FromTag` for the newtype"
)]
pub trait FromTag: Sized {
    /// A short description of what is accepted, used in error messages.
    const EXPECTED: &'static str;

    /// Reads the value of tag `name`; `value` is `None` when the tag is absent.
    fn from_tag(name: &str, value: Option<&TagValue>) -> Result<Self, TagError> {
        match value {
            Some(v) => Self::parse_tag(name, v),
            None => Err(TagError::missing(name, Self::EXPECTED)),
        }
    }

    /// Parses a present tag value.
    fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError>;
}

impl<T: FromTag> FromTag for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn from_tag(name: &str, value: Option<&TagValue>) -> Result<Self, TagError> {
        match value {
            Some(v) => T::parse_tag(name, v).map(Some),
            None => Ok(None),
        }
    }
    fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError> {
        T::parse_tag(name, value).map(Some)
    }
}

impl FromTag for String {
    const EXPECTED: &'static str = "a string";
    fn parse_tag(_name: &str, value: &TagValue) -> Result<Self, TagError> {
        Ok(number_text(value).into_owned())
    }
}

impl FromTag for TagValue {
    const EXPECTED: &'static str = "any value";
    fn parse_tag(_name: &str, value: &TagValue) -> Result<Self, TagError> {
        Ok(value.clone())
    }
}

impl FromTag for bool {
    const EXPECTED: &'static str = "a boolean (true or false)";
    fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError> {
        match value {
            TagValue::Json(serde_json::Value::Bool(b)) => Ok(*b),
            v => match v.as_str() {
                Some(s) if s.eq_ignore_ascii_case("true") => Ok(true),
                Some(s) if s.eq_ignore_ascii_case("false") => Ok(false),
                _ => Err(TagError::invalid(name, v, Self::EXPECTED)),
            },
        }
    }
}

/// Parses a canonical unsigned decimal: digits only, no sign, no leading zeros (but "0").
pub(crate) fn canonical_decimal(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s.len() == 1 || s.as_bytes()[0] != b'0')
}

/// The text of a tag value as `Display` writes it (a text value as it is, any other JSON
/// value as its JSON text), without the formatting machinery or a copy of text: what
/// numbers are read from and errors quote.
fn number_text(value: &TagValue) -> Cow<'_, str> {
    match value {
        TagValue::Text(s) => Cow::Borrowed(s),
        TagValue::Json(v) => Cow::Owned(crate::json::write::value_text(v)),
    }
}

/// A canonical unsigned decimal (see [`canonical_decimal`]) up to `u64::MAX`: the reader
/// every unsigned type up to 64 bits shares, out of line so that it is in a module once.
#[inline(never)]
fn parse_u64(name: &str, value: &TagValue, expected: &'static str) -> Result<u64, TagError> {
    let text = number_text(value);
    if canonical_decimal(&text) {
        let mut n: u64 = 0;
        for b in text.bytes() {
            match n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(b - b'0')))
            {
                Some(next) => n = next,
                None => return Err(TagError::invalid(name, value, expected)),
            }
        }
        return Ok(n);
    }
    Err(TagError::invalid(name, value, expected))
}

macro_rules! from_tag_unsigned {
    ($($t:ty => $desc:literal),*) => {$(
        impl FromTag for $t {
            const EXPECTED: &'static str = $desc;
            fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError> {
                let n = parse_u64(name, value, Self::EXPECTED)?;
                <$t>::try_from(n).map_err(|_| TagError::invalid(name, value, Self::EXPECTED))
            }
        }
    )*};
}
from_tag_unsigned!(
    u8 => "an unsigned 8-bit integer",
    u16 => "an unsigned 16-bit integer",
    u32 => "an unsigned 32-bit integer",
    u64 => "an unsigned 64-bit integer",
    usize => "an unsigned integer"
);

impl FromTag for u128 {
    const EXPECTED: &'static str = "an unsigned 128-bit integer";
    fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError> {
        let text = number_text(value);
        if !canonical_decimal(&text) {
            return Err(TagError::invalid(name, value, Self::EXPECTED));
        }
        text.parse()
            .map_err(|_| TagError::invalid(name, value, Self::EXPECTED))
    }
}

macro_rules! from_tag_signed {
    ($($t:ty => $desc:literal),*) => {$(
        impl FromTag for $t {
            const EXPECTED: &'static str = $desc;
            fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError> {
                let text = number_text(value);
                let digits = text.strip_prefix('-').unwrap_or(&text);
                if !canonical_decimal(digits) {
                    return Err(TagError::invalid(name, value, Self::EXPECTED));
                }
                text.parse().map_err(|_| TagError::invalid(name, value, Self::EXPECTED))
            }
        }
    )*};
}
from_tag_signed!(
    i8 => "an 8-bit integer",
    i16 => "a 16-bit integer",
    i32 => "a 32-bit integer",
    i64 => "a 64-bit integer",
    i128 => "a 128-bit integer",
    isize => "an integer"
);

impl FromTag for f64 {
    const EXPECTED: &'static str = "a number";
    fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError> {
        number_text(value)
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| TagError::invalid(name, value, Self::EXPECTED))
    }
}

impl FromTag for U256 {
    const EXPECTED: &'static str = "an unsigned decimal integer below 2^256";
    fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError> {
        let text = number_text(value);
        // One refusal for both ways the text can fail.
        let parsed = if canonical_decimal(&text) {
            U256::from_decimal(&text)
        } else {
            None
        };
        parsed.ok_or_else(|| TagError::invalid(name, value, Self::EXPECTED))
    }
}

/// An Arweave-style address: 43 characters of base64url (a wallet or process id), or a
/// 42-character `0x` Ethereum address.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    /// Validates `s` as an address.
    pub fn parse(s: &str) -> Option<Self> {
        let arweave = s.len() == 43
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let eth =
            // Bytes, not `&s[2..]`: a `str` slice brings its char-boundary panic (with
            // `Debug` of chars and ranges) into the module.
            s.len() == 42 && s.starts_with("0x") && s.bytes().skip(2).all(|b| b.is_ascii_hexdigit());
        (arweave || eth).then(|| Address(s.to_owned()))
    }

    /// The address text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes into the text.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Address {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromTag for Address {
    const EXPECTED: &'static str = "an address (43 base64url characters or 0x + 40 hex digits)";
    fn parse_tag(name: &str, value: &TagValue) -> Result<Self, TagError> {
        value
            .as_str()
            .and_then(Address::parse)
            .ok_or_else(|| TagError::invalid(name, value, Self::EXPECTED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> TagValue {
        TagValue::Text(s.into())
    }

    #[test]
    fn integers_are_strict() {
        assert_eq!(u64::parse_tag("By", &t("42")).unwrap(), 42);
        for bad in ["", "-1", "+1", "01", "1.5", "1e3", " 1", "x"] {
            let err = u64::parse_tag("By", &t(bad)).unwrap_err();
            assert!(err.to_string().contains("tag `By`"), "{err}");
        }
        assert_eq!(i32::parse_tag("N", &t("-7")).unwrap(), -7);
        assert!(u8::parse_tag("N", &t("256")).is_err());
    }

    #[test]
    fn unsigned_bounds_and_json_values() {
        assert_eq!(
            u64::parse_tag("N", &t("18446744073709551615")).unwrap(),
            u64::MAX
        );
        let err = u64::parse_tag("N", &t("18446744073709551616")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "tag `N` has value \"18446744073709551616\", expected an unsigned 64-bit integer"
        );
        assert_eq!(u32::parse_tag("N", &t("4294967295")).unwrap(), u32::MAX);
        assert!(u32::parse_tag("N", &t("4294967296")).is_err());
        assert_eq!(usize::parse_tag("N", &t("0")).unwrap(), 0);
        let max = u128::MAX.to_string();
        assert_eq!(u128::parse_tag("N", &t(&max)).unwrap(), u128::MAX);
        // A JSON value is read as its JSON text: a number parses, a JSON string does not.
        let json = |v: serde_json::Value| TagValue::Json(v);
        assert_eq!(u64::parse_tag("N", &json(serde_json::json!(7))).unwrap(), 7);
        assert_eq!(u8::parse_tag("N", &json(serde_json::json!(7))).unwrap(), 7);
        assert!(u64::parse_tag("N", &json(serde_json::json!("7"))).is_err());
        assert!(u64::parse_tag("N", &json(serde_json::json!(-7))).is_err());
    }

    #[test]
    fn missing_and_optional() {
        let err = u64::from_tag("Quantity", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "tag `Quantity` is required (an unsigned 64-bit integer)"
        );
        assert_eq!(Option::<u64>::from_tag("Q", None).unwrap(), None);
        assert!(Option::<u64>::from_tag("Q", Some(&t("x"))).is_err());
    }

    #[test]
    fn u256_bounds() {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(U256::parse_tag("Q", &t(max)).unwrap(), U256::MAX);
        let over = "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        let err = U256::parse_tag("Q", &t(over)).unwrap_err();
        assert!(err.to_string().contains("below 2^256"));
        assert!(U256::parse_tag("Q", &t("-5")).is_err());
        assert!(U256::parse_tag("Q", &t("00")).is_err());
    }

    #[test]
    fn addresses() {
        let a = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
        assert_eq!(Address::parse_tag("R", &t(a)).unwrap().as_str(), a);
        assert!(Address::parse_tag("R", &t("")).is_err());
        assert!(Address::parse_tag("R", &t("not an address")).is_err());
        assert!(Address::parse("0x52908400098527886E0F7030069857D2E4169EE7").is_some());
    }

    #[test]
    fn long_values_are_cut_in_errors() {
        let long = "9".repeat(200);
        let msg = u8::parse_tag("N", &t(&long)).unwrap_err().to_string();
        assert!(msg.len() < 200, "{msg}");
    }

    #[test]
    fn values_are_quoted_as_json_strings() {
        let msg = u8::parse_tag("N", &t("x\"y\n\u{1b}"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "tag `N` has value \"x\\\"y\\n\\u001b\", expected an unsigned 8-bit integer"
        );
        // A JSON value is quoted as the JSON text `Display` writes for it.
        let value = TagValue::Json(serde_json::json!({"a": [1, 2.5]}));
        assert_eq!(
            TagError::invalid("N", &value, "x").to_string(),
            format!(
                "tag `N` has value {}, expected x",
                quoted(&value.to_string())
            )
        );
        assert_eq!(
            u64::parse_tag("N", &value).unwrap_err().to_string(),
            "tag `N` has value \"{\\\"a\\\":[1,2.5]}\", expected an unsigned 64-bit integer"
        );
    }
}
