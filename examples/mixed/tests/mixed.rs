//! The mixed process natively: one registry for Rust and Lua handlers, Lua calling Rust,
//! failures on either side, hostile input.

use aoxide::{Env, Message, Outcome, Runtime, U256};
use example_mixed::{Mixed, BROADCAST_FEE};

const PID: &str = "MIXED_PROCESS_000000000000000000000000000000";
const OWNER: &str = "OWNER_ADDRESS_00000000000000000000000000000";
const ALICE: &str = "ALICE_ADDRESS_00000000000000000000000000000";
const BOB: &str = "BOB_ADDRESS_0000000000000000000000000000000";

fn msg(from: &str, action: &str, tags: &[(&str, &str)]) -> Message {
    let mut m = Message::new(from).with_action(action);
    for (k, v) in tags {
        m = m.with_tag(*k, *v);
    }
    m
}

#[track_caller]
fn ok(out: Outcome) -> Outcome {
    assert!(out.error.is_none(), "{:?}", out.error);
    out
}

/// Spawned, with 1000 units moved from the process to Alice and Alice and Bob registered.
fn process() -> Runtime<Mixed> {
    let mut rt: Runtime<Mixed> = Runtime::new();
    ok(rt.handle(
        Message::new(OWNER).with_id(PID),
        Some(&Env::new(PID, OWNER)),
    ));
    let mut fund = msg(
        PID,
        "Transfer",
        &[("Recipient", ALICE), ("Quantity", "1000")],
    );
    fund.owner = PID.into();
    ok(rt.handle(fund, None));
    ok(rt.handle(msg(ALICE, "Register", &[]), None));
    ok(rt.handle(msg(BOB, "Register", &[]), None));
    rt
}

fn balance(rt: &Runtime<Mixed>, who: &str) -> U256 {
    rt.state().unwrap().token.balance_of(who)
}

#[test]
fn lua_and_rust_handlers_share_one_ordered_registry() {
    let rt = process();
    let names: Vec<&str> = rt.registry().names().collect();
    assert_eq!(
        names,
        [
            "Audit",
            "token.info",
            "token.total_supply",
            "token.balance",
            "token.balances",
            "token.transfer",
            "token.mint",
            "token.allocate",
            "token.burn",
            "Eval",
            "Register",
            "Unregister",
            "Broadcast-Fee",
            "Broadcast",
            "Rich-List",
            "Tip"
        ],
        "Lua's prepend is in front of the Rust token; the Rust fee is before Lua's Broadcast"
    );
}

#[test]
fn a_lua_handler_in_front_of_a_rust_one_continues_into_it() {
    let mut rt = process();
    let out = ok(rt.handle(
        msg(ALICE, "Transfer", &[("Recipient", BOB), ("Quantity", "10")]),
        None,
    ));
    assert_eq!(out.output.data, format!("audit: {ALICE} sends 10"));
    assert_eq!(out.messages[0].get("Action"), Some("Debit-Notice"));
    assert_eq!(balance(&rt, BOB), U256::from(10u8));
}

#[test]
fn lua_reads_and_moves_the_rust_token() {
    let mut rt = process();
    let out = ok(rt.handle(msg(ALICE, "Rich-List", &[]), None));
    let list: serde_json_list::List =
        serde_json_list::parse(out.messages[0].data.as_deref().unwrap());
    assert_eq!(
        list,
        vec![
            (ALICE.to_owned(), "1000".to_owned()),
            (BOB.to_owned(), "0".to_owned())
        ]
    );

    let out = ok(rt.handle(
        msg(ALICE, "Tip", &[("Recipient", BOB), ("Quantity", "25")]),
        None,
    ));
    assert_eq!(out.messages[0].data.as_deref(), Some("Tipped 25"));
    assert_eq!(balance(&rt, BOB), U256::from(25u8));
    assert_eq!(rt.state().unwrap().lua.value::<i64>("Tips").unwrap(), 1);
}

#[test]
fn rust_functions_are_reachable_from_handlers_only() {
    let mut rt = process();
    // A pattern runs outside any handler: no process state is lent to Lua then.
    ok(rt.handle(
        msg(OWNER, "Eval", &[]).with_data(
            r#"Handlers.prepend("Peek", function(msg)
                   return msg.From ~= Owner and Rust.balance(msg.From) ~= "0" end,
                 function() end)"#,
        ),
        None,
    ));
    let out = rt.handle(msg(ALICE, "Anything", &[]), None);
    let err = out
        .error
        .expect("Rust.balance in a pattern fails the message");
    assert!(
        err.contains("Rust functions are only available while a handler runs"),
        "{err}"
    );
    ok(rt.handle(
        msg(OWNER, "Eval", &[]).with_data(r#"Handlers.remove("Peek")"#),
        None,
    ));
    // In a handler they work, as many times as asked.
    for _ in 0..2 {
        let out = ok(rt.handle(msg(ALICE, "Rich-List", &[]), None));
        assert!(out.messages[0].data.as_deref().unwrap().contains("1000"));
    }
}

