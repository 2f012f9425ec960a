//! The ao-loader backend (a node child running `@permaweb/ao-loader`) against the native
//! one: the built token module gives the same outcomes in both memory modes, views work,
//! a trap rolls back, waits are bounded and every child is reaped.
//!
//! Needs node and npm (the pinned ao-loader is installed on demand into ~/.cache/aoxide);
//! the token module is built on demand.

#![cfg(feature = "wasm")]

mod common;
use common::built::{self, msg, run};

use std::time::Duration;

use aoxide::{Env, Message};
use aoxide_host::loader::{LoaderModule, LoaderOptions};
use aoxide_host::{Backend, Msg, Native, Net, SpawnOptions};
use aoxide_token::TokenProcess;

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const AUTH: &str = "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI";
const BOB: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";

fn module(options: LoaderOptions) -> LoaderModule {
    LoaderModule::with_options(&built::module_bytes("aoxide-token"), options)
        .expect("ao-loader runs the token")
}

fn env() -> Env {
    built::env(PID, OWNER, Some(AUTH))
}

/// Spawn, fund the owner, a transfer, one that is too large (a reply), one that fails.
fn scenario() -> Vec<Message> {
    let mut fund = Message::new(AUTH)
        .with_id("fund")
        .with_action("Transfer")
        .with_tag("Recipient", OWNER)
        .with_tag("Quantity", "1000");
    fund.from = PID.into();
    vec![
        Message::new(OWNER)
            .with_id(PID)
            .with_tag("Type", "Process")
            .with_tag("Ticker", "TST"),
        fund,
        msg(
            OWNER,
            "t1",
            "Transfer",
            &[("Recipient", BOB), ("Quantity", "300")],
        ),
        msg(
            BOB,
            "f1",
            "Transfer",
            &[("Recipient", OWNER), ("Quantity", "100000")],
        ),
        msg(
            BOB,
            "f2",
            "Transfer",
            &[("Recipient", OWNER), ("Quantity", "-5")],
        ),
        msg(OWNER, "b1", "Balance", &[("Target", BOB)]),
        msg(OWNER, "bs", "Balances", &[]),
    ]
}

/// True while process `pid` exists (and is not a zombie).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[test]
fn the_token_under_ao_loader_answers_as_the_native_one_in_both_memory_modes() {
    let messages = scenario();
    let native = run(&mut Native::<TokenProcess>::new(), &messages, &env());
    assert!(native[3].messages_with_action("Transfer-Error").count() == 1);
    assert!(native[4].is_error());
    for unsafe_memory in [false, true] {
        let m = module(LoaderOptions {
            unsafe_memory,
            ..LoaderOptions::default()
        });
        let mut backend = m.instantiate().unwrap();
        let loaded = run(&mut backend, &messages, &env());
        for ((m, n), l) in messages.iter().zip(&native).zip(&loaded) {
            assert_eq!(n, l, "message {:?} (unsafe_memory {unsafe_memory})", m.id);
        }
    }
}

#[test]
fn a_net_runs_it_and_looks_into_it_through_the_modules_view() {
    let mut net = Net::new();
    let id = net.register("token", module(LoaderOptions::default()));
    let alice = net.wallet("alice");
    let bob = net.wallet("bob");
    let token = net
        .spawn_module(
            &alice,
            &id,
            SpawnOptions::new()
                .tag("Ticker", "TST")
                .tag("Initial-Holder", "owner"),
        )
        .unwrap();
    let sent = net
        .send(
            &alice,
            &token,
            Msg::new()
                .action("Transfer")
                .tag("Recipient", bob.address())
                .tag("Quantity", "25"),
        )
        .unwrap();
    assert!(net.run_until_idle().unwrap().is_clean());
    assert!(net.reply_to(&sent).is_some());
    assert!(net.loader_backend(&token).is_some());
    // The token's state, through the module's view under ao-loader: read back as a `Token`.
    let state = net.state::<TokenProcess>(&token);
    assert_eq!(state.balance_of(bob.address()), aoxide::U256::from(25u64));
    assert_eq!(state.ticker, "TST");
    drop(state);
    // A message nobody handles lands in the inbox, which the view shows.
    net.send(&bob, &token, Msg::new().action("Nobody-Handles-This"))
        .unwrap();
    net.run_until_idle().unwrap();
    assert_eq!(net.try_inbox(&token).unwrap().len(), 1);
    // Looking changed nothing: the same view again.
    assert_eq!(net.try_inbox(&token).unwrap().len(), 1);
}

#[test]
fn a_child_that_does_not_answer_in_time_is_killed_and_reaped() {
    let m = module(LoaderOptions {
        timeout: Duration::from_nanos(1),
        ..LoaderOptions::default()
    });
    // No child answers within a nanosecond.
    let err = m.instantiate().unwrap_err();
    assert!(err.to_string().contains("no answer within"), "{err}");

    let m = module(LoaderOptions::default());
    let mut backend = m.instantiate().unwrap();
    let pid = backend.pid();
    assert!(alive(pid));
    let first = backend.handle(scenario()[0].clone(), &env());
    assert!(!first.is_error(), "{:?}", first.error);
    drop(backend);
    assert!(!alive(pid), "dropping the backend reaps its child");
}

#[test]
fn a_dead_child_fails_every_later_message_without_hanging() {
    let m = module(LoaderOptions::default());
    let mut backend = m.instantiate().unwrap();
    let pid = backend.pid();
    // Killed from outside.
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = backend.handle(scenario()[0].clone(), &env());
    let err = out.error.expect("an error outcome").to_string();
    assert!(err.contains("ao-loader"), "{err}");
    assert!(backend.fault().is_some());
    let again = backend.handle(scenario()[1].clone(), &env());
    assert!(again.is_error());
    assert!(!alive(pid));
}
