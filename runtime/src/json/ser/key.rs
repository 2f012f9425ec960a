//! Map keys: a JSON object's keys are strings, so [`KeyWriter`] writes a key as one or
//! refuses it.

use serde::ser::{self, Impossible, Serialize};

use super::{float32, float64, signed, JsonWriteError, WriteError};
use crate::json::write::{self, put};

/// The serializer of map keys: strings, and numbers, bools and chars quoted, as serde_json
/// writes them.
pub(super) struct KeyWriter<'a> {
    pub(super) out: &'a mut Vec<u8>,
}

impl KeyWriter<'_> {
    /// `"<text>"` for a key whose text needs no escaping (numbers, bools).
    fn quoted(self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), WriteError> {
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
        Ok(())
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = Impossible<(), WriteError>;
    type SerializeTuple = Impossible<(), WriteError>;
    type SerializeTupleStruct = Impossible<(), WriteError>;
    type SerializeTupleVariant = Impossible<(), WriteError>;
    type SerializeMap = Impossible<(), WriteError>;
    type SerializeStruct = Impossible<(), WriteError>;
    type SerializeStructVariant = Impossible<(), WriteError>;

    fn serialize_bool(self, v: bool) -> Result<(), WriteError> {
        self.quoted(|out| put(out, if v { b"true" } else { b"false" }))
    }
    fn serialize_i8(self, v: i8) -> Result<(), WriteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), WriteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), WriteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), WriteError> {
        self.quoted(|out| signed(out, v))
    }
    fn serialize_i128(self, v: i128) -> Result<(), WriteError> {
        self.quoted(|out| put(out, v.to_string().as_bytes()))
    }
    fn serialize_u8(self, v: u8) -> Result<(), WriteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), WriteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), WriteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), WriteError> {
        self.quoted(|out| crate::outbox::push_decimal(out, v))
    }
    fn serialize_u128(self, v: u128) -> Result<(), WriteError> {
        self.quoted(|out| put(out, v.to_string().as_bytes()))
    }
    fn serialize_f32(self, v: f32) -> Result<(), WriteError> {
        if !v.is_finite() {
            return Err(WriteError::new(JsonWriteError::FloatKeyMustBeFinite));
        }
        self.quoted(|out| float32(out, v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), WriteError> {
        if !v.is_finite() {
            return Err(WriteError::new(JsonWriteError::FloatKeyMustBeFinite));
        }
        self.quoted(|out| float64(out, v))
    }
    fn serialize_char(self, v: char) -> Result<(), WriteError> {
        write::string(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), WriteError> {
        write::string(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_none(self) -> Result<(), WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), WriteError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, WriteError> {
        Err(WriteError::new(JsonWriteError::KeyMustBeAString))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::ser::{to_string, Writer};
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[test]
    fn keys_json_cannot_hold_are_refused() {
        let map: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert_eq!(to_string(&map), Err(JsonWriteError::KeyMustBeAString));
        assert!(serde_json::to_string(&map).is_err());
        #[derive(Serialize, PartialEq, PartialOrd)]
        struct F(f64);
        let mut out = Vec::new();
        let mut w = Writer { out: &mut out };
        use serde::ser::{SerializeMap, Serializer};
        let mut m = (&mut w).serialize_map(None).unwrap();
        assert_eq!(
            m.serialize_key(&F(f64::NAN)),
            Err(WriteError::new(JsonWriteError::FloatKeyMustBeFinite))
        );
    }
}
