//! Untrusted messages, caller checks, failures and the inbox, seen through the network.

mod common;

use aoxide_host::{Msg, Net, SpawnOptions, Status};
use common::Counter;

#[test]
fn a_wallet_claiming_to_be_a_process_is_not_trusted() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let mallory = net.wallet("mallory");
    let a = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    let b = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();

    let spoof = net
        .send(
            &mallory,
            &b,
            Msg::new().action("Increment").tag("From-Process", &a),
        )
        .unwrap();
    let run = net.run_until_idle().unwrap();
    assert!(run.is_clean(), "not trusted is not an error");
    let out = net.result(&spoof);
    assert!(out.output.data.contains("not trusted"), "{out:?}");
    assert!(out.messages.is_empty());
    assert_eq!(net.state::<Counter>(&b).count, 0);
    // What the process saw: From is the claimed process, Owner the real signer.
    let seen = &net.deliveries_to(&b).last().unwrap().message;
    assert_eq!(seen.from, a.as_str());
    assert_eq!(seen.owner, mallory.address());
}

#[test]
fn a_real_process_message_is_trusted() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let a = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    let b = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    net.send_and_run(&alice, &a, Msg::new().action("Forward").tag("To", &b))
        .unwrap();
    let state = net.state::<Counter>(&b);
    assert_eq!(state.count, 1);
    assert_eq!(state.last_from, a.as_str());
    assert_eq!(state.last_owner, net.authority());
    // b's reply went back to a, which has no handler for `Count`: it lands in a's inbox.
    let inbox = net.inbox(&a);
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].action(), Some("Count"));
}

#[test]
fn a_caller_restricted_handler_ignores_others() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    net.send_and_run(&alice, &c, Msg::new().action("Increment").tag("By", 3u64))
        .unwrap();
    let id = net
        .send_and_run(&alice, &c, Msg::new().action("Self-Only"))
        .unwrap();
    assert_eq!(
        net.state::<Counter>(&c).count,
        3,
        "only the process may reset"
    );
    assert!(net.result(&id).output.data.contains("New Message From"));
    assert_eq!(net.inbox(&c).len(), 1);
}

#[test]
fn a_failing_handler_rolls_back_and_sends_nothing() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    let id = net.send(&alice, &c, Msg::new().action("Fail")).unwrap();
    let run = net.run_until_idle().unwrap();
    assert_eq!(run.failed.len(), 1);
    let failure = &run.failed[0];
    assert_eq!(failure.process, c);
    assert_eq!(failure.message.as_ref(), Some(&id));
    assert_eq!(failure.action.as_deref(), Some("Fail"));
    assert!(
        failure.error.contains("failing on purpose"),
        "{}",
        failure.error
    );
    assert!(net.result(&id).is_error());
    assert_eq!(net.errors().count(), 1);
    assert_eq!(net.state::<Counter>(&c).count, 0);
    assert!(net.reply_to(&id).is_none());
    assert_eq!(net.messages_with_action("Should-Not-Leave").count(), 0);
}

#[test]
fn replies_to_wallets_arrive_and_unknown_targets_are_recorded() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    let id = net
        .send_and_run(&alice, &c, Msg::new().action("Increment"))
        .unwrap();
    assert_eq!(net.reply_to(&id).unwrap().status, Status::ToWallet);
    assert!(net.undelivered().is_empty());

    let nowhere = "z".repeat(43);
    net.send_and_run(
        &alice,
        &c,
        Msg::new().action("Forward").tag("To", nowhere.as_str()),
    )
    .unwrap();
    let lost = net.outbox(&c).last().unwrap();
    assert_eq!(lost.status, Status::UnknownTarget);
    assert_eq!(net.undelivered().len(), 1);
    assert_eq!(net.undelivered()[0].target, nowhere);
}
