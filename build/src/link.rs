//! The stack-pointer reset: `handle` becomes a wrapper that sets the shadow-stack pointer
//! back to its initial value and calls the original.
//!
//! Rust keeps its stack pointer in the module's one mutable wasm global. A call that traps
//! (a panic under `panic = "abort"`) never pops its frames, so a host that keeps the
//! instance (ao-loader, a compute unit caching it) starts every later call lower: measured
//! on ping, about 570 panicking messages exhaust a 1 MiB stack and every call after that
//! traps. Nothing lives on the shadow stack between host calls, so resetting it when
//! `handle` is entered is always right; stable Rust cannot write that global, so the linked
//! module is patched.

use aoxide::module_abi::ENTRY_EXPORT;
use wasm_encoder::{Function, Instruction, ValType};
use wasmparser::ExternalKind;

use crate::rewrite::{NewFunc, Rewrite, RewriteError, Shape};

/// Why the stack-pointer reset could not be added.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The module could not be read or written.
    #[error(transparent)]
    Rewrite(#[from] RewriteError),
    /// Not exactly one mutable `i32` global with a constant initial value.
    #[error(
        "expected exactly one mutable i32 global with a constant initial value (the stack \
         pointer), found {found}: keep state in linear memory, not in wasm globals"
    )]
    StackPointer {
        /// How many mutable globals the module defines.
        found: usize,
    },
    /// No `handle` function export.
    #[error("no `{ENTRY_EXPORT}` function export: does the crate call `aoxide::export!`?")]
    NoEntry,
    /// `handle` has the wrong signature.
    #[error("`{ENTRY_EXPORT}` is not a function (i32, i32) -> (i32)")]
    EntrySignature,
}

/// Returns `bytes` with `handle` resetting the stack pointer on entry.
pub fn reset_stack_on_entry(bytes: &[u8]) -> Result<Vec<u8>, LinkError> {
    link(bytes, None)
}

/// [`reset_stack_on_entry`], and with `initial_memory` (bytes, rounded up to pages) the
/// memory's initial size set as `--initial-memory` would have: the runtime's allocator hands
/// out the space between `__heap_base` and the memory size it finds at the first call, so the
/// two are the same.
pub fn link(bytes: &[u8], initial_memory: Option<u64>) -> Result<Vec<u8>, LinkError> {
    let shape = Shape::of(bytes)?;
    let mutable: Vec<_> = shape
        .globals
        .iter()
        .enumerate()
        .filter(|(_, (mutable, _, _))| *mutable)
        .collect();
    let (sp, init) = match mutable.as_slice() {
        [(index, (_, wasmparser::ValType::I32, Some(init)))] => {
            (shape.imported_globals + *index as u32, *init)
        }
        _ => {
            return Err(LinkError::StackPointer {
                found: mutable.len(),
            })
        }
    };
    let target = shape
        .exports
        .iter()
        .find(|(name, kind, _)| name == ENTRY_EXPORT && *kind == ExternalKind::Func)
        .map(|&(_, _, index)| index)
        .ok_or(LinkError::NoEntry)?;
    let i32s = |n| vec![wasmparser::ValType::I32; n];
    let signature = shape
        .func_types
        .get(target as usize)
        .and_then(|&t| shape.signatures.get(t as usize));
    if signature != Some(&(i32s(2), i32s(1))) {
        return Err(LinkError::EntrySignature);
    }

    let mut body = Function::new([]);
    body.instruction(&Instruction::I32Const(init))
        .instruction(&Instruction::GlobalSet(sp))
        .instruction(&Instruction::LocalGet(0))
        .instruction(&Instruction::LocalGet(1))
        .instruction(&Instruction::Call(target))
        .instruction(&Instruction::End);
    let wrapper = shape.next_func();
    let rewrite = Rewrite {
        shape: &shape,
        funcs: vec![NewFunc {
            params: vec![ValType::I32; 2],
            results: vec![ValType::I32],
            body,
        }],
        redirect: vec![(ENTRY_EXPORT.to_owned(), wrapper)],
        replace: &|_| None,
        initial_pages: initial_memory.map(|b| b.div_ceil(aoxide::module_abi::PAGE_SIZE)),
    };
    Ok(rewrite.apply(bytes)?)
}

/// Whether `handle` of `bytes` starts by setting the stack pointer to a constant (what
/// [`reset_stack_on_entry`] adds; optimisers keep it first when they inline the original).
pub fn resets_stack_on_entry(bytes: &[u8]) -> Result<bool, RewriteError> {
    let shape = Shape::of(bytes)?;
    let Some(sp) = shape
        .globals
        .iter()
        .position(|(mutable, _, _)| *mutable)
        .map(|i| shape.imported_globals + i as u32)
    else {
        return Ok(false);
    };
    let Some(target) = shape
        .exports
        .iter()
        .find(|(name, kind, _)| name == ENTRY_EXPORT && *kind == ExternalKind::Func)
        .map(|&(_, _, index)| index)
    else {
        return Ok(false);
    };
    let Some(defined) = target.checked_sub(shape.imported_funcs) else {
        return Ok(false);
    };
    let mut index = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload? {
            if index == defined {
                let mut ops = body.get_operators_reader()?;
                let first = ops.read()?;
                let second = ops.read()?;
                return Ok(matches!(
                    (first, second),
                    (
                        wasmparser::Operator::I32Const { .. },
                        wasmparser::Operator::GlobalSet { global_index }
                    ) if global_index == sp
                ));
            }
            index += 1;
        }
    }
    Ok(false)
}
