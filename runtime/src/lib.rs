//! # aoxide
//!
//! Write AO processes in Rust. This crate holds the runtime every aoxide process links:
//!
//! - [`message`]: the incoming [`Message`] and [`Env`], parsed leniently from every host;
//! - [`tags`] and [`tag`]: ordered [`Tags`] and typed reads through [`FromTag`];
//! - [`context`]: the [`Ctx`] a handler acts through (send, reply, forward, spawn, assign,
//!   print, time, run-time handlers, the inbox);
//! - [`pending`]: awaiting a reply or a `Spawned` notice with a continuation;
//! - [`registry`] and [`pattern`]: the ordered handler registry with AOS match semantics;
//! - [`state`]: [`Transactional`] state and the journaled [`state::Map`];
//! - [`process`](mod@process): the [`Process`] trait and the [`Runtime`] dispatcher;
//! - [`outcome`]: the result of a message and its JSON-1 form; [`failure`]: why a message
//!   failed ([`Failure`]: action, handler, code, message), written as AO's `Error` string;
//! - [`protocol`]: the AO protocol rules (protocol tags, senders, replies, lenient fields,
//!   size limits), shared with the test host;
//! - `abi` (wasm32 only): the AO module exports, installed by [`export!`];
//! - [`interface`]: handler metadata and what handlers may return;
//! - [`snapshot`]: compact snapshots, the JSON view, schema versions and migrations;
//! - [`view`]: the read-only view tools read a process through (the module's
//!   `aoxide_view` export: state, inbox, pending waits);
//! - [`client`]: the typed clients `#[aoxide::handlers]` generates, over a [`client::Transport`].
//!
//! ## Writing a process
//!
//! The state is a struct marked [`#[aoxide::process]`](macro@process); its handlers are the
//! methods of an impl marked [`#[aoxide::handlers]`](macro@handlers). Tests drive it through
//! the same [`Runtime`] the wasm module runs, so rollback and matching are the real ones.
//!
//! ```
//! use aoxide::{fail, Ctx, Env, Message, Result, Runtime};
//! use serde::{Deserialize, Serialize};
//!
//! #[aoxide::process]
//! #[derive(Default, Serialize, Deserialize)]
//! pub struct Counter {
//!     #[patch] // published to HyperBEAM (patch@1.0) after every change
//!     count: u64,
//! }
//!
//! #[aoxide::handlers]
//! impl Counter {
//!     /// The spawn message may set `Start`.
//!     #[init]
//!     fn init(_ctx: &Ctx, start: Option<u64>) -> Self {
//!         Counter { count: start.unwrap_or(0) }
//!     }
//!
//!     /// Adds `By` (default 1); replies with the new count.
//!     #[handler(action = "Increment")]
//!     fn increment(&mut self, by: Option<u64>) -> Result<String> {
//!         let by = by.unwrap_or(1);
//!         if by > 100 {
//!             fail!("By must be at most 100, got {by}");
//!         }
//!         self.count += by;
//!         Ok(self.count.to_string())
//!     }
//!
//!     /// `&self`: read-only, safe for dry-runs.
//!     #[handler(action = "Get")]
//!     fn get(&self) -> String {
//!         self.count.to_string()
//!     }
//!
//!     #[handler(action = "Reset", from = owner)]
//!     fn reset(&mut self, ctx: &mut Ctx) {
//!         self.count = 0;
//!         ctx.print("reset");
//!     }
//! }
//!
//! aoxide::export!(Counter); // the wasm entry points (nothing natively)
//!
//! // Natively: spawn, then send messages.
//! let mut rt = Runtime::<Counter>::new();
//! let spawn = Message::new("OWNER").with_id("PID").with_tag("Start", "40");
//! rt.handle(spawn, Some(&Env::new("PID", "OWNER")));
//!
//! let out = rt.handle(Message::new("ALICE").with_action("Increment").with_tag("By", "2"), None);
//! assert_eq!(out.message_to("ALICE").unwrap().data.as_deref(), Some("42"));
//!
//! // A bad tag fails the message, names the tag, and changes nothing.
//! let out = rt.handle(Message::new("ALICE").with_action("Increment").with_tag("By", "x"), None);
//! assert!(out.error.unwrap().contains("tag `By` has value \"x\", expected an unsigned 64-bit integer"));
//! let out = rt.handle(Message::new("ALICE").with_action("Increment").with_tag("By", "500"), None);
//! assert!(out.is_error());
//! assert_eq!(rt.state().unwrap().count, 42);
//!
//! // What clients read (also embedded in the wasm module).
//! let interface = Counter::interface();
//! assert_eq!(interface.action("Increment").unwrap().params[0].tag, "By");
//! assert!(interface.action("Get").unwrap().read_only);
//! ```
//!
//! ### `#[aoxide::process]` (on the state struct)
//!
//! Implements [`Transactional`] field by field (every field must be `Transactional`: use
//! [`state::Map`] / [`state::Log`] for collections so a failed message costs what it wrote)
//! and [`Schema`].
//!
//! | syntax | meaning |
//! | --- | --- |
//! | `#[aoxide::process]` | schema version 1 |
//! | `#[aoxide::process(version = 2, migrate = path::to::fn)]` | snapshots carry version 2; older ones go through `fn(u32, snapshot::Payload<'_>) -> Result<Self, SnapshotError>` |
//! | `#[patch]` on a field | published under the field name in kebab-case (`token_info` -> `token-info`) |
//! | `#[patch("key")]` on a field | published under `key` |
//!
//! Put `#[aoxide::process]` above `#[derive(..)]` so the derives never see `#[patch]`. The
//! struct cannot be generic. Serde derives are only needed for [`snapshot`] functions.
//!
//! ### `#[aoxide::handlers]` (on the inherent impl)
//!
//! Implements [`Process`] and [`Mount`] (so any process can be mounted on a field of
//! another), adds `T::interface()` (an [`Interface`]) and, except on wasm32, a typed client
//! `TClient` ([`client`]); [`export!`] puts the same JSON in the module's `aoxide.interface`
//! custom section. Options: `config = path` sets [`Process::config`] from a
//! `fn() -> Config`; `assignable = path` sets [`Process::accepts_assignment`] from a
//! `fn(&Self, &Message) -> bool` (which assignments, messages addressed to another process,
//! the process takes; none by default, as AOS; or'ed with the mounted parts' answers);
//! `mount(field = Type, ..)` mounts parts on fields (their handlers are
//! registered first, named `"field.name"`; an `#[init]` parameter named after a mounted
//! field receives the part built by its own init); `mount(field = Self::f())` mounts a
//! part whose handlers change at run time, by a call returning its [`LiveMount`] (a Lua VM:
//! `aoxide_lua::LuaMount`; its handlers keep the names its code gives them, and an
//! `#[init]` parameter named after the field receives the part); `error = Type` names the
//! [`ErrorCode`] type the client gives back. Methods without one of the
//! attributes below stay plain methods.
//!
//! | method attribute | registers |
//! | --- | --- |
//! | `#[init]` | builds the state from the spawn message; returns `Self` or `Result<Self>`; without it the state is `Default` |
//! | `#[handler(options)]` | a registry entry named after the method |
//! | `#[cron(options)]` | an entry for cron ticks (`action` not allowed) |
//! | `#[default]` | the default handler: runs when no handler took the message |
//!
//! | option | meaning |
//! | --- | --- |
//! | `action = "Transfer"` | `Action` tag equals it exactly |
//! | `tags(Recipient = "_", Cast = "true", "X-Kind" = ["a", "b"])` | each tag present and equal to a value (ASCII case ignored); `"_"` any value |
//! | `from = owner` / `self` / `trusted` / `authority` / `"<address>"` | only from the owner / the process itself / either of them / an authority / that address; others skip the handler |
//! | `from = self.token` | only from the address the state field holds (`String`, `Address` or an `Option` of one); others skip the handler |
//! | `when = path::to::predicate` | `fn(&Message) -> bool` (or `-> Match`) must also hold |
//! | `when = self.method` | `fn(&self, &Message) -> bool` must also hold (the state as it is when the message arrives) |
//! | `continue` | run, then let later handlers run too |
//! | `before = "name"` / `after = "name"` | placed relative to another handler of the impl (otherwise declaration order), of a mounted part (`"token.transfer"`), or, with a live part mounted, one it adds at run time: the handler then waits for it ([`Registry::place`]) |
//! | `once` / `max_runs = N` | removed after 1 / N runs |
//! | `name = "Transfer"` | the registry name (default: the method name) |
//!
//! Two handlers for the same action (or two `#[cron]`s) are an error unless the order is
//! explicit (`before`/`after`, or `continue` on the first).
//!
//! Parameters: `&self` (read-only, marked so in the registry) or `&mut self` (or none), then
//! in any order `ctx: &mut Ctx` or `&Ctx`, `msg: &Message`, `#[data] x: T` (Data parsed as
//! JSON into a `Deserialize` type) and tags: any other parameter is read through
//! [`FromTag`] from the tag named after it in Title-Case with hyphens (`x_memo` reads
//! `X-Memo`), or from `#[tag("Name")]`. `Option<T>` makes a tag optional. A missing or
//! invalid tag fails the message with an error naming the tag, the value and the type.
//!
//! Return `()`, a reply (`String`, `&str`, [`OutMessage`], [`Json<T>`](interface::Json)),
//! or a `Result`/`Option` of those: see [`HandlerReturn`]. `&mut self` handlers and
//! `#[init]` send the `patch@1.0` message after they succeed when the state has `#[patch]`
//! fields. Generated items use the `__aoxide` prefix; `interface` is reserved as an
//! associated function name.
//!
//! A handler awaits the answer to what it sends with a continuation, a plain method of the
//! impl: `ctx.send(m).on_reply(Self::got_balance)?` (or `ctx.spawn(..).on_reply(..)` for the
//! `Spawned` notice); see [`pending`] for the matching rules, deadlines and bounds. Through
//! its [`Ctx`] a handler also reads the time ([`Ctx::now`] is a `Result`, never a made-up 0),
//! the inbox and the spawn tags, forwards messages, and adds or removes handlers
//! ([`Ctx::handlers`]).

