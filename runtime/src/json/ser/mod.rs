//! Any `serde::Serialize` value as compact JSON, byte for byte what `serde_json::to_writer`
//! writes, straight into a byte buffer through [`super::write`]'s string and number
//! writers.
//!
//! serde_json's serializer writes through `std::io::Write` and wraps every write's
//! `io::Result` in its own error, whose `Display` holds the texts of all of serde_json's
//! error codes; a module that wrote its state view, a `Json` reply or
//! `OutMessage::json` through it carried that (about 4 KB, and the serializer code per
//! type). This one writes into a `Vec<u8>` that cannot fail, so the only errors are the
//! ones JSON itself imposes (a map key that is no string or number, a non-finite float
//! key) and those a `Serialize` impl reports.
//!
//! [`Writer`] writes values, with [`Compound`] for arrays and objects; map keys go through
//! the serializer of `key`.

use serde::ser::{self, Serialize};

use super::write::{self, put};

mod key;

use self::key::KeyWriter;

pub use crate::error::JsonWriteError;

/// The serializer's error: a [`JsonWriteError`] behind a `Box`, so that a `Result` of the
/// serializer is one pointer. A derived `Serialize` checks the result of every field with
/// `?`; with the error in place (a `String` inside) each check copied three words out.
/// The entry points ([`to_writer`], [`to_string`]) give the `JsonWriteError` itself.
#[derive(Debug, PartialEq)]
pub(crate) struct WriteError(Box<JsonWriteError>);

impl WriteError {
    /// `error`, boxed: one out-of-line copy of the allocation for every refusal.
    #[inline(never)]
    #[cold]
    pub(crate) fn new(error: JsonWriteError) -> Self {
        WriteError(Box::new(error))
    }
}

impl core::fmt::Display for WriteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for WriteError {}

impl ser::Error for WriteError {
    fn custom<T: core::fmt::Display>(msg: T) -> Self {
        WriteError::new(JsonWriteError::Custom(msg.to_string()))
    }
}

/// Appends `value` as compact JSON to `out`; on an error `out` holds what was written
/// before it (callers truncate).
pub(crate) fn to_writer<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), JsonWriteError> {
    value.serialize(&mut Writer { out }).map_err(|e| *e.0)
}

/// `value` as compact JSON text.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, JsonWriteError> {
    let mut out = Vec::new();
    to_writer(&mut out, value)?;
    // Only valid UTF-8 strings and ASCII were written.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// The serializer: the buffer it appends to.
pub(crate) struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

/// An integer in decimal, with its sign.
fn signed(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    crate::outbox::push_decimal(out, n.unsigned_abs());
}

/// A finite float as serde_json writes it (the shortest text that reads back, `zmij`).
fn float64(out: &mut Vec<u8>, f: f64) {
    put(out, zmij::Buffer::new().format_finite(f).as_bytes());
}

fn float32(out: &mut Vec<u8>, f: f32) {
    put(out, zmij::Buffer::new().format_finite(f).as_bytes());
}

/// `{"<variant>":`, the start of an enum variant with content.
fn variant_key(out: &mut Vec<u8>, variant: &str) {
    out.push(b'{');
    write::string(out, variant);
    out.push(b':');
}

