//! The incoming message and the environment, parsed leniently from what every AO host sends.
//!
//! Hosts disagree on shapes: a compute unit sends `Timestamp` as a number, `wao` as a string,
//! HyperBEAM leaves it (and `Module`, `Block-Height`, the env `Module`) out. Everything here
//! tolerates missing or `null` fields and rejects only what cannot mean anything (a tag with
//! an empty name, a message that is not a JSON object, invalid UTF-8).

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::tag::{FromTag, TagError};
use crate::tags::{Tag, TagValue, Tags};

/// One message delivered to the process.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Message {
    /// Message id. Cron messages have none.
    #[serde(rename = "Id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The signer of the message.
    #[serde(rename = "Owner", default)]
    pub owner: String,
    /// The sender: the `From-Process` tag when a process sent it, else the owner.
    #[serde(rename = "From", default)]
    pub from: String,
    /// The process this message is addressed to.
    #[serde(rename = "Target", default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The anchor the sender set.
    #[serde(rename = "Anchor", default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// Tags in the order they were sent; names may repeat.
    #[serde(rename = "Tags", default)]
    pub tags: Tags,
    /// The data field (empty when absent or null).
    #[serde(rename = "Data", default)]
    pub data: String,
    /// Milliseconds since the epoch, as the scheduler assigned.
    #[serde(rename = "Timestamp", default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    /// Arweave block height at scheduling.
    #[serde(
        rename = "Block-Height",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub block_height: Option<u64>,
    /// The module id of the process.
    #[serde(rename = "Module", default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// True for a cron tick.
    #[serde(rename = "Cron", default)]
    pub cron: bool,
    /// True for a dry-run: nothing the process does may persist.
    #[serde(rename = "Read-Only", default)]
    pub read_only: bool,
    /// Scheduler epoch.
    #[serde(rename = "Epoch", default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// Scheduler nonce (position in the process' schedule).
    #[serde(rename = "Nonce", default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
    /// Scheduler hash chain.
    #[serde(
        rename = "Hash-Chain",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub hash_chain: Option<String>,
    /// The messenger unit that forwarded the message.
    #[serde(
        rename = "Forwarded-By",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub forwarded_by: Option<String>,
    /// The signature, when the host passes it.
    #[serde(rename = "Signature", default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Message {
    /// Parses a message from JSON-1 bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, InputError> {
        // The shapes hosts send take a direct path; anything it does not vouch for (floats,
        // nested values, errors of any kind) goes through serde, which has the last word.
        if let Some(raw) = fast::message(bytes) {
            return raw.into_message();
        }
        let raw: RawMessage = parse_object(bytes, "message")?;
        raw.into_message()
    }

    /// A new message from `from` (who is also the signer) with no tags.
    pub fn new(from: impl Into<String>) -> Self {
        let from = from.into();
        Message {
            owner: from.clone(),
            from,
            ..Message::default()
        }
    }

    /// The value of the first tag called `name` (exact, case-sensitive), as text.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.tags.get(name)
    }

    /// The `Action` tag.
    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }

    /// Reads tag `name` as a `T`; a missing tag or a value that does not parse is an error
    /// naming the tag, the value and the expected type.
    pub fn tag<T: FromTag>(&self, name: &str) -> Result<T, TagError> {
        match self.tags.find(name) {
            Some(value) => T::from_tag(name, Some(value)),
            None => T::from_tag(name, None),
        }
    }

    /// The data parsed as JSON into `T`.
    pub fn data_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, TagError> {
        serde_json::from_str(&self.data).map_err(|e| TagError::Data {
            expected: std::any::type_name::<T>(),
            reason: e.to_string(),
        })
    }

    /// True if this is the spawn message of process `process_id`.
    pub fn is_spawn_of(&self, process_id: &str) -> bool {
        self.id.as_deref() == Some(process_id) || self.get("Type") == Some("Process")
    }

    /// Builder: adds a tag.
    pub fn with_tag(mut self, name: impl Into<String>, value: impl Into<TagValue>) -> Self {
        self.tags.push(Tag::new(name, value));
        self
    }

    /// Builder: sets the `Action` tag.
    pub fn with_action(self, action: impl Into<String>) -> Self {
        self.with_tag("Action", action.into())
    }

    /// Builder: sets the data.
    pub fn with_data(mut self, data: impl Into<String>) -> Self {
        self.data = data.into();
        self
    }

    /// Builder: sets the id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Serialises to JSON-1, the shape hosts send.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A process or module description in the env.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EnvEntry {
    /// Its id.
    #[serde(rename = "Id", default)]
    pub id: String,
    /// Its owner.
    #[serde(rename = "Owner", default)]
    pub owner: String,
    /// Its tags.
    #[serde(rename = "Tags", default)]
    pub tags: Tags,
}

