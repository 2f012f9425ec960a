//! Running built modules under the real `@permaweb/ao-loader` (feature `wasm`):
//! [`LoaderModule`] and [`LoaderBackend`].
//!
//! The wasm backend's engine (wasmi) does not run wasm exception handling, which a module
//! with aoxide's Lua layer uses (C Lua's setjmp/longjmp). This backend runs such modules
//! where they run in production: each process is a node child that loads ao-loader (the
//! version pinned in `host/loader/package.json`), compiles the module once and hands
//! every message to it as a compute unit does, the memory of one result going into the
//! next call, and answers the requests of [`Backend`] over its stdin and stdout
//! (`host/loader/driver.mjs`):
//!
//! - `handle`: the message and the env as JSON-1, the result read back with the runtime's
//!   codec. A call that throws (a trap) is an error outcome and leaves the memory as it
//!   was, and the next message gets a fresh instance holding it (as a compute unit does).
//!   A dry-run (`Read-Only`) persists nothing: its memory is dropped, so even what it did
//!   to a Lua VM in linear memory is gone (natively, Lua globals a dry-run wrote stay);
//! - `view`: the module's `aoxide_view` export, called on a fresh instance holding a copy
//!   of the memory, so looking changes nothing.
//!
//! [`Net::register_wasm`] picks this backend by itself for a module that uses exception
//! handling; [`Net::register_loader_module`] (or [`Net::register`]) takes one explicitly,
//! for any module. Every request waits at most [`LoaderOptions::timeout`]; a child that
//! does not answer in time, or dies, is killed and reaped, and its process answers every
//! later message with an error outcome. Dropping a backend (or the network) kills and
//! reaps its child.
//!
//! Needs `node` (20 or later: legacy wasm exception handling) on `PATH` (or
//! [`install::NODE_VAR`]) and, the first time, `npm`: the pinned package is installed with
//! `npm ci` into `~/.cache/aoxide/` (see [`install::AO_LOADER_DIR_VAR`] to use another
//! installation).

mod backend;
pub mod install;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aoxide_build::{check_module, CheckError, ModuleReport};

pub use backend::LoaderBackend;

use crate::backend::Backend;
use crate::ids::ModuleId;
use crate::net::Net;

/// Why a module could not be run under ao-loader.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoaderError {
    /// The module does not conform to the contract ([`aoxide_build::check_module`]).
    #[error(transparent)]
    Check(#[from] CheckError),
    /// The node package with ao-loader is not there and could not be installed.
    #[error("ao-loader is not installed: {0}")]
    Install(String),
    /// node could not be started.
    #[error("cannot start node ({node}): {reason}")]
    Node {
        /// The executable tried.
        node: String,
        /// Why it did not start.
        reason: String,
    },
    /// The child did not take the module (it does not compile, or the child failed).
    #[error("the ao-loader child: {0}")]
    Protocol(String),
}

/// How a [`LoaderModule`] runs its processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderOptions {
    /// ao-loader's `UNSAFE_MEMORY`: the live memory is handed back instead of a copy per
    /// message. Then a trap cannot be rolled back (the next message gets a fresh instance
    /// holding the memory as the trap left it). Default: `false` (the loader's default).
    pub unsafe_memory: bool,
    /// ao-loader's `memoryLimit` (the module's `Memory-Limit` tag). Default `1-gb`, what
    /// the network's modules carry.
    pub memory_limit: String,
    /// The longest wait for one answer of the child (starting it, one message, one view).
    /// Default: 120 s.
    pub timeout: Duration,
}

impl Default for LoaderOptions {
    fn default() -> Self {
        LoaderOptions {
            unsafe_memory: false,
            memory_limit: "1-gb".to_owned(),
            timeout: Duration::from_secs(120),
        }
    }
}

struct Inner {
    bytes: Arc<[u8]>,
    report: ModuleReport,
    options: LoaderOptions,
    package_dir: PathBuf,
}

/// A checked module to run under ao-loader: cheap to clone, starts one [`LoaderBackend`]
/// (a node child) per process.
#[derive(Clone)]
pub struct LoaderModule {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LoaderModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoaderModule")
            .field("report", &self.inner.report)
            .field("options", &self.inner.options)
            .finish()
    }
}

impl LoaderModule {
    /// Checks `bytes` with [`check_module`] and finds (or installs) ao-loader, with the
    /// default options.
    pub fn new(bytes: &[u8]) -> Result<Self, LoaderError> {
        Self::with_options(bytes, LoaderOptions::default())
    }

    /// [`LoaderModule::new`] with `options`.
    pub fn with_options(bytes: &[u8], options: LoaderOptions) -> Result<Self, LoaderError> {
        let report = check_module(bytes)?;
        let package_dir = install::package_dir()?;
        Ok(LoaderModule {
            inner: Arc::new(Inner {
                bytes: bytes.into(),
                report,
                options,
                package_dir,
            }),
        })
    }

    /// What [`check_module`] found.
    pub fn report(&self) -> &ModuleReport {
        &self.inner.report
    }

    /// The options.
    pub fn options(&self) -> &LoaderOptions {
        &self.inner.options
    }

    /// A fresh process: a node child with the module compiled, no message handled yet.
    pub fn instantiate(&self) -> Result<LoaderBackend, LoaderError> {
        LoaderBackend::start(self)
    }
}

/// A process whose child could not be started: every message is an error outcome.
struct Unstarted(String);

impl Backend for Unstarted {
    fn handle(&mut self, _: aoxide::Message, _: &aoxide::Env) -> aoxide::Outcome {
        aoxide::Outcome::failed(self.0.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Net {
    /// Registers `module` as module `name`: one node child per spawned process.
    ///
    /// # Panics
    /// When `name` is already registered.
    #[track_caller]
    pub fn register_loader_module(&mut self, name: &str, module: LoaderModule) -> ModuleId {
        self.register_backend(name, move || match module.instantiate() {
            Ok(backend) => Box::new(backend) as Box<dyn Backend>,
            Err(e) => Box::new(Unstarted(e.to_string())),
        })
    }

    /// The ao-loader backend running `process`, if it runs one.
    pub fn loader_backend(&self, process: &crate::ProcessId) -> Option<&LoaderBackend> {
        self.backend(process)?
            .as_any()
            .downcast_ref::<LoaderBackend>()
    }
}

impl crate::Module for LoaderModule {
    #[track_caller]
    fn register(self, net: &mut Net, name: &str) -> ModuleId {
        net.register_loader_module(name, self)
    }
}