#![warn(missing_docs)]

pub mod client;
pub mod context;
pub mod error;
mod export;
pub mod failure;
pub mod interface;
mod json;
pub mod message;
pub mod module_abi;
pub mod outbox;
pub mod outcome;
pub mod pattern;
pub mod pending;
pub mod process;
pub mod protocol;
pub mod registry;
pub mod runtime;
pub mod snapshot;
pub mod state;
pub mod tag;
pub mod tags;
pub mod trust;
pub mod u256;
pub mod view;

#[cfg(target_arch = "wasm32")]
pub mod abi;

/// `#[derive(aoxide::Transactional)]`: field by field (see [`state`]).
pub use aoxide_macros::Transactional;
pub use client::ErrorCode;
pub use context::{Ctx, NoTime, Sending, SpawnError};
pub use error::{Error, InputError, JsonError, JsonTextError, JsonWriteError, ResultError};
pub use failure::{Failure, Stage};
pub use message::{Env, EnvEntry, Message};
pub use outbox::{Assignment, OutMessage, Outbox, Spawn};
pub use outcome::{Outcome, Output};
pub use pattern::{Match, Pattern, Rule};
pub use pending::{Await, WaitInfo, WaitKind};
pub use process::{parse_memory_limit, Config, Process};
pub use registry::{Caller, Handler, LiveMount, Mount, Position, Registry, Runs, Scoped};
pub use runtime::Runtime;
pub use state::Transactional;
pub use tag::{Address, FromTag, TagError};
pub use tags::{Tag, TagValue, Tags};

