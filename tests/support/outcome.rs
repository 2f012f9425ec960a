//! How the replays against AOS read an aoxide outcome: included with `#[path]` by
//! `aos_trace.rs` (the token trace) and `lua-compat/tests/side_by_side.rs` (the Lua
//! blueprints' scenarios).

use aoxide::TagValue;
use serde_json::Value;

/// `s` without its ANSI escape sequences (`ESC [`, parameters, a final letter: AOS's
/// colours end in `m`).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A tag's value as the JSON value AOS's record holds: a text as a string, a JSON value as
/// itself.
pub fn tag_json(value: &TagValue) -> Value {
    match value {
        TagValue::Text(s) => Value::String(s.clone()),
        TagValue::Json(v) => v.clone(),
    }
}
