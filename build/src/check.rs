//! The one module validator: a module against the contract of [`aoxide::module_abi`].

use aoxide::module_abi::{self, ExportKind, Signature};
use serde::Serialize;
use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType, WasmFeatures};

/// A custom section of a module (for example `aoxide.interface`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomSection {
    /// The section name.
    pub name: String,
    /// Its size in bytes.
    pub size: usize,
    /// Its contents.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// What [`check_module`] found in a conforming module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleReport {
    /// The module size in bytes.
    pub size: usize,
    /// The initial linear memory in bytes (what a fresh instance starts with, and the largest
    /// snapshot HyperBEAM restores).
    pub initial_memory: u64,
    /// The declared maximum memory in bytes, if any.
    pub maximum_memory: Option<u64>,
    /// Every import, as `module.name`.
    pub imports: Vec<String>,
    /// Every export name, in module order.
    pub exports: Vec<String>,
    /// The custom sections, in module order.
    pub custom_sections: Vec<CustomSection>,
    /// Whether the module uses no bulk-memory and no non-trapping float-to-int opcode (what
    /// the metering format's parser needs).
    pub mvp_opcodes_only: bool,
    /// Whether the module uses wasm exception handling (a tag, `try`/`throw`): what C Lua's
    /// setjmp/longjmp compiles to in a module with the Lua layer. ao-loader's emscripten4
    /// format runs it (Node 20, legacy encoding); the metering format cannot parse it.
    pub exceptions: bool,
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The bytes are not a valid WebAssembly module.
    #[error("not a valid wasm module: {0}")]
    Malformed(String),
    /// An import outside [`module_abi::IMPORTS`], or an allowed one with the wrong type.
    #[error("forbidden import {module}.{name} ({kind}); hosts link only {allowed}")]
    ForbiddenImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// What is imported (`function (i32) -> (i32)`, `memory`, ...).
        kind: String,
        /// The allowed imports with their signatures.
        allowed: String,
    },
    /// A required export is missing.
    #[error("missing export {name} ({expected})")]
    MissingExport {
        /// Export name.
        name: String,
        /// What it must be.
        expected: String,
    },
    /// A required export has the wrong kind or signature.
    #[error("export {name} is {found}, expected {expected}")]
    WrongExport {
        /// Export name.
        name: String,
        /// What it must be.
        expected: String,
        /// What it is.
        found: String,
    },
    /// The exported memory is not a plain 32-bit memory.
    #[error("memory: {0}")]
    Memory(String),
    /// The module uses wasm exception handling, which the metering format cannot parse.
    #[error(
        "the module uses wasm exception handling (C Lua's setjmp/longjmp: a tag section and \
         try/throw), which the metering format's parser rejects; publish it with \
         Module-Format {} instead",
        module_abi::MODULE_FORMAT
    )]
    Exceptions,
    /// A function uses the new exception-handling encoding, which Node 20 cannot run.
    #[error(
        "function {function} uses {opcode} (the exnref encoding of exception handling), which \
         Node 20 cannot run: compile C code with `-mllvm -wasm-use-legacy-eh=true`"
    )]
    ExnRef {
        /// The function index.
        function: u32,
        /// The opcode.
        opcode: String,
    },
    /// A function uses an opcode the metering format's parser does not know.
    #[error("function {function} uses {opcode}, which the metering format cannot parse")]
    NotMvp {
        /// The function index.
        function: u32,
        /// The opcode.
        opcode: String,
    },
}

/// Why [`check_module`] rejected a module: every problem found, each naming the offending
/// import, export or function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the module does not conform to the AO module ABI:{}", list(.problems))]
pub struct CheckError {
    /// The problems, in the order found (imports, then exports, then memory).
    pub problems: Vec<Problem>,
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("\n  - {p}")).collect()
}

fn val_name(t: &ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::Ref(_) => "ref",
    }
}

fn describe_func(ty: &wasmparser::FuncType) -> String {
    let list = |ts: &[ValType]| ts.iter().map(val_name).collect::<Vec<_>>().join(", ");
    format!(
        "function ({}) -> ({})",
        list(ty.params()),
        list(ty.results())
    )
}

fn describe_sig(sig: &Signature) -> String {
    format!("function {sig}")
}

