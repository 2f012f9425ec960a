//! `.base64`: standard alphabet with padding, over the `base64` crate.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mlua::{Lua, Table};

pub(super) fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "encode",
        lua.create_function(|_, data: mlua::LuaString| Ok(STANDARD.encode(data.as_bytes())))?,
    )?;
    t.set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let bytes = STANDARD
                .decode(text.as_bytes())
                .map_err(|e| mlua::Error::runtime(format!("base64.decode: {e}")))?;
            lua.create_string(bytes)
        })?,
    )?;
    Ok(t)
}
