//! The serde reading of host input: lenient field readers and the raw shapes they fill,
//! turned into [`Message`](crate::Message) and [`Env`](crate::Env) entries.

use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::error::InputError;
use crate::message::{EnvEntry, Message};
use crate::tags::{Tag, TagValue, Tags};

/// Accepts a number, a numeric string, `null` or nothing.
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

/// Accepts a bool, "true"/"false", `null` or nothing (and numbers: non-zero is true).
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

#[derive(Deserialize)]
pub(crate) struct RawTag {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) value: RawTagValue,
}

/// A tag value as sent: text in the common case, built without a `serde_json::Value`.
#[derive(Default)]
pub(crate) enum RawTagValue {
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

pub(crate) fn raw_tags(raw: Option<Vec<RawTag>>) -> Result<Tags, InputError> {
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
pub(crate) struct RawMessage {
    #[serde(rename = "Id", default, deserialize_with = "lenient_string")]
    pub(crate) id: Option<String>,
    #[serde(rename = "Owner", default, deserialize_with = "lenient_string")]
    pub(crate) owner: Option<String>,
    #[serde(rename = "From", default, deserialize_with = "lenient_string")]
    pub(crate) from: Option<String>,
    #[serde(rename = "Target", default, deserialize_with = "lenient_string")]
    pub(crate) target: Option<String>,
    #[serde(rename = "Anchor", default, deserialize_with = "lenient_string")]
    pub(crate) anchor: Option<String>,
    #[serde(rename = "Tags", default)]
    pub(crate) tags: Option<Vec<RawTag>>,
    #[serde(rename = "Data", default, deserialize_with = "lenient_string")]
    pub(crate) data: Option<String>,
    #[serde(rename = "Timestamp", default, deserialize_with = "lenient_u64")]
    pub(crate) timestamp: Option<u64>,
    #[serde(rename = "Block-Height", default, deserialize_with = "lenient_u64")]
    pub(crate) block_height: Option<u64>,
    #[serde(rename = "Module", default, deserialize_with = "lenient_string")]
    pub(crate) module: Option<String>,
    #[serde(rename = "Cron", default, deserialize_with = "lenient_bool")]
    pub(crate) cron: bool,
    #[serde(rename = "Read-Only", default, deserialize_with = "lenient_bool")]
    pub(crate) read_only: bool,
    #[serde(rename = "Epoch", default, deserialize_with = "lenient_u64")]
    pub(crate) epoch: Option<u64>,
    #[serde(rename = "Nonce", default, deserialize_with = "lenient_u64")]
    pub(crate) nonce: Option<u64>,
    #[serde(rename = "Hash-Chain", default, deserialize_with = "lenient_string")]
    pub(crate) hash_chain: Option<String>,
    #[serde(rename = "Forwarded-By", default, deserialize_with = "lenient_string")]
    pub(crate) forwarded_by: Option<String>,
    #[serde(rename = "Signature", default, deserialize_with = "lenient_string")]
    pub(crate) signature: Option<String>,
}

impl RawMessage {
    pub(crate) fn into_message(self) -> Result<Message, InputError> {
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
pub(crate) struct RawEntry {
    #[serde(rename = "Id", default, deserialize_with = "lenient_string")]
    pub(crate) id: Option<String>,
    #[serde(rename = "Owner", default, deserialize_with = "lenient_string")]
    pub(crate) owner: Option<String>,
    #[serde(rename = "Tags", default)]
    pub(crate) tags: Option<Vec<RawTag>>,
}

impl RawEntry {
    pub(crate) fn into_entry(self) -> Result<EnvEntry, InputError> {
        Ok(EnvEntry {
            id: self.id.unwrap_or_default(),
            owner: self.owner.unwrap_or_default(),
            tags: raw_tags(self.tags)?,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct RawEnv {
    #[serde(rename = "Process", default)]
    pub(crate) process: Option<RawEntry>,
    #[serde(rename = "Module", default)]
    pub(crate) module: Option<RawEntry>,
}
