//! How the network runs a process: the [`Backend`] trait and the native backend.
//!
//! The network never calls handlers itself. It hands each message to a backend, which for
//! native Rust processes is [`Native`]: it takes the same bytes path as the module, so every
//! native test exercises the codec. The message and the env are written as JSON-1,
//! [`aoxide::Runtime::handle_json`] (the very function the wasm `handle` export calls, with
//! the same parsing, limits, trust checks and rollback) answers with the JSON-1 result, and
//! [`aoxide::Outcome::from_json`] reads it back, as a host reads the module's. A backend
//! that runs a built `.wasm` module implements the same trait.

use std::any::Any;

use aoxide::view::ViewPart;
use aoxide::{Config, Env, Message, Outcome, Process, Runtime};

/// Something that can run one AO process: it takes a message and the env, and returns what
/// the message produced.
///
/// Implementations must be deterministic: the same messages in the same order give the
/// same outcomes.
pub trait Backend: 'static {
    /// Handles one message. `env` describes the process and its module; it is passed with
    /// every message.
    fn handle(&mut self, msg: Message, env: &Env) -> Outcome;

    /// The largest message, in bytes of JSON-1, the process accepts (informational: the
    /// runtime behind the backend refuses larger ones itself).
    fn max_message_bytes(&self) -> usize {
        Config::default().max_message_bytes
    }

    /// One part of the process as JSON, as the module's `aoxide_view` export writes it
    /// ([`aoxide::view`]): the state's snapshot view, the inbox or the pending waits. Never
    /// changes the process. The default has none.
    fn view(&self, part: ViewPart) -> Result<Vec<u8>, BackendViewError> {
        let _ = part;
        Err(BackendViewError::Unsupported)
    }

    /// The state type, when the backend runs a native process (its `type_name`).
    fn state_type(&self) -> Option<&'static str> {
        None
    }

    /// The backend as [`Any`], so the network can reach a native process' typed state.
    fn as_any(&self) -> &dyn Any;

    /// The backend as mutable [`Any`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// The native backend: a Rust [`Process`] run by the aoxide [`Runtime`], through JSON-1
/// bytes both ways.
pub struct Native<P: Process> {
    runtime: Runtime<P>,
    /// The last env and its JSON-1 (the network passes the same env with every message).
    env: Option<(Env, Vec<u8>)>,
}

impl<P: Process> Native<P> {
    /// A fresh runtime for `P`, with its handlers registered and no state yet.
    pub fn new() -> Self {
        Native {
            runtime: Runtime::new(),
            env: None,
        }
    }

    /// The runtime (state, registry, inbox, counters).
    pub fn runtime(&self) -> &Runtime<P> {
        &self.runtime
    }

    /// The runtime, mutably (to edit state or handlers outside any message).
    pub fn runtime_mut(&mut self) -> &mut Runtime<P> {
        &mut self.runtime
    }
}

impl<P: Process> Default for Native<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Process> Backend for Native<P> {
    fn handle(&mut self, msg: Message, env: &Env) -> Outcome {
        let env_json = match &self.env {
            Some((cached, json)) if cached == env => json,
            _ => &self.env.insert((env.clone(), env.to_json_bytes())).1,
        };
        let result = self.runtime.handle_json(&msg.to_json_bytes(), env_json);
        Outcome::from_json(&result).unwrap_or_else(|e| Outcome::failed(e.to_string()))
    }

    fn max_message_bytes(&self) -> usize {
        P::config().max_message_bytes
    }

    fn view(&self, part: ViewPart) -> Result<Vec<u8>, BackendViewError> {
        Ok(self.runtime.view_json(part))
    }

    fn state_type(&self) -> Option<&'static str> {
        Some(std::any::type_name::<P>())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Why a backend gave no view.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendViewError {
    /// The backend has no view of its process.
    #[error("this backend shows nothing of its process")]
    Unsupported,
    /// The module was asked and could not answer (no `aoxide_view` export, a trap).
    #[error("the module's view failed: {0}")]
    Module(String),
}
