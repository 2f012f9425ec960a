//! The libraries blueprints `require`, written in Rust over well-kept crates.

mod base64;
mod bint;
mod crypto;
mod json;
pub(crate) mod random;

use std::cell::{Cell, RefCell};
use std::ffi::c_int;
use std::rc::Rc;

use mlua::{ffi, Lua, Table};

/// Builds a library's table; its functions that read much pay the message's instruction
/// budget (`crate::vm::pay`).
type Builder = fn(&Lua, &Rc<Cell<u64>>) -> mlua::Result<Table>;

/// The libraries, by their undotted names.
const MODULES: [(&str, Builder); 4] = [
    ("json", json::module),
    ("bint", |lua, _| bint::module(lua)),
    ("base64", base64::module),
    ("crypto", crypto::module),
];

/// Puts `json`, `.bint`, `.base64` and `.crypto` into `package.preload` (also under the
/// dotted and undotted names AOS code uses). Each is built the first time it is required
/// (a spawn pays only for the libraries its Lua uses), once for both names. Their reads
/// are paid from `budget`, the VM's.
pub(crate) fn install(lua: &Lua, preload: &Table, budget: &Rc<Cell<u64>>) -> mlua::Result<()> {
    for (name, build) in MODULES {
        let built: Rc<RefCell<Option<Table>>> = Rc::default();
        let budget = budget.clone();
        let loader = lua.create_function(move |lua, _: mlua::MultiValue| {
            if let Some(module) = &*built.borrow() {
                return Ok(module.clone());
            }
            let module = build(lua, &budget)?;
            *built.borrow_mut() = Some(module.clone());
            Ok(module)
        })?;
        preload.set(name, loader.clone())?;
        preload.set(format!(".{name}"), loader)?;
    }
    Ok(())
}

/// Builds every library now, as its first `require` would, but without `require`:
/// `package.loaded` stays as it was. What a prebuilt VM does ([`crate::prebuilt`]), so
/// that no spawn pays for building a library. The loaders are then C functions returning
/// the built table (one for both names, as before), so a `require` runs no mlua callback.
pub(crate) fn build_all(lua: &Lua, preload: &Table) -> mlua::Result<()> {
    for (name, _) in MODULES {
        let module = preload.get::<mlua::Function>(name)?.call::<Table>(())?;
        let loader = constant(lua, &module)?;
        preload.set(name, loader.clone())?;
        preload.set(format!(".{name}"), loader)?;
    }
    Ok(())
}

/// A C function returning `value`, whatever it is called with.
pub(crate) fn constant(lua: &Lua, value: &Table) -> mlua::Result<mlua::Function> {
    /// Returns the closure's upvalue.
    unsafe extern "C-unwind" fn upvalue(state: *mut ffi::lua_State) -> c_int {
        // SAFETY: Lua calls a C function with LUA_MINSTACK (20) free slots; the closure
        // has one upvalue (`constant`).
        unsafe { ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1)) };
        1
    }
    // SAFETY: `exec_raw` runs the closure as a protected C function with `value` at index
    // 1; making the closure may raise a memory error, which returns to `exec_raw` past the
    // closure, which owns nothing to drop. The closure is its one result.
    unsafe { lua.exec_raw(value, |state| ffi::lua_pushcclosure(state, upvalue, 1)) }
}
