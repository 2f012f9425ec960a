//! `Spawn-Child` (a spawn awaited with a continuation) and `Assign`, through the real
//! dispatcher (`aoxide::Runtime`). The built module is tested under the hosts by
//! `host/tests/spawn_await_wasm.rs` and `tests/conformance/spawn-await.test.mjs`.

use aoxide::{Env, Message, Runtime, Tags};
use example_kv_store::KvStore;

const PID: &str = "PROCESS_ID_PROCESS_ID_PROCESS_ID_PROCESS_I";
const OWNER: &str = "OWNER_OWNER_OWNER_OWNER_OWNER_OWNER_OWNER_O";
const MU: &str = "AUTHORITY_AUTHORITY_AUTHORITY_AUTHORITY_AUT";

/// The env of the process, with `MU` as its authority.
fn env() -> Env {
    let mut env = Env::new(PID, OWNER);
    let mut tags = Tags::new();
    tags.add("Authority", MU);
    env.process.tags = tags;
    env
}

fn spawned() -> Runtime<KvStore> {
    let mut rt = Runtime::<KvStore>::new();
    let msg = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
    assert!(!rt.handle(msg, Some(&env())).is_error());
    rt
}

/// A `Spawned` notice for `reference` from `from`, signed by `signer`.
fn notice(from: &str, signer: &str, reference: &str) -> Message {
    let mut m = Message::new(signer)
        .with_id("n1")
        .with_action("Spawned")
        .with_tag("Reference", reference)
        .with_tag("Process", "CHILD");
    m.from = from.into();
    m
}

#[test]
fn spawn_child_awaits_the_spawned_notice() {
    let mut rt = spawned();
    let ask = Message::new(OWNER)
        .with_id("m1")
        .with_action("Spawn-Child")
        .with_tag("Child-Module", "MOD");
    let out = rt.handle(ask, Some(&env()));
    assert!(!out.is_error(), "{:?}", out.error);
    assert_eq!(out.spawns.len(), 1);
    assert_eq!(out.spawns[0].data.as_deref(), Some("hello child"));
    assert_eq!(out.spawns[0].get("Name"), Some("child"));
    let reference = out.spawns[0].get("Reference").unwrap().to_owned();
    assert_eq!(rt.pending().len(), 1, "the spawn is awaited");

    // From someone else, though signed by the authority: not the notice.
    let out = rt.handle(notice("MALLORY", MU, &reference), Some(&env()));
    assert_eq!(out.messages_with_action("Child-Spawned").count(), 0);
    assert_eq!(rt.pending().len(), 1);

    // The messenger delivers the notice from the process itself, signed by an authority.
    let out = rt.handle(notice(PID, MU, &reference), Some(&env()));
    assert!(!out.is_error(), "{:?}", out.error);
    let told: Vec<_> = out.messages_with_action("Child-Spawned").collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].target.as_deref(), Some(OWNER));
    assert_eq!(told[0].get("Process"), Some("CHILD"));
    assert!(rt.pending().is_empty());
}

#[test]
fn assign_assigns_to_every_listed_process() {
    let mut rt = spawned();
    let msg = Message::new(OWNER)
        .with_id("m2")
        .with_action("Assign")
        .with_tag("Message", "MSG")
        .with_tag("Processes", "P1, P2");
    let out = rt.handle(msg, None);
    assert!(!out.is_error(), "{:?}", out.error);
    assert_eq!(out.assignments.len(), 1);
    assert_eq!(out.assignments[0].processes, ["P1", "P2"]);
    assert_eq!(out.assignments[0].message, "MSG");
}
