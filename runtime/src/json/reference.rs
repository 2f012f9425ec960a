//! The JSON-1 result written through `serde::Serialize` and `serde_json`, with the same
//! field table: the reference the hand-written [`super::write`] is tested and benchmarked
//! against; and the `Serialize` impls of [`OutMessage`], [`Spawn`] and [`Assignment`],
//! which write what the result holds.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use super::fields::{AssignmentField, EnvelopeField, OutField, OutputField, ResultField, TagField};
use crate::outbox::{Assignment, OutMessage, Spawn};
use crate::outcome::Outcome;
use crate::tags::{TagValue, Tags};

/// `{"ok":true,"response":...}` through serde.
struct Envelope<'a>(&'a Outcome);
struct Response<'a>(&'a Outcome);
struct Out<'a>(Option<&'a str>, Option<&'a str>, &'a str, &'a Tags);
struct TagList<'a>(&'a Tags);
struct Assign<'a>(&'a Assignment);
struct Seq<I>(I);

impl<I: Iterator + Clone> Serialize for Seq<I>
where
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

impl Serialize for Envelope<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Envelope", 2)?;
        st.serialize_field(EnvelopeField::Ok.name(), &true)?;
        st.serialize_field(EnvelopeField::Response.name(), &Response(self.0))?;
        st.end()
    }
}

impl Serialize for Response<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Output<'a>(&'a crate::outcome::Output);
        impl Serialize for Output<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Output", 3)?;
                st.serialize_field(OutputField::Data.name(), &self.0.data)?;
                st.serialize_field(OutputField::Prompt.name(), &self.0.prompt)?;
                st.serialize_field(OutputField::Print.name(), &self.0.print)?;
                st.end()
            }
        }
        let o = self.0;
        let mut st = s.serialize_struct("Outcome", 5)?;
        st.serialize_field(ResultField::Output.name(), &Output(&o.output))?;
        let messages = o
            .messages
            .iter()
            .map(|m: &OutMessage| Out(m.target.as_deref(), m.data.as_deref(), &m.anchor, &m.tags));
        st.serialize_field(ResultField::Messages.name(), &Seq(messages))?;
        let spawns = o
            .spawns
            .iter()
            .map(|sp: &Spawn| Out(None, sp.data.as_deref(), &sp.anchor, &sp.tags));
        st.serialize_field(ResultField::Spawns.name(), &Seq(spawns))?;
        st.serialize_field(
            ResultField::Assignments.name(),
            &Seq(o.assignments.iter().map(Assign)),
        )?;
        if let Some(e) = &o.error {
            st.serialize_field(ResultField::Error.name(), e.text())?;
        }
        st.end()
    }
}

impl Serialize for Out<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("OutMessage", 4)?;
        if let Some(t) = self.0 {
            st.serialize_field(OutField::Target.name(), t)?;
        }
        if let Some(d) = self.1 {
            st.serialize_field(OutField::Data.name(), d)?;
        }
        st.serialize_field(OutField::Anchor.name(), self.2)?;
        st.serialize_field(OutField::Tags.name(), &TagList(self.3))?;
        st.end()
    }
}

impl Serialize for TagList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct One<'a>(&'a str, &'a TagValue);
        impl Serialize for One<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Tag", 2)?;
                st.serialize_field(TagField::Name.name(), self.0)?;
                match self.1 {
                    TagValue::Text(t) => st.serialize_field(TagField::Value.name(), t)?,
                    TagValue::Json(v) => st.serialize_field(TagField::Value.name(), v)?,
                }
                st.end()
            }
        }
        s.collect_seq(self.0.iter().map(|t| One(&t.name, &t.value)))
    }
}

impl Serialize for Assign<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Assignment", 2)?;
        st.serialize_field(AssignmentField::Processes.name(), &self.0.processes)?;
        st.serialize_field(AssignmentField::Message.name(), &self.0.message)?;
        st.end()
    }
}

/// Appends the result for `outcome` through `serde_json::to_writer` (the buffer should be
/// pre-sized by the caller, as a fair benchmark does).
pub fn write_result(out: &mut Vec<u8>, outcome: &Outcome) {
    // Writing into a Vec cannot fail.
    #[cfg(not(target_arch = "wasm32"))]
    let _ = serde_json::to_writer(out, &Envelope(outcome));
    // A module builds serde_json without `std` (runtime/Cargo.toml): no `to_writer`.
    #[cfg(target_arch = "wasm32")]
    out.extend_from_slice(&serde_json::to_vec(&Envelope(outcome)).unwrap_or_default());
}

/// The result for `outcome` through serde.
pub fn result(outcome: &Outcome) -> Vec<u8> {
    let mut out = Vec::new();
    write_result(&mut out, outcome);
    out
}

/// The message in `bytes` read by the serde reference reader.
#[cfg(not(target_arch = "wasm32"))]
pub fn message(bytes: &[u8]) -> Result<crate::Message, crate::InputError> {
    super::serde_read::parse_object::<super::raw::RawMessage>(bytes, "message")?.take_message()
}

/// The env in `bytes` read by the serde reference reader.
#[cfg(not(target_arch = "wasm32"))]
pub fn env(bytes: &[u8]) -> Result<crate::Env, crate::InputError> {
    let raw = super::serde_read::parse_object::<super::raw::RawEnv>(bytes, "env")?;
    crate::message::env_from_raw(raw)
}

/// A sent message serialises as in the result (through the field table).
impl Serialize for OutMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Out(
            self.target.as_deref(),
            self.data.as_deref(),
            &self.anchor,
            &self.tags,
        )
        .serialize(s)
    }
}

/// A spawn serialises as in the result (through the field table).
impl Serialize for Spawn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Out(None, self.data.as_deref(), &self.anchor, &self.tags).serialize(s)
    }
}

/// An assignment serialises as in the result (through the field table).
impl Serialize for Assignment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Assign(self).serialize(s)
    }
}
