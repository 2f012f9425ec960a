//! `.base64`: standard alphabet with padding, over the `base64` crate.
//!
//! Both pay the message's instruction budget one instruction per byte they read
//! (`crate::vm::pay`; natively about 2.4 ns a byte to encode, 1.7 to decode, against about
//! 2 ns for one Lua instruction).

use std::cell::Cell;
use std::rc::Rc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mlua::{Lua, Table};

pub(super) fn module(lua: &Lua, budget: &Rc<Cell<u64>>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let encoding = budget.clone();
    t.set(
        "encode",
        lua.create_function(move |_, data: mlua::LuaString| {
            crate::vm::pay(&encoding, data.as_bytes().len() as u64)?;
            Ok(STANDARD.encode(data.as_bytes()))
        })?,
    )?;
    let decoding = budget.clone();
    t.set(
        "decode",
        lua.create_function(move |lua, text: mlua::LuaString| {
            crate::vm::pay(&decoding, text.as_bytes().len() as u64)?;
            let bytes = STANDARD
                .decode(text.as_bytes())
                .map_err(|e| mlua::Error::runtime(format!("base64.decode: {e}")))?;
            lua.create_string(bytes)
        })?,
    )?;
    Ok(t)
}
