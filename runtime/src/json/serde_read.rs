//! The serde reading of host input: the reference aoxide's own reader ([`super::fast`])
//! is compared with (native builds only; no module carries it). Lenient field readers over
//! `serde_json`'s deserializer fill the raw shapes of [`super::raw`], keyed by the field
//! table ([`super::fields`]); the lenient rules are in [`crate::protocol`].

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess};
use serde::Deserialize;

use super::fields::{EntryField, EnvField, Field, Kind, MessageField, TagField};
use super::nul_position;
use super::raw::{RawEntry, RawEnv, RawMessage, RawTagValue, RawTags};
use super::write::value_text;
use crate::error::InputError;
use crate::protocol;

/// Reads `bytes` (up to the first NUL) as a `T` through serde_json, after the checks and
/// the lone-surrogate rule of [`crate::protocol`].
pub(crate) fn parse_object<T: serde::de::DeserializeOwned>(
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
    let text = replace_lone_surrogates(text);
    serde_json::from_str(&text).map_err(|e| InputError::Reference {
        what,
        reason: e.to_string(),
    })
}

/// `text` with every `\uXXXX` escape of a lone UTF-16 surrogate (one not part of a
/// high-low pair) replaced by `\ufffd`, the same length, so positions in errors stay put.
/// Borrowed when there is none. One pass; the escapes of other characters are skipped.
pub(crate) fn replace_lone_surrogates(text: &str) -> std::borrow::Cow<'_, str> {
    fn escape_at(b: &[u8], i: usize) -> Option<u32> {
        let hex = b.get(i..i + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        let hex = std::str::from_utf8(&hex[2..]).ok()?;
        u32::from_str_radix(hex, 16).ok()
    }
    let b = text.as_bytes();
    let mut fixed: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        match escape_at(b, i) {
            Some(0xd800..=0xdbff) if matches!(escape_at(b, i + 6), Some(0xdc00..=0xdfff)) => {
                i += 12
            }
            Some(0xd800..=0xdfff) => {
                fixed.get_or_insert_with(|| b.to_vec())[i..i + 6].copy_from_slice(b"\\ufffd");
                i += 6;
            }
            Some(_) => i += 6,
            None => i += 2,
        }
    }
    match fixed {
        // Only ASCII escapes were rewritten to ASCII: still UTF-8.
        Some(bytes) => std::borrow::Cow::Owned(String::from_utf8(bytes).unwrap_or_default()),
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// Accepts a number, a string of digits ([`protocol::parse_number`]), `null` or nothing.
///
/// A visitor rather than an untagged enum (which buffers every value before trying its
/// variants); it accepts, refuses and words its errors as the enum
/// `Num(u64) | Float(f64) | Str(String)` did.
pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
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
            protocol::parse_number(s)
                .ok_or_else(|| E::custom(format!("expected an integer, got {s:?}")))
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
pub(crate) fn no_variant<E: de::Error>(name: &str) -> E {
    E::custom(format!(
        "data did not match any variant of untagged enum {name}"
    ))
}

/// Reads a whole array (as an untagged enum would have buffered it) and refuses it.
pub(crate) fn refuse_seq<'de, A: de::SeqAccess<'de>, T>(
    mut seq: A,
    name: &str,
) -> Result<T, A::Error> {
    while seq.next_element::<de::IgnoredAny>()?.is_some() {}
    Err(no_variant(name))
}

/// Reads a whole object (as an untagged enum would have buffered it) and refuses it.
pub(crate) fn refuse_map<'de, A: de::MapAccess<'de>, T>(
    mut map: A,
    name: &str,
) -> Result<T, A::Error> {
    while map
        .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
        .is_some()
    {}
    Err(no_variant(name))
}

/// Accepts a bool, a flag string ([`protocol::parse_flag`]), `null` or nothing (and
/// integers: non-zero is true).
///
/// A visitor with the behaviour of the untagged enum `Bool(bool) | Str(String) | Num(i64)`.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
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
            protocol::parse_flag(s)
                .ok_or_else(|| E::custom(format!("expected a boolean, got {s:?}")))
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
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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
            Ok(Some(value_text(&serde_json::Value::from(v))))
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
            Ok(Some(value_text(&v)))
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok(Some(value_text(&v)))
        }
    }
    d.deserialize_option(Lenient)
}

/// A map key read as a field of table `F` (`None` for names the table lacks).
struct Key<F>(Option<F>);

