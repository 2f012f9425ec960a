//! Conversions between Lua values, JSON and aoxide messages: JSON into Lua and tag values
//! here, Lua into JSON in `encode`, a message's Lua view and the tag lists Lua sends in
//! `message`.

mod encode;
mod message;
mod raw;
mod text;

pub(crate) use encode::to_json;
pub(crate) use message::{
    has_json_tags, hint, plain_tags, push_raw_view, push_text, read_list, set_json_tags,
    tags_from_lua,
};
pub(crate) use raw::{lossy_text, type_name, LuaBytes};
pub(crate) use text::write_json;

use aoxide::TagValue;
use mlua::{Lua, Value};
use serde_json::Value as Json;

/// Deepest nesting `json.encode`/`json.decode` accept.
const MAX_DEPTH: usize = 128;

/// Decodes JSON into Lua values (`null` becomes `nil`).
pub(crate) fn from_json(lua: &Lua, json: &Json) -> mlua::Result<Value> {
    Ok(match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(lua.create_string(s)?),
        Json::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, from_json(lua, item)?)?;
            }
            Value::Table(t)
        }
        Json::Object(map) => {
            let t = lua.create_table_with_capacity(0, map.len())?;
            for (k, v) in map {
                t.raw_set(k.as_str(), from_json(lua, v)?)?;
            }
            Value::Table(t)
        }
    })
}

/// A Lua value as a tag value: strings stay text, tables become JSON.
pub(super) fn tag_value(lua: &Lua, value: Value) -> mlua::Result<TagValue> {
    Ok(match value {
        Value::String(s) => TagValue::Text(s.to_string_lossy()),
        Value::Integer(i) => TagValue::Text(i.to_string()),
        Value::Number(n) => TagValue::Text(n.to_string()),
        Value::Boolean(b) => TagValue::Text(b.to_string()),
        Value::Table(_) => TagValue::from(to_json(lua, &value)?),
        other => {
            return Err(mlua::Error::runtime(format!(
                "a tag value cannot be a {}",
                other.type_name()
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    /// A small deterministic generator (xorshift) for the generated cases of this module's
    /// tests, so they are the same every run.
    pub(super) struct Rng(pub(super) u64);

    impl Rng {
        pub(super) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        pub(super) fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }
}
