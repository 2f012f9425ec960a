//! The Lua blueprints side by side with the real AOS module: each scenario of
//! `tests/fixtures/aos` (spawn, the owner's `Eval` of the blueprints, then protocol
//! messages with errors and strangers) is replayed on a Lua-only process running aoxide's
//! Lua layer natively, and every message's normalised outcome must equal what AOS 2.0.4
//! (`aos2_0_4_32.wasm`) answered, recorded in `<name>.expected.json`.
//!
//! The recording and the normalisation rules live in `tests/conformance/lib/aos.mjs`, and
//! `tests/conformance/lua-aos.test.mjs` runs AOS again on every test run so the record
//! cannot go stale. Normalised: the error flag (its text is each engine's own); for a
//! result without error, every outgoing message's Target, tags as a name -> value map,
//! Data (as a JSON value when it is a JSON object or list, since key order is each
//! engine's hash order), the number of spawns and assignments, and the printed output
//! without ANSI colours and without AOS's `WARN: No target specified` lines.
//!
//! One difference is kept on purpose (blueprints/lua/README.md), matched by name and
//! counted so a new one fails: AOS 2.0.4 leaves the spawn message in `Inbox` (no handler
//! takes it; AOS 2.0.6 and aoxide do not keep it), so an owner's `#Inbox` prints one more.

use std::collections::BTreeMap;

use aoxide::{Outcome, Runtime};
use aoxide_lua::{LuaFiles, LuaProcess, LuaSource};
use serde_json::{json, Map, Value};

#[path = "../../tests/support/outcome.rs"]
mod outcome;

use outcome::{strip_ansi, tag_json};

struct Bare;
impl LuaFiles for Bare {
    const SOURCES: &'static [LuaSource] = &[];
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/aos/{name}.expected.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn blueprint(file: &str) -> String {
    let path = format!("{}/../blueprints/lua/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `Data`, or `DataJson` when the text is a JSON object or list.
fn data_field(data: Option<&str>) -> (&'static str, Value) {
    match data {
        None => ("Data", Value::Null),
        Some(text) if text.trim_start().starts_with(['{', '[']) => {
            match serde_json::from_str::<Value>(text) {
                Ok(v) => ("DataJson", v),
                Err(_) => ("Data", Value::String(text.to_owned())),
            }
        }
        Some(text) => ("Data", Value::String(text.to_owned())),
    }
}

fn normalize(outcome: &Outcome) -> Value {
    if outcome.is_error() {
        return json!({ "error": true });
    }
    let messages: Vec<Value> = outcome
        .messages
        .iter()
        .map(|m| {
            let tags: BTreeMap<String, Value> = m
                .tags
                .iter()
                .map(|t| (t.name.clone(), tag_json(&t.value)))
                .collect();
            let mut out = Map::new();
            out.insert("Target".into(), json!(m.target));
            out.insert("Tags".into(), json!(tags));
            let (key, data) = data_field(m.data.as_deref());
            out.insert(key.into(), data);
            Value::Object(out)
        })
        .collect();
    let output: Vec<String> = strip_ansi(&outcome.output.data)
        .split('\n')
        .filter(|l| !l.starts_with("WARN: No target specified"))
        .map(str::to_owned)
        .collect();
    json!({
        "error": false,
        "messages": messages,
        "spawns": outcome.spawns.len(),
        "assignments": outcome.assignments.len(),
        "output": output.join("\n"),
    })
}

/// AOS 2.0.4's `Inbox` holds the spawn message too: the count it prints is one more.
fn spawn_in_inbox(label: &str, expected: &Value, actual: &Value) -> bool {
    if label != "owner counts the Inbox" {
        return false;
    }
    let count = |v: &Value| v["output"].as_str().and_then(|s| s.parse::<u64>().ok());
    let mut aos = expected.clone();
    match (count(expected), count(actual)) {
        (Some(a), Some(x)) if a == x + 1 => {
            aos["output"] = Value::String(x.to_string());
            &aos == actual
        }
        _ => false,
    }
}

/// Replays scenario `name`: the number of messages, the kept differences met, and one
/// line per message whose outcome differs.
fn replay(name: &str) -> (usize, usize, Vec<String>) {
    let fixture = fixture(name);
    let messages = fixture["messages"].as_array().unwrap();
    let outputs = fixture["outputs"].as_array().unwrap();
    assert_eq!(messages.len(), outputs.len(), "{name}: record is whole");
    let mut runtime: Runtime<LuaProcess<Bare>> = Runtime::new();
    let mut failures = Vec::new();
    let mut kept = 0;
    for (record, expected) in messages.iter().zip(outputs) {
        let mut msg = record["msg"].clone();
        if let Some(file) = record["eval"].as_str() {
            msg["Data"] = Value::String(blueprint(file));
        }
        let outcome = runtime.handle_bytes(
            &serde_json::to_vec(&msg).unwrap(),
            &serde_json::to_vec(&record["env"]).unwrap(),
        );
        let actual = normalize(&outcome);
        let label = record["label"].as_str().unwrap_or("");
        if spawn_in_inbox(label, expected, &actual) {
            kept += 1;
        } else if &actual != expected {
            failures.push(format!(
                "{name} seq {} ({}):\n  AOS    {expected}\n  aoxide {actual}\n  aoxide error {:?}",
                record["seq"], record["label"], outcome.error
            ));
        }
    }
    (messages.len(), kept, failures)
}

#[track_caller]
fn assert_same_as_aos(name: &str, spawn_in_inbox: usize) {
    let (n, kept, failures) = replay(name);
    assert!(n >= 20, "{name}: {n} messages");
    assert!(
        failures.is_empty(),
        "{} of {n} messages differ from AOS:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        kept, spawn_in_inbox,
        "{name}: Inbox counts with AOS's spawn message"
    );
}

#[test]
fn token_answers_as_on_aos() {
    assert_same_as_aos("token", 1);
}

#[test]
fn chatroom_answers_as_on_aos() {
    assert_same_as_aos("chatroom", 0);
}

#[test]
fn staking_answers_as_on_aos() {
    assert_same_as_aos("staking", 1);
}

#[test]
fn voting_answers_as_on_aos() {
    assert_same_as_aos("voting", 0);
}

#[test]
fn the_comparison_sees_a_changed_reply() {
    // A record with one reply altered must fail: the comparison is not vacuous.
    let fixture = fixture("chatroom");
    let outcome = Outcome::default();
    assert_ne!(normalize(&outcome), fixture["outputs"][2]);
    assert_eq!(normalize(&outcome), fixture["outputs"][0], "spawn: nothing");
}
