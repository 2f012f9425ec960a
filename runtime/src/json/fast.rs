//! A one-pass reader of the common message shape, for the hot path.
//!
//! It reads a JSON object whose values are strings, integers, booleans and `null`, plus the
//! `Tags` array of `{name, value}` objects, and builds exactly the [`RawMessage`] serde
//! would. It gives up (returns `None`) on anything else: invalid or non-object input,
//! floats, `-0`, integers that do not fit, nested values outside `Tags`, surrogate
//! escapes, duplicate fields, and every value the lenient readers would refuse. The serde
//! path then parses the input from the start, so errors and unusual shapes behave exactly
//! as before.

use super::fields::{Kind, MessageField, TagField};
use super::raw::{RawMessage, RawTag, RawTagValue};
use crate::protocol;
use std::borrow::Cow;

/// A scalar JSON value.
enum Scalar<'a> {
    Null,
    Bool(bool),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer (never zero).
    I64(i64),
    Str(Cow<'a, str>),
}

impl Scalar<'_> {
    /// As `lenient_string` reads it.
    fn lenient_string(self) -> Option<Option<String>> {
        Some(self.text())
    }

    /// The text of anything but `null`, as serde's visitors render it.
    fn text(self) -> Option<String> {
        match self {
            Scalar::Null => None,
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::U64(n) => Some(n.to_string()),
            Scalar::I64(n) => Some(n.to_string()),
            Scalar::Str(s) => Some(s.into_owned()),
        }
    }

    /// As `lenient_u64` reads it (`None` where it would fail).
    fn lenient_u64(self) -> Option<Option<u64>> {
        match self {
            Scalar::Null => Some(None),
            Scalar::U64(n) => Some(Some(n)),
            Scalar::Str(s) => protocol::parse_number(&s),
            Scalar::Bool(_) | Scalar::I64(_) => None,
        }
    }

    /// As `lenient_bool` reads it (`None` where it would fail).
    fn lenient_bool(self) -> Option<bool> {
        match self {
            Scalar::Null => Some(false),
            Scalar::Bool(b) => Some(b),
            Scalar::Str(s) => protocol::parse_flag(&s),
            Scalar::I64(_) => Some(true),
            Scalar::U64(n) => i64::try_from(n).ok().map(|n| n != 0),
        }
    }
}

