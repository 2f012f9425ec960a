//! The [`Backend`] over an instance: a trap rolls back to the memory before the message,
//! snapshots restore into fresh instances, the view runs on a copy, and [`Net`]
//! registers built modules.

use std::any::Any;
use std::fmt;

use aoxide::view::ViewPart;
use aoxide::{Env, Message, Outcome};

use super::instance::Live;
use super::{panic_text, WasmError, WasmModule};
use crate::backend::{Backend, BackendViewError};
use crate::ids::ModuleId;
use crate::net::Net;

/// Turns a result JSON into an [`Outcome`] through the runtime's codec; a result the
/// loader would reject is an error outcome.
fn parse_result(bytes: &[u8]) -> Outcome {
    Outcome::from_json(bytes).unwrap_or_else(|e| Outcome::failed(e.to_string()))
}

/// A [`Backend`] that runs a built AO module in the `wasmi` interpreter, as ao-loader runs
/// it (see the [module docs](crate::wasm)).
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
    /// A backend running the instance `live` of `module`.
    pub(super) fn running(module: WasmModule, live: Live) -> Self {
        WasmBackend {
            module,
            live: Some(live),
            fault: None,
            rollback_on_trap: true,
            checkpoint: Vec::new(),
        }
    }

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

    /// The fuel (about one unit per executed wasm instruction) the last call into the
    /// module used: `handle` with the argument stack around it, or a view. A measure of
    /// the module's work that the machine's load does not change (`examples/fuel.rs`).
    pub fn last_call_fuel(&self) -> Option<u64> {
        let live = self.live.as_ref()?;
        let left = live.store.get_fuel().ok()?;
        Some(self.module.compute_limit().saturating_sub(left))
    }

    /// Runs one `handle` call on raw JSON (without the NUL) and returns the raw result
    /// JSON, or why the call failed. A `msg` or `env` with a NUL byte in it is refused
    /// (the module reads both as C strings, which would end at the NUL) and the instance
    /// goes on.
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
            Err(mut fault) => {
                // The panic hook wrote why into linear memory just before the abort: read
                // it before the memory is rolled back (or the instance given up).
                if let Some(text) = panic_text(live.memory.data(&live.store)) {
                    fault.message = format!("{}: {text}", fault.message);
                }
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
    /// Registers the built module `bytes` as module `name`: checks it
    /// ([`aoxide_build::check_module`]), compiles it once, and makes one fresh
    /// [`WasmBackend`] per spawned process.
    ///
    /// A module that uses wasm exception handling (one with aoxide's Lua layer), which
    /// wasmi does not run, goes to the ao-loader backend instead
    /// ([`crate::loader::LoaderModule`], a node child per process): the same scenario runs
    /// on either.
    ///
    /// # Panics
    /// When `name` is already registered.
    pub fn register_wasm(&mut self, name: &str, bytes: &[u8]) -> Result<ModuleId, WasmError> {
        if aoxide_build::uses_exceptions(bytes).unwrap_or(false) {
            let module = crate::loader::LoaderModule::new(bytes)?;
            // Fail now rather than at spawn time.
            drop(module.instantiate()?);
            return Ok(self.register_loader_module(name, module));
        }
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
