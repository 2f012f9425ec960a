//! The libraries blueprints `require`, written in Rust over well-kept crates.

mod base64;
mod bint;
mod crypto;
mod json;
pub(crate) mod random;

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Lua, Table};

/// Builds a library's table.
type Builder = fn(&Lua) -> mlua::Result<Table>;

/// The libraries, by their undotted names.
const MODULES: [(&str, Builder); 4] = [
    ("json", json::module),
    ("bint", bint::module),
    ("base64", base64::module),
    ("crypto", crypto::module),
];

/// Puts `json`, `.bint`, `.base64` and `.crypto` into `package.preload` (also under the
/// dotted and undotted names AOS code uses). Each is built the first time it is required
/// (a spawn pays only for the libraries its Lua uses), once for both names.
pub(crate) fn install(lua: &Lua, preload: &Table) -> mlua::Result<()> {
    for (name, build) in MODULES {
        let built: Rc<RefCell<Option<Table>>> = Rc::default();
        let loader = lua.create_function(move |lua, _: mlua::MultiValue| {
            if let Some(module) = &*built.borrow() {
                return Ok(module.clone());
            }
            let module = build(lua)?;
            *built.borrow_mut() = Some(module.clone());
            Ok(module)
        })?;
        preload.set(name, loader.clone())?;
        preload.set(format!(".{name}"), loader)?;
    }
    Ok(())
}

/// Builds every library now, as its first `require` would (its loader keeps the table), but
/// without `require`: `package.loaded` stays as it was. What a prebuilt VM does
/// ([`crate::prebuilt`]), so that no spawn pays for building a library.
pub(crate) fn build_all(preload: &Table) -> mlua::Result<()> {
    for (name, _) in MODULES {
        preload.get::<mlua::Function>(name)?.call::<Table>(())?;
    }
    Ok(())
}
