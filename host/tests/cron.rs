//! Cron processes and the clock.

mod common;

use aoxide_host::{Msg, Net, NetError, SpawnOptions};
use common::Ticker;

fn ticker(net: &mut Net, every: &str) -> aoxide_host::ProcessId {
    let alice = net.wallet("alice");
    net.spawn::<Ticker>(
        &alice,
        SpawnOptions::new().cron(every).cron_tag("Action", "Tick"),
    )
    .unwrap()
}

#[test]
fn tick_delivers_cron_messages_at_each_interval() {
    let mut net = Net::new();
    let start = net.now();
    let t = ticker(&mut net, "10-seconds");
    let after_spawn = net.now();
    assert_eq!(
        after_spawn,
        start + 1,
        "scheduling the spawn moved the clock 1 ms"
    );
    let run = net.tick(35_000).unwrap();
    assert!(run.is_clean(), "{:?}", run.failed);
    assert_eq!(run.delivered, 3);
    assert_eq!(
        net.state::<Ticker>(&t).ticks,
        [start + 10_000, start + 20_000, start + 30_000]
    );
    assert_eq!(net.now(), after_spawn + 35_000);

    net.tick(5_000).unwrap();
    assert_eq!(net.state::<Ticker>(&t).ticks.len(), 4);

    let cron: Vec<_> = net.deliveries_to(&t).filter(|d| d.message.cron).collect();
    assert_eq!(cron.len(), 4);
    for d in cron {
        assert_eq!(d.message.id, None);
        assert_eq!(d.message.get("Action"), Some("Tick"));
        assert_eq!(Some(d.message.from.as_str()), net.owner_of(&t));
    }
}

#[test]
fn processes_without_cron_get_no_ticks_and_queued_messages_go_first() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let plain = net.spawn::<Ticker>(&alice, SpawnOptions::new()).unwrap();
    let timed = ticker(&mut net, "1-minute");
    net.send(&alice, &timed, Msg::new().action("Poke")).unwrap();
    let run = net.tick(120_000).unwrap();
    assert_eq!(run.delivered, 3, "the Poke, then two ticks");
    assert_eq!(net.state::<Ticker>(&timed).other, 1);
    assert_eq!(net.state::<Ticker>(&timed).ticks.len(), 2);
    assert!(net.state::<Ticker>(&plain).ticks.is_empty());
}

#[test]
fn two_cron_processes_interleave_by_time() {
    let mut net = Net::new();
    let fast = ticker(&mut net, "20-seconds");
    let slow = ticker(&mut net, "1-minute");
    net.tick(60_000).unwrap();
    assert_eq!(net.state::<Ticker>(&fast).ticks.len(), 3);
    assert_eq!(net.state::<Ticker>(&slow).ticks.len(), 1);
    let order: Vec<_> = net
        .deliveries()
        .iter()
        .filter(|d| d.message.cron)
        .map(|d| d.message.timestamp.unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
}

#[test]
fn a_bad_interval_is_refused_at_spawn() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let err = net
        .spawn::<Ticker>(&alice, SpawnOptions::new().cron("often"))
        .unwrap_err();
    assert!(matches!(err, NetError::InvalidCron(_)), "{err}");
    assert!(err.to_string().contains("10-seconds"), "{err}");
    assert!(net.messages().is_empty(), "nothing was recorded");
    assert_eq!(net.processes().count(), 0);
}
