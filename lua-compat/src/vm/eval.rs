//! The Eval path: chunks run in the globals, embedded sources (text or precompiled) and
//! owner `Eval` code alike.

use std::borrow::Cow;
use std::ffi::{CStr, CString};

use mlua::chunk::{AsChunk, ChunkMode};

use super::limits::classify;
use super::message::Arg;
use super::Vm;
use crate::error::LuaError;

impl Vm {
    /// Runs an embedded source (inside `hosted`): its text as [`Vm::eval`] does, or its
    /// precompiled chunk the same way without parsing, loaded in the same call with
    /// Lua's C API (the name, mode and errors of mlua's `Lua::load(..).into_function()`
    /// for a binary chunk, without its generic chunk code on a spawn's path).
    pub(crate) fn run_source(&self, source: &crate::LuaSource) -> Result<(), LuaError> {
        let Some(chunk) = source.chunk else {
            return self.eval(source.code, source.name);
        };
        let mut buf = [0u8; NAME_ROOM];
        let name = c_name(source.name, &mut buf).map_err(|e| self.error(e))?;
        self.run_eval(source.name, Arg::Chunk(&name, chunk))
    }

    /// Runs `code` as a chunk named `name` in the globals (inside `hosted`).
    pub(crate) fn eval(&self, code: &str, name: &str) -> Result<(), LuaError> {
        self.run_eval(name, Arg::Text(code))
    }

    /// `A.eval` on a text or a precompiled chunk.
    fn run_eval(&self, name: &str, code: Arg<'_>) -> Result<(), LuaError> {
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

/// Bytes of [`c_name`]'s buffer: names up to one less are made C strings there.
const NAME_ROOM: usize = 128;

/// `name` as a C string: in `buf` when it fits (`CString::new`'s code would be on every
/// spawn's path for this one name), else allocated; an interior NUL is mlua's error.
fn c_name<'b>(name: &str, buf: &'b mut [u8; NAME_ROOM]) -> mlua::Result<Cow<'b, CStr>> {
    if name.len() < NAME_ROOM && !name.bytes().any(|b| b == 0) {
        buf[..name.len()].copy_from_slice(name.as_bytes());
        buf[name.len()] = 0;
        // SAFETY: the name's bytes, none of them NUL, and the NUL after them.
        return Ok(Cow::Borrowed(unsafe {
            CStr::from_bytes_with_nul_unchecked(&buf[..=name.len()])
        }));
    }
    CString::new(name)
        .map(Cow::Owned)
        .map_err(|err| mlua::Error::runtime(format!("invalid name: {err}")))
}

/// A chunk that carries its name and mode, for mlua's `Lua::load` (the environment, the
/// bints' factory; a spawn's precompiled source goes through [`Vm::run_source`]). Bare
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

    /// A binary chunk loads as through mlua's `Lua::load` (the same name inside), and
    /// fails with its errors, on the path a spawn takes.
    #[test]
    fn a_binary_chunk_loads_and_fails_as_through_mlua() {
        let vm = Vm::new(Limits::default()).unwrap();
        let chunk = vm
            .lua
            .load("Loaded = 41 + 1 Source = debug.getinfo(1, 'S').source")
            .into_function()
            .unwrap()
            .dump(false);
        let ours = |name: &str, bytes: &[u8]| {
            let mut buf = [0u8; NAME_ROOM];
            let c = c_name(name, &mut buf)?;
            vm.outcome(&vm.api.eval, name, Arg::Chunk(&c, bytes))
        };
        let theirs = |name: &str, bytes: &[u8]| {
            vm.lua
                .load(Named::new(name, bytes, ChunkMode::Binary))
                .into_function()
        };
        let globals = vm.lua.globals();
        let (ok, text, _) = ours("named", &chunk).unwrap();
        assert!(ok, "{text:?}");
        assert_eq!(globals.get::<i64>("Loaded").unwrap(), 42);
        let source: String = globals.get("Source").unwrap();
        theirs("named", &chunk).unwrap().call::<()>(()).unwrap();
        assert_eq!(source, globals.get::<String>("Source").unwrap());
        let fails_alike = |name: &str, bad: &[u8]| {
            let (Err(a), Err(b)) = (ours(name, bad).map(|_| ()), theirs(name, bad).map(|_| ()))
            else {
                panic!("both fail: {name:?}");
            };
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name:?}");
        };
        for bad in [&chunk[..chunk.len() / 2], b"return 1", b"\x1bLua\x52"] {
            fails_alike("named", bad);
        }
        fails_alike("na\0me", &chunk);
        // Names past the stack buffer's 127 bytes load and fail alike too.
        for len in [126, 127, 128, 300] {
            let name = "n".repeat(len);
            assert!(ours(&name, &chunk).unwrap().0, "{len}");
            fails_alike(&name, b"\x1bLua\x53");
        }
    }
}
