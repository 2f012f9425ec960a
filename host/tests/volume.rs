//! A thousand messages go through in one run. (Speed is measured in benches/net.rs, not
//! asserted here.)

mod common;

use aoxide_host::{Msg, Net, SpawnOptions};
use common::{Counter, Player};

#[test]
fn a_thousand_wallet_messages() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    for _ in 0..1_000 {
        net.send(&alice, &c, Msg::new().action("Increment"))
            .unwrap();
    }
    let run = net.run_until_idle().unwrap();
    assert!(run.is_clean());
    assert_eq!(run.delivered, 1_000);
    assert_eq!(net.state::<Counter>(&c).count, 1_000);
    assert_eq!(net.messages_with_action("Count").count(), 1_000);
}

#[test]
fn a_thousand_process_messages() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let a = net.spawn::<Player>(&alice, SpawnOptions::new()).unwrap();
    let b = net.spawn::<Player>(&alice, SpawnOptions::new()).unwrap();
    net.send(
        &alice,
        &a,
        Msg::new()
            .action("Start")
            .tag("Peer", &b)
            .tag("Limit", 500u64),
    )
    .unwrap();
    let run = net.run_until_idle().unwrap();
    assert_eq!(run.delivered, 1_001);
    assert_eq!(net.state::<Player>(&a).pongs, 500);
}
