//! The libraries blueprints `require`, written in Rust over well-kept crates.

mod base64;
mod bint;
mod crypto;
mod json;
pub(crate) mod random;

use mlua::{Lua, Table};

/// Puts `json`, `.bint`, `.base64` and `.crypto` into `package.preload` (also under the
/// dotted and undotted names AOS code uses).
pub(crate) fn install(lua: &Lua, preload: &Table) -> mlua::Result<()> {
    let modules = [
        ("json", json::module(lua)?),
        ("bint", bint::module(lua)?),
        ("base64", base64::module(lua)?),
        ("crypto", crypto::module(lua)?),
    ];
    for (name, module) in modules {
        let loader = lua.create_function(move |_, _: mlua::MultiValue| Ok(module.clone()))?;
        preload.set(name, loader.clone())?;
        preload.set(format!(".{name}"), loader)?;
    }
    Ok(())
}
