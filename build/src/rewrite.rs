//! Re-encoding a module with functions appended: the one mechanism under the stack-pointer
//! reset ([`crate::link`]) and the metering lowering ([`crate::lower`]).
//!
//! Types and functions are only ever appended, so no existing index moves: every section is
//! copied as it is (custom sections such as `aoxide.interface` included) except the ones a
//! `Rewrite` changes.

use wasm_encoder::reencode::Reencode;
use wasm_encoder::{
    CodeSection, ExportSection, FunctionSection, Instruction, TypeSection, ValType,
};
use wasmparser::{ExternalKind, Operator, Parser, Payload};

/// Why a module could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// The input is not a module the rewriter can read.
    #[error("cannot read the module: {0}")]
    Read(String),
    /// The module lacks a section the rewrite needs.
    #[error("the module has no {0} section")]
    MissingSection(&'static str),
}

impl From<wasmparser::BinaryReaderError> for RewriteError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        RewriteError::Read(e.to_string())
    }
}

/// What the rewriter needs to know about a module before changing it.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Number of types in the type section.
    pub types: u32,
    /// Number of imported functions.
    pub imported_funcs: u32,
    /// Number of defined functions.
    pub defined_funcs: u32,
    /// The type index of every function (imported first).
    pub func_types: Vec<u32>,
    /// Every defined global: mutable, value type, constant `i32` initial value if any.
    pub globals: Vec<(bool, wasmparser::ValType, Option<i32>)>,
    /// Number of imported globals.
    pub imported_globals: u32,
    /// Every export: name, kind, index.
    pub exports: Vec<(String, ExternalKind, u32)>,
    /// The function types: params and results.
    pub signatures: Vec<(Vec<wasmparser::ValType>, Vec<wasmparser::ValType>)>,
}

impl Shape {
    pub(crate) fn of(bytes: &[u8]) -> Result<Shape, RewriteError> {
        let mut shape = Shape::default();
        let mut saw_types = false;
        let mut saw_code = false;
        for payload in Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::TypeSection(reader) => {
                    saw_types = true;
                    for ty in reader.into_iter_err_on_gc_types() {
                        let ty = ty?;
                        shape.types += 1;
                        shape
                            .signatures
                            .push((ty.params().to_vec(), ty.results().to_vec()));
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader {
                        match import?.ty {
                            wasmparser::TypeRef::Func(t) => {
                                shape.imported_funcs += 1;
                                shape.func_types.push(t);
                            }
                            wasmparser::TypeRef::Global(_) => shape.imported_globals += 1,
                            _ => {}
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for t in reader {
                        shape.defined_funcs += 1;
                        shape.func_types.push(t?);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        let global = global?;
                        let mut ops = global.init_expr.get_operators_reader();
                        let init = match (ops.read()?, ops.read()?) {
                            (Operator::I32Const { value }, Operator::End) => Some(value),
                            _ => None,
                        };
                        shape
                            .globals
                            .push((global.ty.mutable, global.ty.content_type, init));
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        shape
                            .exports
                            .push((export.name.to_owned(), export.kind, export.index));
                    }
                }
                Payload::CodeSectionStart { .. } => saw_code = true,
                _ => {}
            }
        }
        if !saw_types {
            return Err(RewriteError::MissingSection("type"));
        }
        if !saw_code {
            return Err(RewriteError::MissingSection("code"));
        }
        Ok(shape)
    }

    /// The index the next appended function gets.
    pub(crate) fn next_func(&self) -> u32 {
        self.imported_funcs + self.defined_funcs
    }
}

/// A function to append: its signature and body.
pub(crate) struct NewFunc {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
    pub body: wasm_encoder::Function,
}

/// A change to a module: functions to append, exports to point elsewhere, instructions to
/// replace by calls.
pub(crate) struct Rewrite<'r> {
    pub shape: &'r Shape,
    pub funcs: Vec<NewFunc>,
    /// `(export name, new function index)`.
    pub redirect: Vec<(String, u32)>,
    /// Maps an instruction to the function index that replaces it (a call with the same
    /// stack effect), or `None` to keep it.
    pub replace: &'r dyn Fn(&Operator<'_>) -> Option<u32>,
    /// A new initial size of the memory, in pages.
    pub initial_pages: Option<u64>,
}

struct Encoder<'a, 'r> {
    rewrite: &'a Rewrite<'r>,
    first_new_type: u32,
}

impl Reencode for Encoder<'_, '_> {
    type Error = std::convert::Infallible;

    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        wasm_encoder::reencode::utils::parse_type_section(self, types, section)?;
        for f in &self.rewrite.funcs {
            types
                .ty()
                .function(f.params.iter().copied(), f.results.iter().copied());
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        wasm_encoder::reencode::utils::parse_function_section(self, functions, section)?;
        for i in 0..self.rewrite.funcs.len() as u32 {
            functions.function(self.first_new_type + i);
        }
        Ok(())
    }

    fn memory_type(&mut self, ty: wasmparser::MemoryType) -> wasm_encoder::MemoryType {
        let mut ty = wasm_encoder::reencode::utils::memory_type(self, ty);
        if let Some(pages) = self.rewrite.initial_pages {
            ty.minimum = pages;
            ty.maximum = ty.maximum.map(|m| m.max(pages));
        }
        ty
    }

    fn parse_export(&mut self, exports: &mut ExportSection, export: wasmparser::Export<'_>) {
        let redirected = self
            .rewrite
            .redirect
            .iter()
            .find(|(name, _)| name == export.name)
            .filter(|_| export.kind == ExternalKind::Func);
        match redirected {
            Some(&(_, index)) => {
                exports.export(export.name, wasm_encoder::ExportKind::Func, index);
            }
            None => wasm_encoder::reencode::utils::parse_export(self, exports, export),
        }
    }

    fn instruction<'a>(
        &mut self,
        op: Operator<'a>,
    ) -> Result<Instruction<'a>, wasm_encoder::reencode::Error<Self::Error>> {
        match (self.rewrite.replace)(&op) {
            Some(index) => Ok(Instruction::Call(index)),
            None => wasm_encoder::reencode::utils::instruction(self, op),
        }
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        wasm_encoder::reencode::utils::parse_code_section(self, code, section)?;
        for f in &self.rewrite.funcs {
            code.function(&f.body);
        }
        Ok(())
    }
}

impl Rewrite<'_> {
    /// Applies the rewrite to `bytes` (the module [`Rewrite::shape`] was read from).
    pub(crate) fn apply(&self, bytes: &[u8]) -> Result<Vec<u8>, RewriteError> {
        let mut encoder = Encoder {
            rewrite: self,
            first_new_type: self.shape.types,
        };
        let mut module = wasm_encoder::Module::new();
        encoder
            .parse_core_module(&mut module, Parser::new(0), bytes)
            .map_err(|e| RewriteError::Read(e.to_string()))?;
        Ok(module.finish())
    }
}
