//! Whole-process dispatch of the counter blueprint: never panics, results are valid JSON,
//! an Error changes nothing.
#![no_main]
use aoxide_counter::CounterProcess;
use aoxide_fuzz::{run, FuzzMessage};
use libfuzzer_sys::fuzz_target;

const ACTIONS: &[&str] = &["Increment", "Decrement", "Get", "Reset", "Other"];
const TAGS: &[&str] = &["By", "Start", "X-Note"];

fuzz_target!(|messages: Vec<FuzzMessage>| {
    run::<CounterProcess>(&messages, ACTIONS, TAGS, |p| format!("{p:?}"), |_| {});
});
