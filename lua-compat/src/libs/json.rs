//! `json`: encode and decode over serde_json, floats written as AOS's `json` writes them.
//!
//! Both pay the message's instruction budget for their work (`crate::vm::pay`), which
//! happens in Rust where the budget's hook does not see it: [`INSTRUCTIONS_PER_VALUE`] for
//! each value of the JSON, and `json.decode` one per four bytes of its text before it
//! parses.

use std::cell::Cell;
use std::rc::Rc;

use mlua::{Lua, Table, Value};
use serde_json::Value as Json;

use crate::value::{from_json, to_json, write_json};

/// Instructions a JSON value costs: natively (release build) a value of an array of
/// 100,000 integers takes about 120 ns to encode and 290 ns to decode, an entry of an
/// object of 1,000 to 100,000 entries 0.7 to 2.7 µs to encode; one Lua instruction takes
/// about 2 ns.
const INSTRUCTIONS_PER_VALUE: u64 = 32;

/// The values in `json`: itself and everything it holds.
fn values(json: &Json) -> u64 {
    1 + match json {
        Json::Array(items) => items.iter().map(values).sum(),
        Json::Object(map) => map.values().map(values).sum(),
        _ => 0,
    }
}

pub(super) fn module(lua: &Lua, budget: &Rc<Cell<u64>>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let encoding = budget.clone();
    t.set(
        "encode",
        lua.create_function(move |lua, value: Value| {
            let json = to_json(lua, &value)?;
            crate::vm::pay(&encoding, values(&json) * INSTRUCTIONS_PER_VALUE)?;
            let mut text = String::new();
            write_json(&mut text, &json);
            Ok(text)
        })?,
    )?;
    let decoding = budget.clone();
    t.set(
        "decode",
        lua.create_function(move |lua, text: mlua::LuaString| {
            let bytes = text.as_bytes().len() as u64;
            crate::vm::pay(&decoding, bytes / crate::vm::READ_BYTES_PER_INSTRUCTION)?;
            let json: Json = serde_json::from_slice(&text.as_bytes())
                .map_err(|e| mlua::Error::runtime(format!("json.decode: {e}")))?;
            crate::vm::pay(&decoding, values(&json) * INSTRUCTIONS_PER_VALUE)?;
            from_json(lua, &json)
        })?,
    )?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_counts_every_value() {
        let json: Json = serde_json::from_str(r#"[1, {"a": [true, null], "b": "x"}, []]"#).unwrap();
        assert_eq!(values(&json), 8);
        assert_eq!(values(&Json::Null), 1);
    }
}
