//! Issue 9 item 1 (spawn-and-await) on the wasm backend: the built kv-store module's
//! `Spawn-Child` spawns a process and awaits its `Spawned` notice with a continuation kept
//! in linear memory. On a network the messenger's notice resumes it; on a bare instance a
//! fresh instance restored from the memory snapshot resumes it, and a forged notice does not.
//!
//! The module is built on demand (`aoxide_build::ensure_built`).

#![cfg(feature = "wasm")]

mod common;
use common::built::{self, ok};

use std::sync::OnceLock;

use aoxide::{Env, Message, Outcome};
use aoxide_host::wasm::WasmModule;
use aoxide_host::{Backend, Msg, Net, SpawnOptions};

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const AUTH: &str = "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI";
const CHILD: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
const MALLORY: &str = "Mq2y5YQW0Jk2kS0vLmTLdyWhVbYdjFhu9RgVxTHLjtU";

/// The built kv-store module (the example that spawns), built once for the tests of this
/// file (they run in parallel).
fn kv_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| built::module_bytes("example-kv-store"))
}

fn env() -> Env {
    built::env(PID, OWNER, Some(AUTH))
}

/// A `Spawned` notice for `reference`, as the messenger delivers it: from the process
/// itself, signed by an authority. `from` other than the process is a forgery.
fn notice(from: &str, signer: &str, reference: &str) -> Message {
    let mut m = Message::new(signer)
        .with_action("Spawned")
        .with_tag("Reference", reference)
        .with_tag("Process", CHILD);
    m.from = from.into();
    m
}

fn child_spawned(out: &Outcome) -> Option<&str> {
    out.messages_with_action("Child-Spawned")
        .next()
        .and_then(|m| m.get("Process"))
}

#[test]
fn the_spawned_notice_resumes_a_fresh_instance_restored_from_memory() {
    let module = WasmModule::new(kv_bytes()).unwrap();
    let env = env();
    let mut wasm = module.instantiate().unwrap();
    ok(wasm.handle(
        Message::new(OWNER).with_id(PID).with_tag("Type", "Process"),
        &env,
    ));
    let out = ok(wasm.handle(
        Message::new(OWNER)
            .with_action("Spawn-Child")
            .with_tag("Child-Module", "CHILD_MODULE"),
        &env,
    ));
    assert_eq!(out.spawns.len(), 1);
    let reference = out.spawns[0].tags.get("Reference").unwrap().to_owned();
    let snapshot = wasm.snapshot();
    drop(wasm);

    let mut fresh = module.restore(&snapshot).unwrap();
    // Signed by the authority but from someone else, or from the process but signed by a
    // stranger (not trusted): neither is the notice.
    for forged in [
        notice(MALLORY, AUTH, &reference),
        notice(PID, MALLORY, &reference),
    ] {
        let out = fresh.handle(forged, &env);
        assert_eq!(child_spawned(&out), None, "a forged notice resumes nothing");
    }
    let out = ok(fresh.handle(notice(PID, AUTH, &reference), &env));
    assert_eq!(child_spawned(&out), Some(CHILD), "{out:?}");
    assert_eq!(
        out.message_to(OWNER).unwrap().get("Action"),
        Some("Child-Spawned"),
        "the continuation answers whoever asked"
    );
    // Resumed once only.
    let out = ok(fresh.handle(notice(PID, AUTH, &reference), &env));
    assert_eq!(child_spawned(&out), None);
}

#[test]
fn on_a_net_the_messengers_notice_resumes_the_wasm_parent() {
    let mut net = Net::new();
    let module = net.register_wasm("kv-store", kv_bytes()).unwrap();
    let alice = net.wallet("alice");
    let parent = net
        .spawn_module(&alice, &module, SpawnOptions::new())
        .unwrap();
    assert!(net.run_until_idle().unwrap().is_clean());
    let ask = Msg::new()
        .action("Spawn-Child")
        .tag("Child-Module", module.to_string());
    net.send(&alice, &parent, ask).unwrap();
    let run = net.run_until_idle().unwrap();
    assert!(run.is_clean(), "{:?}", run.failed);

    let children = net.children(&parent);
    assert_eq!(children.len(), 1, "the child was spawned");
    let told: Vec<_> = net.messages_with_action("Child-Spawned").collect();
    assert_eq!(told.len(), 1, "the continuation ran once");
    assert_eq!(told[0].target(), Some(alice.address()));
    assert_eq!(told[0].get("Process"), Some(children[0].as_str()));
}
