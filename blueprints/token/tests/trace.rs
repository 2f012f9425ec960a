//! Replays the recorded AOS token trace (625 messages fed to the real AOS module with the
//! AOS token blueprint) through `Runtime<TokenProcess>` and checks, message by message,
//! the same outcome class (error or not), the same outgoing messages (Target, tags as a
//! name -> value map, Data byte for byte including ANSI colours, Anchor) and the same
//! printed output (ANSI colours removed).
//!
//! The differences kept on purpose are listed in `blueprints/token/README.md`; each one
//! is matched here by name and counted, so a new difference fails the test.
//!
//! The trace and the comparison are shared with the Lua token's replay
//! (`tests/support/aos_trace.rs`; the trace is `tests/fixtures/aos-token-trace` at the
//! repository's root, and the recording's `trace-meta.json` says how it was made).

#[path = "../../../tests/support/aos_trace.rs"]
mod aos_trace;

use aos_trace::{compare, load, Differences, PID, STRANGER};
use aoxide::{Runtime, U256};
use aoxide_token::TokenProcess;
use serde_json::Value;

/// The differences the README documents; each is counted when it is met.
#[derive(Default, Debug)]
struct Kept {
    /// AOS prints a warning for every message without a Target (the patch message).
    no_target_warning: usize,
    /// The owner's `Eval` (seq 1): AOS ran Lua; aoxide has no Lua and keeps the message in
    /// the inbox with the usual notice.
    eval_notice: usize,
    /// A refused Transfer does not create `"0"` entries in the ledger.
    no_zero_entries: usize,
}

impl Differences for Kept {
    fn no_target_warning(&mut self) {
        self.no_target_warning += 1;
    }

    /// `Balances` replies compared as objects; an account AOS lists with "0" may be absent.
    fn data(&mut self, aos: &str, aoxide: &str) -> bool {
        let (Ok(Value::Object(e)), Ok(Value::Object(a))) = (
            serde_json::from_str::<Value>(aos),
            serde_json::from_str::<Value>(aoxide),
        ) else {
            return false;
        };
        if a.iter().any(|(k, v)| e.get(k) != Some(v)) {
            return false;
        }
        let mut zeros = 0;
        for (k, v) in &e {
            if !a.contains_key(k) {
                if v != "0" {
                    return false;
                }
                zeros += 1;
            }
        }
        self.no_zero_entries += zeros;
        true
    }

    /// The owner's `Eval`: AOS printed nothing, aoxide the inbox notice.
    fn output(&mut self, aos: &str, aoxide: &str) -> bool {
        let notice = aos.is_empty() && aoxide == "New Message From IsL...u_o: Action = Eval";
        self.eval_notice += usize::from(notice);
        notice
    }
}

#[test]
fn replays_the_aos_token_trace() {
    let (messages, outputs) = load();
    let mut runtime: Runtime<TokenProcess> = Runtime::new();
    let mut kept = Kept::default();
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut patches = 0;

    for (seq, (line, expected)) in messages.iter().zip(&outputs).enumerate() {
        assert_eq!(line["seq"].as_u64(), Some(seq as u64));
        let msg = serde_json::to_vec(&line["msg"]).unwrap();
        let env = serde_json::to_vec(&line["env"]).unwrap();
        let outcome = runtime.handle_bytes(&msg, &env);
        patches += outcome
            .messages
            .iter()
            .filter(|m| m.get("device") == Some("patch@1.0"))
            .count();
        match compare(expected, &outcome, &mut kept) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!(
                "seq {seq} ({}): {e}",
                line["label"].as_str().unwrap_or("")
            )),
        }
        if seq == 1 {
            // The Eval that loaded the blueprint in AOS: the token starts where it left off.
            let token = &runtime.state().expect("initialised at spawn");
            assert_eq!(
                token.balance_of(PID),
                U256::from(10u64).pow(U256::from(16u8))
            );
            assert_eq!(token.total_supply, U256::from(10u64).pow(U256::from(16u8)));
            assert_eq!(token.balances.len(), 1);
        }
    }

    println!(
        "trace replay: {passed}/{} messages matched AOS",
        messages.len()
    );
    println!("documented differences met: {kept:?}");
    assert!(
        failures.is_empty(),
        "{} of {} messages differ:\n{}",
        failures.len(),
        messages.len(),
        failures.join("\n")
    );
    assert_eq!(passed, 625);
    // Every kept difference was actually exercised, and nothing else.
    assert_eq!(kept.eval_notice, 1);
    assert_eq!(
        kept.no_zero_entries, 1,
        "the stranger's refused transfer (seq 609)"
    );
    assert_eq!(kept.no_target_warning, patches, "one per patch message");
    assert_eq!(
        patches, 304,
        "301 transfers in setup and transfer phases, X-tags, Cast, Mint"
    );

    let token = &runtime.state().unwrap();
    assert_eq!(token.balance_of(STRANGER), U256::ZERO);
    assert!(!token.balances.contains_key(STRANGER));
    let sum = token.balances.values().fold(U256::ZERO, |acc, v| acc + *v);
    assert_eq!(sum, token.total_supply);
    assert_eq!(token.total_supply.to_string(), "10000000000001000");
    assert_eq!(runtime.reference(), 1220);
    assert_eq!(
        runtime.inbox().len(),
        3,
        "owner Eval, stranger Eval, unknown action"
    );
}
