//! Issue 9 item 1 on the wasm backend: the built auction module awaits replies with
//! continuations kept in linear memory, so a fresh instance restored from a memory
//! snapshot resumes them, and a forged answer resumes nothing.
//!
//! The module is built on demand (`aoxide_build::ensure_built`).

#![cfg(feature = "wasm")]

mod common;
use common::built::{self, at, ok};

use aoxide::{Env, Message, Outcome, U256};
use aoxide_host::wasm::{WasmBackend, WasmModule};
use aoxide_host::{Backend, Msg, Net, SpawnOptions};
use aoxide_token::TokenProcess;

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const SELLER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const AUTH: &str = "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI";
const TOKEN: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
const BOB: &str = "jLbz8Sng1M-AIBayL1w_X_hIpd64BOtY2fBLoq7H8Rw";
const MALLORY: &str = "Mq2y5YQW0Jk2kS0vLmTLdyWhVbYdjFhu9RgVxTHLjtU";

fn auction_bytes() -> Vec<u8> {
    built::module_bytes("example-auction")
}

fn env() -> Env {
    built::env(PID, SELLER, Some(AUTH))
}

fn msg(from: &str, action: &str, tags: &[(&str, &str)]) -> Message {
    tags.iter()
        .fold(Message::new(from).with_action(action), |m, (k, v)| {
            m.with_tag(*k, *v)
        })
}

/// Spawned with a "token" that is a plain address, bid on, and settled: the payout is
/// sent and awaited. Returns the instance and the payout's reference.
fn settling(module: &WasmModule) -> (WasmBackend, u64) {
    let env = env();
    let mut wasm = module.instantiate().unwrap();
    let spawn = Message::new(SELLER)
        .with_id(PID)
        .with_tag("Type", "Process")
        .with_tag("Token", TOKEN)
        .with_tag("Duration", "1000");
    ok(wasm.handle(at(spawn, 10_000), &env));
    let credit = msg(
        TOKEN,
        "Credit-Notice",
        &[("Sender", BOB), ("Quantity", "25")],
    );
    let out = ok(wasm.handle(at(credit, 10_100), &env));
    assert!(out.message_to(BOB).is_some(), "Bid-Accepted");
    let out = ok(wasm.handle(at(msg(BOB, "Settle", &[]), 11_000), &env));
    let payout = out.message_to(TOKEN).expect("the payout transfer");
    assert_eq!(payout.get("Action"), Some("Transfer"));
    assert_eq!(payout.get("Recipient"), Some(SELLER));
    assert_eq!(payout.get("Quantity"), Some("25"));
    (wasm, payout.reference().unwrap())
}

fn debit_notice(from: &str, reference: u64) -> Message {
    at(
        msg(
            from,
            "Debit-Notice",
            &[("X-Reference", &reference.to_string())],
        ),
        11_500,
    )
}

fn won(out: &Outcome) -> bool {
    out.messages_with_action("Auction-Won").next().is_some()
}

#[test]
fn a_fresh_instance_restored_from_memory_resumes_the_wait() {
    let module = WasmModule::new(&auction_bytes()).unwrap();
    let (wasm, reference) = settling(&module);
    let snapshot = wasm.snapshot();
    drop(wasm);

    let mut fresh = module.restore(&snapshot).unwrap();
    let out = ok(fresh.handle(debit_notice(MALLORY, reference), &env()));
    assert!(!won(&out), "a forged answer resumes nothing");
    let out = ok(fresh.handle(debit_notice(TOKEN, reference), &env()));
    assert!(won(&out), "the token's answer resumes the payout: {out:?}");
    assert_eq!(
        out.message_to(BOB).unwrap().get("Action"),
        Some("Auction-Won")
    );
    // Resumed once only.
    let out = ok(fresh.handle(debit_notice(TOKEN, reference), &env()));
    assert!(!won(&out));
}

#[test]
fn an_expired_wait_in_wasm_is_retried_by_settle() {
    let module = WasmModule::new(&auction_bytes()).unwrap();
    let (mut wasm, reference) = settling(&module);
    // The wait times out at 11_000 + 60_000: an answer then is too late, and a message at
    // that time retries nothing by itself (Settle does).
    let late = at(debit_notice(TOKEN, reference), 71_000);
    let out = ok(wasm.handle(late, &env()));
    assert!(!won(&out), "expired first");
    let out = ok(wasm.handle(at(msg(BOB, "Settle", &[]), 71_001), &env()));
    let retry = out.message_to(TOKEN).unwrap().reference().unwrap();
    assert!(retry > reference);
    let out = ok(wasm.handle(debit_notice(TOKEN, retry), &env()));
    assert!(won(&out));
}

#[test]
fn the_auction_module_with_the_token_on_a_net() {
    let mut net = Net::new();
    let module = net.register_wasm("auction", &auction_bytes()).unwrap();
    let issuer = net.wallet("issuer");
    let seller = net.wallet("seller");
    let bob = net.wallet("bob");
    let carol = net.wallet("carol");
    // The bidders are funded at spawn, through the token's Initial-Allocations.
    let allocations = format!(
        r#"{{"{}":"100","{}":"100"}}"#,
        bob.address(),
        carol.address()
    );
    let token = net
        .spawn::<TokenProcess>(
            &issuer,
            SpawnOptions::new()
                .tag("Ticker", "COIN")
                .tag("Initial-Allocations", allocations),
        )
        .unwrap();
    let options = SpawnOptions::new()
        .tag("Token", token.as_str())
        .tag("Duration", 5_000u64)
        .cron("1-second");
    let auction = net.spawn_module(&seller, &module, options).unwrap();
    // The spawn asked the token for its info and awaits it: the wait is in the module's
    // memory, and the network reads it through the module's view.
    let waits = net.pending_waits(&auction);
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].from, token.as_str());
    assert!(waits[0].continuation.ends_with("got_info"), "{waits:?}");
    assert!(net.run_until_idle().unwrap().is_clean());
    assert!(net.pending_waits(&auction).is_empty());
    // The auction's state is `Serialize`: its JSON view, from the module.
    let view = net.state_json(&auction).unwrap().expect("a state view");
    assert_eq!(view["state"]["token"], token.as_str());
    for (who, amount) in [(&bob, 30u64), (&carol, 60)] {
        let bid = Msg::new()
            .action("Transfer")
            .tag("Recipient", auction.as_str())
            .tag("Quantity", amount);
        net.send(who, &token, bid).unwrap();
        assert!(net.run_until_idle().unwrap().is_clean());
    }
    let run = net.tick(5_000).unwrap();
    assert!(run.is_clean(), "{:?}", run.failed);
    let balance = |net: &Net, who: &str| net.state::<TokenProcess>(&token).balance_of(who);
    assert_eq!(balance(&net, seller.address()), U256::from(60u64));
    assert_eq!(balance(&net, bob.address()), U256::from(100u64), "refunded");
    assert_eq!(balance(&net, auction.as_str()), U256::ZERO);
    let info = net
        .dry_run(&auction, Msg::new().action("Auction-Info"))
        .unwrap();
    let data = info.messages[0].data.clone().unwrap();
    assert!(data.contains(r#""phase":"Paid""#), "{data}");
    assert!(
        data.contains(r#""ticker":"COIN""#),
        "the spawn-time await: {data}"
    );
    assert_eq!(
        net.messages_with_action("Auction-Won")
            .next()
            .unwrap()
            .target(),
        Some(carol.address())
    );
}
