//! The message path: a message's AOS view, pattern decisions and runs of Lua handlers.

use aoxide::{Match, Message};
use mlua::{Function, Table, Value};

use super::limits::classify;
use super::{Current, Vm};
use crate::error::LuaError;
use crate::value::message_table;

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
        // The names go as Lua strings made here: mlua's `IntoLua` for `&str` makes one the
        // same way under a memory limit, in 0.8 KB of code of its own on the path.
        let decided = self.message(msg).and_then(|m| {
            self.api
                .matcher
                .call::<i64>((self.lua.create_string(name)?, m))
        });
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

    /// Runs the Lua handler `name` on `msg` (inside `hosted`).
    pub(crate) fn run_handler(&self, name: &str, msg: &Message) -> Result<(), LuaError> {
        if let Some(e) = self.pattern_error.take() {
            return Err(e);
        }
        let m = self.message(msg).map_err(|e| self.error(e))?;
        let (ok, text, traceback) = self
            .outcome(&self.api.run, name, Value::Table(m))
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

    /// `f(name, arg)` for `A.run` and `A.eval`, which answer ok, error text, traceback:
    /// one instantiation of mlua's `Function::call` for both.
    pub(super) fn outcome(
        &self,
        f: &Function,
        name: &str,
        arg: Value,
    ) -> mlua::Result<(bool, Option<String>, Option<String>)> {
        f.call((self.lua.create_string(name)?, arg, Value::Nil))
    }

    /// Keeps `msg` in the Lua `Inbox` (inside `hosted`).
    pub(crate) fn keep_in_inbox(&self, msg: &Message) -> Result<(), LuaError> {
        let m = self.message(msg).map_err(|e| self.error(e))?;
        self.api.inbox.call::<()>(m).map_err(|e| self.error(e))
    }
}
