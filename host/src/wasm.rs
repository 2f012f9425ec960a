//! Running built `.wasm` modules (feature `wasm`): [`WasmBackend`], [`WasmModule`] and the
//! module validator [`check_module`].
//!
//! [`WasmBackend`] implements [`Backend`] by running an AO module with the `wasmi`
//! interpreter, driven exactly as `@permaweb/ao-loader` drives a
//! `wasm32-unknown-emscripten4` module (see `shared/spec/module-abi.md`):
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

use std::any::Any;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aoxide::module_abi::{PANIC_RECORD_MAGIC, PANIC_RECORD_TEXT};
use aoxide::{Env, Message, Outcome};
use wasmi::{
    Caller, Engine, Extern, Instance, Linker, Memory, Module, Store, StoreLimits,
    StoreLimitsBuilder, TypedFunc,
};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType};

use crate::backend::Backend;
use crate::ids::ModuleId;
use crate::net::Net;

/// The only import a module may have, as `module.name`.
pub const ALLOWED_IMPORTS: &[&str] = &["env.emscripten_resize_heap"];

/// The exports every AO host needs: name, kind, and for functions `(params, results)` as
/// strings of `i` (i32).
pub const REQUIRED_EXPORTS: &[(&str, ExportKind)] = &[
    ("memory", ExportKind::Memory),
    ("__indirect_function_table", ExportKind::Table),
    ("__wasm_call_ctors", ExportKind::Func("", "")),
    ("handle", ExportKind::Func("ii", "i")),
    ("malloc", ExportKind::Func("i", "i")),
    ("free", ExportKind::Func("i", "")),
    ("emscripten_stack_init", ExportKind::Func("", "")),
    ("emscripten_stack_get_end", ExportKind::Func("", "i")),
    ("emscripten_stack_get_current", ExportKind::Func("", "i")),
    ("_emscripten_stack_alloc", ExportKind::Func("i", "i")),
    ("_emscripten_stack_restore", ExportKind::Func("i", "")),
];

/// Exports the linker adds that hosts ignore; any other extra export is a warning.
pub const TOLERATED_EXPORTS: &[&str] = &["__heap_base", "__data_end"];

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

const PAGE: u64 = 65536;

// ----- the validator -----

/// The kind of an export the ABI requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// A function with these params and results, one `i` per i32.
    Func(&'static str, &'static str),
    /// A table.
    Table,
    /// A linear memory.
    Memory,
}

impl fmt::Display for ExportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportKind::Func(p, r) => write!(f, "function {}", signature(p, r)),
            ExportKind::Table => f.write_str("table"),
            ExportKind::Memory => f.write_str("memory"),
        }
    }
}

fn signature(params: &str, results: &str) -> String {
    let list = |s: &str| {
        s.chars()
            .map(|c| if c == 'i' { "i32" } else { "?" })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(params), list(results))
}

/// A custom section of a module (for example `aoxide.interface`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSection {
    /// The section name.
    pub name: String,
    /// Its contents.
    pub data: Vec<u8>,
}

/// What [`check_module`] found in a conforming module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleReport {
    /// The module size in bytes.
    pub size: usize,
    /// The initial linear memory, in bytes (what a fresh instance starts with, and the
    /// largest snapshot HyperBEAM restores).
    pub initial_memory: u64,
    /// The declared maximum memory in bytes, if any.
    pub maximum_memory: Option<u64>,
    /// Every import, as `module.name`.
    pub imports: Vec<String>,
    /// Every export name, in module order.
    pub exports: Vec<String>,
    /// The custom sections, in module order.
    pub custom_sections: Vec<CustomSection>,
    /// Things hosts accept but that are worth a look (extra exports).
    pub warnings: Vec<String>,
}

impl ModuleReport {
    /// The contents of the first custom section called `name`.
    pub fn custom_section(&self, name: &str) -> Option<&[u8]> {
        self.custom_sections
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.data.as_slice())
    }
}

/// One reason a module does not conform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The bytes are not a valid WebAssembly module.
    Malformed(String),
    /// An import outside [`ALLOWED_IMPORTS`], or the allowed one with the wrong type.
    ForbiddenImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// What is imported (`function (i32) -> (i32)`, `memory`, ...).
        kind: String,
    },
    /// A required export is missing.
    MissingExport {
        /// Export name.
        name: String,
        /// What it must be.
        expected: String,
    },
    /// A required export has the wrong kind or signature.
    WrongExport {
        /// Export name.
        name: String,
        /// What it must be.
        expected: String,
        /// What it is.
        found: String,
    },
    /// The exported memory is not a plain 32-bit memory.
    Memory(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Malformed(e) => write!(f, "not a valid wasm module: {e}"),
            Problem::ForbiddenImport { module, name, kind } => write!(
                f,
                "forbidden import {module}.{name} ({kind}); hosts link only {} \
                 (function (i32) -> (i32))",
                ALLOWED_IMPORTS.join(", ")
            ),
            Problem::MissingExport { name, expected } => {
                write!(f, "missing export {name} ({expected})")
            }
            Problem::WrongExport {
                name,
                expected,
                found,
            } => write!(f, "export {name} is {found}, expected {expected}"),
            Problem::Memory(e) => write!(f, "memory: {e}"),
        }
    }
}