pub use aoxide_macros::{handlers, process};
pub use interface::{HandlerReturn, Interface, Json};
pub use snapshot::{Patch, Schema, SnapshotError};

pub use u256::U256;

/// `value` as compact JSON text, byte for byte what `value.to_string()` gives, through
/// aoxide's own writer: serde_json's `Display` writes through `std::io::Write`, which
/// brings `std::io::Error` and its messages into a module (about 2 KB).
pub fn json_text(value: &serde_json::Value) -> String {
    json::write::value_text(value)
}

/// `value` as compact JSON text, byte for byte what `serde_json::to_string(value)` gives,
/// through aoxide's own writer: serde_json's serializer writes through `std::io::Write` and
/// brings the texts of all its error codes into a module (about 4 KB, and its serializer
/// code for every type written). The state view, `Json` replies and
/// [`OutMessage::json`](crate::OutMessage::json) are written this way.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Stats { pings: u64, last: Option<String> }
/// let text = aoxide::to_json_text(&Stats { pings: 2, last: None }).unwrap();
/// assert_eq!(text, r#"{"pings":2,"last":null}"#);
/// ```
pub fn to_json_text<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, JsonWriteError> {
    json::ser::to_string(value)
}

/// `text` read as one JSON value (whitespace around it), through aoxide's own reader (a
/// module that calls this carries no serde_json deserializer): the value
/// `serde_json::from_str` gives, with one difference, aoxide's protocol rule that the
/// `\u` escape of a lone UTF-16 surrogate reads as U+FFFD where serde_json refuses it.
/// Arrays and objects nest up to 127 levels.
///
/// ```
/// let v = aoxide::json_value(r#" {"b": [1, 2.5], "a": "x"} "#).unwrap();
/// assert_eq!(v, serde_json::json!({"a": "x", "b": [1, 2.5]}));
/// assert!(aoxide::json_value("{} x").is_err());
/// ```
pub fn json_value(text: &str) -> Result<serde_json::Value, JsonTextError> {
    json::scan::value(text.as_bytes()).map_err(|(error, at)| JsonTextError { error, at })
}

