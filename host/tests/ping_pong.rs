//! Two processes messaging each other through the network until it goes quiet.

mod common;

use aoxide_host::{Msg, Net, NetConfig, NetError, Origin, SpawnOptions, Status};
use common::Player;

fn start(net: &mut Net, limit: u64) -> (aoxide_host::ProcessId, aoxide_host::ProcessId) {
    let alice = net.wallet("alice");
    let a = net
        .spawn::<Player>(&alice, SpawnOptions::new().name("a"))
        .unwrap();
    let b = net
        .spawn::<Player>(&alice, SpawnOptions::new().name("b"))
        .unwrap();
    net.send(
        &alice,
        &a,
        Msg::new()
            .action("Start")
            .tag("Peer", &b)
            .tag("Limit", limit),
    )
    .unwrap();
    (a, b)
}

#[test]
fn ping_pong_until_quiet() {
    let mut net = Net::new();
    let (a, b) = start(&mut net, 10);
    let run = net.run_until_idle().unwrap();
    assert!(run.is_clean(), "{:?}", run.failed);
    assert_eq!(run.delivered, 1 + 10 + 10, "Start, 10 Pings, 10 Pongs");
    assert_eq!(net.pending(), 0);
    assert_eq!(net.state::<Player>(&a).pongs, 10);
    assert_eq!(net.state::<Player>(&b).pings, 10);

    // Process messages are signed by the messenger and come From the sending process.
    let pings: Vec<_> = net.messages_with_action("Ping").collect();
    assert_eq!(pings.len(), 10);
    for ping in &pings {
        assert_eq!(ping.message.owner, net.authority());
        assert_eq!(ping.from(), a.as_str());
        assert_eq!(ping.get("From-Process"), Some(a.as_str()));
        assert_eq!(ping.origin, Origin::Process(a.clone()));
        assert_eq!(ping.status, Status::Delivered);
        assert!(ping.cause.is_some());
    }
    assert_eq!(net.outbox(&b).count(), 10);
    assert!(net.outbox(&b).all(|s| s.action() == Some("Pong")));

    // Each process' schedule: nonces 0, 1, 2... and timestamps that never go back.
    let schedule: Vec<_> = net.deliveries_to(&b).map(|d| &d.message).collect();
    assert_eq!(schedule.len(), 11, "spawn + 10 pings");
    for (i, m) in schedule.iter().enumerate() {
        assert_eq!(m.nonce, Some(i as u64));
        assert!(m.block_height.is_some());
        assert!(m.module.is_some());
    }
    assert!(schedule.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    let seen = &net.state::<Player>(&b).seen_at;
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
}

#[test]
fn replies_are_found_by_cause() {
    let mut net = Net::new();
    let (_, b) = start(&mut net, 1);
    net.run_until_idle().unwrap();
    let ping = net.messages_with_action("Ping").next().unwrap().id();
    let pong = net.reply_to(&ping).expect("b answered");
    assert_eq!(pong.action(), Some("Pong"));
    assert_eq!(pong.from(), b.as_str());
    assert_eq!(pong.cause.as_ref(), Some(&ping));
    // The reply carries the AOS reference tags the runtime adds.
    assert_eq!(pong.get("X-Reference"), Some("1"));
}

#[test]
fn a_runaway_loop_stops_with_a_clear_error() {
    let mut net = Net::with_config(NetConfig {
        max_messages_per_run: 100,
        ..NetConfig::default()
    });
    let (a, b) = start(&mut net, u64::MAX);
    let err = net.run_until_idle().unwrap_err();
    let NetError::TooManyMessages {
        limit,
        pending,
        ref recent,
    } = err
    else {
        panic!("expected TooManyMessages, got {err}");
    };
    assert_eq!(limit, 100);
    assert_eq!(pending, 1, "the next message stays queued");
    assert!(!recent.is_empty());
    let text = err.to_string();
    assert!(
        text.contains("Action = Ping") && text.contains("Action = Pong"),
        "{text}"
    );
    assert!(text.contains("max_messages_per_run"), "{text}");
    let total = net.state::<Player>(&a).pongs + net.state::<Player>(&b).pings;
    assert_eq!(total, 99, "100 deliveries: Start and 99 of the rally");

    // Running again continues from where it stopped, with a fresh budget.
    assert!(matches!(
        net.run_until_idle(),
        Err(NetError::TooManyMessages { .. })
    ));
    let total = net.state::<Player>(&a).pongs + net.state::<Player>(&b).pings;
    assert_eq!(total, 199);
}
