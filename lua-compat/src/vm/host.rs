//! The host functions Lua calls (`ao.send`, `Spawn`, `Assign`, `print`, `ao.log`,
//! `ao.clearOutbox`) and the context they write to.
//!
//! They are made once, with the VM (so a pre-initialised module has them baked in), and
//! reach the message being handled through [`Hosting`], which [`Vm::hosted`] points at
//! that message's [`Ctx`] for the length of its body. Outside it (a pattern function, say)
//! they fail with a Lua error naming the function.

use std::cell::RefCell;
use std::rc::Rc;

use std::ffi::c_int;

use aoxide::outbox::write_decimal;
use aoxide::{Ctx, OutMessage, Spawn};
use mlua::{ffi, Function, Lua, Table};

use super::Vm;
use crate::lent::Lent;
use crate::value::{lossy_text, plain_tags, read_list, tags_from_lua, LuaBytes};

/// Where the host functions find the context of the message being handled: a
/// `RefCell<&mut Ctx>` lent by [`Vm::hosted`].
pub(crate) type Hosting = Lent;

/// The C function `f` as a Lua closure whose upvalues are `fallback` (1) and `at` as
/// light userdata (2): the fast C path of a host function whose mlua `fallback` handles
/// what `f` leaves to it.
///
/// # Safety
/// `fallback` must own (through its captures) what `at` points to, so the pointer lives as
/// long as the closure can be called; `f` must read its upvalues as these two.
pub(super) unsafe fn c_closure<T>(
    lua: &Lua,
    fallback: &Function,
    at: *const T,
    f: ffi::lua_CFunction,
) -> mlua::Result<Function> {
    // SAFETY: `exec_raw` runs the closure as a protected C function with `fallback` at
    // index 1 and LUA_MINSTACK (20) free slots; it pushes two values and leaves the closure
    // as its one result. A memory error returns to `exec_raw` past the closure, which owns
    // nothing to drop. The pointer's lifetime is the caller's contract.
    unsafe {
        lua.exec_raw(fallback, |state| {
            ffi::lua_pushlightuserdata(state, at.cast_mut().cast());
            ffi::lua_pushcclosure(state, f, 2);
        })
    }
}

/// Runs `f` on the context of the message being handled; `what` names the Lua function
/// for the error outside one.
fn with_ctx<R>(
    hosting: &Hosting,
    what: &str,
    f: impl FnOnce(&mut Ctx<'_>) -> R,
) -> mlua::Result<R> {
    // SAFETY: only `Vm::hosted` lends this slot, a `RefCell<&mut Ctx>`; the reference is
    // dropped before this function returns, and what `f` returns is owned.
    let Some(cell) = (unsafe { hosting.get::<RefCell<&mut Ctx<'_>>>() }) else {
        return Err(mlua::Error::runtime(format!(
            "{what} is only available while a handler runs"
        )));
    };
    let mut ctx = cell
        .try_borrow_mut()
        .map_err(|_| mlua::Error::runtime(format!("{what}: the message's context is in use")))?;
    Ok(f(&mut ctx))
}

/// Makes the host functions into `host` (the table the AOS environment's `H` is).
pub(super) fn install(lua: &Lua, host: &Table) -> mlua::Result<Rc<Hosting>> {
    let hosting = Rc::new(Lent::new());
    let h = hosting.clone();
    let send = lua.create_function(
        move |lua, (target, data, tags): (Option<String>, Option<mlua::LuaString>, Table)| {
            let mut out = match target {
                Some(t) => OutMessage::to(t),
                None => OutMessage::untargeted(),
            };
            out.tags = tags_from_lua(lua, &tags)?;
            out.data = data.map(|d| d.to_string_lossy());
            with_ctx(&h, "ao.send", |ctx| ctx.send(out).reference() as i64)
        },
    )?;
    // SAFETY: `post` reads its upvalues as (`send`, a `*const Hosting`), and `send` owns a
    // clone of `hosting`.
    let post = unsafe { c_closure(lua, &send, Rc::as_ptr(&hosting), post)? };
    host.raw_set("send", send)?;
    host.raw_set("post", post)?;
    let h = hosting.clone();
    host.raw_set(
        "spawn",
        lua.create_function(
            move |lua, (module, data, tags): (String, Option<mlua::LuaString>, Table)| {
                let mut spawn = Spawn::new();
                spawn.tags = tags_from_lua(lua, &tags)?;
                spawn.data = data.map(|d| d.to_string_lossy());
                with_ctx(&h, "ao.spawn", |ctx| {
                    ctx.spawn(module, spawn).reference() as i64
                })
            },
        )?,
    )?;
    let h = hosting.clone();
    host.raw_set(
        "assign",
        lua.create_function(move |_, (processes, message): (Vec<String>, String)| {
            with_ctx(&h, "ao.assign", |ctx| ctx.assign(processes, message))
        })?,
    )?;
    let h = hosting.clone();
    host.raw_set(
        "print",
        lua.create_function(move |_, text: mlua::LuaString| {
            with_ctx(&h, "print", |ctx| ctx.print(text.to_string_lossy()))
        })?,
    )?;
    let h = hosting.clone();
    host.raw_set(
        "log",
        lua.create_function(move |_, text: mlua::LuaString| {
            with_ctx(&h, "ao.log", |ctx| ctx.log(text.to_string_lossy()))
        })?,
    )?;
    let h = hosting.clone();
    host.raw_set(
        "clear",
        lua.create_function(move |_, ()| with_ctx(&h, "ao.clearOutbox", |ctx| ctx.clear_outbox()))?,
    )?;
    Ok(hosting)
}

/// The text at `index` if it is a string (nil: `Some(None)`), as `utf8` asks; `None`
/// (not plain) for any other value, or invalid UTF-8 when `utf8`.
///
/// # Safety
/// A Lua C function's context; the bytes are valid while the string is on the stack.
unsafe fn plain_text<'a>(
    state: *mut ffi::lua_State,
    index: c_int,
    utf8: bool,
) -> Option<Option<&'a [u8]>> {
    // SAFETY: the caller's context.
    unsafe {
        match ffi::lua_type(state, index) {
            ffi::LUA_TNIL | ffi::LUA_TNONE => Some(None),
            ffi::LUA_TSTRING => {
                let bytes = LuaBytes::at(state, index).bytes();
                (!utf8 || std::str::from_utf8(bytes).is_ok()).then_some(Some(bytes))
            }
            _ => None,
        }
    }
}

