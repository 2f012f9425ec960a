//! `json`: encode and decode over serde_json, floats written as AOS's `json` writes them.

use std::cell::Cell;
use std::rc::Rc;

use mlua::{Lua, Table, Value};

use crate::value::{from_json, to_json, write_json};

pub(super) fn module(lua: &Lua, budget: &Rc<Cell<u64>>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "encode",
        lua.create_function(|lua, value: Value| {
            let json = to_json(lua, &value)?;
            let mut text = String::new();
            write_json(&mut text, &json);
            Ok(text)
        })?,
    )?;
    let budget = budget.clone();
    t.set(
        "decode",
        lua.create_function(move |lua, text: mlua::LuaString| {
            // Reading the text is paid for; the tables made of it, by the allocator.
            let bytes = text.as_bytes().len() as u64;
            crate::vm::pay(&budget, bytes / crate::vm::READ_BYTES_PER_INSTRUCTION)?;
            let json: serde_json::Value = serde_json::from_slice(&text.as_bytes())
                .map_err(|e| mlua::Error::runtime(format!("json.decode: {e}")))?;
            from_json(lua, &json)
        })?,
    )?;
    Ok(t)
}
