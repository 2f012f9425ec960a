//! aoxide's reader of JSON-1 messages and envs: one pass over the bytes, driven by the
//! field table ([`super::fields`]), filling the raw shapes ([`super::raw`]) with the
//! lenient rules of [`crate::protocol`].
//!
//! It accepts exactly what the serde reference (`super::serde_read`, native builds) accepts
//! and gives the same values: unknown fields skipped at any depth, duplicate fields
//! refused, `null` as absence, numbers and other values where strings are expected (as
//! their JSON text), nested JSON values in tags, tags as `{name, value}` objects or
//! `[name, value, ...]` arrays, serde_json's numbers and nesting limit. Only the wording
//! of errors is its own ([`JsonError`]).

use super::fields::{EnvField, Kind, MessageField, TagField};
use super::number::Number;
use super::raw::{RawEntry, RawEnv, RawMessage, RawTagValue, RawTags};
use super::scan::{number_value, Item, Reader};
use super::write::value_text;
use crate::error::{InputError, JsonError};
use crate::message::{env_from_raw, Env, Message};
use crate::protocol;

/// The message in `bytes` (up to a NUL byte): read, then made a [`Message`] by the
/// protocol rules where it was read (no move of the raw shape out of here).
pub(crate) fn message(bytes: &[u8]) -> Result<Message, InputError> {
    let mut r = Reader::new(bytes);
    let mut m = RawMessage::default();
    let read = r
        .top()
        .and_then(|()| fields(&mut r, MessageField::scan, &mut m));
    match read.and_then(|()| r.end()) {
        Some(()) => m.take_message(),
        None => Err(r.error("message")),
    }
}

/// The env in `bytes` (up to a NUL byte): read, then checked and made an [`Env`] where it
/// was read.
pub(crate) fn env(bytes: &[u8]) -> Result<Env, InputError> {
    let mut r = Reader::new(bytes);
    let mut env = RawEnv::default();
    match env_object(&mut r, &mut env).and_then(|()| r.end()) {
        Some(()) => env_from_raw(env),
        None => Err(r.error("env")),
    }
}

fn env_object(r: &mut Reader, env: &mut RawEnv) -> Option<()> {
    r.top()?;
    let mut seen = 0u32;
    let mut more = r.open(b'}')?;
    while more {
        let key = r.key()?;
        match EnvField::from_name(&key) {
            None => r.skip()?,
            Some(field) => {
                see(r, &mut seen, field.bit(), field.name())?;
                let slot = match field {
                    EnvField::Process => &mut env.process,
                    EnvField::Module => &mut env.module,
                };
                entry(r, field.name(), slot)?;
            }
        }
        more = r.more(b'}')?;
    }
    Some(())
}

/// The members of the object at the position, into `m`: `lookup` names the message
/// field each key fills (the message's own table, or an env entry's, whose fields are
/// message fields too).
fn fields(
    r: &mut Reader,
    lookup: fn(&str) -> Option<MessageField>,
    m: &mut RawMessage,
) -> Option<()> {
    let mut seen = 0u32;
    let mut more = r.open(b'}')?;
    while more {
        let key = r.key()?;
        match lookup(&key) {
            None => r.skip()?,
            Some(field) => {
                let name = field.name();
                see(r, &mut seen, field.bit(), name)?;
                match field.kind() {
                    Kind::Tags => tags(r, &mut m.tags)?,
                    Kind::Number => m.set_number(field, lenient_u64(r, name)?),
                    Kind::Flag => m.set_flag(field, lenient_bool(r, name)?),
                    Kind::Text => lenient_string(r, m.text_mut(field))?,
                }
            }
        }
        more = r.more(b'}')?;
    }
    Some(())
}

/// Marks a field seen; a second time is an error.
#[inline(always)]
fn see(r: &mut Reader, seen: &mut u32, bit: u32, name: &'static str) -> Option<()> {
    if *seen & bit != 0 {
        return r.fail(JsonError::Duplicate(name));
    }
    *seen |= bit;
    Some(())
}

/// The message field an env entry's key fills: the entry's fields (`Id`, `Owner`, `Tags`)
/// are message fields, so the message's lookup finds them and the others are skipped (no
/// second name match in a module).
fn entry_field(name: &str) -> Option<MessageField> {
    MessageField::scan(name).filter(|field| {
        matches!(
            field,
            MessageField::Id | MessageField::Owner | MessageField::Tags
        )
    })
}

/// A process or module entry of the env, into `slot`: an object, or `null` (absent).
fn entry(r: &mut Reader, field: &'static str, slot: &mut Option<RawEntry>) -> Option<()> {
    match r.item()? {
        Item::Null => *slot = None,
        Item::Object => {
            let mut m = RawMessage::default();
            fields(r, entry_field, &mut m)?;
            *slot = Some(RawEntry {
                id: m.take_text(MessageField::Id),
                owner: m.take_text(MessageField::Owner),
                tags: m.tags,
            });
        }
        _ => {
            return r.fail(JsonError::Type {
                field,
                expected: "an object or null",
            })
        }
    }
    Some(())
}

/// The `Tags` value, into `list` (read in place, not moved there): an array of tags, or
/// `null` (none).
fn tags(r: &mut Reader, list: &mut RawTags) -> Option<()> {
    match r.item()? {
        Item::Null => *list = RawTags::default(),
        Item::Array => {
            *list = RawTags::with_capacity(8);
            let mut more = r.open(b']')?;
            while more {
                tag(r, list)?;
                more = r.more(b']')?;
            }
        }
        _ => {
            return r.fail(JsonError::Type {
                field: MessageField::Tags.name(),
                expected: "an array or null",
            })
        }
    }
    Some(())
}

