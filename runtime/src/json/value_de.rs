//! A `serde::Deserializer` over a `&serde_json::Value` ([`ValueDe`]): what `#[data]`
//! ([`Message::data_json`](crate::Message::data_json)) and the snapshot view
//! ([`crate::snapshot::from_json`], [`crate::snapshot::Payload`]) read user types with.
//!
//! serde_json's own (`T::deserialize(&value)`) reads the same, but words its errors through
//! serde's `Unexpected` `Display`, which formats a float with core's `f64` `Display`, and
//! through `serde_json::Error`, which looks for a line and column in every message: about
//! 24 KB of a module that reads user types (`kv-store`, docs/size.md), though no float is
//! ever formatted there. [`DeError`] words the same errors itself (a float through `zmij`,
//! as serde_json does). What it accepts is serde_json's: a struct from an object or an
//! array, an enum from a string or a one-member object, map keys that parse as the key
//! type (numbers, booleans), an array or object read to its end.

use core::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Expected, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

/// Why a value does not deserialize as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        DeError(format!("invalid type: {}, expected {exp}", Found(unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        DeError(format!("invalid value: {}, expected {exp}", Found(unexp)))
    }
}

/// serde's wording of what was found, as serde_json gives it (`null`, floats through
/// `zmij`), strings quoted as JSON rather than by `Debug`.
struct Found<'a>(Unexpected<'a>);

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(b) => write!(f, "boolean `{b}`"),
            Unexpected::Unsigned(n) => write!(f, "integer `{n}`"),
            Unexpected::Signed(n) => write!(f, "integer `{n}`"),
            Unexpected::Float(x) => {
                write!(f, "floating point `{}`", zmij::Buffer::new().format(x))
            }
            Unexpected::Char(c) => write!(f, "character `{c}`"),
            Unexpected::Str(s) => {
                let mut quoted = String::with_capacity(s.len() + 2);
                crate::push_json_string(&mut quoted, s);
                write!(f, "string {quoted}")
            }
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

/// What `value` is, for an error.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (_, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Visits a number as what it holds: an unsigned, a negative integer or a float.
fn visit_number<'de, V: Visitor<'de>>(
    n: &serde_json::Number,
    visitor: V,
) -> Result<V::Value, DeError> {
    match (n.as_u64(), n.as_i64()) {
        (Some(u), _) => visitor.visit_u64(u),
        (_, Some(i)) => visitor.visit_i64(i),
        _ => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Reads a `T` from `value`.
pub(crate) fn from_value<'de, T: de::Deserialize<'de>>(value: &'de Value) -> Result<T, DeError> {
    T::deserialize(ValueDe(value))
}

/// The deserializer over one value.
#[derive(Clone, Copy)]
pub(crate) struct ValueDe<'de>(pub(crate) &'de Value);

impl<'de> Deserializer<'de> for ValueDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => {
                let mut seq = Seq(items.iter());
                let out = visitor.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(out),
                    _ => Err(de::Error::invalid_length(
                        items.len(),
                        &"fewer elements in array",
                    )),
                }
            }
            Value::Object(map) => {
                let mut entries = Entries {
                    iter: map.iter(),
                    value: None,
                };
                let out = visitor.visit_map(&mut entries)?;
                match entries.iter.len() {
                    0 => Ok(out),
                    _ => Err(de::Error::invalid_length(
                        map.len(),
                        &"fewer elements in map",
                    )),
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(BorrowedStrDeserializer::new(variant)),
            Value::Object(map) => {
                let mut iter = map.iter();
                match (iter.next(), iter.next()) {
                    (Some((variant, value)), None) => visitor.visit_enum(Variant(variant, value)),
                    _ => Err(de::Error::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    )),
                }
            }
            other => Err(de::Error::invalid_type(unexpected(other), &"string or map")),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// The elements of an array.
struct Seq<'de>(core::slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.0
            .next()
            .map(|v| seed.deserialize(ValueDe(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The members of an object.
struct Entries<'de> {
    iter: <&'de Map<String, Value> as IntoIterator>::IntoIter,
    value: Option<&'de Value>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Key(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(value) => seed.deserialize(ValueDe(value)),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object's key: text, read as a number or a boolean when the key type is one.
struct Key<'de>(&'de str);

impl Key<'_> {
    /// The key read as a number for a number key type: the whole key one JSON number, as
    /// serde_json reads it (an integer beyond 64 bits is a float here).
    fn number<'de, V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, DeError> {
        let bytes = self.0.as_bytes();
        let plain = matches!(bytes.first(), Some(b'0'..=b'9' | b'-'))
            && bytes.last().is_some_and(u8::is_ascii_digit);
        match crate::json_value(self.0) {
            Ok(Value::Number(n)) if plain => visit_number(&n, visitor),
            _ => Err(DeError(
                "invalid value: expected key to be a number in quotes".to_owned(),
            )),
        }
    }
}

macro_rules! number_keys {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                self.number(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Key<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(de::Error::invalid_type(Unexpected::Str(other), &visitor)),
        }
    }

    number_keys! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(BorrowedStrDeserializer::new(self.0))
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// An enum written as a one-member object: the variant and its content.
struct Variant<'de>(&'de str, &'de Value);

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = DeError;
    type Variant = ValueDe<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, ValueDe<'de>), DeError> {
        let variant = seed.deserialize(BorrowedStrDeserializer::new(self.0))?;
        Ok((variant, ValueDe(self.1)))
    }
}

