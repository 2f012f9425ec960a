//! aoxide's Lua-compat layer: AOS Lua blueprints in a Rust process, in one registry.
//!
//! The engine is C Lua 5.3.6 (what AOS runs) through `mlua`, built by this crate's
//! `build.rs` with a constant string-hash seed, so `pairs` order is the same on every
//! run and host. What the host runs is deterministic: `os.time()` is the message
//! timestamp, `math.random` is seeded from the process id, there is no `io`, no
//! `os.execute`, no clock, no file loading, and `load` takes text chunks only. Each
//! message has an instruction budget and the VM a memory limit ([`Limits`]); going past
//! either is an error of that message, and the process keeps working.
//!
//! The AOS environment (`Handlers`, `ao`, `Send`/`Spawn`/`Receive`/`Assign`, `Inbox`,
//! `print`, `Owner`, `Name`, `Colors`, `Errors`, `Utils`) and the libraries (`json`,
//! `.bint`, `.base64`, `.crypto`, `.utils`) are aoxide's own.
//!
//! A process holds a [`LuaPart`] and mounts it with a [`LuaMount`]
//! (`#[aoxide::handlers(mount(lua = Self::lua()))]`, see `examples/mixed`): Lua handlers become
//! entries of the process' `aoxide::Registry`, walked in one order with the Rust ones.
//! [`LuaProcess`] is a process that is only Lua. A process' Lua files are embedded as text
//! ([`lua_source!`]) or as binary chunks its build script precompiled with
//! `aoxide-lua-build` ([`lua_chunk!`]), which boot without parsing.
//!
//! ```
//! use aoxide::{Env, Message, Runtime};
//! use aoxide_lua::{LuaFiles, LuaProcess, LuaSource};
//!
//! struct Pinger;
//! impl LuaFiles for Pinger {
//!     const SOURCES: &'static [LuaSource] = &[LuaSource::new(
//!         "ping.lua",
//!         r#"Handlers.add("Ping", function(msg) msg.reply({ Data = "Pong" }) end)"#,
//!     )];
//! }
//!
//! let mut process: Runtime<LuaProcess<Pinger>> = Runtime::new();
//! let env = Env::new("PID", "OWNER");
//! process.handle(Message::new("OWNER").with_id("PID"), Some(&env));
//! let out = process.handle(Message::new("OWNER").with_action("Ping"), None);
//! assert_eq!(out.messages[0].data.as_deref(), Some("Pong"));
//! ```

#![warn(missing_docs)]

mod error;
mod lent;
mod libs;
mod mount;
mod part;
mod prebuilt;
mod process;
mod value;
mod vm;

pub use error::LuaError;
pub use mlua;
pub use mount::{handler_error, LuaMount};
pub use part::{LuaPart, LuaSource};
pub use prebuilt::preinit;
pub use process::{LuaFiles, LuaProcess};
/// Lua's pattern functions and aoxide's side by side (the fuzz target `lua_patterns`).
#[doc(hidden)]
#[cfg(not(target_arch = "wasm32"))]
pub use vm::pattern::differential::Differential as PatternDifferential;
pub use vm::Limits;
