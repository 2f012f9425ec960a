//! The raw shapes of host input, as the readers fill them (one slot per field of the table,
//! [`super::fields`]), before the protocol rules ([`crate::protocol`]) make them a
//! [`Message`] or an [`Env`](crate::Env) entry. aoxide's reader ([`super::fast`]) fills
//! them, and natively the serde reference reader (`super::serde_read`) too.

use super::fields::MessageField;
use crate::error::InputError;
use crate::message::{EnvEntry, Message};
use crate::protocol;
use crate::tags::{Tag, TagValue, Tags};

/// One tag as sent.
#[derive(Default)]
pub(crate) struct RawTag {
    pub(crate) name: Option<String>,
    pub(crate) value: RawTagValue,
}

/// A tag value as sent: text in the common case.
#[derive(Default)]
pub(crate) enum RawTagValue {
    #[default]
    Null,
    Text(String),
    Json(serde_json::Value),
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

const N: usize = MessageField::ALL.len();

/// A message as read, before the protocol rules make it a [`Message`]: one slot per field
/// of the table, indexed by the field.
#[derive(Default)]
pub(crate) struct RawMessage {
    text: [Option<String>; N],
    number: [Option<u64>; N],
    flag: [bool; N],
    pub(crate) tags: Option<Vec<RawTag>>,
}

impl RawMessage {
    pub(crate) fn set_text(&mut self, field: MessageField, value: Option<String>) {
        self.text[field as usize] = value;
    }

    pub(crate) fn set_number(&mut self, field: MessageField, value: Option<u64>) {
        self.number[field as usize] = value;
    }

    pub(crate) fn set_flag(&mut self, field: MessageField, value: bool) {
        self.flag[field as usize] = value;
    }

    pub(crate) fn take_text(&mut self, field: MessageField) -> Option<String> {
        self.text[field as usize].take()
    }

    pub(crate) fn into_message(mut self) -> Result<Message, InputError> {
        use MessageField as F;
        let tags = raw_tags(self.tags.take())?;
        let owner = self.take_text(F::Owner).unwrap_or_default();
        let from = protocol::sender(self.take_text(F::From), &tags, &owner);
        let n = self.number;
        Ok(Message {
            id: self.take_text(F::Id),
            owner,
            from,
            target: self.take_text(F::Target),
            anchor: self.take_text(F::Anchor),
            tags,
            data: self.take_text(F::Data).unwrap_or_default(),
            timestamp: n[F::Timestamp as usize],
            block_height: n[F::BlockHeight as usize],
            module: self.take_text(F::Module),
            cron: self.flag[F::Cron as usize],
            read_only: self.flag[F::ReadOnly as usize],
            epoch: n[F::Epoch as usize],
            nonce: n[F::Nonce as usize],
            hash_chain: self.take_text(F::HashChain),
            forwarded_by: self.take_text(F::ForwardedBy),
            signature: self.take_text(F::Signature),
        })
    }
}

/// A process or module entry of the env as read.
#[derive(Default)]
pub(crate) struct RawEntry {
    pub(crate) id: Option<String>,
    pub(crate) owner: Option<String>,
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

/// The env as read.
#[derive(Default)]
pub(crate) struct RawEnv {
    pub(crate) process: Option<RawEntry>,
    pub(crate) module: Option<RawEntry>,
}
