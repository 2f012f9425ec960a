//! `H.edit(op, name, anchor, runs)`: the handler-list changes Lua asks for (`Handlers.add`,
//! `.prepend`, `.before(a).add`, `.remove`, ...), queued for the process registry.
//!
//! Every spawn of a blueprint registers its handlers, so the usual call is a C function
//! (`H.place`) reading its arguments in place: through mlua it was the largest callback on
//! the spawn's path (the tuple's conversions, `u32`'s with its coercions). `H.place`
//! takes only what needs no conversion (an operation it knows, a UTF-8 name, a string
//! anchor where one is needed, an integer count within `u32`) and answers `false` for
//! the rest, which the Lua side then passes to `H.edit`, the mlua function, so every
//! other argument is converted, and fails, as it always did.

use std::cell::RefCell;
use std::ffi::c_int;
use std::rc::Rc;

use mlua::{ffi, Lua, Table};

use super::{Edit, Place};
use crate::value::LuaBytes;

/// The queue of edits the registry applies after the call that made them.
pub(super) type Queue = RefCell<Vec<Edit>>;

/// Makes `host.edit` (mlua, every argument) and `host.place` (C, the usual ones) queue
/// into `queue`.
pub(super) fn install(lua: &Lua, host: &Table, queue: &Rc<Queue>) -> mlua::Result<()> {
    let owned = queue.clone();
    let edit = lua.create_function(
        move |_, (op, name, anchor, runs): (String, String, Option<String>, u32)| {
            let place = match (op.as_str(), anchor) {
                ("add" | "append", _) => Place::Add,
                ("prepend", _) => Place::Prepend,
                ("before", Some(a)) => Place::Before(a),
                ("after", Some(a)) => Place::After(a),
                ("remove", _) => Place::Remove,
                (other, _) => {
                    return Err(mlua::Error::runtime(format!(
                        "unknown handler placement {other}"
                    )))
                }
            };
            owned.borrow_mut().push(Edit { place, name, runs });
            Ok(())
        },
    )?;
    // SAFETY: `place` reads its upvalues as (`edit`, a `*const Queue`), and `edit` owns a
    // clone of `queue`.
    let place = unsafe { super::host::c_closure(lua, &edit, Rc::as_ptr(queue), place)? };
    host.raw_set("edit", edit)?;
    host.raw_set("place", place)
}

/// The edit `H.place`'s arguments (1 to 4) ask for, if it needs no conversion.
///
/// # Safety
/// A Lua C function's context; nothing here raises or allocates in Lua.
unsafe fn plain(state: *mut ffi::lua_State) -> Option<Edit> {
    // SAFETY: the caller's context; the strings are read while they are on the stack.
    unsafe {
        let text = |index: c_int| {
            (ffi::lua_type(state, index) == ffi::LUA_TSTRING)
                .then(|| std::str::from_utf8(LuaBytes::at(state, index).bytes()).ok())
                .flatten()
        };
        let op = text(1)?;
        let name = text(2)?;
        let anchor = match ffi::lua_type(state, 3) {
            ffi::LUA_TNIL | ffi::LUA_TNONE => None,
            _ => Some(text(3)?),
        };
        if ffi::lua_isinteger(state, 4) == 0 {
            return None;
        }
        let runs = u32::try_from(ffi::lua_tointegerx(state, 4, std::ptr::null_mut())).ok()?;
        let place = match (op, anchor) {
            ("add" | "append", _) => Place::Add,
            ("prepend", _) => Place::Prepend,
            ("before", Some(a)) => Place::Before(a.to_owned()),
            ("after", Some(a)) => Place::After(a.to_owned()),
            ("remove", _) => Place::Remove,
            _ => return None,
        };
        Some(Edit {
            place,
            name: name.to_owned(),
            runs,
        })
    }
}

/// `H.place(op, name, anchor, runs)`: queues the edit and answers `true`, or answers
/// `false` (nothing queued) when an argument needs `H.edit`'s conversions.
unsafe extern "C-unwind" fn place(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: Lua calls a C function with LUA_MINSTACK (20) free slots; upvalue 2 is the
    // queue's pointer (`install`), alive while this closure is. Nothing here raises, so no
    // Lua error unwinds past the `Edit` and the borrow.
    unsafe {
        let queue = &*ffi::lua_touserdata(state, ffi::lua_upvalueindex(2)).cast::<Queue>();
        let queued = match (plain(state), queue.try_borrow_mut()) {
            (Some(edit), Ok(mut edits)) => {
                edits.push(edit);
                true
            }
            _ => false,
        };
        ffi::lua_pushboolean(state, c_int::from(queued));
    }
    1
}
