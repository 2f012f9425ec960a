//! Looking into processes: their state, inbox and pending waits, on either backend.
//!
//! A native process is read directly. A wasm process keeps everything in its linear
//! memory, so the network asks the module's view (`aoxide_view`, see [`aoxide::view`]) on
//! a copy of its memory: looking never changes the process. The state of a wasm process
//! is read back from its snapshot JSON view, so it needs serde's `Serialize` and
//! `Deserialize` on the state type (the token, chat and game blueprints derive them); then
//! one scenario runs unchanged on both backends. Without them a wasm process's state cannot
//! be read ([`ViewError::NoStateView`]), while a native one still is.

use std::any::type_name;
use std::fmt;
use std::ops::Deref;

use aoxide::view::{self, ViewPart};
use aoxide::{Message, Process, SnapshotError, WaitInfo};

use crate::backend::{BackendViewError, Native};
use crate::ids::ProcessId;
use crate::net::Net;

/// The state of a process as [`Net::state`] gives it: borrowed from a native process, or
/// read back from a wasm process's view. Dereferences to the state.
pub enum StateRef<'a, P> {
    /// The state of a native process, in place.
    Borrowed(&'a P),
    /// A copy read back from the module's state view.
    Owned(P),
}

impl<P> Deref for StateRef<'_, P> {
    type Target = P;

    fn deref(&self) -> &P {
        match self {
            StateRef::Borrowed(p) => p,
            StateRef::Owned(p) => p,
        }
    }
}

impl<P: fmt::Debug> fmt::Debug for StateRef<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<P: PartialEq> PartialEq<P> for StateRef<'_, P> {
    fn eq(&self, other: &P) -> bool {
        **self == *other
    }
}

impl<P: PartialEq> PartialEq<&P> for StateRef<'_, P> {
    fn eq(&self, other: &&P) -> bool {
        **self == **other
    }
}

/// Why a process could not be looked into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// No process with this id.
    #[error("no process {0} on this network")]
    NoProcess(ProcessId),
    /// The backend has no view, or its module could not answer.
    #[error("process {process}: {reason}")]
    Backend {
        /// The process.
        process: ProcessId,
        /// Why.
        reason: BackendViewError,
    },
    /// The view is not what the module should write.
    #[error("process {process}: {reason}")]
    Decode {
        /// The process.
        process: ProcessId,
        /// What is wrong with the view.
        reason: view::ViewError,
    },
    /// A native process of another state type.
    #[error("process {process} is a native `{found}`, not a `{wanted}`")]
    OtherType {
        /// The process.
        process: ProcessId,
        /// Its state type.
        found: &'static str,
        /// The type asked for.
        wanted: &'static str,
    },
    /// The process has no state: its spawn message failed.
    #[error("process {0} has no state: its spawn message failed")]
    NoState(ProcessId),
    /// The module shows no state: its state type is not `Serialize` (or it has no state).
    #[error(
        "process {process} runs module {module:?}, whose state has no JSON view: derive \
         serde's Serialize (and Deserialize, to read it back) on the state type, or its \
         spawn message failed"
    )]
    NoStateView {
        /// The process.
        process: ProcessId,
        /// Its module.
        module: String,
    },
    /// The state type cannot be read back from JSON.
    #[error("`{wanted}` cannot be read back from a state view: derive serde's Deserialize on it")]
    NotReadable {
        /// The type asked for.
        wanted: &'static str,
    },
    /// The view does not decode as the type asked for.
    #[error("the state view of process {process} does not decode as `{wanted}`: {reason}")]
    Snapshot {
        /// The process.
        process: ProcessId,
        /// The type asked for.
        wanted: &'static str,
        /// The decoder's reason.
        reason: SnapshotError,
    },
}

impl Net {
    /// The JSON of one part of `process`, from its backend's view.
    fn view(&self, process: &ProcessId, part: ViewPart) -> Result<Vec<u8>, ViewError> {
        let p = self
            .procs
            .by_id(process)
            .ok_or_else(|| ViewError::NoProcess(process.clone()))?;
        p.backend.view(part).map_err(|reason| ViewError::Backend {
            process: process.clone(),
            reason,
        })
    }

