//! The JSON-1 writers: the result behind [`Outcome::to_json`](crate::Outcome::to_json), and
//! messages and envs as hosts send them. The exact bytes `serde_json` writes (compact, its
//! string escapes), straight into a byte buffer; the field names come from
//! [`super::fields`].

use super::fields::{
    AssignmentField, EntryField, EnvField, EnvelopeField, MessageField, OutField, OutputField,
    ResultField, TagField,
};
use crate::message::{Env, EnvEntry, Message};
use crate::outbox::OutMessage;
use crate::outcome::Outcome;
use crate::tags::{TagValue, Tags};
use serde_json::Value;

/// Appends `bytes`; for the short constant pieces of the result, inlined so that the
/// copy is a few stores instead of a `memory.copy` (a call into the host engine).
#[inline(always)]
pub(crate) fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len());
    // SAFETY: `reserve` made room for `bytes.len()` more bytes past `len`, and the
    // source is a distinct live slice.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr().add(out.len()), bytes.len());
        out.set_len(out.len() + bytes.len());
    }
}

/// The bytes of `parts` one after the other, at compile time (see [`joined!`]).
const fn join<const N: usize>(parts: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut p = 0;
    while p < parts.len() {
        let part = parts[p];
        let mut i = 0;
        while i < part.len() {
            out[at] = part[i];
            at += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(at == N, "the parts fill the array");
    out
}

/// How many bytes `parts` hold together.
const fn joined_len(parts: &[&[u8]]) -> usize {
    let mut n = 0;
    let mut p = 0;
    while p < parts.len() {
        n += parts[p].len();
        p += 1;
    }
    n
}

/// Constant pieces of the result (keys from [`super::fields`], brackets, commas) joined
/// into one constant at compile time, so that a run of them is one copy into the buffer,
/// not one bounds check and copy each.
macro_rules! joined {
    ($($part:expr),+ $(,)?) => {{
        const PARTS: &[&[u8]] = &[$($part),+];
        const N: usize = joined_len(PARTS);
        const BYTES: [u8; N] = join::<N>(PARTS);
        &BYTES
    }};
}

/// `[{"name":...,"value":...},...]`.
pub(crate) fn tags(out: &mut Vec<u8>, tags: &Tags) {
    out.push(b'[');
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, joined!(b"{", TagField::Name.key()));
        string(out, &tag.name);
        put(out, joined!(b",", TagField::Value.key()));
        match &tag.value {
            TagValue::Text(s) => string(out, s),
            TagValue::Json(v) => value(out, v),
        }
        out.push(b'}');
    }
    out.push(b']');
}

/// The anchor and the tags, then the closing brace: the end of a message or spawn object.
fn anchor_and_tags(out: &mut Vec<u8>, anchor: &str, tag_list: &Tags) {
    put(out, OutField::Anchor.key());
    string(out, anchor);
    put(out, joined!(b",", OutField::Tags.key()));
    tags(out, tag_list);
    out.push(b'}');
}

/// A decimal integer.
fn number(out: &mut Vec<u8>, n: u64) {
    crate::outbox::push_decimal(out, n);
}

/// A rough size of the result, to spare the buffer its doublings.
fn estimate(o: &Outcome) -> usize {
    let text = |s: &str| s.len() + s.len() / 8;
    let message = |m: &OutMessage| {
        128 + m.data.as_deref().map_or(0, text)
            + m.target.as_ref().map_or(0, String::len)
            + m.tags
                .iter()
                .map(|t| {
                    32 + t.name.len()
                        + match &t.value {
                            TagValue::Text(s) => text(s),
                            TagValue::Json(_) => 128,
                        }
                })
                .sum::<usize>()
    };
    256 + o.output.data.len()
        + o.error.as_ref().map_or(0, |e| text(e))
        + o.messages.iter().map(message).sum::<usize>()
}

