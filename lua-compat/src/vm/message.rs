//! The message path: a message's AOS view, pattern decisions and runs of Lua handlers.

use std::ffi::c_int;

use aoxide::{Match, Message};
use mlua::{ffi, Function, Table, Value};

use super::limits::classify;
use super::{Current, Vm};
use crate::error::LuaError;
use crate::value::{lossy_text, message_table, push_text, LuaBytes};

impl Vm {
    /// Calls `f` through Lua's C API in one protected call: `body` runs with `f` at 1 and
    /// `arg` at 2 (and LUA_MINSTACK, 20, free slots), calls it and reads what it answers.
    /// Every call of the message path goes through here: mlua's `Function::call` made one
    /// instantiation of its machinery and conversions per signature, 3 KB of code V8
    /// compiles for a process' first message.
    ///
    /// # Safety
    /// `body` must leave the stack empty, and must own nothing when it calls Lua: a Lua
    /// error (memory, the instruction budget, what the function raises) returns to
    /// `exec_raw` past it. It may write what it reads into its captures (the caller's).
    unsafe fn call_raw(
        &self,
        f: &Function,
        arg: Value,
        body: &mut dyn FnMut(*mut ffi::lua_State),
    ) -> mlua::Result<()> {
        // SAFETY: the caller's contract; `exec_raw` pushes `f` and `arg` and runs `body`
        // as a protected C function.
        unsafe { self.lua.exec_raw::<()>((f, arg), body) }
    }

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
        // `A.prepare` completes the raw view in place.
        let table = message_table(&self.lua, msg)?;
        // SAFETY: the call leaves nothing (the view is completed in place) and owns
        // nothing.
        unsafe {
            self.call_raw(
                &self.api.prepare,
                Value::Table(table.clone()),
                &mut |state| ffi::lua_call(state, 1, 0),
            )?;
        }
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
        let mut decided = 0;
        let called = self.message(msg).and_then(|m| {
            // SAFETY: the stack becomes [traceback, A.match, name, view]; the protected
            // call leaves its answer, read as an integer and popped, or the error with its
            // traceback, raised again (past nothing owned) for `exec_raw` to report.
            unsafe {
                self.call_raw(&self.api.matcher, Value::Table(m), &mut |state| {
                    ffi::lua_pushcfunction(state, traceback);
                    ffi::lua_rotate(state, 1, 1);
                    push_text(state, name);
                    ffi::lua_rotate(state, 3, 1);
                    if ffi::lua_pcall(state, 2, 1, 1) != ffi::LUA_OK {
                        ffi::lua_error(state);
                    }
                    decided = ffi::lua_tointegerx(state, -1, std::ptr::null_mut());
                    ffi::lua_settop(state, 0);
                })
            }
        });
        match called {
            Ok(()) if decided == -1 => Match::Break,
            Ok(()) if decided == 1 => Match::Continue,
            Ok(()) => Match::Skip,
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

    /// `f(name, arg)` for `A.run` and `A.eval`, which answer ok, error text, traceback
    /// (the texts read lossily: mlua's conversion of a Lua string to a `String` fails on
    /// invalid UTF-8).
    pub(super) fn outcome(
        &self,
        f: &Function,
        name: &str,
        arg: Value,
    ) -> mlua::Result<(bool, Option<String>, Option<String>)> {
        let mut answer = (false, None, None);
        // SAFETY: the stack becomes [f, name, arg]; the call (`A.run` and `A.eval` catch
        // what the code raises: a Lua error here is memory) leaves three answers, read
        // (nothing raises after the call) into the caller's `answer` and popped.
        unsafe {
            self.call_raw(f, arg, &mut |state| {
                push_text(state, name);
                ffi::lua_rotate(state, 2, 1);
                ffi::lua_call(state, 2, 3);
                answer = (
                    ffi::lua_toboolean(state, 1) != 0,
                    text_at(state, 2),
                    text_at(state, 3),
                );
                ffi::lua_settop(state, 0);
            })?;
        }
        Ok(answer)
    }

    /// Keeps `msg` in the Lua `Inbox` (inside `hosted`).
    pub(crate) fn keep_in_inbox(&self, msg: &Message) -> Result<(), LuaError> {
        let m = self.message(msg).map_err(|e| self.error(e))?;
        // SAFETY: the call leaves nothing and owns nothing.
        unsafe {
            self.call_raw(&self.api.inbox, Value::Table(m), &mut |state| {
                ffi::lua_call(state, 1, 0)
            })
        }
        .map_err(|e| self.error(e))
    }

    /// Calls `A.commit` or `A.rollback` (which take nothing).
    pub(super) fn call_end(&self, f: &Function) -> mlua::Result<()> {
        // SAFETY: the call leaves nothing and owns nothing.
        unsafe { self.call_raw(f, Value::Nil, &mut |state| ffi::lua_call(state, 1, 0)) }
    }
}

/// A pattern's error handler: a text error gets the Lua traceback (as mlua's calls
/// add it); any other error value (a table, a Rust function's failure) stays as it is, as
/// `debug.traceback` leaves it.
unsafe extern "C-unwind" fn traceback(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: Lua calls a message handler with the error at 1 and LUA_MINSTACK free
    // slots; `luaL_traceback` pushes the text above it.
    unsafe {
        if ffi::lua_type(state, 1) == ffi::LUA_TSTRING {
            let text = ffi::lua_tolstring(state, 1, std::ptr::null_mut());
            ffi::luaL_traceback(state, state, text, 1);
        }
    }
    1
}

/// The string at `index` as text (invalid UTF-8 replaced); `None` for anything else.
///
/// # Safety
/// A Lua C function's context, with a value at `index`; nothing is converted in place.
unsafe fn text_at(state: *mut ffi::lua_State, index: c_int) -> Option<String> {
    // SAFETY: the caller's context; the bytes are copied while the string is on the stack.
    unsafe {
        (ffi::lua_type(state, index) == ffi::LUA_TSTRING)
            .then(|| lossy_text(LuaBytes::at(state, index).bytes()))
    }
}