impl<'de, F: Field> Deserialize<'de> for Key<F> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<F>(std::marker::PhantomData<F>);
        impl<'de, F: Field> de::Visitor<'de> for V<F> {
            type Value = Key<F>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<F>, E> {
                Ok(Key(F::from_name(v)))
            }
        }
        d.deserialize_identifier(V(std::marker::PhantomData))
    }
}

/// Marks `field` seen; a second time is serde's "duplicate field" error.
fn see<F: Field, E: de::Error>(seen: &mut u32, field: F) -> Result<(), E> {
    if *seen & field.bit() != 0 {
        return Err(E::duplicate_field(field.name()));
    }
    *seen |= field.bit();
    Ok(())
}

macro_rules! newtype_reader {
    ($name:ident, $ty:ty, $read:ident) => {
        struct $name($ty);
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $read(d).map($name)
            }
        }
    };
}
newtype_reader!(LenientString, Option<String>, lenient_string);
newtype_reader!(LenientU64, Option<u64>, lenient_u64);
newtype_reader!(LenientBool, bool, lenient_bool);

/// One tag as sent (the serde reading).
#[derive(Default)]
pub(crate) struct RawTag {
    name: Option<String>,
    value: RawTagValue,
}

/// The `Tags` value as serde reads it: `null` or an array of tags.
fn raw_tags(list: Option<Vec<RawTag>>) -> RawTags {
    let mut tags = RawTags::default();
    for t in list.into_iter().flatten() {
        tags.push(t.name, t.value);
    }
    tags
}

impl<'de> Deserialize<'de> for RawTag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = RawTag;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("struct RawTag")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawTag, A::Error> {
                // serde's struct form: `[name, value]`.
                let name = seq.next_element::<Option<String>>()?.flatten();
                let value = seq.next_element()?.unwrap_or_default();
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawTag { name, value })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTag, A::Error> {
                let mut tag = RawTag::default();
                let mut seen = 0;
                while let Some(Key(field)) = map.next_key::<Key<TagField>>()? {
                    let Some(field) = field else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    see::<_, A::Error>(&mut seen, field)?;
                    match field {
                        TagField::Name => tag.name = map.next_value()?,
                        TagField::Value => tag.value = map.next_value()?,
                    }
                }
                Ok(tag)
            }
        }
        d.deserialize_struct("RawTag", TagField::NAMES, V)
    }
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
                Ok(RawTagValue::Text(value_text(&serde_json::Value::from(v))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawTagValue, E> {
                Ok(RawTagValue::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawTagValue, A::Error> {
                serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(RawTagValue::Json)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawTagValue, A::Error> {
                serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawTagValue::Json)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = RawMessage;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("struct RawMessage")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMessage, A::Error> {
                let mut m = RawMessage::default();
                let mut seen = 0;
                while let Some(Key(field)) = map.next_key::<Key<MessageField>>()? {
                    let Some(field) = field else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    see::<_, A::Error>(&mut seen, field)?;
                    match field.kind() {
                        Kind::Tags => m.tags = raw_tags(map.next_value()?),
                        Kind::Number => m.set_number(field, map.next_value::<LenientU64>()?.0),
                        Kind::Flag => m.set_flag(field, map.next_value::<LenientBool>()?.0),
                        Kind::Text => *m.text_mut(field) = map.next_value::<LenientString>()?.0,
                    }
                }
                Ok(m)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = RawEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("struct RawEntry")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry, A::Error> {
                let mut e = RawEntry::default();
                let mut seen = 0;
                while let Some(Key(field)) = map.next_key::<Key<EntryField>>()? {
                    let Some(field) = field else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    see::<_, A::Error>(&mut seen, field)?;
                    match field {
                        EntryField::Id => e.id = map.next_value::<LenientString>()?.0,
                        EntryField::Owner => e.owner = map.next_value::<LenientString>()?.0,
                        EntryField::Tags => e.tags = raw_tags(map.next_value()?),
                    }
                }
                Ok(e)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for RawEnv {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = RawEnv;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("struct RawEnv")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEnv, A::Error> {
                let mut e = RawEnv::default();
                let mut seen = 0;
                while let Some(Key(field)) = map.next_key::<Key<EnvField>>()? {
                    let Some(field) = field else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    see::<_, A::Error>(&mut seen, field)?;
                    match field {
                        EnvField::Process => e.process = map.next_value()?,
                        EnvField::Module => e.module = map.next_value()?,
                    }
                }
                Ok(e)
            }
        }
        d.deserialize_map(V)
    }
}
