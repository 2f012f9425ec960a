//! The message path: a message's AOS view, pattern decisions, the host functions Lua calls
//! (`ao.send`, `print`, ...) and runs of Lua handlers.

use std::cell::RefCell;

use aoxide::{Ctx, Match, Message, OutMessage, Spawn};
use mlua::{Table, Value};

use super::limits::classify;
use super::{Current, Vm};
use crate::error::LuaError;
use crate::value::{message_table, tags_from_lua};

impl Vm {
    /// The AOS view of `msg`, built once per message.
    pub(crate) fn message(&self, msg: &Message) -> mlua::Result<Table> {
        let ptr = msg as *const Message as usize;
        if let Some(c) = &*self.current.borrow() {
            if c.ptr == ptr && c.id == msg.id {
                return Ok(c.table.clone());
            }
        }
        if let Some(ts) = msg.timestamp {
            self.now.set(ts as i64);
        }
        let raw = message_table(&self.lua, msg)?;
        let table: Table = self.api.prepare.call(raw)?;
        self.current.replace(Some(Current {
            ptr,
            id: msg.id.clone(),
            table: table.clone(),
        }));
        Ok(table)
    }

    /// Decides whether the Lua handler `name` takes `msg`. A Lua error in the pattern is
    /// kept and reported by the handler's run (so the message fails with it).
    pub(crate) fn decide(&self, name: &str, msg: &Message) -> Match {
        let decided = self
            .message(msg)
            .and_then(|m| self.api.matcher.call::<i64>((name, m)));
        match decided {
            Ok(-1) => Match::Break,
            Ok(1) => Match::Continue,
            Ok(_) => Match::Skip,
            Err(e) => {
                let e = match self.error(e) {
                    LuaError::Runtime { message, traceback } => LuaError::Runtime {
                        message: format!("pattern of handler '{name}': {message}"),
                        traceback,
                    },
                    other => other,
                };
                self.pattern_error.replace(Some(e));
                Match::Break
            }
        }
    }

    /// Runs `body` with the host functions (`ao.send`, `print`, ...) bound to `ctx`, and
    /// whatever `more` binds into the `Rust` table.
    pub(crate) fn hosted<'env, 'a: 'env, R>(
        &self,
        ctx: &'env RefCell<&'env mut Ctx<'a>>,
        more: impl for<'s> FnOnce(&'s mlua::Scope<'s, 'env>, &Table) -> mlua::Result<()>,
        body: impl FnOnce() -> mlua::Result<R>,
    ) -> mlua::Result<R> {
        self.lua.scope(|scope| {
            let h = &self.host;
            h.raw_set(
                "send",
                scope.create_function(
                    move |_,
                          (target, data, tags): (
                        Option<String>,
                        Option<mlua::LuaString>,
                        Table,
                    )| {
                        let mut out = match target {
                            Some(t) => OutMessage::to(t),
                            None => OutMessage::untargeted(),
                        };
                        out.tags = tags_from_lua(&tags)?;
                        out.data = data.map(|d| d.to_string_lossy());
                        Ok(ctx.borrow_mut().send(out).reference() as i64)
                    },
                )?,
            )?;
            h.raw_set(
                "spawn",
                scope.create_function(
                    move |_, (module, data, tags): (String, Option<mlua::LuaString>, Table)| {
                        let mut spawn = Spawn::new();
                        spawn.tags = tags_from_lua(&tags)?;
                        spawn.data = data.map(|d| d.to_string_lossy());
                        Ok(ctx.borrow_mut().spawn(module, spawn).reference() as i64)
                    },
                )?,
            )?;
            h.raw_set(
                "assign",
                scope.create_function(move |_, (processes, message): (Vec<String>, String)| {
                    ctx.borrow_mut().assign(processes, message);
                    Ok(())
                })?,
            )?;
            h.raw_set(
                "print",
                scope.create_function(move |_, text: mlua::LuaString| {
                    ctx.borrow_mut().print(text.to_string_lossy());
                    Ok(())
                })?,
            )?;
            h.raw_set(
                "log",
                scope.create_function(move |_, text: mlua::LuaString| {
                    ctx.borrow_mut().log(text.to_string_lossy());
                    Ok(())
                })?,
            )?;
            h.raw_set(
                "clear",
                scope.create_function(move |_, ()| {
                    ctx.borrow_mut().clear_outbox();
                    Ok(())
                })?,
            )?;
            more(scope, &self.rust)?;
            body()
        })
    }

    /// Runs the Lua handler `name` on `msg` (inside `hosted`).
    pub(crate) fn run_handler(&self, name: &str, msg: &Message) -> Result<(), LuaError> {
        if let Some(e) = self.pattern_error.take() {
            return Err(e);
        }
        let m = self.message(msg).map_err(|e| self.error(e))?;
        let (ok, text, traceback): (bool, Option<String>, Option<String>) = self
            .api
            .run
            .call((name, m, Value::Nil))
            .map_err(|e| self.error(e))?;
        if ok {
            return Ok(());
        }
        Err(classify(
            text.unwrap_or_default(),
            traceback.unwrap_or_default(),
            &self.limits,
        ))
    }

    /// Keeps `msg` in the Lua `Inbox` (inside `hosted`).
    pub(crate) fn keep_in_inbox(&self, msg: &Message) -> Result<(), LuaError> {
        let m = self.message(msg).map_err(|e| self.error(e))?;
        self.api.inbox.call::<()>(m).map_err(|e| self.error(e))
    }
}
