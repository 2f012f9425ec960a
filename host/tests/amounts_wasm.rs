//! Issue 9 item 5 through the built module on the wasm backend: `U256` amounts are decimal
//! strings in every serde path, not `ruint`'s hex. Amounts past 2^64 go in as decimal tags
//! (`Reserve`, `Quantity`), live in the auction's state, and come out decimal in the
//! `Auction-Info` JSON (serde), in the refund and payout tags, and again after a fresh
//! instance is restored from the memory snapshot.
//!
//! The module is built on demand (`aoxide_build::ensure_built`).

#![cfg(feature = "wasm")]

mod common;
use common::built::{self, at, ok};

use aoxide::{Env, Message, Outcome};
use aoxide_host::wasm::WasmModule;
use aoxide_host::Backend;

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const SELLER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const TOKEN: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
const BOB: &str = "jLbz8Sng1M-AIBayL1w_X_hIpd64BOtY2fBLoq7H8Rw";
const CAROL: &str = "Mq2y5YQW0Jk2kS0vLmTLdyWhVbYdjFhu9RgVxTHLjtU";

/// 2^200, 2^200 + 1 and 2^255 + 7: far past u64 and u128.
const RESERVE: &str = "1606938044258990275541962092341162602522202993782792835301376";
const FIRST: &str = "1606938044258990275541962092341162602522202993782792835301377";
const SECOND: &str =
    "57896044618658097711785492504343953926634992332820282019728792003956564819975";

fn auction_bytes() -> Vec<u8> {
    built::module_bytes("example-auction")
}

fn env() -> Env {
    built::env(PID, SELLER, None)
}

fn credit(sender: &str, quantity: &str) -> Message {
    at(
        Message::new(TOKEN)
            .with_action("Credit-Notice")
            .with_tag("Sender", sender)
            .with_tag("Quantity", quantity),
        10_100,
    )
}

fn info(out: &Outcome) -> serde_json::Value {
    let data = out.messages[0].data.as_deref().unwrap();
    serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {data}"))
}

#[test]
fn amounts_past_u128_are_decimal_in_the_wasm_modules_json_and_tags() {
    let module = WasmModule::new(&auction_bytes()).unwrap();
    let env = env();
    let mut wasm = module.instantiate().unwrap();
    let spawn = Message::new(SELLER)
        .with_id(PID)
        .with_tag("Type", "Process")
        .with_tag("Token", TOKEN)
        .with_tag("Duration", "1000")
        .with_tag("Reserve", RESERVE);
    ok(wasm.handle(at(spawn, 10_000), &env));

    let out = ok(wasm.handle(credit(BOB, FIRST), &env));
    let accepted = out.message_to(BOB).unwrap();
    assert_eq!(accepted.get("Action"), Some("Bid-Accepted"));
    assert_eq!(accepted.get("Quantity"), Some(FIRST));

    let state = info(&ok(wasm.handle(
        at(Message::new(BOB).with_action("Auction-Info"), 10_200),
        &env,
    )));
    assert_eq!(state["reserve"], RESERVE, "{state}");
    assert_eq!(state["best"]["amount"], FIRST, "{state}");

    // Outbid: the refund carries the first amount, decimal.
    let out = ok(wasm.handle(credit(CAROL, SECOND), &env));
    let refund = out.message_to(TOKEN).unwrap();
    assert_eq!(refund.get("Recipient"), Some(BOB));
    assert_eq!(refund.get("Quantity"), Some(FIRST));

    // A fresh instance from the snapshot reads the same amounts back out of memory.
    let mut fresh = module.restore(&wasm.snapshot()).unwrap();
    let state = info(&ok(fresh.handle(
        at(Message::new(BOB).with_action("Auction-Info"), 10_300),
        &env,
    )));
    assert_eq!(state["reserve"], RESERVE, "{state}");
    assert_eq!(state["best"]["amount"], SECOND, "{state}");
    assert_eq!(state["best"]["bidder"], CAROL);

    let out = ok(fresh.handle(at(Message::new(BOB).with_action("Settle"), 11_000), &env));
    let payout = out.message_to(TOKEN).unwrap();
    assert_eq!(payout.get("Recipient"), Some(SELLER));
    assert_eq!(payout.get("Quantity"), Some(SECOND));
}
