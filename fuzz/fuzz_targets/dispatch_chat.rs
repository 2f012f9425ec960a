//! Whole-process dispatch of the chat blueprint: never panics, results are valid JSON, an
//! Error changes nothing, members are unique.
#![no_main]
use aoxide_chat::ChatProcess;
use aoxide_fuzz::{run, FuzzMessage};
use libfuzzer_sys::fuzz_target;

const ACTIONS: &[&str] = &["Register", "Unregister", "Broadcast", "Members", "Other"];
const TAGS: &[&str] = &["X-Note", "Reply-To"];

fuzz_target!(|messages: Vec<FuzzMessage>| {
    run::<ChatProcess>(
        &messages,
        ACTIONS,
        TAGS,
        |p| p.members().join(","),
        |p| {
            let mut seen = std::collections::BTreeSet::new();
            for m in p.members() {
                assert!(seen.insert(m), "member {m} twice");
            }
        },
    );
});
