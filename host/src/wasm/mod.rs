//! Running built `.wasm` modules (feature `wasm`): [`WasmBackend`] and [`WasmModule`].
//!
//! A module is checked with the one validator, [`aoxide_build::check_module`], against the
//! one contract table, [`aoxide::module_abi`]. [`WasmBackend`] implements [`Backend`] by
//! running it with the `wasmi` interpreter, driven exactly as `@permaweb/ao-loader` drives
//! a `wasm32-unknown-emscripten4` module (`docs/module-abi.md` in the repository):
//!
//! - the only import is `env.emscripten_resize_heap(new_total_bytes) -> i32`, which grows
//!   memory with the loader's over-allocation rule and returns 1 (0 past the memory limit);
//! - at instantiation: `emscripten_stack_init`, then the stack cookies (two u32 at
//!   `emscripten_stack_get_end()`, one at address 0), a cookie check, then
//!   `__wasm_call_ctors` and another check (the loader's `stackCheckInit`, `initRuntime`,
//!   `postRun`);
//! - per message: `emscripten_stack_get_current`, `_emscripten_stack_alloc` for the message
//!   and the env as NUL-terminated JSON (message first), `handle`, the NUL-terminated result
//!   read back, `_emscripten_stack_restore` with the saved value (skipped when it was 0, as
//!   the loader does), and a cookie check.
//!
//! A trap, a corrupted cookie or an out-of-bounds pointer never panics: the message gets an
//! error [`Outcome`]. The loader rejects such a call and a compute unit keeps the previous
//! memory, and the process goes on; so does this backend by default: it copies memory
//! before each message and, after a trap, goes on from a fresh instance holding that copy
//! (one copy of the whole memory per message). [`WasmBackend::set_rollback_on_trap`]`(false)`
//! spares the copy: a trap then leaves the instance failed, and every later message gets
//! an error outcome. When the trap was a panic, its text (which the module's panic hook
//! records in linear memory, [`panic_text`]) is read before the roll-back and ends the
//! error: `wasm trap in handle: ...: panicked at src/lib.rs:12: text`.
//!
//! ```no_run
//! use aoxide_host::{Msg, Net, SpawnOptions};
//!
//! let bytes = std::fs::read("target/ao/token.wasm")?;
//! let mut net = Net::new();
//! let module = net.register_wasm("token", &bytes)?;
//! let alice = net.wallet("alice");
//! let token = net.spawn_module(&alice, &module, SpawnOptions::new())?;
//! let out = net.dry_run(&token, Msg::new().action("Info"))?;
//! assert!(!out.is_error());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Backend`]: crate::Backend
//! [`Outcome`]: aoxide::Outcome

mod backend;
mod instance;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aoxide::module_abi::{PANIC_RECORD_MAGIC, PANIC_RECORD_TEXT};
use aoxide_build::{check_module, CheckError, ModuleReport};
use wasmi::{Engine, Linker, Module};

pub use backend::WasmBackend;
use instance::{resize_heap, HostState, Live};

/// The memory limit a [`WasmModule`] enforces by default: 1 GiB, the `Memory-Limit` the
/// network puts on its modules.
pub const DEFAULT_MEMORY_LIMIT: u64 = 1 << 30;

/// Where `scripts/build-wasm.sh` puts module `name` of the workspace at `workspace_root`:
/// the candidates in order (`$AO_MODULES_DIR`, `$CARGO_TARGET_DIR/ao`, `target/ao`), and
/// the first that exists. Tests and benches use it to find the built modules.
pub fn built_module(workspace_root: &Path, name: &str) -> (Option<PathBuf>, Vec<PathBuf>) {
    let file = format!("{name}.wasm");
    let resolve = |dir: PathBuf| {
        if dir.is_absolute() {
            dir
        } else {
            workspace_root.join(dir)
        }
    };
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os("AO_MODULES_DIR") {
        candidates.push(resolve(PathBuf::from(dir)).join(&file));
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(resolve(PathBuf::from(dir)).join("ao").join(&file));
    }
    candidates.push(workspace_root.join("target").join("ao").join(&file));
    let found = candidates.iter().find(|c| c.is_file()).cloned();
    (found, candidates)
}

/// The default compute limit of one call, in wasmi fuel (about one unit per executed
/// instruction): far above any real message (a token Transfer takes well under a million),
/// low enough that a module stuck in a loop fails within seconds instead of hanging a test.
pub const DEFAULT_COMPUTE_LIMIT: u64 = 2_000_000_000;

