//! Helpers shared by the Lua layer's tests.
#![allow(dead_code)]

use aoxide::{Env, Message, Outcome, Process, Runtime};
use aoxide_lua::{Limits, LuaFiles, LuaProcess, LuaSource};

pub const PID: &str = "PROCESS_ID_0000000000000000000000000000000";
pub const OWNER: &str = "OWNER_ADDRESS_00000000000000000000000000000";
pub const ALICE: &str = "ALICE_ADDRESS_00000000000000000000000000000";
pub const BOB: &str = "BOB_ADDRESS_0000000000000000000000000000000";

/// A Lua process with no files: tests load code with the owner's `Eval`.
pub struct Bare;
impl LuaFiles for Bare {
    const SOURCES: &'static [LuaSource] = &[];
}

pub type Bare_ = LuaProcess<Bare>;

/// Like [`Bare`] with small limits: 5 million instructions, 32 MiB.
pub struct Small;
impl LuaFiles for Small {
    const SOURCES: &'static [LuaSource] = &[];
    fn limits() -> Limits {
        Limits {
            instructions: 5_000_000,
            memory: 32 * 1024 * 1024,
        }
    }
}

pub type Small_ = LuaProcess<Small>;

/// Spawns `P` as `PID`, owned by `OWNER`, with timestamp 1000.
#[track_caller]
pub fn spawn<P: Process>() -> Runtime<P> {
    let mut rt = Runtime::new();
    let out = rt.handle(
        Message::new(OWNER).with_id(PID).with_tag("Type", "Process"),
        Some(&Env::new(PID, OWNER)),
    );
    assert!(out.error.is_none(), "spawn failed: {:?}", out.error);
    rt
}

/// A message from `from` (a signer speaking for itself), with tags.
pub fn msg(from: &str, action: &str, tags: &[(&str, &str)]) -> Message {
    let mut m = Message::new(from).with_action(action);
    for (k, v) in tags {
        m = m.with_tag(*k, *v);
    }
    m.timestamp = Some(1_700_000_000_000);
    m
}

/// The owner evaluates `code`; panics if it fails.
#[track_caller]
pub fn eval<P: Process>(rt: &mut Runtime<P>, code: &str) -> Outcome {
    let out = rt.handle(msg(OWNER, "Eval", &[]).with_data(code), None);
    assert!(out.error.is_none(), "Eval failed: {:?}", out.error);
    out
}

/// The owner evaluates `code` and returns what it printed.
#[track_caller]
pub fn printed<P: Process>(rt: &mut Runtime<P>, code: &str) -> String {
    eval(rt, code).output.data
}

/// The owner evaluates `script`, a probe that returns its report as one string, and every
/// line must be `expected`'s (written by `reference`), but the pairs `kept` allows
/// (`(expected, answered)`). Returns the answers.
#[track_caller]
pub fn assert_report<P: Process>(
    rt: &mut Runtime<P>,
    script: &str,
    expected: &str,
    kept: &[(&str, &str)],
    reference: &str,
) -> String {
    let answers = printed(rt, script);
    let expected = expected.trim_end_matches('\n');
    let differ: Vec<String> = expected
        .split('\n')
        .zip(answers.split('\n'))
        .filter(|(e, a)| e != a && !kept.contains(&(*e, *a)))
        .map(|(e, a)| format!("{reference:>9}: {e}\n   aoxide: {a}"))
        .collect();
    assert!(
        differ.is_empty(),
        "{} of {} differ:\n{}",
        differ.len(),
        expected.split('\n').count(),
        differ.join("\n")
    );
    assert_eq!(answers.split('\n').count(), expected.split('\n').count());
    answers
}
