//! The message path: a message's AOS view, pattern decisions and runs of Lua handlers.

use std::ffi::{c_char, c_int, CStr};

use aoxide::{Match, Message};
use mlua::{ffi, Function, Table};

use super::limits::classify;
use super::{Current, Vm};
use crate::error::LuaError;
use crate::value::{has_json_tags, push_raw_view, push_text, set_json_tags, LuaBytes};

/// The registry field that holds the current message's view while a message is handled:
/// the calls of the message path push it from there, so no mlua handle to it is made.
const VIEW: &CStr = c"aoxide.view";

/// [`VIEW`] as text, for mlua's `named_registry_value`.
const VIEW_NAME: &str = match VIEW.to_str() {
    Ok(name) => name,
    Err(_) => panic!("the view's registry name is ASCII"),
};

/// Pushes the current message's view (nil outside a message).
///
/// # Safety
/// A Lua C function's context with a free slot; nothing is allocated, nothing raises (the
/// registry is a plain table).
unsafe fn push_view(state: *mut ffi::lua_State) {
    // SAFETY: the caller's context.
    unsafe { ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, VIEW.as_ptr()) };
}

/// What `A.run` or `A.eval` gets after the name.
pub(super) enum Arg<'a> {
    /// The current message's view.
    View,
    /// A text (the code of an `Eval`).
    Text(&'a str),
    /// A precompiled chunk, loaded in the call under the name (as a C string).
    Chunk(&'a CStr, &'a [u8]),
}

impl Vm {
    /// Calls Lua through its C API in one protected call: `body` runs with `f` at 1 (and
    /// LUA_MINSTACK, 20, free slots), pushes what `f` takes, calls it and reads what it
    /// answers. Every call of the message path goes through here, one instantiation of
    /// mlua's `exec_raw`: mlua's `Function::call` made one instantiation of its machinery
    /// and conversions per signature, 3 KB of code V8 compiles for a process' first message.
    ///
    /// # Safety
    /// `body` must leave the stack empty, and must own nothing when it calls Lua: a Lua
    /// error (memory, the instruction budget, what the function raises) returns to
    /// `exec_raw` past it. It may write what it reads into its captures (the caller's).
    pub(super) unsafe fn call_raw(
        &self,
        f: &Function,
        body: &mut dyn FnMut(*mut ffi::lua_State),
    ) -> mlua::Result<()> {
        // SAFETY: the caller's contract; `exec_raw` pushes `f` and runs `body` as a
        // protected C function.
        unsafe { self.lua.exec_raw::<()>(f, body) }
    }

    /// Makes the AOS view of `msg` the current one (built once per message).
    pub(crate) fn message(&self, msg: &Message) -> mlua::Result<()> {
        let ptr = msg as *const Message as usize;
        if let Some(c) = &*self.current.borrow() {
            if c.ptr == ptr && c.id == msg.id {
                return Ok(());
            }
        }
        if let Some(ts) = msg.timestamp {
            self.now.set(ts as i64);
        }
        // `A.prepare` completes the raw view in place; a JSON-valued tag's value (rare)
        // is set through mlua in between.
        let json = has_json_tags(msg);
        // SAFETY: the view is built (a memory error unwinds past nothing owned: `msg` is
        // borrowed), kept in the registry and, unless a JSON-valued tag waits, given to
        // `A.prepare`, which leaves nothing.
        unsafe {
            self.call_raw(&self.api.prepare, &mut |state| {
                push_raw_view(state, msg);
                ffi::lua_pushvalue(state, -1);
                ffi::lua_setfield(state, ffi::LUA_REGISTRYINDEX, VIEW.as_ptr());
                if json {
                    ffi::lua_settop(state, 0);
                } else {
                    ffi::lua_call(state, 1, 0);
                }
            })?;
        }
        if json {
            self.prepare_with_json_tags(msg)?;
        }
        self.current.replace(Some(Current {
            ptr,
            id: msg.id.clone(),
        }));
        Ok(())
    }

    /// [`Vm::message`]'s rare path: the JSON-valued tags' values set in the view in the
    /// registry through mlua, then `A.prepare`. Out of line, so a first message without
    /// such a tag does not compile it.
    #[cold]
    #[inline(never)]
    fn prepare_with_json_tags(&self, msg: &Message) -> mlua::Result<()> {
        let view: Table = self.lua.named_registry_value(VIEW_NAME)?;
        set_json_tags(&self.lua, &view, msg)?;
        // SAFETY: as in `message`: the view from the registry to `A.prepare`.
        unsafe {
            self.call_raw(&self.api.prepare, &mut |state| {
                push_view(state);
                ffi::lua_call(state, 1, 0);
            })
        }
    }

