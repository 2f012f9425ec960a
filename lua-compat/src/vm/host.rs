//! The host functions Lua calls (`ao.send`, `Spawn`, `Assign`, `print`, `ao.log`,
//! `ao.clearOutbox`) and the context they write to.
//!
//! They are made once, with the VM (so a pre-initialised module has them baked in), and
//! reach the message being handled through [`Hosting`], which [`Vm::hosted`] points at
//! that message's [`Ctx`] for the length of its body. Outside it (a pattern function, say)
//! they fail with a Lua error naming the function.

use std::cell::RefCell;
use std::rc::Rc;

use aoxide::{Ctx, OutMessage, Spawn};
use mlua::{Lua, Table};

use super::Vm;
use crate::lent::Lent;
use crate::value::tags_from_lua;

/// Where the host functions find the context of the message being handled: a
/// `RefCell<&mut Ctx>` lent by [`Vm::hosted`].
pub(crate) type Hosting = Lent;

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
    host.raw_set(
        "send",
        lua.create_function(
            move |lua, (target, data, tags): (Option<String>, Option<mlua::LuaString>, Table)| {
                let mut out = match target {
                    Some(t) => OutMessage::to(t),
                    None => OutMessage::untargeted(),
                };
                out.tags = tags_from_lua(lua, &tags)?;
                out.data = data.map(|d| d.to_string_lossy());
                with_ctx(&h, "ao.send", |ctx| ctx.send(out).reference() as i64)
            },
        )?,
    )?;
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
