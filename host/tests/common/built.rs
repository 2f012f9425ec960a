//! What the tests of built modules share: the module built on demand, the env a compute
//! unit passes with every message, and message shorthands.

use std::path::Path;

use aoxide::{Env, Message, Outcome, Tags};
use aoxide_host::Backend;

/// The bytes of the module of the cargo `spec` (`aoxide-token`, `example-ping`, ...),
/// built on demand through the library build step (`aoxide_build::ensure_built`; a no-op
/// when nothing changed).
pub fn module_bytes(spec: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent");
    aoxide_build::ensure_built_bytes(root, spec)
}

/// The env of process `pid` owned by `owner`, with `authority` among its spawn tags.
pub fn env(pid: &str, owner: &str, authority: Option<&str>) -> Env {
    let mut env = Env::new(pid, owner);
    let mut tags = Tags::new();
    if let Some(authority) = authority {
        tags.add("Authority", authority);
    }
    env.process.tags = tags;
    env
}

/// A message `id` from `from` with `action` and `tags`.
pub fn msg(from: &str, id: &str, action: &str, tags: &[(&str, &str)]) -> Message {
    tags.iter().fold(
        Message::new(from).with_id(id).with_action(action),
        |m, (k, v)| m.with_tag(*k, *v),
    )
}

/// `m` with its timestamp set.
pub fn at(mut m: Message, timestamp: u64) -> Message {
    m.timestamp = Some(timestamp);
    m
}

/// `out`, asserted to be no error.
#[track_caller]
pub fn ok(out: Outcome) -> Outcome {
    assert!(!out.is_error(), "unexpected error: {:?}", out.error);
    out
}

/// Every message handled by `backend` in order, each with `env`.
pub fn run(backend: &mut dyn Backend, messages: &[Message], env: &Env) -> Vec<Outcome> {
    messages
        .iter()
        .map(|m| backend.handle(m.clone(), env))
        .collect()
}
