//! How the network runs a process: the [`Backend`] trait and the native backend.
//!
//! The network never calls handlers itself. It hands each message to a backend, which for
//! native Rust processes is [`Native`], a thin wrapper over [`aoxide::Runtime::handle`]: the
//! very dispatcher the wasm `handle` export calls, with the same trust checks and the same
//! rollback. A backend that runs a built `.wasm` module implements the same trait.

use std::any::Any;
use std::collections::VecDeque;

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

    /// The largest message, in bytes of JSON-1, the process accepts. Larger messages get the
    /// error outcome the runtime gives for oversized input.
    fn max_message_bytes(&self) -> usize {
        Config::default().max_message_bytes
    }

    /// The messages no handler took, oldest first (empty when the backend cannot tell).
    fn inbox(&self) -> Vec<Message> {
        Vec::new()
    }

    /// The backend as [`Any`], so the network can reach a native process' typed state.
    fn as_any(&self) -> &dyn Any;

    /// The backend as mutable [`Any`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// The native backend: a Rust [`Process`] run by the aoxide [`Runtime`].
pub struct Native<P: Process> {
    runtime: Runtime<P>,
}

impl<P: Process> Native<P> {
    /// A fresh runtime for `P`, with its handlers registered and no state yet.
    pub fn new() -> Self {
        Native {
            runtime: Runtime::new(),
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
        self.runtime.handle(msg, Some(env))
    }

    fn max_message_bytes(&self) -> usize {
        P::config().max_message_bytes
    }

    fn inbox(&self) -> Vec<Message> {
        let inbox: &VecDeque<Message> = self.runtime.inbox();
        inbox.iter().cloned().collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
