//! Two identical runs give identical results; ids have the AO shape.

mod common;

use aoxide_host::{Delivery, Msg, Net, NetConfig, Sent, SpawnOptions};
use common::{Counter, Factory, Player, Ticker};

fn scenario(seed: u64) -> (Vec<Delivery>, Vec<Sent>, u64) {
    let mut net = Net::with_config(NetConfig {
        seed,
        ..NetConfig::default()
    });
    let counter = net.register_module::<Counter>("counter");
    let alice = net.wallet("alice");
    let bob = net.wallet("bob");
    let a = net.spawn::<Player>(&alice, SpawnOptions::new()).unwrap();
    let b = net.spawn::<Player>(&bob, SpawnOptions::new()).unwrap();
    let f = net.spawn::<Factory>(&alice, SpawnOptions::new()).unwrap();
    let t = net
        .spawn::<Ticker>(
            &bob,
            SpawnOptions::new()
                .cron("5-seconds")
                .cron_tag("Action", "Tick"),
        )
        .unwrap();
    net.send(
        &alice,
        &a,
        Msg::new()
            .action("Start")
            .tag("Peer", &b)
            .tag("Limit", 5u64),
    )
    .unwrap();
    net.send(
        &alice,
        &f,
        Msg::new().action("Make").tag("Module", &counter),
    )
    .unwrap();
    net.send(&bob, &t, Msg::new().action("Poke")).unwrap();
    net.run_until_idle().unwrap();
    net.tick(12_000).unwrap();
    let _ = net.dry_run(&a, Msg::new().action("Ping").tag("Round", 1u64));
    net.send_and_run(&bob, &b, Msg::new().action("Ping").tag("Round", 9u64))
        .unwrap();
    (
        net.deliveries().to_vec(),
        net.messages().to_vec(),
        net.now(),
    )
}

#[test]
fn identical_runs_give_identical_results() {
    let first = scenario(0);
    let second = scenario(0);
    assert!(first.0.len() > 20, "the scenario does something");
    assert_eq!(first, second);
}

#[test]
fn the_seed_changes_ids_not_behaviour() {
    let (d0, m0, now0) = scenario(0);
    let (d1, m1, now1) = scenario(1);
    assert_eq!(d0.len(), d1.len());
    assert_eq!(m0.len(), m1.len());
    assert_eq!(now0, now1);
    assert_ne!(m0[0].message.id, m1[0].message.id);
    let timestamps = |d: &[Delivery]| d.iter().map(|d| d.message.timestamp).collect::<Vec<_>>();
    assert_eq!(timestamps(&d0), timestamps(&d1));
}

#[test]
fn ids_look_like_arweave_ids() {
    let (deliveries, messages, _) = scenario(0);
    for s in &messages {
        let id = s.message.id.as_deref().unwrap();
        assert!(aoxide::Address::parse(id).is_some(), "{id}");
    }
    for d in &deliveries {
        assert!(aoxide::Address::parse(d.process.as_str()).is_some());
    }
    let mut ids: Vec<_> = messages.iter().map(|s| s.message.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), messages.len(), "ids are unique");

    let mut net = Net::new();
    let alice = net.wallet("alice");
    assert_eq!(alice.address().len(), 43);
    assert_eq!(alice, Net::new().wallet("alice"));
    assert_ne!(alice.address(), net.wallet("bob").address());
    assert_eq!(net.authority().len(), 43);
}
