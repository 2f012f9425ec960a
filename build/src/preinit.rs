//! Pre-initialisation: a module's [`PREINIT_EXPORT`] run once at build time, and the memory
//! it leaves baked into the module as its data.
//!
//! A module with the Lua layer builds the same VM with the same AOS environment at every
//! spawn, before the process has an id; its `aoxide_preinit` export builds it ahead of time
//! instead (`aoxide_lua::preinit`). The build calls that export in a fresh instance under
//! node (the engine the hosts use, and one that runs the layer's wasm exception handling),
//! reads the memory, and writes a module whose data segments are that memory, whose initial
//! memory holds it, and which no longer exports the hook. A spawn of the result finds the
//! VM built: it pays neither the time to build it nor the compilation of the code that
//! builds it, which V8 compiles lazily on a function's first call.
//!
//! The result is the module the host would have after the call, so behaviour is unchanged:
//! hosts call `__wasm_call_ctors` and then `handle`, and `handle` resets the stack pointer
//! (the only mutable global, [`crate::link`]) on entry. The stack (below the stack
//! pointer's initial value) is free between calls, so what the call left there is dropped.
//! The output depends only on the module: the call is deterministic, and memory grows only
//! through `memory.grow` (the hook's host returns 0 from `env.emscripten_resize_heap`).

use std::ops::Range;
use std::path::Path;
use std::process::Command;

use aoxide::module_abi::{PAGE_SIZE, PREINIT_EXPORT};
use wasm_encoder::reencode::Reencode;
use wasm_encoder::{ConstExpr, DataSection, MemorySection, RawSection};
use wasmparser::{DataKind, ExternalKind, Operator, Parser, Payload};

use crate::node;

/// Names how modules are pre-initialised, for the build cache's key: change it when the
/// output for the same input changes.
pub const VERSION: &str = "preinit-2";

/// Zero bytes between two runs of data that still go into one segment: a segment costs
/// about this much (its flags, offset expression and length) in the module. Measured on
/// `lua-token.wasm`'s baked data: 8 gives the smallest module (221.9 KB of data and
/// segment headers; 4: 233.4, 16: 226.2, 32: 230.4).
const GAP: usize = 8;