/// The environment the host passes with every message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Env {
    /// The process this module runs as.
    #[serde(rename = "Process", default)]
    pub process: EnvEntry,
    /// The module (absent under HyperBEAM).
    #[serde(rename = "Module", default, skip_serializing_if = "Option::is_none")]
    pub module: Option<EnvEntry>,
}

impl Env {
    /// Parses the env from JSON-1 bytes. A `null` env or one without a process id is an error.
    pub fn from_json(bytes: &[u8]) -> Result<Self, InputError> {
        let raw: RawEnv = parse_object(bytes, "env")?;
        let process = raw
            .process
            .ok_or(InputError::MissingField {
                what: "env",
                field: "Process",
            })?
            .into_entry()?;
        if process.id.is_empty() {
            return Err(InputError::MissingField {
                what: "env",
                field: "Process.Id",
            });
        }
        let module = match raw.module {
            Some(m) => Some(m.into_entry()?),
            None => None,
        };
        Ok(Env { process, module })
    }

    /// Checks, without parsing it, that an env the process will not read is UTF-8 text
    /// that opens a JSON object. The runtime reads the env only until it knows its
    /// identity; later envs are never looked into, so they need no full parse, but
    /// `null`, an empty env or binary garbage are still refused.
    pub fn check_json(bytes: &[u8]) -> Result<(), InputError> {
        let bytes = match nul_position(bytes) {
            Some(nul) => &bytes[..nul],
            None => bytes,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| InputError::Utf8 {
            what: "env",
            offset: e.valid_up_to(),
        })?;
        let text = text.trim();
        if text.starts_with('{') && text.ends_with('}') {
            Ok(())
        } else {
            Err(InputError::NotAnObject { what: "env" })
        }
    }

    /// An env for process `id` owned by `owner`.
    pub fn new(id: impl Into<String>, owner: impl Into<String>) -> Self {
        Env {
            process: EnvEntry {
                id: id.into(),
                owner: owner.into(),
                tags: Tags::default(),
            },
            module: None,
        }
    }

    /// Serialises to JSON-1.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Where the first NUL byte of `bytes` is, looking at eight bytes at a time.
pub(crate) fn nul_position(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        if word.wrapping_sub(ONES) & !word & HIGH != 0 {
            break;
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b == 0).map(|i| at + i)
}

fn parse_object<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
) -> Result<T, InputError> {
    let bytes = match nul_position(bytes) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| InputError::Utf8 {
        what,
        offset: e.valid_up_to(),
    })?;
    let trimmed = text.trim_start();
    if trimmed.starts_with("null") || trimmed.is_empty() {
        return Err(InputError::NotAnObject { what });
    }
    if !trimmed.starts_with('{') {
        return Err(InputError::NotAnObject { what });
    }
    serde_json::from_str(text).map_err(|e| InputError::Json {
        what,
        reason: e.to_string(),
    })
}