#[test]
fn a_failing_lua_handler_rolls_back_the_rust_state_it_changed() {
    let mut rt = process();
    let out = rt.handle(
        msg(
            ALICE,
            "Tip",
            &[("Recipient", BOB), ("Quantity", "25"), ("Fail", "yes")],
        ),
        None,
    );
    let err = out.error.expect("the tip fails");
    assert!(err.contains("tip refused after paying"), "{err}");
    assert!(err.contains("stack traceback"), "{err}");
    assert!(out.messages.is_empty());
    assert_eq!(
        balance(&rt, BOB),
        U256::ZERO,
        "the payment went back with the message"
    );
    assert_eq!(balance(&rt, ALICE), U256::from(1000u16));
    // The documented rule for Lua globals: what the failed handler wrote stays.
    assert_eq!(rt.state().unwrap().lua.value::<i64>("Tips").unwrap(), 1);
    // A Rust error raised inside Lua (the token refuses) is a Lua error of the message.
    let out = rt.handle(
        msg(BOB, "Tip", &[("Recipient", ALICE), ("Quantity", "5")]),
        None,
    );
    assert!(out.error.unwrap().contains("nsufficient"));
}

#[test]
fn a_failing_rust_handler_stops_the_lua_one_after_it() {
    let mut rt = process();
    let out = ok(rt.handle(msg(ALICE, "Broadcast", &[]).with_data("hi all"), None));
    let notices: Vec<_> = out
        .messages
        .iter()
        .filter(|m| m.get("Action") == Some("Broadcast-Notice"))
        .collect();
    assert_eq!(notices.len(), 2);
    assert_eq!(notices[0].data.as_deref(), Some("hi all"));
    assert_eq!(
        balance(&rt, PID),
        U256::from(10u64.pow(16) - 1000 + BROADCAST_FEE)
    );

    // Bob has nothing: the Rust fee fails, the Lua broadcast never runs, nothing is sent.
    let out = rt.handle(msg(BOB, "Broadcast", &[]).with_data("spam"), None);
    let err = out.error.expect("no fee, no broadcast");
    assert!(err.contains("Broadcast-Fee"), "{err}");
    assert!(out.messages.is_empty());
}

#[test]
fn bad_input_is_an_error_and_the_process_keeps_working() {
    let mut rt = process();
    // Eval from a stranger is not run: it goes to the inbox with a notice.
    let out = ok(rt.handle(msg(ALICE, "Eval", &[]).with_data("Members = {}"), None));
    assert!(
        out.output.data.starts_with("New Message From"),
        "{}",
        out.output.data
    );
    assert_eq!(rt.state().unwrap().lua.value::<i64>("#Members").unwrap(), 2);
    // The owner's endless loop and runaway memory: errors.
    let out = rt.handle(
        msg(OWNER, "Eval", &[]).with_data("Handlers.add('Spin', function() while true do end end)"),
        None,
    );
    assert!(out.error.is_none());
    let out = rt.handle(msg(ALICE, "Spin", &[]), None);
    assert!(out.error.unwrap().contains("instruction budget"));
    let out = rt.handle(
        msg(OWNER, "Eval", &[])
            .with_data("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end"),
        None,
    );
    let err = out.error.unwrap();
    assert!(
        err.contains("memory limit") || err.contains("instruction budget"),
        "{err}"
    );
    // A syntax error.
    let out = rt.handle(msg(OWNER, "Eval", &[]).with_data("this is not lua"), None);
    assert!(out.error.unwrap().contains("syntax error"));
    // Huge strings through Lua handlers.
    let big = "z".repeat(2 * 1024 * 1024);
    let out = ok(rt.handle(msg(ALICE, "Broadcast", &[]).with_data(big.clone()), None));
    assert_eq!(
        out.messages[0].data.as_deref().map(str::len),
        Some(big.len())
    );
    // Still working.
    let out = ok(rt.handle(msg(ALICE, "Register", &[]), None));
    assert_eq!(out.messages[0].data.as_deref(), Some("Already registered."));
}

/// Reads `[[account, balance], ...]` without a JSON dependency in this test.
mod serde_json_list {
    pub type List = Vec<(String, String)>;
    pub fn parse(text: &str) -> List {
        let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
        inner
            .split("],[")
            .map(|pair| {
                let parts: Vec<&str> = pair
                    .trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .collect();
                (
                    parts[0].trim_matches('"').to_owned(),
                    parts[1].trim_matches('"').to_owned(),
                )
            })
            .collect()
    }
}
