//! The bounds on a message ([`Limits`]) and how an mlua error becomes a [`LuaError`].

use crate::error::{LuaError, BUDGET_MARK};

/// Bounds on what one message may make the VM do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Lua VM instructions one message may run (all its handlers together).
    pub instructions: u64,
    /// Bytes the Lua heap may hold.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            instructions: 200_000_000,
            memory: 256 * 1024 * 1024,
        }
    }
}

/// Pays `cost` instructions from the message's budget: `false`, with the budget emptied,
/// when it holds fewer. The one rule for the hook's steps and the C library's charges
/// (`bounded.rs`, `pattern/`); the caller raises the budget's error.
pub(super) fn spend(budget: &std::cell::Cell<u64>, cost: u64) -> bool {
    match budget.get().checked_sub(cost) {
        Some(left) => {
            budget.set(left);
            true
        }
        None => {
            budget.set(0);
            false
        }
    }
}

/// Turns an mlua error into the layer's typed error.
pub(crate) fn lua_error(e: mlua::Error, limits: &Limits) -> LuaError {
    match e {
        mlua::Error::MemoryError(_) => LuaError::Memory {
            limit: limits.memory,
        },
        mlua::Error::SyntaxError { message, .. } => LuaError::Syntax { message },
        mlua::Error::CallbackError { traceback, cause } => {
            match lua_error((*cause).clone(), limits) {
                LuaError::Runtime { message, .. } => LuaError::Runtime { message, traceback },
                other => other,
            }
        }
        mlua::Error::RuntimeError(message) => classify(message, String::new(), limits),
        other => classify(other.to_string(), String::new(), limits),
    }
}

/// The text Lua code catches (with `pcall`, `xpcall` or `coroutine.resume`) for an error a
/// Rust function raised: its message, as a C function's error reads, where mlua hands Lua
/// a userdata whose text carries `runtime error: ` and a traceback, and which `..` refuses.
pub(super) fn caught_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => caught_text(cause),
        mlua::Error::RuntimeError(message) => message.clone(),
        other => other.to_string(),
    }
}

/// The typed error for a Lua error text: the budget, memory, or a runtime error.
pub(super) fn classify(message: String, traceback: String, limits: &Limits) -> LuaError {
    if message.contains(BUDGET_MARK) {
        LuaError::Budget {
            limit: limits.instructions,
        }
    } else if message.contains("not enough memory") {
        LuaError::Memory {
            limit: limits.memory,
        }
    } else {
        LuaError::Runtime { message, traceback }
    }
}
