//! The cost of a failed message does not grow with the state.
//!
//! A Transfer-like handler debits the sender and credits the recipient in a
//! [`aoxide::state::Map`], then fails; the runtime rolls both writes back. Measured with
//! 100 and 100 000 accounts: the time per message stays flat, because rollback replays the
//! two journal entries instead of copying the map. For contrast, the same handler over a
//! `BTreeMap` (whose `Transactional` impl saves a copy) grows with the number of accounts.
//!
//! `cargo bench -p aoxide --bench rollback`. Measured on this project's 2-core machine
//! (criterion, 30 samples, median of the interval):
//!
//! | accounts | `state::Map` | `BTreeMap` (copy) |
//! | ---: | ---: | ---: |
//! | 100 | 1.26 µs | 4.4 µs |
//! | 100 000 | 1.19 µs | 28.7 ms |

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use aoxide::state::Map;
use aoxide::{fail, Env, Message, Result, Runtime};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

const PID: &str = "PROCESS_ID_PROCESS_ID_PROCESS_ID_PROCESS_I";

fn account(i: u64) -> String {
    format!("{i:0>43}")
}

/// Balances in a journaled map: rollback is O(writes).
#[aoxide::process]
#[derive(Default)]
pub struct Journaled {
    balances: Map<String, u64>,
}

#[aoxide::handlers]
impl Journaled {
    #[handler(action = "Transfer")]
    fn transfer(&mut self, msg: &Message, recipient: String, quantity: u64) -> Result<()> {
        let from = msg.from.clone();
        let have = self.balances.get(&from).copied().unwrap_or(0);
        self.balances.insert(from, have.wrapping_sub(quantity));
        *self.balances.entry_or_insert_with(recipient, || 0) += quantity;
        fail!("the transfer fails after writing, so everything is rolled back")
    }
}

/// Balances in a plain `BTreeMap`: its savepoint is a copy, O(accounts).
#[aoxide::process]
#[derive(Default)]
pub struct Copied {
    balances: BTreeMap<String, u64>,
}

#[aoxide::handlers]
impl Copied {
    #[handler(action = "Transfer")]
    fn transfer(&mut self, msg: &Message, recipient: String, quantity: u64) -> Result<()> {
        let from = msg.from.clone();
        let have = self.balances.get(&from).copied().unwrap_or(0);
        self.balances.insert(from, have.wrapping_sub(quantity));
        *self.balances.entry(recipient).or_insert(0) += quantity;
        fail!("the transfer fails after writing, so everything is rolled back")
    }
}

fn runtime<P: aoxide::Process>(fill: impl FnOnce(&mut P)) -> Runtime<P> {
    let mut rt = Runtime::<P>::new();
    let spawn = Message::new(account(0))
        .with_id(PID)
        .with_tag("Type", "Process");
    assert!(!rt
        .handle(spawn, Some(&Env::new(PID, account(0))))
        .is_error());
    fill(rt.state_mut().unwrap());
    rt
}

fn transfer() -> Message {
    Message::new(account(1))
        .with_action("Transfer")
        .with_tag("Recipient", account(2))
        .with_tag("Quantity", "5")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("failed transfer");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for accounts in [100u64, 100_000] {
        let mut rt = runtime::<Journaled>(|s| {
            for i in 0..accounts {
                s.balances.insert(account(i), 1_000);
            }
        });
        let msg = transfer();
        group.bench_with_input(
            BenchmarkId::new("state::Map", accounts),
            &accounts,
            |b, _| {
                b.iter(|| {
                    let out = rt.handle(black_box(msg.clone()), None);
                    debug_assert!(out.is_error());
                    out
                })
            },
        );
        assert_eq!(rt.state().unwrap().balances.get(&account(1)), Some(&1_000));
        assert_eq!(rt.state().unwrap().balances.journal_len(), 0);

        let mut rt = runtime::<Copied>(|s| {
            for i in 0..accounts {
                s.balances.insert(account(i), 1_000);
            }
        });
        group.bench_with_input(
            BenchmarkId::new("BTreeMap (copy)", accounts),
            &accounts,
            |b, _| b.iter(|| rt.handle(black_box(msg.clone()), None)),
        );
        assert_eq!(rt.state().unwrap().balances.get(&account(1)), Some(&1_000));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