    /// The state of `process` as a `P`: a native `P` in place, or a wasm process's state
    /// read back from its view (its state type needs serde's `Serialize` and
    /// `Deserialize`).
    pub fn try_state<P: Process>(&self, process: &ProcessId) -> Result<StateRef<'_, P>, ViewError> {
        let p = self
            .procs
            .by_id(process)
            .ok_or_else(|| ViewError::NoProcess(process.clone()))?;
        if let Some(native) = p.backend.as_any().downcast_ref::<Native<P>>() {
            return native
                .runtime()
                .state()
                .map(StateRef::Borrowed)
                .ok_or_else(|| ViewError::NoState(process.clone()));
        }
        if let Some(found) = p.backend.state_type() {
            return Err(ViewError::OtherType {
                process: process.clone(),
                found,
                wanted: type_name::<P>(),
            });
        }
        let json = self.view(process, ViewPart::State)?;
        let decode = |reason| ViewError::Decode {
            process: process.clone(),
            reason,
        };
        let Some(value) = view::read_state(&json).map_err(decode)? else {
            return Err(ViewError::NoStateView {
                process: process.clone(),
                module: self.modules.get(p.module).name.clone(),
            });
        };
        match P::from_view(&value) {
            None => Err(ViewError::NotReadable {
                wanted: type_name::<P>(),
            }),
            Some(Err(reason)) => Err(ViewError::Snapshot {
                process: process.clone(),
                wanted: type_name::<P>(),
                reason,
            }),
            Some(Ok(state)) => Ok(StateRef::Owned(state)),
        }
    }

    /// The state of `process` as a `P`, on either backend (see [`Net::try_state`]).
    ///
    /// # Panics
    /// When there is no such process, it is a native process of another type, its state
    /// was never made, or (wasm) its state cannot be read back from the module's view.
    #[track_caller]
    pub fn state<P: Process>(&self, process: &ProcessId) -> StateRef<'_, P> {
        match self.try_state(process) {
            Ok(state) => state,
            Err(e) => panic!("{e}"),
        }
    }

    /// The state of `process` as its snapshot JSON view (`{"aoxide-snapshot": version,
    /// "state": ...}`), on either backend; `None` when its state type has no view (it is
    /// not `Serialize`) or the state was never made.
    pub fn state_json(&self, process: &ProcessId) -> Result<Option<serde_json::Value>, ViewError> {
        let json = self.view(process, ViewPart::State)?;
        view::read_state(&json).map_err(|reason| ViewError::Decode {
            process: process.clone(),
            reason,
        })
    }

    /// The messages no handler of `process` took, oldest first, on either backend.
    pub fn try_inbox(&self, process: &ProcessId) -> Result<Vec<Message>, ViewError> {
        let json = self.view(process, ViewPart::Inbox)?;
        view::read_inbox(&json).map_err(|reason| ViewError::Decode {
            process: process.clone(),
            reason,
        })
    }

    /// The messages no handler of `process` took, oldest first (empty when there is no
    /// such process or it cannot be looked into; see [`Net::try_inbox`]).
    pub fn inbox(&self, process: &ProcessId) -> Vec<Message> {
        self.try_inbox(process).unwrap_or_default()
    }

    /// What `process` is waiting for, oldest first: which reference, from whom, until
    /// when, and the continuation's name (see [`aoxide::pending`]), on either backend.
    pub fn try_pending_waits(&self, process: &ProcessId) -> Result<Vec<WaitInfo>, ViewError> {
        let json = self.view(process, ViewPart::Pending)?;
        view::read_pending(&json).map_err(|reason| ViewError::Decode {
            process: process.clone(),
            reason,
        })
    }

    /// What `process` is waiting for (empty when there is no such process or it cannot be
    /// looked into; see [`Net::try_pending_waits`]).
    pub fn pending_waits(&self, process: &ProcessId) -> Vec<WaitInfo> {
        self.try_pending_waits(process).unwrap_or_default()
    }
}
