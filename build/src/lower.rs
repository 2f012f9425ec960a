//! The metering lowering, in Rust: `memory.copy`, `memory.fill` and the eight non-trapping
//! float-to-int conversions become calls of functions written with MVP opcodes only.
//!
//! ao-loader's `wasm32-unknown-emscripten-metering` format rewrites the binary to count gas
//! with a parser that knows neither bulk-memory nor non-trapping float-to-int opcodes, both
//! emitted by current Rust. Binaryen has these lowerings from version 118
//! (`--llvm-memory-copy-fill-lowering`, `--llvm-nontrapping-fptoint-lowering`); the binaryen
//! linked through the `wasm-opt` crate is 116, so this pass does the same job. Each
//! replaced instruction becomes one `call` with the same stack effect, so nothing else in the
//! function changes.
//!
//! Semantics kept: `memory.copy` moves overlapping ranges correctly (backwards when the
//! destination is above the source) and both bulk operations trap before writing anything
//! when a range is out of bounds; a conversion returns 0 for NaN and saturates to the
//! integer range.

use wasm_encoder::{BlockType, Function, Instruction, MemArg, ValType};
use wasmparser::{Operator, Parser, Payload};

use crate::rewrite::{NewFunc, Rewrite, RewriteError, Shape};

/// The opcodes the lowering replaces, in the order of the appended helpers.
const LOWERED: [&str; 10] = [
    "memory.copy",
    "memory.fill",
    "i32.trunc_sat_f32_s",
    "i32.trunc_sat_f32_u",
    "i32.trunc_sat_f64_s",
    "i32.trunc_sat_f64_u",
    "i64.trunc_sat_f32_s",
    "i64.trunc_sat_f32_u",
    "i64.trunc_sat_f64_s",
    "i64.trunc_sat_f64_u",
];

/// The position in [`LOWERED`] of an opcode the lowering replaces.
fn slot(op: &Operator<'_>) -> Option<usize> {
    Some(match op {
        Operator::MemoryCopy {
            dst_mem: 0,
            src_mem: 0,
        } => 0,
        Operator::MemoryFill { mem: 0 } => 1,
        Operator::I32TruncSatF32S => 2,
        Operator::I32TruncSatF32U => 3,
        Operator::I32TruncSatF64S => 4,
        Operator::I32TruncSatF64U => 5,
        Operator::I64TruncSatF32S => 6,
        Operator::I64TruncSatF32U => 7,
        Operator::I64TruncSatF64S => 8,
        Operator::I64TruncSatF64U => 9,
        _ => return None,
    })
}

/// Whether `op` is one the metering format cannot parse (any bulk-memory or non-trapping
/// float-to-int opcode, on any memory).
pub(crate) fn is_lowered(op: &Operator<'_>) -> bool {
    slot(op).is_some()
        || matches!(
            op,
            Operator::MemoryCopy { .. }
                | Operator::MemoryFill { .. }
                | Operator::MemoryInit { .. }
                | Operator::DataDrop { .. }
                | Operator::TableCopy { .. }
                | Operator::TableInit { .. }
                | Operator::ElemDrop { .. }
        )
}

/// Every `(function index, opcode)` of `bytes` the metering format cannot parse (bulk memory,
/// non-trapping float-to-int): empty after [`lower_for_metering`].
pub fn remaining(bytes: &[u8]) -> Result<Vec<(u32, String)>, RewriteError> {
    let shape = Shape::of(bytes)?;
    let mut found = Vec::new();
    let mut index = shape.imported_funcs;
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CodeSectionEntry(body) = payload? {
            let mut ops = body.get_operators_reader()?;
            while !ops.eof() {
                let op = ops.read()?;
                if is_lowered(&op) {
                    let name = slot(&op).map_or_else(|| format!("{op:?}"), |s| LOWERED[s].into());
                    found.push((index, name));
                }
            }
            index += 1;
        }
    }
    Ok(found)
}

/// Returns `bytes` with every bulk-memory and non-trapping float-to-int opcode lowered.
/// Helpers are appended only for the opcodes the module uses.
pub fn lower_for_metering(bytes: &[u8]) -> Result<Vec<u8>, RewriteError> {
    let shape = Shape::of(bytes)?;
    let mut used = [false; LOWERED.len()];
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CodeSectionEntry(body) = payload? {
            let mut ops = body.get_operators_reader()?;
            while !ops.eof() {
                if let Some(s) = slot(&ops.read()?) {
                    used[s] = true;
                }
            }
        }
    }
    let mut index_of = [u32::MAX; LOWERED.len()];
    let mut funcs = Vec::new();
    for (s, _) in used.iter().enumerate().filter(|(_, u)| **u) {
        index_of[s] = shape.next_func() + funcs.len() as u32;
        funcs.push(helper(s));
    }
    let replace = move |op: &Operator<'_>| slot(op).map(|s| index_of[s]);
    Rewrite {
        shape: &shape,
        funcs,
        redirect: Vec::new(),
        replace: &replace,
        initial_pages: None,
    }
    .apply(bytes)
}