/// Accepts a number, a numeric string, `null` or nothing.
///
/// A visitor rather than an untagged enum (which buffers every value before trying its
/// variants); it accepts, refuses and words its errors as the enum
/// `Num(u64) | Float(f64) | Str(String)` did.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;
    fn float<E: de::Error>(f: f64) -> Result<Option<u64>, E> {
        if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 {
            Ok(Some(f as u64))
        } else {
            Err(E::custom(format!(
                "expected a non-negative integer, got {f}"
            )))
        }
    }
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer or a numeric string")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            match u64::try_from(v) {
                Ok(v) => Ok(Some(v)),
                Err(_) => float(v as f64),
            }
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            float(v)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            if s.is_empty() {
                return Ok(None);
            }
            s.parse()
                .map(Some)
                .map_err(|_| E::custom(format!("expected an integer, got {s:?}")))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(no_variant("NumOrStr"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            refuse_seq(seq, "NumOrStr")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            refuse_map(map, "NumOrStr")
        }
    }
    d.deserialize_option(V)
}

/// The error an untagged enum gives a value none of its variants takes.
fn no_variant<E: de::Error>(name: &str) -> E {
    E::custom(format!(
        "data did not match any variant of untagged enum {name}"
    ))
}

/// Reads a whole array (as an untagged enum would have buffered it) and refuses it.
fn refuse_seq<'de, A: de::SeqAccess<'de>, T>(mut seq: A, name: &str) -> Result<T, A::Error> {
    while seq.next_element::<de::IgnoredAny>()?.is_some() {}
    Err(no_variant(name))
}

/// Reads a whole object (as an untagged enum would have buffered it) and refuses it.
fn refuse_map<'de, A: de::MapAccess<'de>, T>(mut map: A, name: &str) -> Result<T, A::Error> {
    while map
        .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
        .is_some()
    {}
    Err(no_variant(name))
}

/// Accepts a bool, "true"/"false", `null` or nothing (and numbers: non-zero is true).
///
/// A visitor with the behaviour of the untagged enum `Bool(bool) | Str(String) | Num(i64)`.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<bool, E> {
            Ok(s.eq_ignore_ascii_case("true") || s == "1")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
            match i64::try_from(v) {
                Ok(v) => Ok(v != 0),
                Err(_) => Err(no_variant("BoolOrStr")),
            }
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
            Err(no_variant("BoolOrStr"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E: de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<bool, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
            refuse_seq(seq, "BoolOrStr")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
            refuse_map(map, "BoolOrStr")
        }
    }
    d.deserialize_option(V)
}

/// A string, or any other JSON value rendered as its JSON text; null counts as absent.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Lenient;
    impl<'de> de::Visitor<'de> for Lenient {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or any JSON value")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(serde_json::Value::from(v).to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(Lenient)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            Ok(Some(v.to_string()))
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok(Some(v.to_string()))
        }
    }
    d.deserialize_option(Lenient)
}

