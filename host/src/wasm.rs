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
//! an error outcome.
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

use std::any::Any;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aoxide::view::ViewPart;
use aoxide::{Env, Message, Outcome};
use aoxide_build::{check_module, CheckError, ModuleReport};
use wasmi::{
    Caller, Engine, Extern, Instance, Linker, Memory, Module, Store, StoreLimits,
    StoreLimitsBuilder, TypedFunc,
};

use crate::backend::{Backend, BackendViewError};
use crate::ids::ModuleId;
use crate::net::Net;

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

/// The first stack cookie the loader writes at `emscripten_stack_get_end()`.
const COOKIE_1: u32 = 0x0213_5467;
/// The second stack cookie, 4 bytes further.
const COOKIE_2: u32 = 0x89BA_CDFE;
/// The cookie at address 0 (`"emsc"`).
const COOKIE_0: u32 = 0x6373_6d65;

const PAGE: u64 = aoxide::module_abi::PAGE_SIZE;

// ----- the backend -----

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
}

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
        Ok(WasmBackend {
            module: self.clone(),
            live: Some(live),
            fault: None,
            rollback_on_trap: true,
            checkpoint: Vec::new(),
        })
    }

    /// A fresh instance holding `snapshot` (a [`WasmBackend::snapshot`]).
    pub fn restore(&self, snapshot: &[u8]) -> Result<WasmBackend, WasmError> {
        let mut backend = self.instantiate()?;
        backend.restore(snapshot)?;
        Ok(backend)
    }
}

/// What the host functions see.
struct HostState {
    limits: StoreLimits,
    memory_limit: u64,
}

/// `env.emscripten_resize_heap`: the loader's growth rule (over-allocate by 20%, at most
/// 96 MiB more than asked, retried with less), returning 1 when memory is large enough.
fn resize_heap(mut caller: Caller<'_, HostState>, requested: i32) -> i32 {
    let requested = u64::from(requested as u32);
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return 0;
    };
    let old = memory.data_size(&caller) as u64;
    if requested <= old {
        return 1;
    }
    let max = caller.data().memory_limit;
    if requested > max {
        return 0;
    }
    let align_up = |x: u64| x.div_ceil(PAGE) * PAGE;
    for cut_down in [1u64, 2, 4] {
        let over_grown = (old + old / (5 * cut_down)).min(requested + 100_663_296);
        let new_size = max.min(align_up(requested.max(over_grown)));
        let pages = (new_size - old).div_ceil(PAGE);
        if memory.grow(&mut caller, pages).is_ok() {
            return 1;
        }
    }
    0
}

/// The exports the host calls.
struct Exports {
    handle: TypedFunc<(i32, i32), i32>,
    stack_get_end: TypedFunc<(), i32>,
    stack_get_current: TypedFunc<(), i32>,
    stack_alloc: TypedFunc<i32, i32>,
    stack_restore: TypedFunc<i32, ()>,
    /// `aoxide_view`, when the module has it (tools only; see `aoxide::view`).
    view: Option<TypedFunc<i32, i32>>,
}

/// One running instance.
struct Live {
    store: Store<HostState>,
    memory: Memory,
    exports: Exports,
    compute_limit: u64,
}

/// A failed call: the reason, and whether the instance is still usable.
struct Fault {
    message: String,
    fatal: bool,
}

impl Fault {
    fn fatal(message: impl Into<String>) -> Self {
        Fault {
            message: message.into(),
            fatal: true,
        }
    }
}

impl Live {
    fn new(c: &Compiled) -> Result<Live, String> {
        let limit = usize::try_from(c.memory_limit).unwrap_or(usize::MAX);
        let mut store = Store::new(
            &c.engine,
            HostState {
                limits: StoreLimitsBuilder::new().memory_size(limit).build(),
                memory_limit: c.memory_limit,
            },
        );
        store.limiter(|s| &mut s.limits);
        store
            .set_fuel(c.compute_limit)
            .map_err(|e| format!("cannot set the compute limit: {e}"))?;
        let instance: Instance = c
            .linker
            .instantiate_and_start(&mut store, &c.module)
            .map_err(|e| e.to_string())?;
        let memory = instance
            .get_memory(&store, "memory")
            .ok_or("no memory export")?;
        fn func<P: wasmi::WasmParams, R: wasmi::WasmResults>(
            instance: &Instance,
            store: &Store<HostState>,
            name: &str,
        ) -> Result<TypedFunc<P, R>, String> {
            instance
                .get_typed_func::<P, R>(store, name)
                .map_err(|e| format!("export {name}: {e}"))
        }
        let ctors = func::<(), ()>(&instance, &store, "__wasm_call_ctors")?;
        let stack_init = func::<(), ()>(&instance, &store, "emscripten_stack_init")?;
        let exports = Exports {
            handle: func(&instance, &store, "handle")?,
            stack_get_end: func(&instance, &store, "emscripten_stack_get_end")?,
            stack_get_current: func(&instance, &store, "emscripten_stack_get_current")?,
            stack_alloc: func(&instance, &store, "_emscripten_stack_alloc")?,
            stack_restore: func(&instance, &store, "_emscripten_stack_restore")?,
            view: func(&instance, &store, aoxide::module_abi::VIEW_EXPORT).ok(),
        };
        let mut live = Live {
            store,
            memory,
            exports,
            compute_limit: c.compute_limit,
        };
        // The loader's order: stackCheckInit (stack init, cookies), initRuntime (check,
        // constructors), postRun (check).
        stack_init
            .call(&mut live.store, ())
            .map_err(|e| format!("emscripten_stack_init trapped: {e}"))?;
        live.write_cookies().map_err(|f| f.message)?;
        live.check_cookies().map_err(|f| f.message)?;
        ctors
            .call(&mut live.store, ())
            .map_err(|e| format!("__wasm_call_ctors trapped: {e}"))?;
        live.check_cookies().map_err(|f| f.message)?;
        Ok(live)
    }