fn helper(slot: usize) -> NewFunc {
    use Instruction as I;
    use ValType::{F32, F64, I32, I64};
    match slot {
        0 => NewFunc {
            params: vec![I32, I32, I32],
            results: vec![],
            body: memory_copy(),
        },
        1 => NewFunc {
            params: vec![I32, I32, I32],
            results: vec![],
            body: memory_fill(),
        },
        _ => {
            let (int, float, signed) = match slot {
                2 => (I32, F32, true),
                3 => (I32, F32, false),
                4 => (I32, F64, true),
                5 => (I32, F64, false),
                6 => (I64, F32, true),
                7 => (I64, F32, false),
                8 => (I64, F64, true),
                _ => (I64, F64, false),
            };
            let trunc = match (int, float, signed) {
                (I32, F32, true) => I::I32TruncF32S,
                (I32, F32, false) => I::I32TruncF32U,
                (I32, F64, true) => I::I32TruncF64S,
                (I32, F64, false) => I::I32TruncF64U,
                (I64, F32, true) => I::I64TruncF32S,
                (I64, F32, false) => I::I64TruncF32U,
                (I64, F64, true) => I::I64TruncF64S,
                _ => I::I64TruncF64U,
            };
            NewFunc {
                params: vec![float],
                results: vec![int],
                body: trunc_sat(int, float, signed, trunc),
            }
        }
    }
}

/// Traps unless `[local a, local a + local n)` lies in memory 0 (computed in i64, so it
/// cannot wrap).
fn bounds_check(f: &mut Function, a: u32, n: u32) {
    use Instruction as I;
    f.instruction(&I::LocalGet(a))
        .instruction(&I::I64ExtendI32U)
        .instruction(&I::LocalGet(n))
        .instruction(&I::I64ExtendI32U)
        .instruction(&I::I64Add)
        .instruction(&I::MemorySize(0))
        .instruction(&I::I64ExtendI32U)
        .instruction(&I::I64Const(16))
        .instruction(&I::I64Shl)
        .instruction(&I::I64GtU)
        .instruction(&I::If(BlockType::Empty))
        .instruction(&I::Unreachable)
        .instruction(&I::End);
}

fn byte() -> MemArg {
    MemArg {
        offset: 0,
        align: 0,
        memory_index: 0,
    }
}

/// `(dst, src, n)`: forwards when `dst <= src`, else backwards, one byte at a time.
fn memory_copy() -> Function {
    use Instruction as I;
    let (dst, src, n) = (0, 1, 2);
    let mut f = Function::new([]);
    bounds_check(&mut f, dst, n);
    bounds_check(&mut f, src, n);
    f.instruction(&I::Block(BlockType::Empty))
        .instruction(&I::LocalGet(n))
        .instruction(&I::I32Eqz)
        .instruction(&I::BrIf(0))
        .instruction(&I::LocalGet(dst))
        .instruction(&I::LocalGet(src))
        .instruction(&I::I32LeU)
        .instruction(&I::If(BlockType::Empty))
        // forwards
        .instruction(&I::Loop(BlockType::Empty))
        .instruction(&I::LocalGet(dst))
        .instruction(&I::LocalGet(src))
        .instruction(&I::I32Load8U(byte()))
        .instruction(&I::I32Store8(byte()))
        .instruction(&I::LocalGet(dst))
        .instruction(&I::I32Const(1))
        .instruction(&I::I32Add)
        .instruction(&I::LocalSet(dst))
        .instruction(&I::LocalGet(src))
        .instruction(&I::I32Const(1))
        .instruction(&I::I32Add)
        .instruction(&I::LocalSet(src))
        .instruction(&I::LocalGet(n))
        .instruction(&I::I32Const(1))
        .instruction(&I::I32Sub)
        .instruction(&I::LocalTee(n))
        .instruction(&I::BrIf(0))
        .instruction(&I::End)
        .instruction(&I::Else)
        // backwards: n counts down, the byte at offset n - 1 first
        .instruction(&I::Loop(BlockType::Empty))
        .instruction(&I::LocalGet(n))
        .instruction(&I::I32Const(1))
        .instruction(&I::I32Sub)
        .instruction(&I::LocalSet(n))
        .instruction(&I::LocalGet(dst))
        .instruction(&I::LocalGet(n))
        .instruction(&I::I32Add)
        .instruction(&I::LocalGet(src))
        .instruction(&I::LocalGet(n))
        .instruction(&I::I32Add)
        .instruction(&I::I32Load8U(byte()))
        .instruction(&I::I32Store8(byte()))
        .instruction(&I::LocalGet(n))
        .instruction(&I::BrIf(0))
        .instruction(&I::End)
        .instruction(&I::End)
        .instruction(&I::End)
        .instruction(&I::End);
    f
}

