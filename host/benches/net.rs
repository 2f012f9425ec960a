//! Throughput of the test network: wallet messages into one process, and a rally between
//! two processes. Run with `cargo bench -p aoxide-host`.

use aoxide_host::{Msg, Net, SpawnOptions};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

#[path = "../tests/common/mod.rs"]
mod common;
use common::{Counter, Player};

fn wallet_messages(c: &mut Criterion) {
    let mut group = c.benchmark_group("net");
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("1000 wallet messages", |b| {
        b.iter_batched(
            || {
                let mut net = Net::new();
                let alice = net.wallet("alice");
                let pid = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
                for _ in 0..1_000 {
                    net.send(&alice, &pid, Msg::new().action("Increment"))
                        .unwrap();
                }
                net
            },
            |mut net| net.run_until_idle().unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("1000 process messages", |b| {
        b.iter_batched(
            || {
                let mut net = Net::new();
                let alice = net.wallet("alice");
                let a = net.spawn::<Player>(&alice, SpawnOptions::new()).unwrap();
                let p = net.spawn::<Player>(&alice, SpawnOptions::new()).unwrap();
                net.send(
                    &alice,
                    &a,
                    Msg::new()
                        .action("Start")
                        .tag("Peer", &p)
                        .tag("Limit", 500u64),
                )
                .unwrap();
                net
            },
            |mut net| net.run_until_idle().unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, wallet_messages);
criterion_main!(benches);