impl<'de> VariantAccess<'de> for ValueDe<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Array(items) if items.is_empty() => visitor.visit_unit(),
            Value::Array(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &"tuple variant")),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(
                unexpected(other),
                &"struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::de::DeserializeOwned;
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Point {
        x: i32,
        y: Option<f64>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    enum Shape {
        Empty,
        Circle(u8),
        Line(Point, Point),
        Box { w: u16, h: u16 },
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Wrap(String);

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Loose {
        Num(u64),
        Text(String),
        List(Vec<Loose>),
    }

    /// The same answer as serde_json's own deserializer over the value, error texts included
    /// (but the position serde_json's key reader adds to a number key's error).
    fn same<T: DeserializeOwned + PartialEq + fmt::Debug>(value: Value) {
        let ours = from_value::<T>(&value).map_err(|e| e.to_string());
        let theirs = T::deserialize(&value).map_err(|e| {
            let text = e.to_string();
            match text.find(" at line 1 column ") {
                Some(at) => text[..at].to_owned(),
                None => text,
            }
        });
        assert_eq!(ours, theirs, "{value}");
    }

    #[test]
    fn reads_what_serde_json_reads_with_its_errors() {
        let values = [
            json!(null),
            json!(true),
            json!(0),
            json!(-7),
            json!(300),
            json!(18446744073709551615u64),
            json!(1.5),
            json!(-0.25e-9),
            json!("text"),
            json!("Empty"),
            json!("Circle"),
            json!([]),
            json!([1, 2]),
            json!([1, 2, 3]),
            json!({}),
            json!({"x": 1, "y": 2.5}),
            json!({"x": 1, "y": null, "z": 3}),
            json!({"x": 1, "x": 2}),
            json!({"y": 1.0}),
            json!({"Circle": 4}),
            json!({"Circle": 400}),
            json!({"Empty": null}),
            json!({"Empty": 1}),
            json!({"Line": [{"x": 1}, {"x": 2, "y": 0.5}]}),
            json!({"Line": {"x": 1}}),
            json!({"Box": {"w": 2, "h": 3}}),
            json!({"Box": [2, 3]}),
            json!({"Nope": 1}),
            json!({"Circle": 1, "Empty": null}),
            json!({"1": "a", "-2": "b"}),
            json!({"1.5": "a", "true": "b"}),
            json!({"k": [1, "a", [2]]}),
        ];
        for v in values {
            same::<()>(v.clone());
            same::<bool>(v.clone());
            same::<u8>(v.clone());
            same::<i64>(v.clone());
            same::<u128>(v.clone());
            same::<f64>(v.clone());
            same::<f32>(v.clone());
            same::<String>(v.clone());
            same::<char>(v.clone());
            same::<Option<u8>>(v.clone());
            same::<Vec<u8>>(v.clone());
            same::<(u8, u8)>(v.clone());
            same::<Point>(v.clone());
            same::<Shape>(v.clone());
            same::<Wrap>(v.clone());
            same::<Loose>(v.clone());
            same::<BTreeMap<String, Loose>>(v.clone());
            same::<BTreeMap<i64, String>>(v.clone());
            same::<BTreeMap<bool, String>>(v.clone());
            same::<BTreeMap<u8, String>>(v.clone());
            same::<Value>(v.clone());
        }
    }

    #[test]
    fn words_a_float_and_a_string_as_serde_json_does() {
        let err = from_value::<u8>(&json!(2.5)).unwrap_err().to_string();
        assert_eq!(err, "invalid type: floating point `2.5`, expected u8");
        let err = from_value::<u8>(&json!("a\"b")).unwrap_err().to_string();
        assert_eq!(err, r#"invalid type: string "a\"b", expected u8"#);
    }
}
