//! The incoming message and the environment, parsed leniently from what every AO host sends.
//!
//! Hosts disagree on shapes: a compute unit sends `Timestamp` as a number, `wao` as a string,
//! HyperBEAM leaves it (and `Module`, `Block-Height`, the env `Module`) out. Everything here
//! tolerates missing or `null` fields and rejects only what cannot mean anything (a tag with
//! an empty name, a message that is not a JSON object, invalid UTF-8).

use crate::error::InputError;
use crate::json::fields::EnvField;
use crate::json::raw::RawEnv;
use crate::json::{fast, nul_position, write};
use crate::tag::{FromTag, TagError};
use crate::tags::{Tag, TagValue, Tags};

/// One message delivered to the process.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// Message id. Cron messages have none.
    pub id: Option<String>,
    /// The signer of the message.
    pub owner: String,
    /// The sender: the `From-Process` tag when a process sent it, else the owner.
    pub from: String,
    /// The process this message is addressed to.
    pub target: Option<String>,
    /// The anchor the sender set.
    pub anchor: Option<String>,
    /// Tags in the order they were sent; names may repeat.
    pub tags: Tags,
    /// The data field (empty when absent or null).
    pub data: String,
    /// Milliseconds since the epoch, as the scheduler assigned.
    pub timestamp: Option<u64>,
    /// Arweave block height at scheduling.
    pub block_height: Option<u64>,
    /// The module id of the process.
    pub module: Option<String>,
    /// True for a cron tick.
    pub cron: bool,
    /// True for a dry-run: nothing the process does may persist.
    pub read_only: bool,
    /// Scheduler epoch.
    pub epoch: Option<u64>,
    /// Scheduler nonce (position in the process' schedule).
    pub nonce: Option<u64>,
    /// Scheduler hash chain.
    pub hash_chain: Option<String>,
    /// The messenger unit that forwarded the message.
    pub forwarded_by: Option<String>,
    /// The signature, when the host passes it.
    pub signature: Option<String>,
}

/// Both readers of a message, for the differential tests and the fuzz target
/// `fast_vs_serde` (`fuzz/`): aoxide's reader and the serde reference.
#[doc(hidden)]
#[cfg(not(target_arch = "wasm32"))]
pub fn fast_and_serde(bytes: &[u8]) -> (Result<Message, InputError>, Result<Message, InputError>) {
    (
        Message::from_json(bytes),
        crate::json::reference::message(bytes),
    )
}

/// Both readers of an env, as [`fast_and_serde`] for messages.
#[doc(hidden)]
#[cfg(not(target_arch = "wasm32"))]
pub fn env_fast_and_serde(bytes: &[u8]) -> (Result<Env, InputError>, Result<Env, InputError>) {
    (Env::from_json(bytes), crate::json::reference::env(bytes))
}

impl Message {
    /// Parses a message from JSON-1 bytes (up to the first NUL byte): aoxide's one-pass
    /// reader, lenient as [`crate::protocol`] says.
    pub fn from_json(bytes: &[u8]) -> Result<Self, InputError> {
        fast::message(bytes)
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
        T::from_tag(name, self.tags.find_out_of_line(name))
    }

    /// The data parsed as JSON into `T`.
    ///
    /// The text is read by aoxide's own reader into a `serde_json::Value` ([`json_value`](
    /// crate::json_value): serde_json's grammar and numbers, a lone surrogate escape read
    /// as U+FFFD), and `T` is deserialized from that value by aoxide's deserializer over
    /// it (what serde_json's reads, with its error texts), so a module carries one JSON
    /// text reader and `T`'s `Deserialize` is compiled with the deserializer the snapshot
    /// view uses too (docs/size.md). What the value cannot tell apart reads as the value
    /// has it: of a key given twice the last one counts, and an integer beyond 64 bits is
    /// a float.
    pub fn data_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, TagError> {
        let error = |reason: String| TagError::Data {
            expected: std::any::type_name::<T>(),
            reason,
        };
        let value = crate::json_value(&self.data).map_err(|e| error(e.to_string()))?;
        crate::json::value_de::from_value(&value).map_err(|e| error(e.to_string()))
    }

    /// True if this is the spawn message of process `process_id`: AO gives the spawn the
    /// process' id. A `Type=Process` tag alone proves nothing (anyone can send it).
    pub fn is_spawn_of(&self, process_id: &str) -> bool {
        !process_id.is_empty() && self.id.as_deref() == Some(process_id)
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
        String::from_utf8(self.to_json_bytes()).unwrap_or_default()
    }

    /// Serialises to JSON-1 bytes (UTF-8), the shape hosts send.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.data.len() + 64 * self.tags.len());
        write::message(&mut out, self);
        out
    }
}

/// A process or module description in the env.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnvEntry {
    /// Its id.
    pub id: String,
    /// Its owner.
    pub owner: String,
    /// Its tags.
    pub tags: Tags,
}

/// The environment the host passes with every message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Env {
    /// The process this module runs as.
    pub process: EnvEntry,
    /// The module (absent under HyperBEAM).
    pub module: Option<EnvEntry>,
}

impl Env {
    /// Parses the env from JSON-1 bytes. A `null` env or one without a process id is an error.
    pub fn from_json(bytes: &[u8]) -> Result<Self, InputError> {
        fast::env(bytes)
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
        // JSON's whitespace is ASCII (as in `Reader::error`).
        let text = text.trim_ascii();
        // Bytes, not `char` patterns (the same test for ASCII: no UTF-8 sequence starts or
        // ends with another byte of it), whose searcher code would be here only for this.
        if text.as_bytes().first() == Some(&b'{') && text.as_bytes().last() == Some(&b'}') {
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
        String::from_utf8(self.to_json_bytes()).unwrap_or_default()
    }

    /// Serialises to JSON-1 bytes (UTF-8).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        write::env(&mut out, self);
        out
    }
}

