//! Errors of the Lua layer: typed, carrying the Lua message and traceback.

/// What went wrong running Lua.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LuaError {
    /// A Lua error raised while running a handler, an `Eval`, or a boot file.
    #[error("{message}")]
    Runtime {
        /// The error value as text (a table error object is JSON-encoded).
        message: String,
        /// The Lua traceback where it was raised.
        traceback: String,
    },
    /// The source did not compile.
    #[error("syntax error: {message}")]
    Syntax {
        /// Lua's message, with the chunk name and line.
        message: String,
    },
    /// The message ran more Lua instructions than its budget.
    #[error("instruction budget of {limit} exceeded")]
    Budget {
        /// The per-message budget.
        limit: u64,
    },
    /// The VM would have grown past its memory limit.
    #[error("memory limit of {limit} bytes exceeded")]
    Memory {
        /// The limit.
        limit: usize,
    },
    /// The Lua environment itself could not be set up (a bug, not user input).
    #[error("the Lua environment failed: {0}")]
    Setup(String),
}

impl LuaError {
    /// The traceback, when the error came from running Lua code.
    pub fn traceback(&self) -> Option<&str> {
        match self {
            LuaError::Runtime { traceback, .. } => Some(traceback),
            _ => None,
        }
    }
}

/// Marks the instruction-budget error inside mlua so it can be told apart from others.
pub(crate) const BUDGET_MARK: &str = "aoxide: instruction budget exceeded";