/// Why [`check_module`] rejected a module: every problem found, each naming the offending
/// import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// The problems, in the order found (imports, then exports).
    pub problems: Vec<Problem>,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the module does not conform to the AO module ABI ({} problem{}):",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CheckError {}

fn val_code(t: &ValType) -> char {
    match t {
        ValType::I32 => 'i',
        ValType::I64 => 'I',
        ValType::F32 => 'f',
        ValType::F64 => 'F',
        _ => '?',
    }
}

fn describe_func(params: &str, results: &str) -> String {
    let name = |c| match c {
        'i' => "i32",
        'I' => "i64",
        'f' => "f32",
        'F' => "f64",
        _ => "ref/v128",
    };
    let list = |s: &str| s.chars().map(name).collect::<Vec<_>>().join(", ");
    format!("function ({}) -> ({})", list(params), list(results))
}

/// Checks that `bytes` is a valid wasm module with exactly the AO module ABI: the exports
/// of `shared/spec/module-abi.md` with their signatures ([`REQUIRED_EXPORTS`]), no import
/// but `env.emscripten_resize_heap` ([`ALLOWED_IMPORTS`]), and a 32-bit memory. Needs no
/// network and runs nothing.
///
/// Returns what it found (sizes, memory, custom sections such as `aoxide.interface`), or
/// every problem, each naming the offending import or export.
pub fn check_module(bytes: &[u8]) -> Result<ModuleReport, CheckError> {
    let malformed = |e: wasmparser::BinaryReaderError| CheckError {
        problems: vec![Problem::Malformed(e.to_string())],
    };
    // Full validation first, with the features current Rust emits (the default set).
    wasmparser::Validator::new()
        .validate_all(bytes)
        .map_err(malformed)?;

    let mut problems = Vec::new();
    let mut types: Vec<(String, String)> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut memories: Vec<wasmparser::MemoryType> = Vec::new();
    let mut exports: Vec<(String, ExternalKind, u32)> = Vec::new();
    let mut report = ModuleReport {
        size: bytes.len(),
        initial_memory: 0,
        maximum_memory: None,
        imports: Vec::new(),
        exports: Vec::new(),
        custom_sections: Vec::new(),
        warnings: Vec::new(),
    };

    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(malformed)? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty.map_err(malformed)?;
                    types.push((
                        ty.params().iter().map(val_code).collect(),
                        ty.results().iter().map(val_code).collect(),
                    ));
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(malformed)?;
                    let full = format!("{}.{}", import.module, import.name);
                    let kind = match import.ty {
                        TypeRef::Func(t) => {
                            func_types.push(t);
                            types
                                .get(t as usize)
                                .map(|(p, r)| describe_func(p, r))
                                .unwrap_or_else(|| "function".into())
                        }
                        TypeRef::Memory(m) => {
                            memories.push(m);
                            "memory".into()
                        }
                        TypeRef::Table(_) => "table".into(),
                        TypeRef::Global(_) => "global".into(),
                        TypeRef::Tag(_) => "tag".into(),
                    };
                    let allowed =
                        ALLOWED_IMPORTS.contains(&full.as_str()) && kind == describe_func("i", "i");
                    if !allowed {
                        problems.push(Problem::ForbiddenImport {
                            module: import.module.to_owned(),
                            name: import.name.to_owned(),
                            kind,
                        });
                    }
                    report.imports.push(full);
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    func_types.push(t.map_err(malformed)?);
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    memories.push(m.map_err(malformed)?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(malformed)?;
                    exports.push((export.name.to_owned(), export.kind, export.index));
                }
            }
            Payload::CustomSection(reader) => report.custom_sections.push(CustomSection {
                name: reader.name().to_owned(),
                data: reader.data().to_vec(),
            }),
            _ => {}
        }
    }

    let describe = |kind: ExternalKind, index: u32| -> String {
        match kind {
            ExternalKind::Func => func_types
                .get(index as usize)
                .and_then(|&t| types.get(t as usize))
                .map(|(p, r)| describe_func(p, r))
                .unwrap_or_else(|| "function".into()),
            ExternalKind::Table => "table".into(),
            ExternalKind::Memory => "memory".into(),
            ExternalKind::Global => "global".into(),
            ExternalKind::Tag => "tag".into(),
        }
    };
    for &(name, expected) in REQUIRED_EXPORTS {
        let expected_text = match expected {
            ExportKind::Func(p, r) => describe_func(p, r),
            other => other.to_string(),
        };
        match exports.iter().find(|(n, _, _)| n == name) {
            None => problems.push(Problem::MissingExport {
                name: name.to_owned(),
                expected: expected_text,
            }),
            Some(&(_, kind, index)) => {
                let found = describe(kind, index);
                if found != expected_text {
                    problems.push(Problem::WrongExport {
                        name: name.to_owned(),
                        expected: expected_text,
                        found,
                    });
                }
            }
        }
    }
    for (name, kind, index) in &exports {
        report.exports.push(name.clone());
        let known = REQUIRED_EXPORTS.iter().any(|(n, _)| n == name)
            || TOLERATED_EXPORTS.contains(&name.as_str());
        if !known {
            report.warnings.push(format!(
                "unexpected export {name} ({}): hosts ignore it",
                describe(*kind, *index)
            ));
        }
    }

    if let Some(&(_, ExternalKind::Memory, index)) = exports.iter().find(|(n, _, _)| n == "memory")
    {
        if let Some(m) = memories.get(index as usize) {
            if m.memory64 {
                problems.push(Problem::Memory(
                    "memory64 (hosts run wasm32 modules)".into(),
                ));
            }
            if m.shared {
                problems.push(Problem::Memory("shared memory".into()));
            }
            if m.page_size_log2.is_some_and(|l| l != 16) {
                problems.push(Problem::Memory("custom page size".into()));
            }
            report.initial_memory = m.initial.saturating_mul(PAGE);
            report.maximum_memory = m.maximum.map(|p| p.saturating_mul(PAGE));
        }
    }

    if problems.is_empty() {
        Ok(report)
    } else {
        Err(CheckError { problems })
    }
}

