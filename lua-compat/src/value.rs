//! Conversions between Lua values, JSON and aoxide messages.

use aoxide::{Message, Tag, TagValue, Tags};
use mlua::{Lua, Table, Value};
use serde_json::{Map, Number, Value as Json};

/// Deepest nesting `json.encode`/`json.decode` accept.
const MAX_DEPTH: usize = 128;

/// Encodes a Lua value as JSON, with the rules of AOS's `json` module: an empty table or a
/// table with keys `1..n` is an array, a table with string keys an object.
pub(crate) fn to_json(value: &Value) -> mlua::Result<Json> {
    let mut stack = Vec::new();
    encode(value, &mut stack)
}

fn encode(value: &Value, stack: &mut Vec<*const std::ffi::c_void>) -> mlua::Result<Json> {
    Ok(match value {
        Value::Nil => Json::Null,
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(i) => Json::Number((*i).into()),
        Value::Number(n) => match Number::from_f64(*n) {
            Some(n) => Json::Number(n),
            None => {
                return Err(mlua::Error::runtime(format!(
                    "unexpected number value '{n}'"
                )))
            }
        },
        Value::String(s) => Json::String(s.to_string_lossy()),
        Value::Table(t) => {
            let ptr = t.to_pointer();
            if stack.contains(&ptr) {
                return Err(mlua::Error::runtime("circular reference"));
            }
            if stack.len() >= MAX_DEPTH {
                return Err(mlua::Error::runtime("table nested too deeply to encode"));
            }
            stack.push(ptr);
            let out = encode_table(t, stack);
            stack.pop();
            out?
        }
        other => {
            return Err(mlua::Error::runtime(format!(
                "unexpected type '{}'",
                other.type_name()
            )))
        }
    })
}

fn encode_table(t: &Table, stack: &mut Vec<*const std::ffi::c_void>) -> mlua::Result<Json> {
    let len = t.raw_len();
    let mut count = 0usize;
    let mut all_strings = true;
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair?;
        count += 1;
        if !matches!(k, Value::String(_)) {
            all_strings = false;
        }
    }
    if count == 0 || (len == count && !all_strings) {
        let mut items = Vec::with_capacity(len);
        for i in 1..=len {
            items.push(encode(&t.raw_get::<Value>(i)?, stack)?);
        }
        return Ok(Json::Array(items));
    }
    if !all_strings {
        return Err(mlua::Error::runtime(
            "invalid table: mixed or invalid key types",
        ));
    }
    let mut map = Map::new();
    for pair in t.pairs::<mlua::LuaString, Value>() {
        let (k, v) = pair?;
        map.insert(k.to_string_lossy(), encode(&v, stack)?);
    }
    Ok(Json::Object(map))
}

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
fn tag_value(value: Value) -> mlua::Result<TagValue> {
    Ok(match value {
        Value::String(s) => TagValue::Text(s.to_string_lossy()),
        Value::Integer(i) => TagValue::Text(i.to_string()),
        Value::Number(n) => TagValue::Text(n.to_string()),
        Value::Boolean(b) => TagValue::Text(b.to_string()),
        Value::Table(_) => TagValue::from(to_json(&value)?),
        other => {
            return Err(mlua::Error::runtime(format!(
                "a tag value cannot be a {}",
                other.type_name()
            )))
        }
    })
}

/// A Lua list of `{ name = ..., value = ... }` as tags.
pub(crate) fn tags_from_lua(list: &Table) -> mlua::Result<Tags> {
    let mut tags = Tags::with_capacity(list.raw_len());
    for entry in list.sequence_values::<Table>() {
        let entry = entry?;
        let name: mlua::LuaString = entry.get("name")?;
        let name = name.to_string_lossy();
        if name.is_empty() {
            return Err(mlua::Error::runtime("a tag name cannot be empty"));
        }
        tags.push(Tag::new(name, tag_value(entry.get("value")?)?));
    }
    Ok(tags)
}

fn set_opt(t: &Table, key: &str, value: Option<&str>) -> mlua::Result<()> {
    match value {
        Some(v) => t.raw_set(key, v),
        None => Ok(()),
    }
}

/// The raw Lua view of a message: its fields, and `TagArray` (the Lua side adds `Tags`,
/// the Title-Case fields and `reply`/`forward`).
pub(crate) fn message_table(lua: &Lua, msg: &Message) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, 16 + msg.tags.len())?;
    set_opt(&t, "Id", msg.id.as_deref())?;
    t.raw_set("From", msg.from.as_str())?;
    t.raw_set("Owner", msg.owner.as_str())?;
    set_opt(&t, "Target", msg.target.as_deref())?;
    set_opt(&t, "Anchor", msg.anchor.as_deref())?;
    set_opt(&t, "Module", msg.module.as_deref())?;
    set_opt(&t, "Hash-Chain", msg.hash_chain.as_deref())?;
    set_opt(&t, "Forwarded-By", msg.forwarded_by.as_deref())?;
    t.raw_set("Data", msg.data.as_str())?;
    if let Some(ts) = msg.timestamp {
        t.raw_set("Timestamp", ts as i64)?;
    }
    if let Some(h) = msg.block_height {
        t.raw_set("Block-Height", h as i64)?;
    }
    if let Some(e) = msg.epoch {
        t.raw_set("Epoch", e as i64)?;
    }
    if let Some(n) = msg.nonce {
        t.raw_set("Nonce", n as i64)?;
    }
    t.raw_set("Cron", msg.cron)?;
    if msg.read_only {
        t.raw_set("Read-Only", true)?;
    }
    let array = lua.create_table_with_capacity(msg.tags.len(), 0)?;
    for (i, tag) in msg.tags.iter().enumerate() {
        let entry = lua.create_table_with_capacity(0, 2)?;
        entry.raw_set("name", tag.name.as_str())?;
        match &tag.value {
            TagValue::Text(s) => entry.raw_set("value", s.as_str())?,
            TagValue::Json(v) => entry.raw_set("value", from_json(lua, v)?)?,
        }
        array.raw_set(i + 1, entry)?;
    }
    t.raw_set("TagArray", array)?;
    Ok(t)
}
