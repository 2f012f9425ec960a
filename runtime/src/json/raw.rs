//! The raw shapes of host input, as the readers fill them (one slot per field of the table,
//! [`super::fields`]), before the protocol rules ([`crate::protocol`]) make them a
//! [`Message`] or an [`Env`](crate::Env) entry. aoxide's reader ([`super::fast`]) fills
//! them, and natively the serde reference reader (`super::serde_read`) too.

use super::fields::MessageField;
use crate::error::InputError;
use crate::message::{EnvEntry, Message};
use crate::protocol;
use crate::tags::{Tag, TagValue, Tags};

/// A tag value as sent: text in the common case.
#[derive(Default)]
pub(crate) enum RawTagValue {
    #[default]
    Null,
    Text(String),
    Json(serde_json::Value),
}

/// The tags as read, in order, and where the first one without a name is (an error once
/// the message is built: [`InputError::EmptyTagName`]).
#[derive(Default)]
pub(crate) struct RawTags {
    list: Tags,
    first_unnamed: Option<usize>,
}

impl RawTags {
    /// No tags yet, room for `n`.
    pub(crate) fn with_capacity(n: usize) -> Self {
        RawTags {
            list: Tags::with_capacity(n),
            first_unnamed: None,
        }
    }

    /// Appends a tag as sent: a missing or empty name is remembered, `null` is empty text.
    pub(crate) fn push(&mut self, name: Option<String>, value: RawTagValue) {
        let name = match name {
            Some(name) if !name.is_empty() => name,
            _ => {
                self.first_unnamed.get_or_insert(self.list.len());
                String::new()
            }
        };
        let value = match value {
            RawTagValue::Text(s) => TagValue::Text(s),
            RawTagValue::Null => TagValue::Text(String::new()),
            RawTagValue::Json(v) => TagValue::Json(v),
        };
        self.list.push(Tag { name, value });
    }

    /// The tags, or the error of the first tag without a name.
    pub(crate) fn into_tags(self) -> Result<Tags, InputError> {
        match self.first_unnamed {
            Some(index) => Err(InputError::EmptyTagName { index }),
            None => Ok(self.list),
        }
    }
}

const N: usize = MessageField::ALL.len();

/// A message as read, before the protocol rules make it a [`Message`]: one slot per field
/// of the table, indexed by the field.
pub(crate) struct RawMessage {
    text: [Option<String>; N],
    number: [Option<u64>; N],
    flag: [bool; N],
    pub(crate) tags: RawTags,
}

impl Default for RawMessage {
    /// Every slot empty. Out of line: the message's and the env entries' readers share one
    /// copy of the stores that empty some fifty slots.
    #[inline(never)]
    fn default() -> Self {
        RawMessage {
            text: Default::default(),
            number: [None; N],
            flag: [false; N],
            tags: RawTags::default(),
        }
    }
}

impl RawMessage {
    /// The slot of text field `field`, for the reader to fill in place.
    pub(crate) fn text_mut(&mut self, field: MessageField) -> &mut Option<String> {
        &mut self.text[field as usize]
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

    /// The message the protocol rules make of what was read, taken out of `self` (by
    /// reference: a `RawMessage` moved by value is copied whole).
    pub(crate) fn take_message(&mut self) -> Result<Message, InputError> {
        use MessageField as F;
        let tags = std::mem::take(&mut self.tags).into_tags()?;
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
    pub(crate) tags: RawTags,
}

impl RawEntry {
    pub(crate) fn into_entry(self) -> Result<EnvEntry, InputError> {
        Ok(EnvEntry {
            id: self.id.unwrap_or_default(),
            owner: self.owner.unwrap_or_default(),
            tags: self.tags.into_tags()?,
        })
    }
}

/// The env as read.
#[derive(Default)]
pub(crate) struct RawEnv {
    pub(crate) process: Option<RawEntry>,
    pub(crate) module: Option<RawEntry>,
}