/// Whether `bytes` declare or import an exception tag (what every module that uses wasm
/// exception handling has). Unreadable bytes are left to [`check_module`] to explain.
fn uses_exceptions(bytes: &[u8]) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(wasmparser::Payload::TagSection(_)) => return true,
            Ok(wasmparser::Payload::ImportSection(reader))
                if reader
                    .clone()
                    .into_iter()
                    .flatten()
                    .any(|i| matches!(i.ty, wasmparser::TypeRef::Tag(_))) =>
            {
                return true;
            }
            Ok(wasmparser::Payload::CodeSectionStart { .. }) | Err(_) => return false,
            _ => {}
        }
    }
    false
}

// ----- the backend -----

/// Why a module could not be loaded or an instance made.
#[derive(Debug)]
pub enum WasmError {
    /// The module does not conform to the ABI.
    Check(CheckError),
    /// The engine rejected the module.
    Compile(String),
    /// Instantiation failed (linking, a trap in a constructor, corrupted cookies).
    Instantiate(String),
    /// A snapshot could not be restored.
    Restore(String),
    /// The module uses wasm exception handling (a module with aoxide's Lua layer: C Lua's
    /// setjmp/longjmp), which wasmi, the engine of this backend, does not implement.
    Exceptions,
}

impl fmt::Display for WasmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmError::Check(e) => e.fmt(f),
            WasmError::Compile(e) => write!(f, "the wasm module does not compile: {e}"),
            WasmError::Instantiate(e) => write!(f, "the wasm module does not instantiate: {e}"),
            WasmError::Restore(e) => write!(f, "the snapshot cannot be restored: {e}"),
            WasmError::Exceptions => write!(
                f,
                "the module uses wasm exception handling (C Lua's setjmp/longjmp: a module with \
                 aoxide's Lua layer), which this backend's engine (wasmi) does not run; run \
                 it under ao-loader (`node tests/conformance/demo.mjs MODULE.wasm ...` in the \
                 aoxide repository), or test the process natively"
            ),
        }
    }
}

impl std::error::Error for WasmError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WasmError::Check(e) => Some(e),
            _ => None,
        }
    }
}

impl From<CheckError> for WasmError {
    fn from(e: CheckError) -> Self {
        WasmError::Check(e)
    }
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
        if uses_exceptions(bytes) {
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
        let addr = result as u32 as usize;
        let data = self.memory.data(&self.store);
        let text = match data.get(addr..) {
            Some(tail) if addr != 0 => match tail.iter().position(|&b| b == 0) {
                Some(len) => Ok(tail[..len].to_vec()),
                None => Err(format!(
                    "the result at {addr:#x} has no NUL before the end of memory"
                )),
            },
            _ => Err(format!("handle returned the invalid pointer {addr:#x}")),
        };
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

/// The text of the panic record in `memory` (see [`PANIC_RECORD_MAGIC`]), when a panic
/// was recorded since the call began: the first 4-aligned marker whose length is in range.
pub fn panic_text(memory: &[u8]) -> Option<String> {
    let header = PANIC_RECORD_MAGIC.len() + 4;
    let mut at = 0;
    while at + header <= memory.len() {
        if memory[at..at + PANIC_RECORD_MAGIC.len()] == PANIC_RECORD_MAGIC {
            let mut len = [0u8; 4];
            len.copy_from_slice(&memory[at + 16..at + 20]);
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
        let size = live.memory.data_size(&live.store) as u64;
        let want = snapshot.len() as u64;
        if want > size {
            let pages = (want - size).div_ceil(PAGE);
            live.memory.grow(&mut live.store, pages).map_err(|e| {
                WasmError::Restore(format!(
                    "cannot grow memory from {size} to {want} bytes: {e}"
                ))
            })?;
        }
        live.memory.data_mut(&mut live.store)[..snapshot.len()].copy_from_slice(snapshot);
        live.check_cookies()
            .map_err(|f| WasmError::Restore(f.message))?;
        self.live = Some(live);
        self.fault = None;
        Ok(())
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
