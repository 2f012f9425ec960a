//! [`Payload`]: the state part of an older snapshot, as a migration hook reads it.
//!
//! A payload is read through one deserializer whichever form the snapshot came in, aoxide's
//! over a `serde_json::Value` (`crate::json::value_de`): the JSON view is one already, and
//! an old binary snapshot is first turned into the value its JSON view holds, structs as
//! arrays (see [`ViewValue`]). So `decode::<T>` compiles `T`'s `Deserialize` once, and the MessagePack reader is named only by
//! [`Payload::binary`] ([`super::load`]): a module that restores only from the JSON view
//! carries none of it. Measured on `kv-store` (docs/size.md): reading both forms with
//! their own deserializer compiled every old state type twice (27.8 KB more); one
//! type-erased deserializer (`erased-serde`) over both cost 20 KB more than this, in its
//! per-visitor tables.

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::SnapshotError;

/// The state part of an older snapshot, handed to [`Schema::migrate`](super::Schema::migrate):
/// [`decode`](Payload::decode) reads it as any type, as often as needed.
///
/// Both forms decode the same: an old binary snapshot is read as its JSON view would be
/// (map keys as strings, byte strings as arrays of numbers, what `serde_json::to_value`
/// writes; structs stay arrays of their fields, as the binary form writes them, which
/// serde's derives read too), so a migration that reads one reads the other. That is the
/// JSON view's data model: a state the view cannot hold (a map keyed by tuples) cannot be
/// migrated from an older version, though it saves and loads at its own version.
#[derive(Clone, Copy)]
pub struct Payload<'a> {
    source: Source<'a>,
    version: u32,
}

#[derive(Clone, Copy)]
enum Source<'a> {
    /// MessagePack, with the function that turns it into its JSON view (a pointer, so
    /// that only a binary payload's constructor names the MessagePack reader).
    Binary(&'a [u8], fn(&[u8]) -> Result<Value, String>),
    /// The `"state"` member of the JSON view.
    Json(&'a Value),
}

impl<'a> Payload<'a> {
    /// A payload of MessagePack bytes (a binary snapshot after its 8-byte header), written
    /// with schema `version`.
    pub fn binary(bytes: &'a [u8], version: u32) -> Self {
        Payload {
            source: Source::Binary(bytes, read_binary),
            version,
        }
    }

    /// A payload of JSON (the `"state"` member of the JSON view), written with schema
    /// `version`.
    pub fn json(state: &'a Value, version: u32) -> Self {
        Payload {
            source: Source::Json(state),
            version,
        }
    }

    /// The schema version the payload was written with.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Decodes the payload as `T` (typically the previous version of the state).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, SnapshotError> {
        let error = |reason: String| SnapshotError::Decode {
            ty: std::any::type_name::<T>(),
            version: self.version,
            reason,
        };
        let read;
        let state = match self.source {
            Source::Json(state) => state,
            Source::Binary(bytes, view) => {
                read = view(bytes).map_err(error)?;
                &read
            }
        };
        crate::json::value_de::from_value(state).map_err(|e| error(e.to_string()))
    }
}

impl core::fmt::Debug for Payload<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let form = match self.source {
            Source::Binary(..) => "binary",
            Source::Json(..) => "json",
        };
        f.debug_struct("Payload")
            .field("form", &form)
            .field("version", &self.version)
            .finish()
    }
}

/// A binary snapshot's state as its JSON view.
fn read_binary(bytes: &[u8]) -> Result<Value, String> {
    rmp_serde::from_slice::<ViewValue>(bytes)
        .map(|v| v.0)
        .map_err(|e| e.to_string())
}

/// Any self-describing input read as the `serde_json::Value` its JSON view holds:
/// `serde_json::Value`'s own `Deserialize` but for map keys (numbers and booleans become
/// their text, as `serde_json::to_value` writes them) and byte strings (arrays of numbers).
struct ViewValue(Value);