    fn cookie_address(&mut self) -> Result<usize, Fault> {
        let end = self
            .exports
            .stack_get_end
            .call(&mut self.store, ())
            .map_err(|e| Fault::fatal(format!("emscripten_stack_get_end trapped: {e}")))?
            as u32;
        if end & 3 != 0 {
            return Err(Fault::fatal(format!(
                "emscripten_stack_get_end returned {end:#x}, which is not 4-aligned"
            )));
        }
        Ok(if end == 0 { 4 } else { end as usize })
    }

    fn write_u32(&mut self, addr: usize, value: u32) -> Result<(), Fault> {
        self.memory
            .write(&mut self.store, addr, &value.to_le_bytes())
            .map_err(|_| Fault::fatal(format!("address {addr:#x} is out of bounds")))
    }

    fn read_u32(&self, addr: usize) -> Result<u32, Fault> {
        let mut b = [0u8; 4];
        self.memory
            .read(&self.store, addr, &mut b)
            .map_err(|_| Fault::fatal(format!("address {addr:#x} is out of bounds")))?;
        Ok(u32::from_le_bytes(b))
    }

    fn write_cookies(&mut self) -> Result<(), Fault> {
        let max = self.cookie_address()?;
        self.write_u32(max, COOKIE_1)?;
        self.write_u32(max + 4, COOKIE_2)?;
        self.write_u32(0, COOKIE_0)
    }

    fn check_cookies(&mut self) -> Result<(), Fault> {
        let max = self.cookie_address()?;
        let (c1, c2) = (self.read_u32(max)?, self.read_u32(max + 4)?);
        if c1 != COOKIE_1 || c2 != COOKIE_2 {
            return Err(Fault::fatal(format!(
                "Stack overflow! Stack cookie has been overwritten at {max:#x}, expected hex \
                 dwords 0x89BACDFE and 0x2135467, but received {c2:#x} {c1:#x}"
            )));
        }
        if self.read_u32(0)? != COOKIE_0 {
            return Err(Fault::fatal(
                "Runtime error: The application has corrupted its heap memory area (address zero)!",
            ));
        }
        Ok(())
    }

    /// Copies `s` and a NUL onto the argument stack, as `stringToUTF8OnStack` does.
    fn push_string(&mut self, s: &[u8], what: &str) -> Result<i32, Fault> {
        let size = i32::try_from(s.len() + 1)
            .map_err(|_| Fault::fatal(format!("the {what} is too large for wasm32")))?;
        let ptr = self
            .exports
            .stack_alloc
            .call(&mut self.store, size)
            .map_err(|e| Fault::fatal(format!("_emscripten_stack_alloc trapped: {e}")))?;
        let addr = ptr as u32 as usize;
        let data = self.memory.data_mut(&mut self.store);
        let Some(dst) = data.get_mut(addr..addr + s.len() + 1) else {
            return Err(Fault::fatal(format!(
                "_emscripten_stack_alloc({size}) returned {addr:#x}, out of bounds"
            )));
        };
        dst[..s.len()].copy_from_slice(s);
        dst[s.len()] = 0;
        Ok(ptr)
    }

    /// Writes `snapshot` over the start of memory, growing memory first when it is larger
    /// (as the loader restores memory).
    fn load(&mut self, snapshot: &[u8]) -> Result<(), String> {
        let size = self.memory.data_size(&self.store) as u64;
        let want = snapshot.len() as u64;
        if want > size {
            let pages = (want - size).div_ceil(PAGE);
            self.memory
                .grow(&mut self.store, pages)
                .map_err(|e| format!("cannot grow memory from {size} to {want} bytes: {e}"))?;
        }
        self.memory.data_mut(&mut self.store)[..snapshot.len()].copy_from_slice(snapshot);
        Ok(())
    }

