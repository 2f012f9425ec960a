//! Typed clients: `#[aoxide::handlers]` generates a `{Type}Client` (not on wasm32) from
//! the same description that builds the interface. Each handler keyed on an action becomes
//! a method taking the caller and the handler's tags as typed arguments, returning a
//! [`Reply`] or a [`CallError`] whose [`TypedFailure`] carries the [`Failure`] (handler,
//! action, code, message) and the handler's typed error value when the error has a stable
//! code.
//!
//! The runtime does not know any network: a client sends through a [`Transport`].
//! `aoxide-host` implements it for its test network (`Net`); [`Runtime`] implements it
//! too, for a process alone (the caller is then an address).
//!
//! ```
//! use aoxide::client::CallError;
//! use aoxide::{ErrorCode, Result};
//!
//! #[derive(Debug, Clone, Copy, PartialEq, Eq)]
//! enum CounterError {
//!     TooLarge,
//! }
//!
//! impl std::fmt::Display for CounterError {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         f.write_str("By is too large")
//!     }
//! }
//!
//! impl ErrorCode for CounterError {
//!     fn code(&self) -> &'static str {
//!         "too-large"
//!     }
//!     fn from_code(code: &str) -> Option<Self> {
//!         (code == "too-large").then_some(CounterError::TooLarge)
//!     }
//! }
//!
//! #[aoxide::process]
//! #[derive(Default)]
//! struct Counter {
//!     count: u64,
//! }
//!
//! #[aoxide::handlers(error = CounterError)]
//! impl Counter {
//!     #[handler(action = "Increment")]
//!     fn increment(&mut self, by: u64) -> Result<String> {
//!         if by > 100 {
//!             return Err(aoxide::Error::coded(CounterError::TooLarge));
//!         }
//!         self.count += by;
//!         Ok(self.count.to_string())
//!     }
//! }
//!
//! let mut rt = aoxide::Runtime::<Counter>::new();
//! rt.handle(
//!     aoxide::Message::new("OWNER").with_id("PID"),
//!     Some(&aoxide::Env::new("PID", "OWNER")),
//! );
//! let mut counter = CounterClient::new(&mut rt, &());
//! let reply = counter.increment("ALICE", 2u64).unwrap();
//! assert_eq!(reply.data(), Some("2"));
//! let err = counter.increment("ALICE", 500u64).unwrap_err();
//! assert_eq!(err.error(), Some(&CounterError::TooLarge));
//! ```

use std::fmt;

use crate::failure::Failure;
use crate::message::Message;
use crate::outbox::OutMessage;
use crate::outcome::Outcome;
use crate::process::Process;
use crate::runtime::Runtime;
use crate::tag::Address;
use crate::tags::Tags;
use crate::U256;

/// How a client reaches a process: send a message from a caller, run until the network is
/// quiet, and return the outcome of that message at the process.
pub trait Transport {
    /// Who sends (a wallet of the network; an address for [`Runtime`]).
    type Caller: ?Sized;
    /// How the process is named (a process id; `()` for [`Runtime`]).
    type Process: Clone;

    /// Sends a message with `tags` and `data` from `from` to `process`, runs until idle,
    /// and returns the message's outcome at the process.
    fn call(
        &mut self,
        from: &Self::Caller,
        process: &Self::Process,
        tags: Tags,
        data: String,
    ) -> Result<Call, TransportError>;
}

/// What a [`Transport`] returns for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The address that sent the message (replies go there).
    pub caller: String,
    /// The outcome of the message at the process.
    pub outcome: Outcome,
}

/// The transport could not deliver the message (it broke a limit, the process is unknown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the message was not delivered: {0}")]
pub struct TransportError(pub String);

/// A successful call: the outcome and the caller, with helpers for the reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The address that sent the message.
    pub caller: String,
    /// Everything the message produced at the process.
    pub outcome: Outcome,
}

impl Reply {
    /// The reply to the caller: the first message to it that answers the call (it
    /// carries `X-Reference`, as `Ctx::respond` sets when the call had a reference), else
    /// the last message to it (a handler's returned reply goes out after what its body
    /// sent, such as notices to every member of a room).
    pub fn reply(&self) -> Option<&OutMessage> {
        let to_caller = || {
            self.outcome
                .messages
                .iter()
                .filter(|m| m.target.as_deref() == Some(self.caller.as_str()))
        };
        to_caller()
            .find(|m| m.tags.contains(crate::protocol::X_REFERENCE))
            .or_else(|| to_caller().next_back())
    }

    /// The data of [`Reply::reply`].
    pub fn data(&self) -> Option<&str> {
        self.reply().and_then(|m| m.data.as_deref())
    }

    /// Tag `name` of [`Reply::reply`].
    pub fn get(&self, name: &str) -> Option<&str> {
        self.reply().and_then(|m| m.get(name))
    }