impl<'de> Deserialize<'de> for ViewValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(ViewValue)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a value of the JSON view")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // `null` for a non-finite number, as `serde_json::to_value` writes it.
        Ok(v.into())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Array(v.iter().map(|&b| b.into()).collect()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(ViewValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(ViewKey(key)) = map.next_key()? {
            let ViewValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A map key as the JSON view writes it: text.
struct ViewKey(String);

impl<'de> Deserialize<'de> for ViewKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor).map(ViewKey)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a map key the JSON view can hold (text, a number or a boolean)")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        serde_json::Number::from_f64(v)
            .map(|n| n.to_string())
            .ok_or_else(|| E::custom("a map key is a non-finite number"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize, Serializer};

    use super::*;
    use crate::snapshot::{encode_version, load, Schema};

    /// Serialized as a byte string (MessagePack `bin`).
    struct Bytes(Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Kind {
        Plain,
        Tagged(String),
    }

    #[derive(Serialize)]
    struct OldOut {
        ids: BTreeMap<i64, String>,
        flags: BTreeMap<bool, u8>,
        blob: Bytes,
        kinds: Vec<Kind>,
        ratio: f32,
        gone: Option<u8>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct OldIn {
        ids: BTreeMap<i64, String>,
        flags: BTreeMap<bool, u8>,
        blob: Vec<u8>,
        kinds: Vec<Kind>,
        ratio: f32,
        gone: Option<u8>,
    }

    fn old() -> OldOut {
        OldOut {
            ids: [(-3, "minus".to_owned()), (7, "seven".to_owned())].into(),
            flags: [(true, 1)].into(),
            blob: Bytes(vec![0, 255]),
            kinds: vec![Kind::Plain, Kind::Tagged("t".to_owned())],
            ratio: 0.5,
            gone: None,
        }
    }

    fn expected() -> OldIn {
        OldIn {
            ids: [(-3, "minus".to_owned()), (7, "seven".to_owned())].into(),
            flags: [(true, 1)].into(),
            blob: vec![0, 255],
            kinds: vec![Kind::Plain, Kind::Tagged("t".to_owned())],
            ratio: 0.5,
            gone: None,
        }
    }

    #[test]
    fn a_binary_payload_reads_as_its_json_view() {
        let bytes = encode_version(1, &old()).unwrap();
        let binary = Payload::binary(&bytes[8..], 1);
        let view = serde_json::to_value(old()).unwrap();
        let json = Payload::json(&view, 1);
        assert_eq!(binary.decode::<OldIn>().unwrap(), expected());
        assert_eq!(json.decode::<OldIn>().unwrap(), expected());
        // The view's values, the struct as an array of its fields (compact MessagePack).
        let fields = ["ids", "flags", "blob", "kinds", "ratio", "gone"].map(|f| view[f].clone());
        assert_eq!(
            read_binary(&bytes[8..]).unwrap(),
            Value::from(fields.to_vec())
        );
        // Decoding again reads the bytes again.
        assert_eq!(binary.decode::<OldIn>().unwrap(), expected());
    }

    #[test]
    fn errors_name_the_type_and_version() {
        let bytes = encode_version(4, &"text").unwrap();
        let err = Payload::binary(&bytes[8..], 4)
            .decode::<OldIn>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("version 4") && err.contains("OldIn"), "{err}");
        let err = Payload::binary(&[0xc1], 2).decode::<u8>().unwrap_err();
        assert!(
            matches!(err, SnapshotError::Decode { version: 2, .. }),
            "{err}"
        );
        let tuple_keys = encode_version(1, &BTreeMap::from([((1, 2), 3)])).unwrap();
        let err = Payload::binary(&tuple_keys[8..], 1)
            .decode::<Value>()
            .unwrap_err();
        assert!(err.to_string().contains("map key"), "{err}");
    }

    #[test]
    fn debug_names_the_form_and_version() {
        let view = Value::Null;
        assert_eq!(
            format!("{:?}", Payload::json(&view, 3)),
            r#"Payload { form: "json", version: 3 }"#
        );
        assert_eq!(
            format!("{:?}", Payload::binary(&[], 1)),
            r#"Payload { form: "binary", version: 1 }"#
        );
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct New {
        ids: BTreeMap<u64, String>,
    }

    impl Schema for New {
        const VERSION: u32 = 2;
        fn migrate(from: u32, old: Payload<'_>) -> Result<Self, SnapshotError> {
            assert_eq!(from, old.version());
            let old: BTreeMap<u64, String> = old.decode()?;
            Ok(New { ids: old })
        }
    }

    #[test]
    fn load_migrates_a_binary_snapshot_with_number_keys() {
        let v1 = encode_version(1, &BTreeMap::from([(9u64, "nine")])).unwrap();
        let new: New = load(&v1).unwrap();
        assert_eq!(new.ids, BTreeMap::from([(9, "nine".to_owned())]));
    }
}
