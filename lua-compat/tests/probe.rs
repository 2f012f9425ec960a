//! The Lua 5.3 semantics probe (`tests/probe/probe.lua`) answers like the reference
//! interpreter. `tests/probe/probe.expected` is the output of Lua 5.3.6 (`lua5.3` of
//! Debian) running the same file: `lua5.3 -e "io.write(dofile('probe.lua'))"`.
mod common;
use common::*;

const PROBE: &str = include_str!("probe/probe.lua");
const EXPECTED: &str = include_str!("probe/probe.expected");

/// Answers that differ on purpose: every handler and `Eval` runs in its own coroutine (so
/// it can wait with `Receive`), so `coroutine.running()` is not the main thread there.
const KEPT: &[(&str, &str)] = &[(
    r#"running = "thread", true"#,
    r#"running = "thread", false"#,
)];

#[test]
fn the_probe_answers_like_the_reference_lua_5_3() {
    let mut rt = spawn::<Bare_>();
    assert_report(&mut rt, PROBE, EXPECTED, KEPT, "reference");
    assert_eq!(EXPECTED.lines().filter(|l| l.contains(" = ")).count(), 79);
}