/// Why a module could not be loaded or an instance made.
#[derive(Debug, thiserror::Error)]
pub enum WasmError {
    /// The module does not conform to the contract ([`aoxide_build::check_module`]).
    #[error(transparent)]
    Check(#[from] CheckError),
    /// The engine rejected the module.
    #[error("the wasm module does not compile: {0}")]
    Compile(String),
    /// Instantiation failed (linking, a trap in a constructor, corrupted cookies).
    #[error("the wasm module does not instantiate: {0}")]
    Instantiate(String),
    /// A snapshot could not be restored.
    #[error("the snapshot cannot be restored: {0}")]
    Restore(String),
    /// The module uses wasm exception handling (a module with aoxide's Lua layer: C Lua's
    /// setjmp/longjmp), which wasmi, the engine of this backend, does not implement.
    #[error(
        "the module uses wasm exception handling (C Lua's setjmp/longjmp: a module with \
         aoxide's Lua layer), which this backend's engine (wasmi) does not run; run it \
         under ao-loader with aoxide_host::loader::LoaderModule (Net::register_wasm does so \
         by itself), or test the process natively"
    )]
    Exceptions,
    /// The module uses wasm exception handling and could not be run under ao-loader.
    #[error(transparent)]
    Loader(#[from] crate::loader::LoaderError),
}

/// A compiled module and its limits.
struct Compiled {
    engine: Engine,
    module: Module,
    linker: Linker<HostState>,
    report: ModuleReport,
    memory_limit: u64,
    compute_limit: u64,
}

/// A checked and compiled module: cheap to clone, makes any number of [`WasmBackend`]
/// instances.
#[derive(Clone)]
pub struct WasmModule {
    inner: Arc<Compiled>,
}

impl fmt::Debug for WasmModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmModule")
            .field("report", &self.inner.report)
            .field("memory_limit", &self.inner.memory_limit)
            .finish()
    }
}

impl WasmModule {
    /// Checks `bytes` with [`check_module`] and compiles them, with the default memory
    /// limit ([`DEFAULT_MEMORY_LIMIT`]).
    pub fn new(bytes: &[u8]) -> Result<Self, WasmError> {
        Self::with_memory_limit(bytes, DEFAULT_MEMORY_LIMIT)
    }

    /// [`WasmModule::new`] with a memory limit in bytes: `emscripten_resize_heap` returns
    /// 0 past it, and `memory.grow` fails.
    pub fn with_memory_limit(bytes: &[u8], memory_limit: u64) -> Result<Self, WasmError> {
        Self::with_limits(bytes, memory_limit, DEFAULT_COMPUTE_LIMIT)
    }

    /// [`WasmModule::with_memory_limit`] with a compute limit too: the fuel each call into
    /// the module may burn (see [`DEFAULT_COMPUTE_LIMIT`]); a call that runs out traps,
    /// and the message gets an error outcome.
    pub fn with_limits(
        bytes: &[u8],
        memory_limit: u64,
        compute_limit: u64,
    ) -> Result<Self, WasmError> {
        // Unreadable bytes are left to the validator to explain.
        if aoxide_build::uses_exceptions(bytes).unwrap_or(false) {
            return Err(WasmError::Exceptions);
        }
        let report = check_module(bytes)?;
        let mut config = wasmi::Config::default();
        config.consume_fuel(true);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, bytes).map_err(|e| WasmError::Compile(e.to_string()))?;
        let mut linker = Linker::<HostState>::new(&engine);
        linker
            .func_wrap("env", "emscripten_resize_heap", resize_heap)
            .map_err(|e| WasmError::Compile(e.to_string()))?;
        Ok(WasmModule {
            inner: Arc::new(Compiled {
                engine,
                module,
                linker,
                report,
                memory_limit,
                compute_limit,
            }),
        })
    }

    /// What [`check_module`] found.
    pub fn report(&self) -> &ModuleReport {
        &self.inner.report
    }

    /// The memory limit in bytes.
    pub fn memory_limit(&self) -> u64 {
        self.inner.memory_limit
    }

    /// The compute limit of one call, in fuel.
    pub fn compute_limit(&self) -> u64 {
        self.inner.compute_limit
    }

    /// A fresh instance, initialised as the loader does.
    pub fn instantiate(&self) -> Result<WasmBackend, WasmError> {
        let live = Live::new(&self.inner).map_err(WasmError::Instantiate)?;
        Ok(WasmBackend::running(self.clone(), live))
    }

    /// A fresh instance holding `snapshot` (a [`WasmBackend::snapshot`]).
    pub fn restore(&self, snapshot: &[u8]) -> Result<WasmBackend, WasmError> {
        let mut backend = self.instantiate()?;
        backend.restore(snapshot)?;
        Ok(backend)
    }
}

/// The text of the panic record in `memory` (see [`PANIC_RECORD_MAGIC`]), when a panic
/// was recorded since the call began: the first 4-aligned marker whose length is in range.
pub fn panic_text(memory: &[u8]) -> Option<String> {
    let header = PANIC_RECORD_MAGIC.len() + 4;
    let mut at = 0;
    while at + header <= memory.len() {
        if memory[at..at + PANIC_RECORD_MAGIC.len()] == PANIC_RECORD_MAGIC {
            let mut len = [0u8; 4];
            len.copy_from_slice(&memory[at + PANIC_RECORD_MAGIC.len()..at + header]);
            let len = u32::from_le_bytes(len) as usize;
            if (1..=PANIC_RECORD_TEXT).contains(&len) {
                let text = memory.get(at + header..at + header + len)?;
                return Some(String::from_utf8_lossy(text).into_owned());
            }
        }
        at += 4;
    }
    None
}