/// One tag, onto `list`: a `{name, value}` object (other keys skipped), or, as serde reads
/// a struct, a `[name, value, ...]` array (further elements skipped).
fn tag(r: &mut Reader, list: &mut RawTags) -> Option<()> {
    let (close, mut more) = match r.item()? {
        Item::Object => (b'}', r.open(b'}')?),
        Item::Array => (b']', r.open(b']')?),
        _ => {
            return r.fail(JsonError::Type {
                field: MessageField::Tags.name(),
                expected: "an array of objects",
            })
        }
    };
    let mut name = None;
    let mut value = RawTagValue::Null;
    let mut seen = 0u32;
    let mut index = 0;
    while more {
        let field = if close == b'}' {
            let key = r.key()?;
            let field = TagField::from_name(&key);
            if let Some(field) = field {
                see(r, &mut seen, field.bit(), field.name())?;
            }
            field
        } else {
            index += 1;
            match index {
                1 => Some(TagField::Name),
                2 => Some(TagField::Value),
                _ => None,
            }
        };
        match field {
            Some(TagField::Name) => tag_name(r, &mut name)?,
            Some(TagField::Value) => tag_value(r, &mut value)?,
            None => r.skip()?,
        }
        more = r.more(close)?;
    }
    list.push(name, value);
    Some(())
}

/// A tag name, into `slot`: a string, or `null` (refused later as an empty name).
fn tag_name(r: &mut Reader, slot: &mut Option<String>) -> Option<()> {
    *slot = match r.item()? {
        Item::Null => None,
        Item::Str(s) => Some(s.into_owned()),
        _ => {
            return r.fail(JsonError::Type {
                field: TagField::Name.name(),
                expected: "a string",
            })
        }
    };
    Some(())
}

/// A tag value, into `slot`: text for strings and other scalars (their JSON text), JSON
/// for arrays and objects, `null` as such.
fn tag_value(r: &mut Reader, slot: &mut RawTagValue) -> Option<()> {
    *slot = match r.item()? {
        Item::Null => RawTagValue::Null,
        item @ (Item::Array | Item::Object) => RawTagValue::Json(r.value_of(item)?),
        item => RawTagValue::Text(scalar_text(item)),
    };
    Some(())
}

/// A text field, into `slot`: a string, or any other value as its JSON text; `null` is
/// absent.
fn lenient_string(r: &mut Reader, slot: &mut Option<String>) -> Option<()> {
    *slot = match r.item()? {
        Item::Null => None,
        Item::Str(s) => Some(s.into_owned()),
        item @ (Item::Array | Item::Object) => Some(value_text(&r.value_of(item)?)),
        item => Some(scalar_text(item)),
    };
    Some(())
}

/// The JSON text of a scalar other than `null`, as serde_json writes it (a string is
/// itself).
fn scalar_text(item: Item) -> String {
    match item {
        Item::Str(s) => s.into_owned(),
        Item::Bool(b) => (if b { "true" } else { "false" }).to_owned(),
        Item::Num(Number::U64(n), _) => crate::outbox::decimal(n),
        Item::Num(Number::I64(n), _) => format_negative(n),
        Item::Num(n, _) => value_text(&number_value(n)),
        Item::Null | Item::Array | Item::Object => String::new(),
    }
}

/// A negative integer in decimal (no `core::fmt`).
fn format_negative(n: i64) -> String {
    let mut text = String::from("-");
    text.push_str(&crate::outbox::decimal(n.unsigned_abs()));
    text
}

/// A number field: a non-negative integer (a double too when it is whole and under
/// 1.8e19), a string of ASCII digits ([`protocol::parse_number`]); `null` is absent.
fn lenient_u64(r: &mut Reader, field: &'static str) -> Option<Option<u64>> {
    match r.item()? {
        Item::Null => Some(None),
        Item::Num(Number::U64(n), _) => Some(Some(n)),
        Item::Num(Number::F64(f), _) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => {
            Some(Some(f as u64))
        }
        Item::Num(_, start) => {
            let text = r.text_from(start);
            r.fail(JsonError::NotNonNegative(text))
        }
        Item::Str(s) => match protocol::parse_number(&s) {
            Some(n) => Some(n),
            None => r.fail(JsonError::NotDigits(s.into_owned())),
        },
        Item::Bool(_) | Item::Array | Item::Object => r.fail(JsonError::Type {
            field,
            expected: "an integer or a string of digits",
        }),
    }
}

/// A flag field: a boolean, a flag string ([`protocol::parse_flag`]), an integer that
/// fits `i64` (non-zero is true); `null` is false.
fn lenient_bool(r: &mut Reader, field: &'static str) -> Option<bool> {
    match r.item()? {
        Item::Null => Some(false),
        Item::Bool(b) => Some(b),
        Item::Str(s) => match protocol::parse_flag(&s) {
            Some(b) => Some(b),
            None => r.fail(JsonError::NotAFlag(s.into_owned())),
        },
        Item::Num(Number::I64(_), _) => Some(true),
        Item::Num(Number::U64(n), _) if n <= i64::MAX as u64 => Some(n != 0),
        _ => r.fail(JsonError::Type {
            field,
            expected: "a boolean, a flag string or an integer",
        }),
    }
}
