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
        let bytes = match bytes.iter().position(|&b| b == 0) {
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

fn parse_object<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
) -> Result<T, InputError> {
    let bytes = match bytes.iter().position(|&b| b == 0) {
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
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrStr {
        Num(u64),
        Float(f64),
        Str(String),
    }
    match Option::<NumOrStr>::deserialize(d)? {
        None => Ok(None),
        Some(NumOrStr::Num(n)) => Ok(Some(n)),
        Some(NumOrStr::Float(f)) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => {
            Ok(Some(f as u64))
        }
        Some(NumOrStr::Float(f)) => Err(de::Error::custom(format!(
            "expected a non-negative integer, got {f}"
        ))),
        Some(NumOrStr::Str(s)) if s.is_empty() => Ok(None),
        Some(NumOrStr::Str(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected an integer, got {s:?}"))),
    }
}

/// Accepts a bool, "true"/"false", `null` or nothing.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrStr {
        Bool(bool),
        Str(String),
        Num(i64),
    }
    Ok(match Option::<BoolOrStr>::deserialize(d)? {
        None => false,
        Some(BoolOrStr::Bool(b)) => b,
        Some(BoolOrStr::Str(s)) => s.eq_ignore_ascii_case("true") || s == "1",
        Some(BoolOrStr::Num(n)) => n != 0,
    })
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
}
