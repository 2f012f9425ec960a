//! Compile-time behaviour of the handler macros: `tests/ui/<area>/{pass,fail}/*.rs`, one
//! rule per file, with `.stderr` snapshots made by the pinned toolchain (Rust 1.95.0).
//! Regenerate with `TRYBUILD=overwrite cargo test -p aoxide --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*/pass/*.rs");
    t.compile_fail("tests/ui/*/fail/*.rs");
}
