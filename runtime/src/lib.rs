//! # aoxide
//!
//! Write AO processes in Rust. This crate holds the runtime every aoxide process links:
//!
//! - [`message`]: the incoming [`Message`] and [`Env`], parsed leniently from every host;
//! - [`tags`] and [`tag`]: ordered [`Tags`] and typed reads through [`FromTag`];
//! - [`context`]: the [`Ctx`] a handler acts through (send, reply, spawn, assign, print);
//! - [`registry`] and [`pattern`]: the ordered handler registry with AOS match semantics;
//! - [`state`]: [`Transactional`] state and the journaled [`state::Map`];
//! - [`process`]: the [`Process`] trait and the [`Runtime`] dispatcher;
//! - [`outcome`]: the result of a message and its JSON-1 form;
//! - `abi` (wasm32 only): the AO module exports, installed by [`export!`].

#![warn(missing_docs)]

pub mod context;
pub mod error;
mod export;
pub mod interface;
pub mod message;
pub mod outbox;
pub mod outcome;
pub mod pattern;
pub mod process;
pub mod registry;
pub mod snapshot;
pub mod state;
pub mod tag;
pub mod tags;
pub mod trust;

#[cfg(target_arch = "wasm32")]
pub mod abi;

pub use context::Ctx;
pub use error::{Error, InputError};
pub use message::{Env, EnvEntry, Message};
pub use outbox::{Assignment, OutMessage, Outbox, Spawn};
pub use outcome::{Outcome, Output};
pub use pattern::{Match, Pattern, Rule};
pub use process::{Config, Process, Runtime};
pub use registry::{Caller, Handler, Registry, Runs};
pub use state::Transactional;
pub use tag::{Address, FromTag, TagError};
pub use tags::{Tag, TagValue, Tags};

pub use aoxide_macros::{handlers, process};
pub use interface::{HandlerReturn, Interface, Json};
pub use snapshot::{Schema, SnapshotError};

/// 256-bit unsigned integer used for token amounts (from `ruint`).
pub type U256 = ruint::aliases::U256;

/// The result type handlers return.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Items the generated code names; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;

    pub use crate::context::Ctx;
    pub use crate::error::Error;
    pub use crate::interface::rt::{data, emit_patch, patch_value, tag, DefaultState, InitReturn};
    pub use crate::interface::{HandlerReturn, Interface};
    pub use crate::message::Message;
    pub use crate::outbox::OutMessage;
    pub use crate::pattern::{Match, Pattern, Rule};
    pub use crate::process::{Config, Process};
    pub use crate::registry::{Caller, Handler, Registry};
    pub use crate::snapshot::{Payload, Schema, SnapshotError};
    pub use crate::state::Transactional;
    pub use crate::tag::FromTag;
    pub use core::option::Option;
    pub use core::result::Result;
    pub use std::string::String;
    pub use std::vec::Vec;
}

/// The README's examples, compiled and run as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