/// `H.post(target, data, tags)`: what `H.send` does when no argument needs mlua's
/// conversions (a UTF-8 target or nil, a string or nil as the data, a list whose every
/// entry is a text name with a scalar value) and a handler is running: sends and returns
/// the reference as text. Otherwise it returns nothing and sends nothing, and the Lua side
/// calls `H.send`, which converts, and fails, as it always did.
unsafe extern "C-unwind" fn post(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: Lua calls a C function with LUA_MINSTACK (20) free slots; upvalue 2 is the
    // hosting slot (`install`), alive while this closure is. The two key strings are
    // pushed before any Rust value is made (their memory error unwinds past nothing);
    // after them nothing raises until the reference's text, pushed when every Rust value
    // but its digits is gone (a memory error then fails the message, sends and all), and
    // the strings read stay on the stack or in the list.
    unsafe {
        let plain = plain_text(state, 1, true).is_some()
            && plain_text(state, 2, false).is_some()
            && ffi::lua_type(state, 3) == ffi::LUA_TTABLE;
        if !plain {
            return 0;
        }
        ffi::lua_settop(state, 3);
        ffi::lua_pushstring(state, c"name".as_ptr());
        ffi::lua_pushstring(state, c"value".as_ptr());
        let hosting = &*ffi::lua_touserdata(state, ffi::lua_upvalueindex(2)).cast::<Hosting>();
        match post_plain(state, hosting) {
            Some(reference) => {
                // As text, which `ao.send` keeps (`tostring` of a number would format
                // it through `lua_pushfstring`, on every first message's path).
                let mut digits = [0u8; 20];
                let at = write_decimal(&mut digits, reference);
                ffi::lua_pushlstring(state, digits[at..].as_ptr().cast(), digits.len() - at);
                1
            }
            None => 0,
        }
    }
}

/// [`post`]'s send, with its arguments at 1 to 3 and the keys at 4 and 5.
///
/// # Safety
/// [`post`]'s context; nothing here raises.
unsafe fn post_plain(state: *mut ffi::lua_State, hosting: &Hosting) -> Option<u64> {
    // SAFETY: the caller's context; no Lua code runs between the reads and the copies.
    unsafe {
        let mut read = Vec::new();
        read_list(state, 3, 4, &mut read);
        let tags = plain_tags(&read)?;
        let target = plain_text(state, 1, true)?;
        let data = plain_text(state, 2, false)?;
        // SAFETY: as in `with_ctx`.
        let mut ctx = hosting
            .get::<RefCell<&mut Ctx<'_>>>()?
            .try_borrow_mut()
            .ok()?;
        let mut out = match target {
            Some(t) => OutMessage::to(lossy_text(t)),
            None => OutMessage::untargeted(),
        };
        out.tags = tags;
        out.data = data.map(lossy_text);
        Some(ctx.send(out).reference())
    }
}

impl Vm {
    /// Runs `body` with the host functions (`ao.send`, `print`, ...) writing to `ctx`.
    pub(crate) fn hosted<R>(
        &self,
        ctx: &RefCell<&mut Ctx<'_>>,
        body: impl FnOnce() -> mlua::Result<R>,
    ) -> mlua::Result<R> {
        self.hosting.lend(ctx, body)
    }
}
