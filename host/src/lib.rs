//! # aoxide-host
//!
//! An in-memory AO network for native tests of aoxide processes.
//!
//! A [`Net`] is an owned value (no globals): it registers modules, makes wallets, spawns
//! processes, schedules and delivers messages, ticks a clock for cron processes, and
//! dry-runs. Every message goes through the same [`aoxide::Runtime::handle`] the wasm
//! module's `handle` export calls, so trust checks, handler order and rollback are the real
//! ones; only the transport differs. Processes sit behind the [`Backend`] trait, so a
//! backend that runs a built `.wasm` can take the place of [`Native`]: with the `wasm`
//! feature, `wasm::WasmBackend` runs one in the `wasmi` interpreter as ao-loader does,
//! after the one validator (`aoxide_build::check_module`) accepted it, and
//! `loader::LoaderBackend` runs one under the real `@permaweb/ao-loader` in a node child
//! (the backend `Net::register_wasm` picks for modules with wasm exception handling, such
//! as those with aoxide's Lua layer).
//!
//! The network is deterministic (ids from a seed and counters, a clock that moves only as
//! messages are scheduled and as [`Net::tick`] says) and enforces the real network's
//! limits by default ([`Limits`], [`NetConfig::max_messages_per_run`]).
//!
//! ```
//! use aoxide::{Ctx, Error, Handler, Message, OutMessage, Process, Registry};
//! use aoxide_host::{Msg, Net, SpawnOptions};
//!
//! #[derive(Clone, Default)]
//! struct Counter {
//!     count: u64,
//! }
//! aoxide::transactional_by_clone!(Counter);
//!
//! impl Process for Counter {
//!     fn init(_ctx: &mut Ctx<'_>, _msg: &Message) -> Result<Self, Error> {
//!         Ok(Counter::default())
//!     }
//!
//!     fn register(r: &mut Registry<Self>) {
//!         r.add(Handler::action("Increment", |s: &mut Counter, ctx, msg| {
//!             let by: u64 = msg.tag("By")?;
//!             s.count += by;
//!             ctx.respond(OutMessage::untargeted().action("Count").data(s.count.to_string()));
//!             Ok(())
//!         }));
//!     }
//! }
//!
//! let mut net = Net::new();
//! let alice = net.wallet("alice");
//! let counter = net.spawn::<Counter>(&alice, SpawnOptions::new().name("counter"))?;
//!
//! let id = net.send(&alice, &counter, Msg::new().action("Increment").tag("By", 2u64))?;
//! let run = net.run_until_idle()?;
//! assert!(run.is_clean());
//!
//! assert_eq!(net.state::<Counter>(&counter).count, 2);
//! let reply = net.reply_to(&id).expect("a reply");
//! assert_eq!(reply.action(), Some("Count"));
//! assert_eq!(reply.data(), "2");
//!
//! // A dry-run answers without changing anything.
//! let out = net.dry_run(&counter, Msg::new().action("Increment").tag("By", 40u64))?;
//! assert_eq!(out.messages[0].data.as_deref(), Some("42"));
//! assert_eq!(net.state::<Counter>(&counter).count, 2);
//! # Ok::<(), aoxide_host::NetError>(())
//! ```

#![warn(missing_docs)]

pub mod backend;
pub mod client;
mod clock;
pub mod config;
pub mod cron;
pub mod error;
pub mod ids;
mod inspect;
pub mod journal;
pub mod limits;
#[cfg(feature = "wasm")]
pub mod loader;
mod messenger;
mod modules;
pub mod msg;
pub mod net;
mod processes;
pub mod register;
pub mod view;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use backend::{Backend, BackendViewError, Native};
pub use config::NetConfig;
pub use error::NetError;
pub use ids::{MessageId, ModuleId, ProcessId, Wallet};
pub use journal::{Delivery, Failure, Origin, Reason, Run, Sent, Status, Undelivered};
pub use limits::{Limits, Violation};
pub use msg::{Msg, SpawnOptions};
pub use net::Net;
pub use register::{native, Module, NativeModule};
pub use view::{StateRef, ViewError};
