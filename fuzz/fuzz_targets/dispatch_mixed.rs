//! Whole-process dispatch of the mixed example (a Rust token and a Lua chatroom in one
//! registry, Lua calling the token through `Rust.transfer` and `Rust.balance`, natively):
//! never panics, results are valid JSON, an Error or a dry-run leaves the token unchanged
//! (the Rust state rolls back whichever side failed, after Lua has paid through Rust), and
//! the balances always add up to the supply, whatever the owner's `Eval` runs: Lua reaches
//! the token only through the Rust functions.
#![no_main]
use aoxide_fuzz::{run, FuzzMessage};
use example_mixed::Mixed;
use libfuzzer_sys::fuzz_target;

const ACTIONS: &[&str] = &[
    "Transfer",
    "Balance",
    "Balances",
    "Register",
    "Unregister",
    "Broadcast",
    "Rich-List",
    "Tip",
    "Eval",
    "Other",
];
const TAGS: &[&str] = &["Recipient", "Quantity", "Fail", "Cast", "X-Note", "Target"];

fuzz_target!(|messages: Vec<FuzzMessage>| {
    run::<Mixed>(
        &messages,
        ACTIONS,
        TAGS,
        |p| format!("{:?}|{}", p.token.total_supply, p.token.balances_json()),
        |p| {
            let mut sum = aoxide::U256::ZERO;
            for (_, b) in p.token.balances.iter() {
                sum = sum.checked_add(*b).expect("balances overflow");
            }
            assert_eq!(
                sum, p.token.total_supply,
                "balances do not add up to the supply"
            );
        },
    );
});