/// The JSON-1 result: `{"ok":true,"response":{"Output":...,"Messages":...,...}}`.
pub(crate) fn result(o: &Outcome) -> Vec<u8> {
    let mut out = Vec::with_capacity(estimate(o));
    put(
        &mut out,
        joined!(
            b"{",
            EnvelopeField::Ok.key(),
            b"true,",
            EnvelopeField::Response.key(),
            b"{",
            ResultField::Output.key(),
            b"{",
            OutputField::Data.key(),
        ),
    );
    string(&mut out, &o.output.data);
    put(&mut out, joined!(b",", OutputField::Prompt.key()));
    string(&mut out, &o.output.prompt);
    put(
        &mut out,
        if o.output.print {
            joined!(
                b",",
                OutputField::Print.key(),
                b"true},",
                ResultField::Messages.key(),
                b"["
            )
        } else {
            joined!(
                b",",
                OutputField::Print.key(),
                b"false},",
                ResultField::Messages.key(),
                b"["
            )
        },
    );
    for (i, m) in o.messages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        if let Some(target) = &m.target {
            put(&mut out, OutField::Target.key());
            string(&mut out, target);
            out.push(b',');
        }
        if let Some(data) = &m.data {
            put(&mut out, OutField::Data.key());
            string(&mut out, data);
            out.push(b',');
        }
        anchor_and_tags(&mut out, &m.anchor, &m.tags);
    }
    put(&mut out, joined!(b"],", ResultField::Spawns.key(), b"["));
    for (i, s) in o.spawns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        if let Some(data) = &s.data {
            put(&mut out, OutField::Data.key());
            string(&mut out, data);
            out.push(b',');
        }
        anchor_and_tags(&mut out, &s.anchor, &s.tags);
    }
    put(
        &mut out,
        joined!(b"],", ResultField::Assignments.key(), b"["),
    );
    for (i, a) in o.assignments.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(
            &mut out,
            joined!(b"{", AssignmentField::Processes.key(), b"["),
        );
        for (j, p) in a.processes.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            string(&mut out, p);
        }
        put(&mut out, joined!(b"],", AssignmentField::Message.key()));
        string(&mut out, &a.message);
        out.push(b'}');
    }
    out.push(b']');
    if let Some(error) = &o.error {
        put(&mut out, joined!(b",", ResultField::Error.key()));
        string(&mut out, error.text());
    }
    put(&mut out, b"}}");
    out
}

/// A message as hosts send it: the table's fields in order, absent ones left out.
pub(crate) fn message(out: &mut Vec<u8>, m: &Message) {
    use MessageField as F;
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, f: F| {
        if !first {
            out.push(b',');
        }
        first = false;
        put(out, f.key());
    };
    out.push(b'{');
    for &f in F::ALL {
        let text = match f {
            F::Id => m.id.as_deref(),
            F::Owner => Some(m.owner.as_str()),
            F::From => Some(m.from.as_str()),
            F::Target => m.target.as_deref(),
            F::Anchor => m.anchor.as_deref(),
            F::Data => Some(m.data.as_str()),
            F::Module => m.module.as_deref(),
            F::HashChain => m.hash_chain.as_deref(),
            F::ForwardedBy => m.forwarded_by.as_deref(),
            F::Signature => m.signature.as_deref(),
            F::Tags => {
                key(out, f);
                tags(out, &m.tags);
                continue;
            }
            F::Cron | F::ReadOnly => {
                key(out, f);
                let on = if f == F::Cron { m.cron } else { m.read_only };
                put(out, if on { b"true" } else { b"false" });
                continue;
            }
            F::Timestamp | F::BlockHeight | F::Epoch | F::Nonce => {
                let n = match f {
                    F::Timestamp => m.timestamp,
                    F::BlockHeight => m.block_height,
                    F::Epoch => m.epoch,
                    _ => m.nonce,
                };
                if let Some(n) = n {
                    key(out, f);
                    number(out, n);
                }
                continue;
            }
        };
        if let Some(text) = text {
            key(out, f);
            string(out, text);
        }
    }
    out.push(b'}');
}

fn entry(out: &mut Vec<u8>, e: &EnvEntry) {
    out.push(b'{');
    put(out, EntryField::Id.key());
    string(out, &e.id);
    out.push(b',');
    put(out, EntryField::Owner.key());
    string(out, &e.owner);
    out.push(b',');
    put(out, EntryField::Tags.key());
    tags(out, &e.tags);
    out.push(b'}');
}

/// The env as hosts send it (`Module` left out when absent).
pub(crate) fn env(out: &mut Vec<u8>, e: &Env) {
    out.push(b'{');
    put(out, EnvField::Process.key());
    entry(out, &e.process);
    if let Some(module) = &e.module {
        out.push(b',');
        put(out, EnvField::Module.key());
        entry(out, module);
    }
    out.push(b'}');
}