/// The env from what a reader read.
pub(crate) fn env_from_raw(raw: RawEnv) -> Result<Env, InputError> {
    let process = raw
        .process
        .ok_or(InputError::MissingField {
            what: "env",
            field: EnvField::Process.name(),
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
        assert!(ts("1.50e0")
            .unwrap_err()
            .contains("non-negative integer, got 1.50e0"));
        assert!(ts("[1,2]")
            .unwrap_err()
            .contains("`Timestamp` must be an integer or a string of digits"));
        let cron = |v: &str| {
            Message::from_json(format!("{{\"Cron\":{v}}}").as_bytes())
                .map(|m| m.cron)
                .map_err(|e| e.to_string())
        };
        assert_eq!(cron("true"), Ok(true));
        assert_eq!(cron("\"TRUE\""), Ok(true));
        assert_eq!(cron("\"1\""), Ok(true));
        assert_eq!(cron("\"false\""), Ok(false));
        assert_eq!(cron("\"0\""), Ok(false));
        assert!(cron("\"no\"")
            .unwrap_err()
            .contains("expected a boolean, got \"no\""));
        assert_eq!(cron("-3"), Ok(true));
        assert_eq!(cron("0"), Ok(false));
        assert_eq!(cron("null"), Ok(false));
        for bad in ["1.0", "9223372036854775808", "[]", "{}"] {
            assert!(cron(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn to_json_reads_back_as_the_same_message() {
        let mut m = Message::new("OWNER")
            .with_id("ID")
            .with_action("Go")
            .with_tag("Json", serde_json::json!({"a": [1, 2.5]}))
            .with_data("line\n\"quoted\" \u{1b}[0m é");
        m.from = "PROC".into();
        m.timestamp = Some(1_700_000_000_000);
        m.block_height = Some(0);
        m.read_only = true;
        m.hash_chain = Some("h".into());
        let json = m.to_json_bytes();
        assert_eq!(Message::from_json(&json), Ok(m.clone()));
        assert_eq!(crate::__codec::message(&json), Ok(m));
        let env = Env::new("P", "O");
        assert_eq!(Env::from_json(env.to_json().as_bytes()), Ok(env.clone()));
        assert_eq!(crate::__codec::env(env.to_json().as_bytes()), Ok(env));
    }

    /// The lenient-field rules of the protocol table (`crate::protocol`), on both readers.
    #[test]
    fn protocol_table_lenient_fields() {
        let read = |json: &str| Message::from_json(json.as_bytes()).map_err(|e| e.to_string());
        // `Read-Only: "yes"` is refused, never a message that mutates.
        let err = read(r#"{"Read-Only":"yes"}"#).unwrap_err();
        assert!(err.contains("expected a boolean, got \"yes\""), "{err}");
        assert!(read(r#"{"Read-Only":"TRUE"}"#).unwrap().read_only);
        // Numbers given as strings are digits only.
        for field in ["Timestamp", "Block-Height", "Epoch", "Nonce"] {
            let err = read(&format!(r#"{{"{field}":"+5"}}"#)).unwrap_err();
            assert!(
                err.contains("expected an integer, got \"+5\""),
                "{field}: {err}"
            );
            assert!(read(&format!(r#"{{"{field}":" 5"}}"#)).is_err());
        }
        assert_eq!(
            read(r#"{"Block-Height":"5"}"#).unwrap().block_height,
            Some(5)
        );
        // A lone surrogate reads as U+FFFD; the rest of the message stays.
        let m = read(r#"{"Owner":"o","Tags":[{"name":"A","value":"x\ud800y"},{"name":"B","value":"\udc00"}],"Data":"\ud83c\udf89 \ud83c"}"#).unwrap();
        assert_eq!(m.get("A"), Some("x\u{fffd}y"));
        assert_eq!(m.get("B"), Some("\u{fffd}"));
        assert_eq!(m.data, "\u{1f389} \u{fffd}");
        // An escaped backslash before `ud800` is not an escape.
        let m = read(r#"{"Data":"\\ud800"}"#).unwrap();
        assert_eq!(m.data, "\\ud800");
        // Bad JSON around a surrogate is still bad JSON.
        assert!(read(r#"{"Data":"\ud800}"#).is_err());
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

    #[test]
    fn data_reads_as_serde_json_reads_it() {
        use std::collections::BTreeMap;

        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Order {
            qty: u64,
            price: f64,
            note: Option<String>,
        }
        let with = |data: &str| Message::new("a").with_data(data);
        for data in [
            r#" {"qty": 3, "price": 2.5, "note": "a\"b\u00e9"} "#,
            r#"{"qty": 18446744073709551615, "price": -1e-7, "note": null}"#,
        ] {
            let direct: Order = serde_json::from_str(data).unwrap();
            assert_eq!(with(data).data_json::<Order>().unwrap(), direct, "{data}");
        }
        let pairs: BTreeMap<String, String> = with(r#"{"b":"2","a":"1"}"#).data_json().unwrap();
        assert_eq!(pairs.len(), 2);
        // A lone surrogate escape reads as U+FFFD, as in tags.
        let s: String = with(r#""\ud800""#).data_json().unwrap();
        assert_eq!(s, "\u{fffd}");

        let err = with("not json")
            .data_json::<Order>()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("data is not valid JSON for "), "{err}");
        assert!(err.ends_with("expected a value at byte 0"), "{err}");
        let err = with(r#"{"qty": "3", "price": 1}"#)
            .data_json::<Order>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Order") && err.contains("invalid type: string \"3\""),
            "{err}"
        );
        let err = with(r#"{"qty": 3}"#)
            .data_json::<Order>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `price`"), "{err}");
    }
}
