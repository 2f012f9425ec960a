//! The Eval path: chunks run in the globals, embedded sources (text or precompiled) and
//! owner `Eval` code alike.

use std::borrow::Cow;

use mlua::chunk::{AsChunk, ChunkMode};
use mlua::Value;

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
            .lua
            .load(Named::new(source.name, chunk, ChunkMode::Binary))
            .into_function()
            .map_err(|e| self.error(e))?;
        self.run_eval(Value::Function(function), source.name)
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

/// A chunk that carries its name and mode. `Lua::load` of bare bytes first names the chunk
/// after the Rust caller's file and line with `format!` (and `set_name` then replaces it),
/// which put `core::fmt` on the path of every spawn that runs a precompiled file.
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
