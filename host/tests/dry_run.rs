//! Dry-runs answer and change nothing.

mod common;

use aoxide_host::{Msg, Net, NetError, ProcessId, SpawnOptions};
use common::Counter;

#[test]
fn a_dry_run_answers_without_changing_anything() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    net.send_and_run(&alice, &c, Msg::new().action("Increment").tag("By", 5u64))
        .unwrap();

    let before_state = net.state::<Counter>(&c).clone();
    let before_now = net.now();
    let before_messages = net.messages().len();
    let before_deliveries = net.deliveries().len();

    let out = net
        .dry_run(&c, Msg::new().action("Increment").tag("By", 10u64))
        .unwrap();
    assert!(!out.is_error());
    assert_eq!(out.messages[0].data.as_deref(), Some("15"));
    assert_eq!(out.messages[0].get("Action"), Some("Count"));

    assert_eq!(net.state::<Counter>(&c), &before_state);
    assert_eq!(net.now(), before_now);
    assert_eq!(net.messages().len(), before_messages);
    assert_eq!(net.deliveries().len(), before_deliveries);
    assert_eq!(net.pending(), 0);

    // The next real message sees the state as if the dry-run never happened.
    let id = net
        .send_and_run(&alice, &c, Msg::new().action("Increment"))
        .unwrap();
    assert_eq!(net.reply_to(&id).unwrap().data(), "6");
}

#[test]
fn the_process_sees_read_only() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    // An unknown action is printed and would go to the inbox, but not on a dry-run.
    let out = net
        .dry_run_as(&alice, &c, Msg::new().action("Unknown"))
        .unwrap();
    assert!(out.output.data.contains("New Message From"), "{out:?}");
    assert!(net.inbox(&c).is_empty());
    let failed = net.dry_run(&c, Msg::new().action("Fail")).unwrap();
    assert!(failed.is_error());
    assert_eq!(net.state::<Counter>(&c).count, 0);
}

#[test]
fn dry_running_an_unknown_process_is_an_error() {
    let mut net = Net::new();
    let nobody = ProcessId::new("n".repeat(43));
    assert_eq!(
        net.dry_run(&nobody, Msg::new().action("X")),
        Err(NetError::UnknownProcess(nobody.clone()))
    );
}