/// `(dst, value, n)`: stores the low byte of `value` `n` times.
fn memory_fill() -> Function {
    use Instruction as I;
    let (dst, value, n) = (0, 1, 2);
    let mut f = Function::new([]);
    bounds_check(&mut f, dst, n);
    f.instruction(&I::Block(BlockType::Empty))
        .instruction(&I::LocalGet(n))
        .instruction(&I::I32Eqz)
        .instruction(&I::BrIf(0))
        .instruction(&I::Loop(BlockType::Empty))
        .instruction(&I::LocalGet(dst))
        .instruction(&I::LocalGet(value))
        .instruction(&I::I32Store8(byte()))
        .instruction(&I::LocalGet(dst))
        .instruction(&I::I32Const(1))
        .instruction(&I::I32Add)
        .instruction(&I::LocalSet(dst))
        .instruction(&I::LocalGet(n))
        .instruction(&I::I32Const(1))
        .instruction(&I::I32Sub)
        .instruction(&I::LocalTee(n))
        .instruction(&I::BrIf(0))
        .instruction(&I::End)
        .instruction(&I::End)
        .instruction(&I::End);
    f
}

/// A saturating conversion: NaN -> 0, below the range -> the minimum, above -> the maximum,
/// else the trapping conversion (which cannot trap on what is left).
fn trunc_sat(int: ValType, float: ValType, signed: bool, trunc: Instruction<'static>) -> Function {
    use Instruction as I;
    let bits = if int == ValType::I32 { 32 } else { 64 };
    // Exclusive upper bound: 2^(bits-1) signed, 2^bits unsigned (exact in f32 and f64).
    let upper = if signed {
        2f64.powi(bits - 1)
    } else {
        2f64.powi(bits)
    };
    // The lowest valid input: x > lower_exclusive, or x >= lower_inclusive.
    // Unsigned: x > -1. Signed: x >= -2^(bits-1), except f64 -> i32 where -2^31 - 1 is
    // exact and (-2^31 - 1, -2^31) truncates into range.
    let (lower, inclusive) = match (signed, float, int) {
        (false, _, _) => (-1.0, false),
        (true, ValType::F64, ValType::I32) => (-2147483649.0, false),
        (true, _, _) => (-upper, true),
    };
    let (max, min, zero): (Instruction, Instruction, Instruction) = match (int, signed) {
        (ValType::I32, true) => (I::I32Const(i32::MAX), I::I32Const(i32::MIN), I::I32Const(0)),
        (ValType::I32, false) => (I::I32Const(-1), I::I32Const(0), I::I32Const(0)),
        (_, true) => (I::I64Const(i64::MAX), I::I64Const(i64::MIN), I::I64Const(0)),
        (_, false) => (I::I64Const(-1), I::I64Const(0), I::I64Const(0)),
    };
    let constant = |v: f64| match float {
        ValType::F32 => I::F32Const(v as f32),
        _ => I::F64Const(v),
    };
    let (ne, ge, gt) = match float {
        ValType::F32 => (I::F32Ne, I::F32Ge, I::F32Gt),
        _ => (I::F64Ne, I::F64Ge, I::F64Gt),
    };
    let result = BlockType::Result(int);
    let mut f = Function::new([]);
    f.instruction(&I::LocalGet(0))
        .instruction(&I::LocalGet(0))
        .instruction(&ne)
        .instruction(&I::If(result))
        .instruction(&zero)
        .instruction(&I::Else)
        .instruction(&I::LocalGet(0))
        .instruction(&constant(upper))
        .instruction(&ge)
        .instruction(&I::If(result))
        .instruction(&max)
        .instruction(&I::Else)
        .instruction(&I::LocalGet(0))
        .instruction(&constant(lower))
        .instruction(if inclusive { &ge } else { &gt })
        .instruction(&I::If(result))
        .instruction(&I::LocalGet(0))
        .instruction(&trunc)
        .instruction(&I::Else)
        .instruction(&min)
        .instruction(&I::End)
        .instruction(&I::End)
        .instruction(&I::End)
        .instruction(&I::End);
    f
}