/// A one-pass reader of the common message shape, for the hot path.
///
/// It reads a JSON object whose values are strings, integers, booleans and `null`, plus the
/// `Tags` array of `{name, value}` objects, and builds exactly the [`RawMessage`] serde
/// would. It gives up (returns `None`) on anything else: invalid or non-object input,
/// floats, `-0`, integers that do not fit, nested values outside `Tags`, surrogate
/// escapes, duplicate fields, and every value the lenient readers would refuse. The serde
/// path then parses the input from the start, so errors and unusual shapes behave exactly
/// as before.
mod fast {
    use super::{RawMessage, RawTag, RawTagValue};
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
                Scalar::Str(s) if s.is_empty() => Some(None),
                Scalar::Str(s) => s.parse().ok().map(Some),
                Scalar::Bool(_) | Scalar::I64(_) => None,
            }
        }

        /// As `lenient_bool` reads it (`None` where it would fail).
        fn lenient_bool(self) -> Option<bool> {
            match self {
                Scalar::Null => Some(false),
                Scalar::Bool(b) => Some(b),
                Scalar::Str(s) => Some(s.eq_ignore_ascii_case("true") || s == "1"),
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
                    match &*key {
                        "name" if name.is_none() => {
                            name = Some(match v {
                                Scalar::Null => None,
                                Scalar::Str(s) => Some(s.into_owned()),
                                _ => return None,
                            })
                        }
                        "value" if value.is_none() => {
                            value = Some(match v.text() {
                                None => RawTagValue::Null,
                                Some(text) => RawTagValue::Text(text),
                            })
                        }
                        "name" | "value" => return None,
                        _ => {}
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

    /// The fields of [`RawMessage`], by position.
    const FIELDS: [&str; 17] = [
        "Id",
        "Owner",
        "From",
        "Target",
        "Anchor",
        "Tags",
        "Data",
        "Timestamp",
        "Block-Height",
        "Module",
        "Cron",
        "Read-Only",
        "Epoch",
        "Nonce",
        "Hash-Chain",
        "Forwarded-By",
        "Signature",
    ];
    const TAGS: usize = 5;
    const TIMESTAMP: usize = 7;
    const BLOCK_HEIGHT: usize = 8;
    const CRON: usize = 10;
    const READ_ONLY: usize = 11;
    const EPOCH: usize = 12;
    const NONCE: usize = 13;

    /// The message, or `None` when the serde path must decide.
    pub(super) fn message(bytes: &[u8]) -> Option<RawMessage> {
        let mut r = Reader { bytes, at: 0 };
        r.eat(b'{')?;
        let mut m = RawMessage {
            id: None,
            owner: None,
            from: None,
            target: None,
            anchor: None,
            tags: None,
            data: None,
            timestamp: None,
            block_height: None,
            module: None,
            cron: false,
            read_only: false,
            epoch: None,
            nonce: None,
            hash_chain: None,
            forwarded_by: None,
            signature: None,
        };
        let mut seen = 0u32;
        r.skip_ws();
        if r.peek() == Some(b'}') {
            r.at += 1;
        } else {
            loop {
                let key = r.string()?;
                r.eat(b':')?;
                match FIELDS.iter().position(|f| *f == key) {
                    Some(field) => {
                        if seen & (1 << field) != 0 {
                            return None;
                        }
                        seen |= 1 << field;
                        match field {
                            TAGS => m.tags = r.tags()?,
                            TIMESTAMP | BLOCK_HEIGHT | EPOCH | NONCE => {
                                let n = r.scalar()?.lenient_u64()?;
                                *match field {
                                    TIMESTAMP => &mut m.timestamp,
                                    BLOCK_HEIGHT => &mut m.block_height,
                                    EPOCH => &mut m.epoch,
                                    _ => &mut m.nonce,
                                } = n;
                            }
                            CRON => m.cron = r.scalar()?.lenient_bool()?,
                            READ_ONLY => m.read_only = r.scalar()?.lenient_bool()?,
                            _ => {
                                let s = r.scalar()?.lenient_string()?;
                                *match field {
                                    0 => &mut m.id,
                                    1 => &mut m.owner,
                                    2 => &mut m.from,
                                    3 => &mut m.target,
                                    4 => &mut m.anchor,
                                    6 => &mut m.data,
                                    9 => &mut m.module,
                                    14 => &mut m.hash_chain,
                                    15 => &mut m.forwarded_by,
                                    _ => &mut m.signature,
                                } = s;
                            }
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
}

#[derive(Deserialize)]
struct RawTag {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: RawTagValue,
}

/// A tag value as sent: text in the common case, built without a `serde_json::Value`.
#[derive(Default)]
enum RawTagValue {
    #[default]
    Null,
    Text(String),
    Json(serde_json::Value),
}

impl<'de> Deserialize<'de> for RawTagValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = RawTagValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a tag value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTagValue, E> {
                Ok(RawTagValue::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawTagValue, E> {
                Ok(RawTagValue::Text(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawTagValue, E> {
                Ok(RawTagValue::Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawTagValue, E> {
                Ok(RawTagValue::Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawTagValue, E> {
                Ok(RawTagValue::Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawTagValue, E> {
                Ok(RawTagValue::Text(serde_json::Value::from(v).to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawTagValue, E> {
                Ok(RawTagValue::Null)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<RawTagValue, A::Error> {
                serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(RawTagValue::Json)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawTagValue, A::Error> {
                serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawTagValue::Json)
            }
        }
        d.deserialize_any(V)
    }
}

fn raw_tags(raw: Option<Vec<RawTag>>) -> Result<Tags, InputError> {
    let mut tags = Tags::with_capacity(raw.as_ref().map_or(0, Vec::len));
    for (index, t) in raw.into_iter().flatten().enumerate() {
        let name = match t.name {
            Some(n) if !n.is_empty() => n,
            _ => return Err(InputError::EmptyTagName { index }),
        };
        let value = match t.value {
            RawTagValue::Text(s) => TagValue::Text(s),
            RawTagValue::Null => TagValue::Text(String::new()),
            RawTagValue::Json(v) => TagValue::Json(v),
        };
        tags.push(Tag { name, value });
    }
    Ok(tags)
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(rename = "Id", default, deserialize_with = "lenient_string")]
    id: Option<String>,
    #[serde(rename = "Owner", default, deserialize_with = "lenient_string")]
    owner: Option<String>,
    #[serde(rename = "From", default, deserialize_with = "lenient_string")]
    from: Option<String>,
    #[serde(rename = "Target", default, deserialize_with = "lenient_string")]
    target: Option<String>,
    #[serde(rename = "Anchor", default, deserialize_with = "lenient_string")]
    anchor: Option<String>,
    #[serde(rename = "Tags", default)]
    tags: Option<Vec<RawTag>>,
    #[serde(rename = "Data", default, deserialize_with = "lenient_string")]
    data: Option<String>,
    #[serde(rename = "Timestamp", default, deserialize_with = "lenient_u64")]
    timestamp: Option<u64>,
    #[serde(rename = "Block-Height", default, deserialize_with = "lenient_u64")]
    block_height: Option<u64>,
    #[serde(rename = "Module", default, deserialize_with = "lenient_string")]
    module: Option<String>,
    #[serde(rename = "Cron", default, deserialize_with = "lenient_bool")]
    cron: bool,
    #[serde(rename = "Read-Only", default, deserialize_with = "lenient_bool")]
    read_only: bool,
    #[serde(rename = "Epoch", default, deserialize_with = "lenient_u64")]
    epoch: Option<u64>,
    #[serde(rename = "Nonce", default, deserialize_with = "lenient_u64")]
    nonce: Option<u64>,
    #[serde(rename = "Hash-Chain", default, deserialize_with = "lenient_string")]
    hash_chain: Option<String>,
    #[serde(rename = "Forwarded-By", default, deserialize_with = "lenient_string")]
    forwarded_by: Option<String>,
    #[serde(rename = "Signature", default, deserialize_with = "lenient_string")]
    signature: Option<String>,
}

impl RawMessage {
    fn into_message(self) -> Result<Message, InputError> {
        let tags = raw_tags(self.tags)?;
        let owner = self.owner.unwrap_or_default();
        let from = match self.from {
            Some(f) if !f.is_empty() => f,
            _ => tags
                .get("From-Process")
                .map(str::to_owned)
                .unwrap_or_else(|| owner.clone()),
        };
        Ok(Message {
            id: self.id,
            owner,
            from,
            target: self.target,
            anchor: self.anchor,
            tags,
            data: self.data.unwrap_or_default(),
            timestamp: self.timestamp,
            block_height: self.block_height,
            module: self.module,
            cron: self.cron,
            read_only: self.read_only,
            epoch: self.epoch,
            nonce: self.nonce,
            hash_chain: self.hash_chain,
            forwarded_by: self.forwarded_by,
            signature: self.signature,
        })
    }
}

#[derive(Deserialize)]
struct RawEntry {
    #[serde(rename = "Id", default, deserialize_with = "lenient_string")]
    id: Option<String>,
    #[serde(rename = "Owner", default, deserialize_with = "lenient_string")]
    owner: Option<String>,
    #[serde(rename = "Tags", default)]
    tags: Option<Vec<RawTag>>,
}

impl RawEntry {
    fn into_entry(self) -> Result<EnvEntry, InputError> {
        Ok(EnvEntry {
            id: self.id.unwrap_or_default(),
            owner: self.owner.unwrap_or_default(),
            tags: raw_tags(self.tags)?,
        })
    }
}

#[derive(Deserialize)]
struct RawEnv {
    #[serde(rename = "Process", default)]
    process: Option<RawEntry>,
    #[serde(rename = "Module", default)]
    module: Option<RawEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cu_and_wao_shapes() {
        let cu = br#"{"Id":"m1","Owner":"o","Tags":[{"name":"Action","value":"Ping"}],"Timestamp":1700,"Block-Height":9,"Cron":false}"#;
        let wao = br#"{"Id":"m1","Owner":"o","From":"p","Tags":[{"name":"Action","value":"Ping"}],"Timestamp":"1700","Block-Height":"9","Data":null}"#;
        let a = Message::from_json(cu).unwrap();
        let b = Message::from_json(wao).unwrap();
        assert_eq!(a.timestamp, Some(1700));
        assert_eq!(b.timestamp, Some(1700));
        assert_eq!(b.block_height, Some(9));
        assert_eq!(a.from, "o", "From defaults to the owner");
        assert_eq!(b.from, "p");
        assert_eq!(b.data, "");
        assert_eq!(a.action(), Some("Ping"));
    }

    #[test]
    fn from_process_tag_sets_from() {
        let m = Message::from_json(
            br#"{"Owner":"mu","Tags":[{"name":"From-Process","value":"proc"}]}"#,
        )
        .unwrap();
        assert_eq!(m.from, "proc");
        assert_eq!(m.id, None, "cron-like messages have no id");
    }

    #[test]
    fn hyperbeam_shapes_without_optional_parts() {
        let m =
            Message::from_json(br#"{"Owner":"o","Tags":[{"name":"K","value":{"a":1}}]}"#).unwrap();
        assert!(matches!(m.tags.find("K"), Some(TagValue::Json(_))));
        assert_eq!(m.timestamp, None);
        let env = Env::from_json(br#"{"Process":{"Id":"p"}}"#).unwrap();
        assert!(env.module.is_none());
        assert_eq!(env.process.owner, "");
    }

    #[test]
    fn rejects_what_cannot_mean_anything() {
        assert!(matches!(
            Message::from_json(b"{not json"),
            Err(InputError::Json { .. })
        ));
        assert!(matches!(
            Message::from_json(b"[1,2]"),
            Err(InputError::NotAnObject { .. })
        ));
        assert!(matches!(
            Message::from_json(b"{\"Data\":\"\xff\xfe\"}"),
            Err(InputError::Utf8 { .. })
        ));
        assert!(matches!(
            Message::from_json(br#"{"Tags":[{"name":"","value":"x"}]}"#),
            Err(InputError::EmptyTagName { index: 0 })
        ));
        assert!(matches!(
            Env::from_json(b"null"),
            Err(InputError::NotAnObject { what: "env" })
        ));
        assert!(matches!(
            Env::from_json(b"{}"),
            Err(InputError::MissingField { .. })
        ));
    }

    #[test]
    fn stops_at_nul_terminator() {
        let m = Message::from_json(b"{\"Owner\":\"o\"}\0garbage").unwrap();
        assert_eq!(m.owner, "o");
    }

    #[test]
    fn repeated_tags_keep_order_and_first_wins() {
        let m = Message::from_json(
            br#"{"Tags":[{"name":"A","value":"1"},{"name":"B","value":"x"},{"name":"A","value":"2"}]}"#,
        )
        .unwrap();
        assert_eq!(m.get("A"), Some("1"));
        let all: Vec<_> = m.tags.get_all("A").collect();
        assert_eq!(all, vec!["1", "2"]);
        assert_eq!(m.tags.len(), 3);
    }

    #[test]
    fn lenient_numbers_and_bools() {
        let ts = |v: &str| {
            Message::from_json(format!("{{\"Timestamp\":{v}}}").as_bytes())
                .map(|m| m.timestamp)
                .map_err(|e| e.to_string())
        };
        assert_eq!(ts("17"), Ok(Some(17)));
        assert_eq!(ts("\"17\""), Ok(Some(17)));
        assert_eq!(ts("\"\""), Ok(None));
        assert_eq!(ts("null"), Ok(None));
        assert_eq!(ts("2.0"), Ok(Some(2)));
        assert_eq!(ts("-0.0"), Ok(Some(0)));
        assert_eq!(ts("18446744073709551615"), Ok(Some(u64::MAX)));
        for bad in ["-1", "1.5", "1e30", "\"x\"", "true", "[1]", "{\"a\":1}"] {
            assert!(ts(bad).is_err(), "{bad}");
        }
        assert!(ts("-1")
            .unwrap_err()
            .contains("non-negative integer, got -1"));
        assert!(ts("[1,2]")
            .unwrap_err()
            .contains("data did not match any variant of untagged enum NumOrStr"));
        let cron = |v: &str| {
            Message::from_json(format!("{{\"Cron\":{v}}}").as_bytes())
                .map(|m| m.cron)
                .map_err(|e| e.to_string())
        };
        assert_eq!(cron("true"), Ok(true));
        assert_eq!(cron("\"TRUE\""), Ok(true));
        assert_eq!(cron("\"1\""), Ok(true));
        assert_eq!(cron("\"no\""), Ok(false));
        assert_eq!(cron("-3"), Ok(true));
        assert_eq!(cron("0"), Ok(false));
        assert_eq!(cron("null"), Ok(false));
        for bad in ["1.0", "9223372036854775808", "[]", "{}"] {
            assert!(cron(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nul_position_finds_the_first_nul() {
        for len in 0..40 {
            let mut bytes = vec![b'x'; len];
            assert_eq!(nul_position(&bytes), None);
            for at in 0..len {
                bytes[at] = 0;
                assert_eq!(nul_position(&bytes), Some(at), "len {len}");
                if at + 3 < len {
                    bytes[at + 3] = 0;
                    assert_eq!(nul_position(&bytes), Some(at));
                    bytes[at + 3] = 0x80;
                }
                bytes[at] = 0xff;
            }
        }
    }

    /// The fast reader agrees with serde wherever it answers, and answers for the
    /// common shapes.
    fn check_fast(input: &str) -> bool {
        check_fast_bytes(input.as_bytes())
    }

    fn check_fast_bytes(input: &[u8]) -> bool {
        let serde = parse_object::<RawMessage>(input, "message").and_then(RawMessage::into_message);
        match fast::message(input) {
            Some(raw) => {
                let fast = raw.into_message();
                assert_eq!(
                    format!("{fast:?}"),
                    format!("{serde:?}"),
                    "{}",
                    String::from_utf8_lossy(input)
                );
                true
            }
            None => false,
        }
    }

    #[test]
    fn fast_reader_matches_serde() {
        let common = [
            r#"{"Id":"m1","Owner":"o","Tags":[{"name":"Action","value":"Ping"}],"Timestamp":1700,"Block-Height":9,"Cron":false}"#,
            r#"{"Id":"m1","Owner":"o","From":"p","Tags":[{"name":"Action","value":"Ping"}],"Timestamp":"1700","Block-Height":"9","Data":null}"#,
            r#" { "Owner" : "mu" , "Tags" : [ { "name" : "From-Process" , "value" : "proc" } ] } "#,
            r#"{"Data":"line\nbreak \"quoted\" \\ \/ \u00e9\u001b[0m \ud7ff","Tags":[]}"#,
            r#"{"Tags":[{"name":"A","value":1},{"name":"B","value":-7},{"name":"C","value":true},{"value":null,"name":"D"},{"name":"E","value":"x","extra":3}]}"#,
            r#"{"Cron":"TRUE","Read-Only":1,"Epoch":"","Nonce":"+5","Id":12,"Target":false,"Anchor":null,"Unknown":"x","Other":-3}"#,
            r#"{"Tags":null,"Signature":"s","Hash-Chain":"h","Forwarded-By":"f","Module":"m"}"#,
            "{}",
            "{\"Owner\":\"o\"}\0garbage",
            r#"{"Tags":[{"name":"","value":"x"}]}"#,
            r#"{"Tags":[{"value":"x"}]}"#,
            r#"{"Tags":[{}]}"#,
            r#"{"Timestamp":18446744073709551615,"Nonce":0,"Cron":-9223372036854775808}"#,
        ];
        for input in common {
            assert!(check_fast(input), "fast path declined {input}");
        }
        let declined = [
            r#"{"Timestamp":1.5}"#,
            r#"{"Timestamp":-0}"#,
            r#"{"Timestamp":-1}"#,
            r#"{"Timestamp":18446744073709551616}"#,
            r#"{"Timestamp":"x"}"#,
            r#"{"Timestamp":true}"#,
            r#"{"Cron":18446744073709551615}"#,
            r#"{"Id":"a","Id":"b"}"#,
            r#"{"Tags":[{"name":"A","name":"B"}]}"#,
            r#"{"Tags":[{"name":"A","value":{"k":1}}]}"#,
            r#"{"Tags":[{"name":1,"value":"x"}]}"#,
            r#"{"Tags":{}}"#,
            r#"{"Data":"\ud83c\udf89"}"#,
            r#"{"Data":"tab	raw"}"#,
            r#"{"Data":"bad \x escape"}"#,
            r#"{"Extra":[1]}"#,
            r#"{"Id":"a",}"#,
            r#"{"Id":"a"} x"#,
            r#"{"Id":01}"#,
            r#"{"Id":1e3}"#,
            "[1,2]",
            "null",
            "",
            "{not json",
            "\u{a0}{}",
        ];
        for input in declined {
            assert!(!check_fast(input), "fast path answered {input}");
        }
        // Invalid UTF-8 and NUL bytes: only the serde path decides.
        for input in [
            &b"{\"Data\":\"\xff\"}"[..],
            b"{\"Tags\":[{\"name\":\"A\",\"value\":\"\xc3\"}]}",
            b"{\"D\xe9\":1}",
            b"{\"Data\":\"a\0b\"}",
            b"{\"Data\":\"a\"\0,\"Id\":1}",
            b"{\"Data\":\0\"a\"}",
        ] {
            assert!(!check_fast_bytes(input), "{input:?}");
        }
        assert!(check_fast_bytes(b"{\"Data\":\"\xc3\xa9\"} \0\xff garbage"));
        // Every prefix and many single-byte corruptions of the common shapes.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b" \"\\{}[],:0123456789-.eEtrufalsn\nx\x00";
        for input in common {
            for cut in 0..input.len() {
                if let Some(prefix) = input.get(..cut) {
                    check_fast(prefix);
                }
            }
            for _ in 0..300 {
                let mut bytes = input.as_bytes().to_vec();
                for _ in 0..1 + next() % 3 {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] = alphabet[(next() as usize) % alphabet.len()];
                }
                if let Ok(text) = String::from_utf8(bytes) {
                    check_fast(&text);
                }
            }
        }
    }
}