    /// The NUL-terminated text at `addr`, which `what` returned.
    fn c_string(&self, addr: i32, what: &str) -> Result<Vec<u8>, String> {
        let addr = addr as u32 as usize;
        let data = self.memory.data(&self.store);
        match data.get(addr..) {
            Some(tail) if addr != 0 => match tail.iter().position(|&b| b == 0) {
                Some(len) => Ok(tail[..len].to_vec()),
                None => Err(format!(
                    "the result of {what} at {addr:#x} has no NUL before the end of memory"
                )),
            },
            _ => Err(format!("{what} returned the invalid pointer {addr:#x}")),
        }
    }

    /// One `aoxide_view` call.
    fn view(&mut self, part: ViewPart) -> Result<Vec<u8>, BackendViewError> {
        let Some(view) = self.exports.view else {
            return Err(BackendViewError::Module(format!(
                "the module has no `{}` export (it was built with an aoxide without the view)",
                aoxide::module_abi::VIEW_EXPORT
            )));
        };
        self.store
            .set_fuel(self.compute_limit)
            .map_err(|e| BackendViewError::Module(format!("cannot set the compute limit: {e}")))?;
        let addr = view
            .call(&mut self.store, part as i32)
            .map_err(|e| BackendViewError::Module(format!("wasm trap in the view: {e}")))?;
        self.c_string(addr, aoxide::module_abi::VIEW_EXPORT)
            .map_err(BackendViewError::Module)
    }

    /// One `handle` call as the loader's `ccall("handle", "string", ["string", "string"])`.
    fn call(&mut self, msg: &[u8], env: &[u8]) -> Result<Vec<u8>, Fault> {
        self.store
            .set_fuel(self.compute_limit)
            .map_err(|e| Fault::fatal(format!("cannot set the compute limit: {e}")))?;
        let saved = self
            .exports
            .stack_get_current
            .call(&mut self.store, ())
            .map_err(|e| Fault::fatal(format!("emscripten_stack_get_current trapped: {e}")))?;
        let p_msg = self.push_string(msg, "message")?;
        let p_env = self.push_string(env, "env")?;
        let result = self
            .exports
            .handle
            .call(&mut self.store, (p_msg, p_env))
            .map_err(|e| Fault::fatal(format!("wasm trap in handle: {e}")))?;
        let text = self.c_string(result, "handle");
        if saved != 0 {
            self.exports
                .stack_restore
                .call(&mut self.store, saved)
                .map_err(|e| Fault::fatal(format!("_emscripten_stack_restore trapped: {e}")))?;
        }
        self.check_cookies()?;
        text.map_err(|message| Fault {
            message,
            fatal: false,
        })
    }
}

/// Turns a result JSON into an [`Outcome`] through the runtime's codec; a result the
/// loader would reject is an error outcome.
fn parse_result(bytes: &[u8]) -> Outcome {
    Outcome::from_json(bytes).unwrap_or_else(|e| Outcome::failed(e.to_string()))
}

/// A [`Backend`] that runs a built AO module in the `wasmi` interpreter, as ao-loader runs
/// it (see the [module docs](self)).
pub struct WasmBackend {
    module: WasmModule,
    live: Option<Live>,
    fault: Option<String>,
    rollback_on_trap: bool,
    checkpoint: Vec<u8>,
}

impl fmt::Debug for WasmBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmBackend")
            .field("memory_bytes", &self.memory_size())
            .field("fault", &self.fault)
            .field("rollback_on_trap", &self.rollback_on_trap)
            .finish()
    }
}

impl WasmBackend {
    /// Checks, compiles and instantiates `bytes` (see [`WasmModule`] to share the compiled
    /// module between instances).
    pub fn new(bytes: &[u8]) -> Result<Self, WasmError> {
        WasmModule::new(bytes)?.instantiate()
    }

    /// The module this instance runs.
    pub fn module(&self) -> &WasmModule {
        &self.module
    }

    /// When `true` (the default), memory is copied before every message and a trap rolls
    /// the instance back to that copy (in a fresh instance), as a compute unit keeps the
    /// previous memory of a rejected call and the process goes on. Costs one copy of the
    /// whole memory per message. When `false`, a trap leaves the instance failed.
    pub fn set_rollback_on_trap(&mut self, on: bool) {
        self.rollback_on_trap = on;
        if !on {
            self.checkpoint = Vec::new();
        }
    }

