//! Conversions between Lua values, JSON and aoxide messages: JSON here, a message's Lua
//! view and the tag lists Lua sends in `message`.

mod message;

pub(crate) use message::{message_table, tags_from_lua};

use aoxide::TagValue;
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
pub(super) fn tag_value(value: Value) -> mlua::Result<TagValue> {
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
