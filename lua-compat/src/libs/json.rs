//! `json`: encode and decode over serde_json, floats written as AOS's `json` writes them.

use mlua::{Lua, Table, Value};

use crate::value::{from_json, to_json, write_json};

pub(super) fn module(lua: &Lua) -> mlua::Result<Table> {
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
    t.set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let json: serde_json::Value = serde_json::from_slice(&text.as_bytes())
                .map_err(|e| mlua::Error::runtime(format!("json.decode: {e}")))?;
            from_json(lua, &json)
        })?,
    )?;
    Ok(t)
}