struct Reader<'a> {
    /// The input; a NUL byte ends it, as the host's C string would.
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Skips whitespace and consumes `byte`.
    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        if self.peek() == Some(byte) {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    /// After whitespace: `,` (true, more follows) or `close` (false).
    fn next_or_close(&mut self, close: u8) -> Option<bool> {
        self.skip_ws();
        let b = self.peek()?;
        self.at += 1;
        match b {
            b',' => Some(true),
            _ if b == close => Some(false),
            _ => None,
        }
    }

    /// A string, the opening quote not yet consumed.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let bytes = self.bytes;
        let start = self.at;
        loop {
            match *bytes.get(self.at)? {
                b'"' => {
                    // Each string is checked here; everything else the reader accepts
                    // is ASCII, so the input it accepts is UTF-8 throughout.
                    let s = std::str::from_utf8(&bytes[start..self.at]).ok()?;
                    self.at += 1;
                    return Some(Cow::Borrowed(s));
                }
                b'\\' => break,
                0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        let mut owned = String::from(std::str::from_utf8(&bytes[start..self.at]).ok()?);
        loop {
            let b = *bytes.get(self.at)?;
            self.at += 1;
            match b {
                b'"' => return Some(Cow::Owned(owned)),
                b'\\' => {
                    let e = *bytes.get(self.at)?;
                    self.at += 1;
                    owned.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = bytes.get(self.at..self.at + 4)?;
                            if !hex.iter().all(|h| h.is_ascii_hexdigit()) {
                                return None;
                            }
                            let hex = std::str::from_utf8(hex).ok()?;
                            self.at += 4;
                            // Surrogates (pairs or not) are left to serde.
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                        }
                        _ => return None,
                    });
                }
                0..=0x1f => return None,
                _ => {
                    // Copy the run up to the next quote or escape at once.
                    let run = self.at - 1;
                    while let Some(&c) = bytes.get(self.at) {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.at += 1;
                    }
                    owned.push_str(std::str::from_utf8(&bytes[run..self.at]).ok()?);
                }
            }
        }
    }

    /// An integer as serde_json reads one, or `None` for floats, `-0`, overflow and
    /// invalid numbers.
    fn integer(&mut self) -> Option<Scalar<'a>> {
        let bytes = self.bytes;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        let mut n: u64 = 0;
        while let Some(&d @ b'0'..=b'9') = bytes.get(self.at) {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        if digits == 0 || (digits > 1 && bytes[start] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.peek() {
            return None;
        }
        if negative {
            if n == 0 {
                return None;
            }
            // -2^63 fits, one more does not.
            let n = 0i64.checked_sub_unsigned(n)?;
            Some(Scalar::I64(n))
        } else {
            Some(Scalar::U64(n))
        }
    }

    /// A scalar value, or `None` for arrays, objects and anything invalid.
    fn scalar(&mut self) -> Option<Scalar<'a>> {
        self.skip_ws();
        let rest = &self.bytes[self.at..];
        let (value, len) = match rest.first()? {
            b'"' => return self.string().map(Scalar::Str),
            b'-' | b'0'..=b'9' => return self.integer(),
            b'n' if rest.starts_with(b"null") => (Scalar::Null, 4),
            b't' if rest.starts_with(b"true") => (Scalar::Bool(true), 4),
            b'f' if rest.starts_with(b"false") => (Scalar::Bool(false), 5),
            _ => return None,
        };
        self.at += len;
        Some(value)
    }

    /// One `{name, value}` tag object.
    fn tag(&mut self) -> Option<RawTag> {
        self.eat(b'{')?;
        let mut name = None;
        let mut value = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
        } else {
            loop {
                let key = self.string()?;
                self.eat(b':')?;
                let v = self.scalar()?;
                match TagField::from_name(&key) {
                    Some(TagField::Name) if name.is_none() => {
                        name = Some(match v {
                            Scalar::Null => None,
                            Scalar::Str(s) => Some(s.into_owned()),
                            _ => return None,
                        })
                    }
                    Some(TagField::Value) if value.is_none() => {
                        value = Some(match v.text() {
                            None => RawTagValue::Null,
                            Some(text) => RawTagValue::Text(text),
                        })
                    }
                    Some(_) => return None,
                    None => {}
                }
                if !self.next_or_close(b'}')? {
                    break;
                }
            }
        }
        Some(RawTag {
            name: name.flatten(),
            value: value.unwrap_or_default(),
        })
    }

    /// The `Tags` value: `null` or an array of tag objects.
    fn tags(&mut self) -> Option<Option<Vec<RawTag>>> {
        self.skip_ws();
        if self.peek() != Some(b'[') {
            return match self.scalar()? {
                Scalar::Null => Some(None),
                _ => None,
            };
        }
        self.at += 1;
        let mut tags = Vec::with_capacity(8);
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Some(Some(tags));
        }
        loop {
            tags.push(self.tag()?);
            if !self.next_or_close(b']')? {
                return Some(Some(tags));
            }
        }
    }
}

/// The message, or `None` when the serde path must decide.
pub(crate) fn message(bytes: &[u8]) -> Option<RawMessage> {
    let mut r = Reader { bytes, at: 0 };
    r.eat(b'{')?;
    let mut m = RawMessage::default();
    let mut seen = 0u32;
    r.skip_ws();
    if r.peek() == Some(b'}') {
        r.at += 1;
    } else {
        loop {
            let key = r.string()?;
            r.eat(b':')?;
            match MessageField::from_name(&key) {
                Some(field) => {
                    if seen & field.bit() != 0 {
                        return None;
                    }
                    seen |= field.bit();
                    match field.kind() {
                        Kind::Tags => m.tags = r.tags()?,
                        Kind::Number => m.set_number(field, r.scalar()?.lenient_u64()?),
                        Kind::Flag => m.set_flag(field, r.scalar()?.lenient_bool()?),
                        Kind::Text => m.set_text(field, r.scalar()?.lenient_string()?),
                    }
                }
                None => {
                    r.scalar()?;
                }
            }
            if !r.next_or_close(b'}')? {
                break;
            }
        }
    }
    r.skip_ws();
    matches!(r.peek(), None | Some(0)).then_some(m)
}