/// The features the validator accepts: what rustc emits for wasm32 today (the default
/// set), and the exception-handling proposal in its legacy encoding (`try`/`catch`/
/// `delegate`, what clang emits for C setjmp/longjmp with `-wasm-use-legacy-eh` and what
/// Node 20 runs) for modules that link C Lua. The new encoding (`try_table`, `throw_ref`)
/// validates here but is refused by [`check_module`] ([`Problem::ExnRef`]): Node 20 cannot
/// run it.
fn features() -> WasmFeatures {
    WasmFeatures::default() | WasmFeatures::LEGACY_EXCEPTIONS
}

/// Whether `op` belongs to the exception-handling proposal (either encoding).
fn is_exception_op(op: &wasmparser::Operator<'_>) -> bool {
    use wasmparser::Operator as O;
    matches!(
        op,
        O::Try { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. }
            | O::Rethrow { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::TryTable { .. }
    )
}

/// Whether the module at `bytes` uses wasm exception handling: a tag (defined or imported)
/// or an exception-handling instruction. The build skips the metering variant of such a
/// module (its parser rejects them).
pub fn uses_exceptions(bytes: &[u8]) -> Result<bool, wasmparser::BinaryReaderError> {
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TagSection(_) => return Ok(true),
            Payload::ImportSection(reader) => {
                for import in reader {
                    if matches!(import?.ty, TypeRef::Tag(_)) {
                        return Ok(true);
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    if is_exception_op(&ops.read()?) {
                        return Ok(true);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(false)
}

/// Checks that `bytes` is a valid wasm module with exactly the AO module ABI: the exports of
/// [`module_abi::EXPORTS`] with their signatures (and [`module_abi::TOOL_EXPORTS`] with
/// theirs, when present), no import but those of [`module_abi::IMPORTS`], and a plain
/// 32-bit memory. Runs nothing and needs no network.
///
/// Returns what it found (size, memory, custom sections such as `aoxide.interface`), or
/// every problem, each naming the offending import or export.
pub fn check_module(bytes: &[u8]) -> Result<ModuleReport, CheckError> {
    let malformed = |e: wasmparser::BinaryReaderError| CheckError {
        problems: vec![Problem::Malformed(e.to_string())],
    };
    wasmparser::Validator::new_with_features(features())
        .validate_all(bytes)
        .map_err(malformed)?;

    let allowed = module_abi::IMPORTS
        .iter()
        .map(|i| format!("{}.{} ({})", i.module, i.name, describe_sig(&i.signature)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut problems = Vec::new();
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut memories: Vec<wasmparser::MemoryType> = Vec::new();
    let mut exports: Vec<(String, ExternalKind, u32)> = Vec::new();
    // Defined functions, and the index of the next code body among them.
    let mut defined_funcs = 0u32;
    let mut body_index = 0u32;
    let mut report = ModuleReport {
        size: bytes.len(),
        initial_memory: 0,
        maximum_memory: None,
        imports: Vec::new(),
        exports: Vec::new(),
        custom_sections: Vec::new(),
        mvp_opcodes_only: true,
        exceptions: false,
        warnings: Vec::new(),
    };

    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(malformed)? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(malformed)?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(malformed)?;
                    let kind = match import.ty {
                        TypeRef::Func(t) => {
                            func_types.push(t);
                            types
                                .get(t as usize)
                                .map(describe_func)
                                .unwrap_or_else(|| "function".into())
                        }
                        TypeRef::Memory(m) => {
                            memories.push(m);
                            "memory".into()
                        }
                        TypeRef::Table(_) => "table".into(),
                        TypeRef::Global(_) => "global".into(),
                        TypeRef::Tag(_) => {
                            report.exceptions = true;
                            "tag".into()
                        }
                    };
                    let ok = module_abi::IMPORTS.iter().any(|i| {
                        i.module == import.module
                            && i.name == import.name
                            && describe_sig(&i.signature) == kind
                    });
                    if !ok {
                        problems.push(Problem::ForbiddenImport {
                            module: import.module.to_owned(),
                            name: import.name.to_owned(),
                            kind,
                            allowed: allowed.clone(),
                        });
                    }
                    report
                        .imports
                        .push(format!("{}.{}", import.module, import.name));
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    func_types.push(t.map_err(malformed)?);
                    defined_funcs += 1;
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
            Payload::TagSection(_) => report.exceptions = true,
            Payload::CodeSectionEntry(body) => {
                let function = func_types.len() as u32 - defined_funcs + body_index;
                body_index += 1;
                let mut ops = body.get_operators_reader().map_err(malformed)?;
                while !ops.eof() {
                    let op = ops.read().map_err(malformed)?;
                    if crate::lower::is_lowered(&op) {
                        report.mvp_opcodes_only = false;
                    }
                    if is_exception_op(&op) {
                        report.exceptions = true;
                        if matches!(
                            op,
                            wasmparser::Operator::TryTable { .. } | wasmparser::Operator::ThrowRef
                        ) {
                            let opcode = if matches!(op, wasmparser::Operator::ThrowRef) {
                                "throw_ref"
                            } else {
                                "try_table"
                            };
                            problems.push(Problem::ExnRef {
                                function,
                                opcode: opcode.to_owned(),
                            });
                            break;
                        }
                    }
                }
            }
            Payload::CustomSection(reader) => report.custom_sections.push(CustomSection {
                name: reader.name().to_owned(),
                size: reader.data().len(),
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
                .map(describe_func)
                .unwrap_or_else(|| "function".into()),
            ExternalKind::Table => "table".into(),
            ExternalKind::Memory => "memory".into(),
            ExternalKind::Global => "global".into(),
            ExternalKind::Tag => "tag".into(),
        }
    };
    // The required exports must be there; the tools' exports are optional. Both are typed.
    let required = module_abi::EXPORTS.iter().map(|e| (e, true));
    let tools = module_abi::TOOL_EXPORTS.iter().map(|e| (e, false));
    for (export, needed) in required.chain(tools) {
        let expected = match export.kind {
            ExportKind::Func(sig) => describe_sig(&sig),
            other => other.to_string(),
        };
        match exports.iter().find(|(n, _, _)| n == export.name) {
            None if needed => problems.push(Problem::MissingExport {
                name: export.name.to_owned(),
                expected,
            }),
            None => {}
            Some(&(_, kind, index)) => {
                let found = describe(kind, index);
                if found != expected {
                    problems.push(Problem::WrongExport {
                        name: export.name.to_owned(),
                        expected,
                        found,
                    });
                }
            }
        }
    }
    for (name, kind, index) in &exports {
        report.exports.push(name.clone());
        let known = module_abi::EXPORTS.iter().any(|e| e.name == name)
            || module_abi::TOOL_EXPORTS.iter().any(|e| e.name == name)
            || module_abi::TOLERATED_EXPORTS.contains(&name.as_str());
        if !known {
            report.warnings.push(format!(
                "unexpected export {name} ({}): hosts ignore it",
                describe(*kind, *index)
            ));
        }
    }

    if let Some(&(_, ExternalKind::Memory, index)) = exports.iter().find(|(n, _, _)| n == "memory")
    {
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
                report.initial_memory = m.initial.saturating_mul(module_abi::PAGE_SIZE);
                report.maximum_memory = m.maximum.map(|p| p.saturating_mul(module_abi::PAGE_SIZE));
            }
        }
    }

    if problems.is_empty() {
        Ok(report)
    } else {
        Err(CheckError { problems })
    }
}

/// Checks a module for the metering format: [`check_module`], no exception handling
/// ([`Problem::Exceptions`]), and no opcode the metering rewriter's parser does not know
/// (bulk memory, non-trapping float-to-int), each use named by function.
pub fn check_metering_module(bytes: &[u8]) -> Result<ModuleReport, CheckError> {
    let report = check_module(bytes)?;
    if report.exceptions {
        return Err(CheckError {
            problems: vec![Problem::Exceptions],
        });
    }
    if report.mvp_opcodes_only {
        return Ok(report);
    }
    let mut problems = Vec::new();
    for (function, opcode) in crate::lower::remaining(bytes).map_err(|e| CheckError {
        problems: vec![Problem::Malformed(e.to_string())],
    })? {
        problems.push(Problem::NotMvp { function, opcode });
    }
    Err(CheckError { problems })
}