    /// Why the instance no longer runs messages (a trap, corrupted cookies), if it does not.
    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }

    /// The current size of linear memory in bytes.
    pub fn memory_size(&self) -> usize {
        self.live
            .as_ref()
            .map_or(0, |l| l.memory.data_size(&l.store))
    }

    /// Runs one `handle` call on raw JSON (without the NUL) and returns the raw result
    /// JSON, or why the call failed.
    pub fn handle_json(&mut self, msg: &[u8], env: &[u8]) -> Result<Vec<u8>, String> {
        if let Some(fault) = &self.fault {
            return Err(format!(
                "the wasm instance failed earlier and runs no more messages: {fault}"
            ));
        }
        let Some(live) = self.live.as_mut() else {
            return Err("the wasm instance is gone".into());
        };
        if self.rollback_on_trap {
            let data = live.memory.data(&live.store);
            self.checkpoint.clear();
            self.checkpoint.extend_from_slice(data);
        }
        match live.call(msg, env) {
            Ok(out) => Ok(out),
            Err(fault) if !fault.fatal => Err(fault.message),
            Err(fault) => {
                if self.rollback_on_trap {
                    let checkpoint = std::mem::take(&mut self.checkpoint);
                    if let Err(e) = self.restore(&checkpoint) {
                        self.fault = Some(format!("{}; then {e}", fault.message));
                    }
                    self.checkpoint = checkpoint;
                } else {
                    self.fault = Some(fault.message.clone());
                }
                Err(fault.message)
            }
        }
    }

    /// A copy of the whole linear memory: the process state, as a compute unit stores it.
    /// Empty when the instance is gone.
    pub fn snapshot(&self) -> Vec<u8> {
        self.live
            .as_ref()
            .map_or_else(Vec::new, |l| l.memory.data(&l.store).to_vec())
    }

    /// Replaces this instance with a fresh one (constructors, stack init and cookies run
    /// first) holding `snapshot`, as the loader restores memory: grow when the snapshot is
    /// larger, then copy it over the start of memory. Clears any earlier fault.
    pub fn restore(&mut self, snapshot: &[u8]) -> Result<(), WasmError> {
        let mut live = Live::new(&self.module.inner).map_err(WasmError::Instantiate)?;
        live.load(snapshot).map_err(WasmError::Restore)?;
        live.check_cookies()
            .map_err(|f| WasmError::Restore(f.message))?;
        self.live = Some(live);
        self.fault = None;
        Ok(())
    }
}

impl WasmBackend {
    /// One part of the process as JSON (the module's `aoxide_view` export; see
    /// [`aoxide::view`]), asked of a fresh instance holding a copy of this one's memory,
    /// so looking never changes the process (not even its allocator).
    pub fn view(&self, part: ViewPart) -> Result<Vec<u8>, BackendViewError> {
        let Some(live) = self.live.as_ref() else {
            return Err(BackendViewError::Module("the wasm instance is gone".into()));
        };
        let mut copy = Live::new(&self.module.inner).map_err(BackendViewError::Module)?;
        copy.load(live.memory.data(&live.store))
            .map_err(BackendViewError::Module)?;
        copy.view(part)
    }
}

impl Backend for WasmBackend {
    fn handle(&mut self, msg: Message, env: &Env) -> Outcome {
        let msg = msg.to_json();
        let env = env.to_json();
        match self.handle_json(msg.as_bytes(), env.as_bytes()) {
            Ok(result) => parse_result(&result),
            Err(e) => Outcome::failed(e),
        }
    }

    fn view(&self, part: ViewPart) -> Result<Vec<u8>, BackendViewError> {
        WasmBackend::view(self, part)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl Net {
    /// Registers the built module `bytes` as module `name`: checks it ([`check_module`]),
    /// compiles it once, and makes one fresh [`WasmBackend`] per spawned process.
    ///
    /// # Panics
    /// When `name` is already registered.
    pub fn register_wasm(&mut self, name: &str, bytes: &[u8]) -> Result<ModuleId, WasmError> {
        let module = WasmModule::new(bytes)?;
        // Fail now rather than at spawn time.
        module.instantiate()?;
        Ok(self.register_wasm_module(name, module))
    }

    /// Registers an already compiled [`WasmModule`] as module `name`.
    ///
    /// # Panics
    /// When `name` is already registered.
    pub fn register_wasm_module(&mut self, name: &str, module: WasmModule) -> ModuleId {
        self.register_backend(name, move || match module.instantiate() {
            Ok(backend) => Box::new(backend) as Box<dyn Backend>,
            Err(e) => Box::new(WasmBackend {
                module: module.clone(),
                live: None,
                fault: Some(e.to_string()),
                rollback_on_trap: false,
                checkpoint: Vec::new(),
            }),
        })
    }

    /// The wasm backend running `process`, if it runs one (for [`WasmBackend::snapshot`]).
    pub fn wasm_backend(&self, process: &crate::ProcessId) -> Option<&WasmBackend> {
        self.backend(process)?
            .as_any()
            .downcast_ref::<WasmBackend>()
    }
}
