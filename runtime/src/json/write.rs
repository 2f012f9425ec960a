//! The JSON writer behind [`Outcome::to_json`](crate::Outcome::to_json): the exact bytes `serde_json` writes
//! (compact, its string escapes), straight into a byte buffer.

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

/// `"Anchor":"...","Tags":[...]}`: the end of a message or spawn object.
pub(crate) fn anchor_and_tags(out: &mut Vec<u8>, anchor: &str, tags: &Tags) {
    put(out, b"\"Anchor\":");
    string(out, anchor);
    put(out, b",\"Tags\":[");
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, b"{\"name\":");
        string(out, &tag.name);
        put(out, b",\"value\":");
        match &tag.value {
            TagValue::Text(s) => string(out, s),
            TagValue::Json(v) => value(out, v),
        }
        out.push(b'}');
    }
    put(out, b"]}");
}

/// Any JSON value, compact, keys in the map's order.
pub(crate) fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => put(out, b"null"),
        Value::Bool(true) => put(out, b"true"),
        Value::Bool(false) => put(out, b"false"),
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
        // Numbers are rare in results: serde_json's own formatting (a Vec never fails).
        Value::Number(n) => {
            let _ = serde_json::to_writer(&mut *out, n);
        }
    }
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
            if i + 8 <= n {
                let word = std::ptr::read_unaligned(src.as_ptr().add(i) as *const u64);
                if !needs_escape(word) {
                    std::ptr::write_unaligned(dst as *mut u64, word);
                    dst = dst.add(8);
                    i += 8;
                    continue;
                }
            }
            let b = src[i];
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
            let piece: &[u8] = if escape == b'u' {
                &[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 15) as usize],
                ]
            } else {
                &[b'\\', escape]
            };
            std::ptr::copy_nonoverlapping(piece.as_ptr(), dst, piece.len());
            dst = dst.add(piece.len());
        }
        *dst = b'"';
        dst = dst.add(1);
        out.set_len(dst.offset_from(out.as_ptr()) as usize);
    }
}