impl<'a, 'b> ser::Serializer for &'a mut Writer<'b> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), WriteError> {
        put(self.out, if v { b"true" } else { b"false" });
        Ok(())
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
        signed(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), WriteError> {
        put(self.out, v.to_string().as_bytes());
        Ok(())
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
        crate::outbox::push_decimal(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), WriteError> {
        put(self.out, v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), WriteError> {
        if v.is_finite() {
            float32(self.out, v);
        } else {
            put(self.out, b"null");
        }
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), WriteError> {
        if v.is_finite() {
            float64(self.out, v);
        } else {
            put(self.out, b"null");
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), WriteError> {
        write::string(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), WriteError> {
        write::string(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), WriteError> {
        self.out.push(b'[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            crate::outbox::push_decimal(self.out, u64::from(*b));
        }
        self.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), WriteError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WriteError> {
        put(self.out, b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), WriteError> {
        self.serialize_unit()
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
        variant: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        variant_key(self.out, variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'b>, WriteError> {
        self.out.push(b'[');
        Ok(Compound {
            ser: self,
            first: true,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'b>, WriteError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'b>, WriteError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'b>, WriteError> {
        variant_key(self.out, variant);
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'b>, WriteError> {
        self.out.push(b'{');
        Ok(Compound {
            ser: self,
            first: true,
        })
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'b>, WriteError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'b>, WriteError> {
        variant_key(self.out, variant);
        self.serialize_map(Some(len))
    }
}

/// An array or object being written: whether the next element is the first.
pub(crate) struct Compound<'a, 'b> {
    ser: &'a mut Writer<'b>,
    first: bool,
}

impl Compound<'_, '_> {
    /// The comma in front of every element but the first.
    fn comma(&mut self) {
        if !self.first {
            self.ser.out.push(b',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.comma();
        value.serialize(&mut *self.ser)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), WriteError> {
        self.key(key);
        value.serialize(&mut *self.ser)
    }

    /// `"<key>":`, after the comma: the part of a member that is the same for every value
    /// type, kept out of line so that each field type's `field` is only the value's call.
    #[inline(never)]
    fn key(&mut self, key: &str) {
        self.comma();
        write::string(self.ser.out, key);
        self.ser.out.push(b':');
    }

    /// Closes the array or object (`close`), and the variant's object around it.
    fn close(self, close: u8, variant: bool) -> Result<(), WriteError> {
        self.ser.out.push(close);
        if variant {
            self.ser.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.element(value)
    }
    fn end(self) -> Result<(), WriteError> {
        self.close(b']', false)
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.element(value)
    }
    fn end(self) -> Result<(), WriteError> {
        self.close(b']', false)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.element(value)
    }
    fn end(self) -> Result<(), WriteError> {
        self.close(b']', false)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.element(value)
    }
    fn end(self) -> Result<(), WriteError> {
        self.close(b']', true)
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WriteError> {
        self.comma();
        key.serialize(KeyWriter { out: self.ser.out })?;
        self.ser.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), WriteError> {
        self.close(b'}', false)
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), WriteError> {
        self.close(b'}', false)
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), WriteError> {
        self.close(b'}', true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(i32, String),
        Struct { a: Option<bool>, b: () },
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Newtype(f32);

    #[derive(Serialize)]
    struct Pair(i16, char);

    #[derive(Serialize)]
    struct All {
        b: bool,
        i: [i64; 3],
        u: (u8, u16, u32, u64),
        big: (i128, u128),
        f: (f32, f64, f64, f64, f32),
        s: &'static str,
        c: char,
        #[serde(with = "serde_bytes_like")]
        bytes: Vec<u8>,
        none: Option<u8>,
        some: Option<String>,
        unit: (),
        unit_struct: Unit,
        newtype: Newtype,
        pair: Pair,
        enums: Vec<E>,
        empty: (Vec<u8>, BTreeMap<String, u8>),
        str_keys: BTreeMap<String, Vec<u8>>,
        int_keys: BTreeMap<i32, u8>,
        u_keys: BTreeMap<u64, u8>,
        bool_keys: BTreeMap<bool, u8>,
        char_keys: BTreeMap<char, u8>,
        #[serde(flatten)]
        flat: BTreeMap<String, i8>,
        u256: crate::U256,
    }

    /// Bytes through `serialize_bytes` (serde's `Vec<u8>` is a sequence).
    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    fn all() -> All {
        All {
            b: true,
            i: [i64::MIN, -1, i64::MAX],
            u: (u8::MAX, u16::MAX, u32::MAX, u64::MAX),
            big: (i128::MIN, u128::MAX),
            f: (0.1, 0.1, -0.0, 1e300, f32::NAN),
            s: "quote \" backslash \\ nl \n ctl \u{1} del \u{7f} é 😀",
            c: '\t',
            bytes: vec![0, 7, 255],
            none: None,
            some: Some("x".into()),
            unit: (),
            unit_struct: Unit,
            newtype: Newtype(f32::INFINITY),
            pair: Pair(-3, 'é'),
            enums: vec![
                E::Unit,
                E::New(9),
                E::Tuple(-1, "t".into()),
                E::Struct {
                    a: Some(false),
                    b: (),
                },
            ],
            empty: (vec![], BTreeMap::new()),
            str_keys: [("a\"".to_owned(), vec![1]), ("b".to_owned(), vec![])].into(),
            int_keys: [(-5, 1), (7, 2)].into(),
            u_keys: [(u64::MAX, 1)].into(),
            bool_keys: [(true, 1), (false, 0)].into(),
            char_keys: [('\n', 1)].into(),
            flat: [("x".to_owned(), -8)].into(),
            u256: crate::U256::from(200u64) * crate::U256::from(u128::MAX),
        }
    }

    #[test]
    fn every_shape_is_written_as_serde_json_writes_it() {
        let value = all();
        assert_eq!(
            to_string(&value).unwrap(),
            serde_json::to_string(&value).unwrap()
        );
        for f in [0.0, 1.5, 5e-324, 1e21, 123456789.125, f64::MAX, -2.5e-7] {
            assert_eq!(to_string(&f).unwrap(), serde_json::to_string(&f).unwrap());
            let key: BTreeMap<String, f64> = [("k".into(), f)].into();
            assert_eq!(
                to_string(&key).unwrap(),
                serde_json::to_string(&key).unwrap()
            );
        }
    }

    #[test]
    fn a_failing_impl_reports_its_message() {
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("no way"))
            }
        }
        assert_eq!(
            to_string(&vec![Fails]),
            Err(JsonWriteError::Custom("no way".into()))
        );
    }
}
