//! The Eval path: chunks run in the globals, embedded sources (text or precompiled) and
//! owner `Eval` code alike.

use std::borrow::Cow;
use std::ffi::{c_char, CStr, CString};

use mlua::chunk::{AsChunk, ChunkMode};
use mlua::{ffi, Value};

use super::limits::classify;
use super::Vm;
use crate::error::LuaError;

impl Vm {
    /// Runs an embedded source (inside `hosted`): its text as [`Vm::eval`] does, or its
    /// precompiled chunk the same way without parsing.
    pub(crate) fn run_source(&self, source: &crate::LuaSource) -> Result<(), LuaError> {
        let Some(chunk) = source.chunk else {
            return self.eval(source.code, source.name);
        };
        let function = self
            .load_binary(source.name, chunk)
            .map_err(|e| self.error(e))?;
        self.run_eval(function, source.name)
    }

    /// A precompiled chunk loaded as a function named `name`, with Lua's C API: what
    /// mlua's `Lua::load(..).into_function()` does for a binary chunk (the same name, mode
    /// and errors), without its generic chunk code on a spawn's path.
    fn load_binary(&self, name: &str, chunk: &[u8]) -> mlua::Result<Value> {
        // A name of up to 127 bytes is made a C string on the stack: `CString::new`'s
        // code would be on every spawn's path for this one name.
        let mut buf = [0u8; 128];
        let name: Cow<'_, CStr> = match buf.get_mut(..name.len()) {
            Some(to) if !name.bytes().any(|b| b == 0) && name.len() < 128 => {
                to.copy_from_slice(name.as_bytes());
                // SAFETY: the name's bytes, none of them NUL, and the NUL after them.
                Cow::Borrowed(unsafe { CStr::from_bytes_with_nul_unchecked(&buf[..=name.len()]) })
            }
            _ => Cow::Owned(
                CString::new(name)
                    .map_err(|err| mlua::Error::runtime(format!("invalid name: {err}")))?,
            ),
        };
        let mut status = ffi::LUA_OK;
        // SAFETY: `exec_raw` runs the closure as a protected C function with LUA_MINSTACK
        // (20) free slots; `luaL_loadbufferx` catches its own errors and leaves one value,
        // the function or the error message, as the closure's one result. `chunk` and
        // `name` are read for the length of the call.
        let loaded: Value = unsafe {
            self.lua.exec_raw((), |state| {
                status = ffi::luaL_loadbufferx(
                    state,
                    chunk.as_ptr().cast::<c_char>(),
                    chunk.len(),
                    name.as_ptr(),
                    c"b".as_ptr(),
                );
            })?
        };
        if status == ffi::LUA_OK {
            return Ok(loaded);
        }
        // As mlua's `pop_error` for a load.
        let message = match &loaded {
            Value::String(s) => s.to_string_lossy(),
            _ => String::new(),
        };
        Err(match status {
            ffi::LUA_ERRSYNTAX => mlua::Error::SyntaxError {
                incomplete_input: message.ends_with("<eof>") || message.ends_with("'<eof>'"),
                message,
            },
            ffi::LUA_ERRMEM => mlua::Error::MemoryError(message),
            ffi::LUA_ERRGCMM => mlua::Error::GarbageCollectorError(message),
            _ => mlua::Error::RuntimeError(message),
        })
    }

    /// Runs `code` as a chunk named `name` in the globals (inside `hosted`).
    pub(crate) fn eval(&self, code: &str, name: &str) -> Result<(), LuaError> {
        let code = self.lua.create_string(code).map_err(|e| self.error(e))?;
        self.run_eval(Value::String(code), name)
    }

    /// `A.eval` on a text or a loaded function.
    fn run_eval(&self, code: Value, name: &str) -> Result<(), LuaError> {
        let (ok, text, traceback) = self
            .outcome(&self.api.eval, name, code)
            .map_err(|e| self.error(e))?;
        if ok {
            return Ok(());
        }
        let text = text.unwrap_or_default();
        if traceback.as_deref() == Some("") {
            return Err(LuaError::Syntax { message: text });
        }
        Err(classify(text, traceback.unwrap_or_default(), &self.limits))
    }
}

/// A chunk that carries its name and mode, for mlua's `Lua::load` (the environment, the
/// bints' factory; a spawn's precompiled source goes through [`Vm::load_binary`]). Bare
/// bytes would first be named after the Rust caller's file and line with `format!`, a name
/// `set_name` then replaces.
pub(crate) struct Named<'a> {
    name: &'a str,
    bytes: &'a [u8],
    mode: ChunkMode,
}

impl<'a> Named<'a> {
    /// `bytes` (text or a binary chunk, as `mode` says) named `name`.
    pub(crate) fn new(name: &'a str, bytes: &'a [u8], mode: ChunkMode) -> Self {
        Named { name, bytes, mode }
    }
}

impl AsChunk for Named<'_> {
    fn name(&self) -> Option<String> {
        Some(self.name.to_owned())
    }

    fn mode(&self) -> Option<ChunkMode> {
        Some(self.mode)
    }

    fn source<'b>(&self) -> std::io::Result<Cow<'b, [u8]>>
    where
        Self: 'b,
    {
        Ok(Cow::Borrowed(self.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::Limits;

    /// A binary chunk loads as through mlua's `Lua::load`, and fails with its errors.
    #[test]
    fn a_binary_chunk_loads_and_fails_as_through_mlua() {
        let vm = Vm::new(Limits::default()).unwrap();
        let chunk = vm
            .lua
            .load("local a = ... return a + 1, debug.getinfo(1, 'S').source")
            .into_function()
            .unwrap()
            .dump(false);
        let Value::Function(f) = vm.load_binary("named", &chunk).unwrap() else {
            panic!("a function");
        };
        let load = |bytes: &[u8]| {
            vm.lua
                .load(Named::new("named", bytes, ChunkMode::Binary))
                .into_function()
        };
        let g = load(&chunk).unwrap();
        let ran = f.call::<(i64, String)>(2).unwrap();
        assert_eq!(ran.0, 3);
        assert_eq!(ran, g.call::<(i64, String)>(2).unwrap());
        let through_mlua = |bytes: &[u8]| load(bytes).map(|_| ());
        for bad in [&chunk[..chunk.len() / 2], b"return 1", b"\x1bLua\x52"] {
            let ours = vm.load_binary("named", bad).map(|_| ());
            let theirs = through_mlua(bad);
            let (Err(ours), Err(theirs)) = (ours, theirs) else {
                panic!("both fail");
            };
            assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
        }
        let ours = vm.load_binary("na\0me", &chunk).map(|_| ()).unwrap_err();
        let theirs = vm
            .lua
            .load(Named::new("na\0me", &chunk, ChunkMode::Binary))
            .into_function()
            .map(|_| ())
            .unwrap_err();
        assert_eq!(ours.to_string(), theirs.to_string());
        // Names past the stack buffer's 127 bytes load and fail alike too.
        for len in [126, 127, 128, 300] {
            let name = "n".repeat(len);
            assert!(vm.load_binary(&name, &chunk).is_ok(), "{len}");
            let ours = vm.load_binary(&name, b"\x1bLua\x53").map(|_| ());
            let theirs = vm
                .lua
                .load(Named::new(&name, b"\x1bLua\x53", ChunkMode::Binary))
                .into_function()
                .map(|_| ());
            assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{len}");
        }
    }
}