/// Any JSON value, compact, keys in the map's order.
pub(crate) fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => put(out, b"null"),
        Value::Bool(b) => put(out, if *b { b"true" } else { b"false" }),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, k);
                out.push(b':');
                value(out, item);
            }
            out.push(b'}');
        }
        // serde_json's own formatting (what its `Display` and serializer write: the
        // integer's digits, or zmij's shortest text for a float), without `core::fmt`.
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                crate::outbox::push_decimal(out, u);
            } else if let Some(i) = n.as_i64() {
                out.push(b'-');
                crate::outbox::push_decimal(out, i.unsigned_abs());
            } else if let Some(f) = n.as_f64() {
                put(out, zmij::Buffer::new().format_finite(f).as_bytes());
            }
        }
    }
}

/// `v` as compact JSON text: what `v.to_string()` gives, without serde_json's `Display`
/// (which writes through `std::io::Write` and pulls `std::io::Error` into the module).
pub(crate) fn value_text(v: &Value) -> String {
    let mut out = Vec::new();
    value(&mut out, v);
    // Only valid UTF-8 strings and ASCII were written.
    String::from_utf8(out).unwrap_or_default()
}

/// What a byte becomes inside a JSON string: 0 for itself, else the escape letter
/// (`u` for `\u00XX`). The table of serde_json.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// True when one of the eight bytes of `word` is a control character, `"` or `\\`
/// (exact: the classic "has a byte less than / equal to" bit tricks).
#[inline(always)]
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    (control | has_zero(word ^ (ONES * b'"' as u64)) | has_zero(word ^ (ONES * b'\\' as u64))) != 0
}

/// A JSON string: quoted, with serde_json's escapes (`\"`, `\\`, the short forms of
/// backspace, tab, newline, form feed and carriage return, `\u00xx` for the other
/// control characters; everything else, DEL and non-ASCII included, as is).
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let src = s.as_bytes();
    let n = src.len();
    // Scans and copies in one pass, eight bytes at a time while none needs escaping,
    // with plain stores (no `memory.copy`, which costs a call into the engine).
    // Invariant: the room left past `dst` is at least the source bytes left plus one
    // (the closing quote); an escape reserves what it adds.
    out.reserve(n + 2);
    // SAFETY: every write is within the capacity by the invariant above; `set_len`
    // covers only bytes written; reads stay within `src`.
    unsafe {
        let mut dst = out.as_mut_ptr().add(out.len());
        *dst = b'"';
        dst = dst.add(1);
        let mut i = 0;
        while i < n {
            // A word with nothing to escape is copied whole; otherwise its eight bytes
            // (or the tail) one by one, before the next word is tried.
            let end = if i + 8 <= n {
                let word = std::ptr::read_unaligned(src.as_ptr().add(i) as *const u64);
                if !needs_escape(word) {
                    std::ptr::write_unaligned(dst as *mut u64, word);
                    dst = dst.add(8);
                    i += 8;
                    continue;
                }
                i + 8
            } else {
                n
            };
            while i < end {
                let b = *src.get_unchecked(i);
                let escape = ESCAPE[b as usize];
                i += 1;
                if escape == 0 {
                    *dst = b;
                    dst = dst.add(1);
                    continue;
                }
                let len = dst.offset_from(out.as_ptr()) as usize;
                out.set_len(len);
                out.reserve(6 + (n - i) + 1);
                dst = out.as_mut_ptr().add(len);
                if escape == b'u' {
                    let piece = [
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[(b >> 4) as usize],
                        HEX[(b & 15) as usize],
                    ];
                    std::ptr::copy_nonoverlapping(piece.as_ptr(), dst, 6);
                    dst = dst.add(6);
                } else {
                    *dst = b'\\';
                    *dst.add(1) = escape;
                    dst = dst.add(2);
                }
            }
        }
        *dst = b'"';
        dst = dst.add(1);
        out.set_len(dst.offset_from(out.as_ptr()) as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::value_text;
    use serde_json::json;

    /// The writer behind `aoxide::json_text` against serde_json's own `Display`.
    #[test]
    fn value_text_is_what_serde_json_writes() {
        let values = [
            json!(null),
            json!(true),
            json!(-12),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(5e-324),
            json!(0.1),
            json!(100000000000000000000.0),
            json!("quote \" backslash \\ nl \n ctl \u{1} del \u{7f} é 😀"),
            json!([1, 2.5, "x", [], {}, [null, false]]),
            json!({"b": {"a": [1, {"c": "d"}]}, "a": 2}),
        ];
        for v in values {
            assert_eq!(value_text(&v), v.to_string(), "{v:?}");
        }
    }
}