/// Appends `text` to `out` as a JSON string, quoted and escaped byte for byte as
/// serde_json writes it (for JSON built by hand, without a `serde_json::Value`).
///
/// ```
/// let mut out = String::from("{");
/// aoxide::push_json_string(&mut out, "a\"b");
/// out.push_str(":1}");
/// assert_eq!(out, r#"{"a\"b":1}"#);
/// ```
pub fn push_json_string(out: &mut String, text: &str) {
    let mut quoted = Vec::with_capacity(text.len() + 2);
    json::write::string(&mut quoted, text);
    // The escaped form of valid UTF-8 is valid UTF-8.
    out.push_str(std::str::from_utf8(&quoted).unwrap_or_default());
}

/// The result type handlers return.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// The JSON-1 codec's serde reference paths, for the differential tests and the
/// benchmarks; not part of the public API.
#[doc(hidden)]
pub mod __codec {
    #[cfg(not(target_arch = "wasm32"))]
    pub use crate::json::reference::{env, message};
    pub use crate::json::reference::{result, write_result};
}

/// Items the generated code names; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;

    pub use crate::client::{finish, CallError, Reply, TagArg, Transport, Uncoded};
    pub use crate::context::Ctx;
    pub use crate::error::Error;
    pub use crate::interface::rt::{
        as_str, bytes_of, concat, data, emit_patch, patch_value, send_patch, tag, total_len,
        AddressField, InitReturn, PatchDelta, PatchField, PatchWhole,
    };
    pub use crate::interface::{HandlerReturn, Interface};
    pub use crate::message::Message;
    pub use crate::outbox::OutMessage;
    pub use crate::pattern::{Match, Pattern, Rule};
    pub use crate::process::{Config, Process};
    pub use crate::registry::parts::{check_live, LiveOf, NotLive, ViaLive};
    pub use crate::registry::{Caller, Handler, LiveMount, Mount, Position, Registry};
    pub use crate::snapshot::{Patch, Payload, Schema, SnapshotError};
    pub use crate::state::Transactional;
    pub use crate::tag::FromTag;
    pub use crate::tags::TagValue;
    pub use crate::tags::Tags;
    pub use crate::view::{NoRead, NoView, ReadAs, ReadView, ViewOf, WriteView};
    pub use core::marker::PhantomData;
    pub use core::mem::ManuallyDrop;
    pub use core::option::Option;
    pub use core::result::Result;
    pub use std::string::String;
    pub use std::vec::Vec;
}

/// The README's examples, compiled and run as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
