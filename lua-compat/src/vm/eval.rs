//! The Eval path: chunks run in the globals, embedded sources (text or precompiled) and
//! owner `Eval` code alike.

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
            .load(chunk)
            .set_name(source.name)
            .set_mode(mlua::chunk::ChunkMode::Binary)
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
        let (ok, text, traceback): (bool, Option<String>, Option<String>) = self
            .api
            .eval
            .call((code, name))
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
