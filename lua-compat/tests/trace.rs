//! Replays the recorded AOS token trace (625 messages fed to the real AOS module with the
//! AOS token blueprint) through a Lua-only process running aoxide's own Lua token
//! (`blueprints/lua/token.lua`, loaded by the owner's `Eval` at seq 1 as in the
//! recording), and checks message by message: the outcome class, every outgoing message
//! (Target, tags as a name -> value map, Data byte for byte with its ANSI colours,
//! Anchor), spawns and assignments, and the printed output (ANSI colours removed).
//!
//! Differences kept on purpose, each counted so a new one fails the test:
//! - AOS prints a `WARN: No target specified` line for every message without a Target
//!   (the patch message); aoxide does not.
//! - `Balances` replies are compared as JSON objects (AOS orders keys by its hash, aoxide's
//!   `json` sorts them).

#[path = "../../tests/support/aos_trace.rs"]
mod aos_trace;

use aos_trace::{compare, load, Differences, PID, STRANGER};
use aoxide::Runtime;
use aoxide_lua::{LuaFiles, LuaProcess, LuaSource};
use serde_json::Value;

const TOKEN: &str = include_str!("../../blueprints/lua/token.lua");

struct Bare;
impl LuaFiles for Bare {
    const SOURCES: &'static [LuaSource] = &[];
}

/// The differences the module doc lists; each is counted when it is met.
#[derive(Default, Debug)]
struct Kept {
    no_target_warning: usize,
    balances_as_objects: usize,
}

impl Differences for Kept {
    fn no_target_warning(&mut self) {
        self.no_target_warning += 1;
    }

    /// `Balances` replies compared as JSON objects.
    fn data(&mut self, aos: &str, aoxide: &str) -> bool {
        let same = match (
            serde_json::from_str::<Value>(aos),
            serde_json::from_str::<Value>(aoxide),
        ) {
            (Ok(e @ Value::Object(_)), Ok(a)) => e == a,
            _ => false,
        };
        self.balances_as_objects += usize::from(same);
        same
    }

    fn output(&mut self, _aos: &str, _aoxide: &str) -> bool {
        false
    }
}

#[test]
fn the_lua_token_replays_the_aos_token_trace() {
    let (messages, outputs) = load();
    let mut runtime: Runtime<LuaProcess<Bare>> = Runtime::new();
    let mut kept = Kept::default();
    let mut failures = Vec::new();
    let mut patches = 0;
    for (seq, (line, expected)) in messages.iter().zip(&outputs).enumerate() {
        let mut msg = line["msg"].clone();
        if seq == 1 {
            // The recording omits the blueprint it evaluated; ours is evaluated instead.
            msg["Data"] = Value::String(TOKEN.to_owned());
        }
        let outcome = runtime.handle_bytes(
            &serde_json::to_vec(&msg).unwrap(),
            &serde_json::to_vec(&line["env"]).unwrap(),
        );
        patches += outcome
            .messages
            .iter()
            .filter(|m| m.get("device") == Some("patch@1.0"))
            .count();
        if let Err(e) = compare(expected, &outcome, &mut kept) {
            failures.push(format!(
                "seq {seq} ({}): {e}",
                line["label"].as_str().unwrap_or("")
            ));
        }
    }
    println!("documented differences met: {kept:?}");
    assert!(
        failures.is_empty(),
        "{} of 625 messages differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(patches, 304);
    assert_eq!(kept.no_target_warning, patches);
    assert_eq!(kept.balances_as_objects, 2, "the two Balances replies");
    let lua = &runtime.state().unwrap().lua;
    assert_eq!(
        lua.value::<String>("TotalSupply").unwrap(),
        "10000000000001000"
    );
    assert_eq!(
        lua.value::<String>(&format!("Balances['{STRANGER}']"))
            .unwrap(),
        "0",
        "AOS's token records a refused sender with 0"
    );
    assert_eq!(
        lua.value::<String>(&format!("Balances['{PID}']")).unwrap(),
        "9000000000001000"
    );
    assert_eq!(runtime.reference(), 1220);
    assert_eq!(
        lua.value::<i64>("#Inbox").unwrap(),
        2,
        "stranger Eval, unknown action"
    );
}