    /// Decides whether the Lua handler `name` takes `msg`. A Lua error in the pattern is
    /// kept and reported by the handler's run (so the message fails with it).
    pub(crate) fn decide(&self, name: &str, msg: &Message) -> Match {
        let mut decided = 0;
        let called = self.message(msg).and_then(|()| {
            // SAFETY: the stack becomes [traceback, A.match, name, view]; the protected
            // call leaves its answer, read as an integer and popped, or the error with its
            // traceback, raised again (past nothing owned) for `exec_raw` to report.
            unsafe {
                self.call_raw(&self.api.matcher, &mut |state| {
                    ffi::lua_pushcfunction(state, traceback);
                    ffi::lua_rotate(state, 1, 1);
                    push_text(state, name);
                    push_view(state);
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

    /// Whether one of `ao.assignables` matches `msg` (asked through `A.match` under the
    /// name the environment keeps for it). A failing pattern takes nothing, and its error
    /// is not left for a handler's run.
    pub(crate) fn assignable(&self, msg: &Message) -> bool {
        let taken = self.decide("\0assignable", msg) == Match::Break;
        self.pattern_error.take().is_none() && taken
    }

    /// Runs the Lua handler `name` on `msg` (inside `hosted`).
    pub(crate) fn run_handler(&self, name: &str, msg: &Message) -> Result<(), LuaError> {
        if let Some(e) = self.pattern_error.take() {
            return Err(e);
        }
        self.message(msg).map_err(|e| self.error(e))?;
        let (ok, text, traceback) = self
            .outcome(&self.api.run, name, Arg::View)
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
    /// invalid UTF-8). A chunk that does not load is its load error, as mlua's `load`
    /// reports it.
    pub(super) fn outcome(
        &self,
        f: &Function,
        name: &str,
        arg: Arg<'_>,
    ) -> mlua::Result<(bool, Option<String>, Option<String>)> {
        let mut answer = (false, None, None);
        let mut not_loaded = None;
        // SAFETY: the stack becomes [f, name, arg]; the call (`A.run` and `A.eval` catch
        // what the code raises: a Lua error here is memory) leaves three answers, read
        // (nothing raises after the call) into the caller's `answer` and popped. A chunk
        // that does not load leaves its message, read into `not_loaded`, and no call.
        unsafe {
            self.call_raw(f, &mut |state| {
                push_text(state, name);
                match arg {
                    Arg::View => push_view(state),
                    Arg::Text(text) => push_text(state, text),
                    Arg::Chunk(chunk_name, chunk) => {
                        let status = ffi::luaL_loadbufferx(
                            state,
                            chunk.as_ptr().cast::<c_char>(),
                            chunk.len(),
                            chunk_name.as_ptr(),
                            c"b".as_ptr(),
                        );
                        if status != ffi::LUA_OK {
                            not_loaded = Some((status, text_at(state, -1).unwrap_or_default()));
                            ffi::lua_settop(state, 0);
                            return;
                        }
                    }
                }
                ffi::lua_call(state, 2, 3);
                answer = (
                    ffi::lua_toboolean(state, 1) != 0,
                    text_at(state, 2),
                    text_at(state, 3),
                );
                ffi::lua_settop(state, 0);
            })?;
        }
        match not_loaded {
            Some((status, message)) => Err(load_error(status, message)),
            None => Ok(answer),
        }
    }

    /// Keeps `msg` in the Lua `Inbox` (inside `hosted`).
    pub(crate) fn keep_in_inbox(&self, msg: &Message) -> Result<(), LuaError> {
        self.message(msg).map_err(|e| self.error(e))?;
        // SAFETY: the view to `A.inbox`; the call leaves nothing and owns nothing.
        unsafe {
            self.call_raw(&self.api.inbox, &mut |state| {
                push_view(state);
                ffi::lua_call(state, 1, 0)
            })
        }
        .map_err(|e| self.error(e))
    }

    /// Drops the message's view and calls `A.commit` or `A.rollback` (which take
    /// nothing).
    pub(super) fn call_end(&self, f: &Function) -> mlua::Result<()> {
        // SAFETY: the registry's field set to nil (no allocation: it exists or nil is not
        // stored), then the call, which leaves nothing and owns nothing.
        unsafe {
            self.call_raw(f, &mut |state| {
                ffi::lua_pushnil(state);
                ffi::lua_setfield(state, ffi::LUA_REGISTRYINDEX, VIEW.as_ptr());
                ffi::lua_call(state, 0, 0)
            })
        }
    }
}

/// The error of a chunk that did not load (`status` from `luaL_loadbufferx`), as mlua's
/// `pop_error` makes it for a load.
fn load_error(status: c_int, message: String) -> mlua::Error {
    match status {
        ffi::LUA_ERRSYNTAX => mlua::Error::SyntaxError {
            incomplete_input: message.ends_with("<eof>") || message.ends_with("'<eof>'"),
            message,
        },
        ffi::LUA_ERRMEM => mlua::Error::MemoryError(message),
        ffi::LUA_ERRGCMM => mlua::Error::GarbageCollectorError(message),
        _ => mlua::Error::RuntimeError(message),
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
        (ffi::lua_type(state, index) == ffi::LUA_TSTRING).then(|| LuaBytes::at(state, index).text())
    }
}