    /// The messages with `Action = action`.
    pub fn with_action<'a>(&'a self, action: &'a str) -> impl Iterator<Item = &'a OutMessage> {
        self.outcome.messages_with_action(action)
    }
}

/// A failed message with the handler's typed error value, when its code is one of `E`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedFailure<E> {
    /// The failure: handler, action, code and message (read back from the `Error` string
    /// when the message went over the wire).
    pub failure: Failure,
    /// The typed error value, when the failure's code is one of `E`'s.
    pub error: Option<E>,
}

/// Why a typed call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError<E> {
    /// The process handled the message and it failed (nothing changed).
    #[error("the message failed: {}", .0.failure)]
    Failed(TypedFailure<E>),
    /// The message never reached the process.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl<E> CallError<E> {
    /// The typed error value, when the failure carried one of `E`'s codes.
    pub fn error(&self) -> Option<&E> {
        match self {
            CallError::Failed(f) => f.error.as_ref(),
            CallError::Transport(_) => None,
        }
    }

    /// The failure, when the process handled the message.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            CallError::Failed(f) => Some(&f.failure),
            CallError::Transport(_) => None,
        }
    }

    /// The stable code of the failure, if any.
    pub fn code(&self) -> Option<&str> {
        self.failure().and_then(Failure::code)
    }
}

/// An error type whose values have stable codes: what lets a client give the typed value
/// back ([`TypedFailure::error`]). Build the handler's error with [`crate::Error::coded`].
pub trait ErrorCode: Sized {
    /// The stable code of this value (ASCII, no `]`).
    fn code(&self) -> &'static str;
    /// The value with this code.
    fn from_code(code: &str) -> Option<Self>;
}

/// The error type of clients whose handlers have no coded errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uncoded {}

impl ErrorCode for Uncoded {
    fn code(&self) -> &'static str {
        match *self {}
    }
    fn from_code(_: &str) -> Option<Self> {
        None
    }
}

impl fmt::Display for Uncoded {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

/// Turns a transport result into the typed result of a client method.
pub fn finish<E: ErrorCode>(call: Result<Call, TransportError>) -> Result<Reply, CallError<E>> {
    let call = call?;
    match call.outcome.error {
        None => Ok(Reply {
            caller: call.caller,
            outcome: call.outcome,
        }),
        Some(failure) => {
            // The code is a part of the failure, not something to grep from its text.
            let error = failure.code().and_then(E::from_code);
            Err(CallError::Failed(TypedFailure { failure, error }))
        }
    }
}

/// A value a client method accepts for a tag of type `T`: the value itself, a reference to
/// it, or (implemented by `aoxide-host`) a wallet or process id for an [`Address`].
pub trait TagArg<T: ?Sized> {
    /// The tag text, `None` to leave an optional tag out.
    fn tag_text(&self) -> Option<String>;
}

/// A tag type a client can write (the inverse of [`crate::FromTag`]).
pub trait ToTag {
    /// The tag text.
    fn to_tag(&self) -> String;
}

impl<T: ToTag> TagArg<T> for T {
    fn tag_text(&self) -> Option<String> {
        Some(self.to_tag())
    }
}

impl<T: ToTag> TagArg<T> for &T {
    fn tag_text(&self) -> Option<String> {
        Some(self.to_tag())
    }
}

impl<T: ToTag> TagArg<Option<T>> for Option<T> {
    fn tag_text(&self) -> Option<String> {
        self.as_ref().map(ToTag::to_tag)
    }
}

impl TagArg<Address> for &str {
    fn tag_text(&self) -> Option<String> {
        Some((*self).to_owned())
    }
}

impl TagArg<String> for &str {
    fn tag_text(&self) -> Option<String> {
        Some((*self).to_owned())
    }
}

macro_rules! amount_from {
    ($($t:ty),*) => {$(
        /// A primitive amount for a `U256` tag.
        impl TagArg<U256> for $t {
            fn tag_text(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}

amount_from!(u8, u16, u32, u64, u128);

macro_rules! to_tag_by_display {
    ($($t:ty),*) => {$(
        impl ToTag for $t {
            fn to_tag(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

to_tag_by_display!(
    String, bool, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, U256, Address
);

/// A process alone as a transport: the caller is an address, the process `()`.
impl<P: Process> Transport for Runtime<P> {
    type Caller = str;
    type Process = ();

    fn call(
        &mut self,
        from: &str,
        _process: &(),
        tags: Tags,
        data: String,
    ) -> Result<Call, TransportError> {
        let mut msg = Message::new(from);
        msg.id = Some(format!("client-{}", self.messages_handled()));
        msg.tags = tags;
        msg.data = data;
        let outcome = self.handle(msg, None);
        Ok(Call {
            caller: from.to_owned(),
            outcome,
        })
    }
}
