//! The kv-store example natively and as its built module (`target/ao/kv-store.wasm`, which
//! `fuzz/run.sh` builds first): the same result bytes for every message, no trap. It
//! reaches what the token does not: JSON data and replies, snapshots and their migration,
//! spawns awaited and assignments.
#![no_main]
use std::sync::OnceLock;

use aoxide_fuzz::differential::{compare, load};
use aoxide_fuzz::FuzzMessage;
use aoxide_host::wasm::WasmModule;
use example_kv_store::KvStore;
use libfuzzer_sys::fuzz_target;

const ACTIONS: &[&str] = &[
    "Set",
    "Set-Many",
    "Get",
    "List",
    "Delete",
    "Seed",
    "Snapshot",
    "Restore",
    "Spawn-Child",
    "Assign",
    "Spawned",
];
const TAGS: &[&str] = &[
    "Key",
    "Locked",
    "Prefix",
    "Child-Module",
    "Message",
    "Processes",
    "X-Reference",
];

fuzz_target!(|messages: Vec<FuzzMessage>| {
    static MODULE: OnceLock<WasmModule> = OnceLock::new();
    let module = MODULE.get_or_init(|| load("kv-store"));
    compare::<KvStore>(module, &messages, ACTIONS, TAGS);
});
