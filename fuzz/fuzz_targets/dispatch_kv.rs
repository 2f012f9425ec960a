//! Whole-process dispatch of the kv-store example: never panics, results are valid JSON,
//! an Error changes nothing (the owner's `Seed` and `Restore` may store anything, so the
//! value limit is not an invariant of the state).
#![no_main]
use aoxide_fuzz::{run, FuzzMessage};
use example_kv_store::KvStore;
use libfuzzer_sys::fuzz_target;

const ACTIONS: &[&str] = &[
    "Set", "Set-Many", "Get", "List", "Delete", "Seed", "Snapshot", "Restore",
];
const TAGS: &[&str] = &["Key", "Locked", "Prefix"];

fuzz_target!(|messages: Vec<FuzzMessage>| {
    run::<KvStore>(
        &messages,
        ACTIONS,
        TAGS,
        |p| serde_json::to_string(p).expect("the state serialises"),
        |_| {},
    );
});