/// Why pre-initialisation failed.
#[derive(Debug, thiserror::Error)]
pub enum PreinitError {
    /// The module could not be read.
    #[error("cannot read the module: {0}")]
    Read(#[from] wasmparser::BinaryReaderError),
    /// The module is not laid out as the baking needs.
    #[error("cannot pre-initialise the module: {0}")]
    Layout(String),
    /// node could not be started.
    #[error(
        "pre-initialising a module with `{PREINIT_EXPORT}` (the Lua layer) runs it under \
         node, and `{program}` could not be started (install Node 18 or newer, or name it \
         in {var})",
        var = node::NODE_VAR
    )]
    Node {
        /// What was started.
        program: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The call failed (node's message).
    #[error("`{PREINIT_EXPORT}` failed under node: {0}")]
    Call(String),
    /// A scratch file could not be written or read.
    #[error("pre-initialisation scratch file: {0}")]
    Io(#[source] std::io::Error),
}

/// Whether `bytes` exports [`PREINIT_EXPORT`] as a function.
pub fn has_preinit(bytes: &[u8]) -> Result<bool, wasmparser::BinaryReaderError> {
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::ExportSection(reader) = payload? {
            for export in reader {
                let export = export?;
                if export.name == PREINIT_EXPORT && export.kind == ExternalKind::Func {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// `bytes` pre-initialised when it exports [`PREINIT_EXPORT`] (else unchanged): see
/// [`run_hook`].
pub fn preinitialize(bytes: &[u8], scratch: &Path) -> Result<Vec<u8>, PreinitError> {
    if !has_preinit(bytes)? {
        return Ok(bytes.to_vec());
    }
    run_hook(bytes, scratch)
}

/// `bytes`, which exports [`PREINIT_EXPORT`], with the hook run under node (`scratch` for
/// the files) and [`bake`]d.
pub fn run_hook(bytes: &[u8], scratch: &Path) -> Result<Vec<u8>, PreinitError> {
    let memory = run_under_node(bytes, scratch)?;
    bake(bytes, &memory)
}

/// What node runs: instantiate, `__wasm_call_ctors` (as every host does first), the hook,
/// then the whole memory to a file. `env.emscripten_resize_heap` answers 0, so the module
/// grows memory itself.
const SCRIPT: &str = r#"
const fs = require('fs');
const [input, output, hook] = process.argv.slice(1);
const mod = new WebAssembly.Module(fs.readFileSync(input));
const imports = {};
for (const i of WebAssembly.Module.imports(mod)) {
  if (i.kind !== 'function') throw new Error(`cannot provide import ${i.module}.${i.name}`);
  (imports[i.module] ??= {})[i.name] = () => 0;
}
const { exports } = new WebAssembly.Instance(mod, imports);
if (typeof exports.__wasm_call_ctors === 'function') exports.__wasm_call_ctors();
exports[hook]();
fs.writeFileSync(output, new Uint8Array(exports.memory.buffer));
"#;

fn run_under_node(bytes: &[u8], scratch: &Path) -> Result<Vec<u8>, PreinitError> {
    // A first build's output directory may not exist yet.
    std::fs::create_dir_all(scratch).map_err(PreinitError::Io)?;
    let dir = tempfile::Builder::new()
        .prefix("aoxide-preinit")
        .tempdir_in(scratch)
        .map_err(PreinitError::Io)?;
    let input = dir.path().join("module.wasm");
    let output = dir.path().join("memory.bin");
    std::fs::write(&input, bytes).map_err(PreinitError::Io)?;
    let program = node::program();
    let ran = Command::new(&program)
        .arg("-e")
        .arg(SCRIPT)
        .arg(&input)
        .arg(&output)
        .arg(PREINIT_EXPORT)
        .output()
        .map_err(|source| PreinitError::Node {
            program: program.display().to_string(),
            source,
        })?;
    if !ran.status.success() {
        let stderr = String::from_utf8_lossy(&ran.stderr);
        let reason = stderr
            .lines()
            .find(|l| l.contains("Error"))
            .unwrap_or(stderr.trim());
        return Err(PreinitError::Call(format!("{} ({})", reason, ran.status)));
    }
    std::fs::read(&output).map_err(PreinitError::Io)
}

/// What [`bake`] needs to know about the module.
struct Layout {
    /// The stack pointer's initial value: the stack is below it.
    stack_top: usize,
    /// The memory's limits in pages.
    minimum: u64,
    maximum: Option<u64>,
    /// Whether it has a data section.
    has_data: bool,
}

fn layout(bytes: &[u8]) -> Result<Layout, PreinitError> {
    let bad = |what: &str| PreinitError::Layout(what.to_owned());
    let mut stack_top = None;
    let mut limits = None;
    let mut has_data = false;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ImportSection(reader) => {
                for import in reader {
                    if matches!(import?.ty, wasmparser::TypeRef::Memory(_)) {
                        return Err(bad("its memory is imported"));
                    }
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory?;
                    if limits.is_some() || memory.memory64 || memory.shared {
                        return Err(bad("it needs exactly one 32-bit, unshared memory"));
                    }
                    limits = Some((memory.initial, memory.maximum));
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    if !global.ty.mutable {
                        continue;
                    }
                    let mut ops = global.init_expr.get_operators_reader();
                    match (ops.read()?, stack_top) {
                        (Operator::I32Const { value }, None) => {
                            stack_top = Some(value as u32 as usize)
                        }
                        _ => return Err(bad("the stack pointer must be its one mutable global")),
                    }
                }
            }
            Payload::DataSection(reader) => {
                has_data = true;
                for data in reader {
                    let data = data?;
                    let DataKind::Active {
                        memory_index: 0,
                        offset_expr,
                    } = data.kind
                    else {
                        return Err(bad("a data segment is passive"));
                    };
                    let Operator::I32Const { value } = offset_expr.get_operators_reader().read()?
                    else {
                        return Err(bad("a data segment's offset is not a constant"));
                    };
                    if (value as u32 as usize) < stack_top.unwrap_or(usize::MAX) {
                        return Err(bad("a data segment lies below the stack pointer"));
                    }
                }
            }
            _ => {}
        }
    }
    let (minimum, maximum) = limits.ok_or_else(|| bad("it defines no memory"))?;
    let stack_top = stack_top.ok_or_else(|| bad("it has no stack pointer"))?;
    Ok(Layout {
        stack_top,
        minimum,
        maximum,
        has_data,
    })
}

/// The runs of non-zero bytes of `memory` from `start` on, runs less than [`GAP`] zero bytes
/// apart joined.
fn runs(memory: &[u8], start: usize) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut at = start;
    while let Some(offset) = memory[at..].iter().position(|&b| b != 0) {
        let begin = at + offset;
        let end = memory[begin..]
            .iter()
            .position(|&b| b == 0)
            .map_or(memory.len(), |n| begin + n);
        match runs.last_mut() {
            Some(last) if begin - last.end < GAP => last.end = end,
            _ => runs.push(begin..end),
        }
        at = end;
    }
    runs
}

/// `bytes` with `memory` (the whole linear memory after [`PREINIT_EXPORT`] ran in a fresh
/// instance of it) as its data, its initial memory large enough to hold it, and without the
/// export. Every other section is copied as it is.
pub fn bake(bytes: &[u8], memory: &[u8]) -> Result<Vec<u8>, PreinitError> {
    let layout = layout(bytes)?;
    let page = PAGE_SIZE as usize;
    if !memory.len().is_multiple_of(page) || (memory.len() / page) < layout.minimum as usize {
        return Err(PreinitError::Layout(format!(
            "the memory read back ({} bytes) is not the module's memory",
            memory.len()
        )));
    }
    let pages = (memory.len() / page) as u64;
    if layout.maximum.is_some_and(|max| pages > max) {
        return Err(PreinitError::Layout(format!(
            "the hook grew memory to {pages} pages, past the module's maximum"
        )));
    }
    let runs = runs(memory, layout.stack_top.min(memory.len()));

    let mut module = wasm_encoder::Module::new();
    let write_data = |module: &mut wasm_encoder::Module| {
        let mut data = DataSection::new();
        for run in &runs {
            data.active(
                0,
                &ConstExpr::i32_const(run.start as i32),
                memory[run.clone()].iter().copied(),
            );
        }
        module.section(&data);
    };
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        match &payload {
            Payload::MemorySection(_) => {
                let mut section = MemorySection::new();
                section.memory(wasm_encoder::MemoryType {
                    minimum: pages,
                    maximum: layout.maximum,
                    memory64: false,
                    shared: false,
                    page_size_log2: None,
                });
                module.section(&section);
            }
            Payload::ExportSection(reader) => {
                let mut section = wasm_encoder::ExportSection::new();
                for export in reader.clone() {
                    let export = export?;
                    if export.name == PREINIT_EXPORT {
                        continue;
                    }
                    section.export(
                        export.name,
                        wasm_encoder::reencode::RoundtripReencoder.export_kind(export.kind),
                        export.index,
                    );
                }
                module.section(&section);
            }
            Payload::DataCountSection { .. } => {
                module.section(&wasm_encoder::DataCountSection {
                    count: runs.len() as u32,
                });
            }
            Payload::DataSection(_) => write_data(&mut module),
            Payload::CodeSectionEntry(_) => {}
            Payload::CodeSectionStart { .. } => {
                copy_raw(&mut module, bytes, &payload);
                // The data section follows the code section; a module without one gets it
                // there.
                if !layout.has_data {
                    write_data(&mut module);
                }
            }
            _ => copy_raw(&mut module, bytes, &payload),
        }
    }
    Ok(module.finish())
}

fn copy_raw(module: &mut wasm_encoder::Module, bytes: &[u8], payload: &Payload<'_>) {
    if let Some((id, range)) = payload.as_section() {
        module.section(&RawSection {
            id,
            data: &bytes[range],
        });
    }
}
