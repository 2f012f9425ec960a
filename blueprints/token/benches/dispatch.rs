//! Per-message cost of the token: `Transfer` and `Balance` dispatched natively through
//! `aoxide::Runtime<TokenProcess>` and through the built module (`target/ao/token.wasm`) run
//! by `aoxide_host::wasm::WasmBackend`, on ledgers of 1,000 and 100,000 accounts (the cost
//! should not grow with the ledger).
//!
//! Run with `cargo bench -p aoxide-token --bench dispatch`. The wasm group needs the module:
//! `scripts/build-wasm.sh aoxide-token` (it is skipped, with a note, when missing).

use std::path::Path;
use std::time::Duration;

use aoxide::{Env, Message, Runtime, Tags};
use aoxide_host::wasm::{WasmBackend, WasmModule};
use aoxide_host::Backend;
use aoxide_token::TokenProcess;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const AUTH: &str = "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI";

/// Ledger sizes: accounts funded before measuring.
const SIZES: [usize; 2] = [1_000, 100_000];

fn env() -> Env {
    let mut env = Env::new(PID, OWNER);
    let mut tags = Tags::new();
    tags.add("Authority", AUTH);
    env.process.tags = tags;
    env
}

/// A 43-character account address.
fn account(i: usize) -> String {
    format!("acct{i:039}")
}

/// The spawn message, then one transfer from the process to each of `n` accounts (account 0
/// gets enough to send for the whole run).
fn setup_messages(n: usize) -> impl Iterator<Item = Message> {
    let spawn = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
    std::iter::once(spawn).chain((0..n).map(|i| {
        let mut m = Message::new(AUTH).with_id(format!("fund-{i}"));
        m.from = PID.into();
        m.with_action("Transfer")
            .with_tag("Recipient", account(i))
            .with_tag("Quantity", if i == 0 { "1000000000000000" } else { "1000" })
    }))
}

/// A transfer of 1 unit from account 0 to an account in the middle of the ledger.
fn transfer(n: usize) -> Message {
    Message::new(account(0))
        .with_id("bench-transfer")
        .with_action("Transfer")
        .with_tag("Recipient", account(n / 2))
        .with_tag("Quantity", "1")
}

/// The balance of an account in the middle of the ledger.
fn balance(n: usize) -> Message {
    Message::new(OWNER)
        .with_id("bench-balance")
        .with_action("Balance")
        .with_tag("Target", account(n / 2 + 1))
}

fn native(n: usize) -> Runtime<TokenProcess> {
    let env = env();
    let mut rt = Runtime::<TokenProcess>::new();
    for m in setup_messages(n) {
        let o = rt.handle(m, Some(&env));
        assert!(!o.is_error(), "{:?}", o.error);
    }
    rt
}

fn wasm(module: &WasmModule, n: usize) -> WasmBackend {
    let env = env();
    let mut b = module.instantiate().expect("the token module instantiates");
    for m in setup_messages(n) {
        let o = b.handle(m, &env);
        assert!(!o.is_error(), "{:?}", o.error);
    }
    b
}

/// The built token module (see [`aoxide_host::wasm::built_module`]), when there is one.
fn token_wasm() -> Option<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (found, _) = aoxide_host::wasm::built_module(&root, "token");
    found.and_then(|p| std::fs::read(p).ok())
}

/// A group with the modest settings every bench here uses.
fn configure<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g
}

fn dispatch(c: &mut Criterion) {
    let env = env();
    let module = match token_wasm() {
        Some(bytes) => {
            Some(WasmModule::new(&bytes).expect("target/ao/token.wasm is a valid module"))
        }
        None => {
            eprintln!(
                "note: target/ao/token.wasm is missing, skipping the wasm benches \
                 (build it with scripts/build-wasm.sh aoxide-token)"
            );
            None
        }
    };

    for &n in &SIZES {
        let mut rt = native(n);
        let t = transfer(n);
        let q = balance(n);
        let (t_json, q_json, env_json) = (t.to_json(), q.to_json(), env.to_json());
        {
            let mut g = configure(c, "transfer");
            g.bench_with_input(BenchmarkId::new("native", n), &n, |b, _| {
                b.iter(|| rt.handle(t.clone(), Some(&env)))
            });
            // What the module's `handle` export runs: JSON in, JSON out.
            g.bench_with_input(BenchmarkId::new("native-json", n), &n, |b, _| {
                b.iter(|| rt.handle_json(t_json.as_bytes(), env_json.as_bytes()))
            });
            g.finish();
        }
        {
            let mut g = configure(c, "balance");
            g.bench_with_input(BenchmarkId::new("native", n), &n, |b, _| {
                b.iter(|| rt.handle(q.clone(), Some(&env)))
            });
            g.bench_with_input(BenchmarkId::new("native-json", n), &n, |b, _| {
                b.iter(|| rt.handle_json(q_json.as_bytes(), env_json.as_bytes()))
            });
            g.finish();
        }
        drop(rt);

        let Some(module) = &module else { continue };
        let mut w = wasm(module, n);
        {
            let mut g = configure(c, "transfer");
            g.bench_with_input(BenchmarkId::new("wasm", n), &n, |b, _| {
                b.iter(|| w.handle(t.clone(), &env))
            });
            // The module alone: JSON in, JSON out, no host-side (de)serialisation.
            g.bench_with_input(BenchmarkId::new("wasm-raw-json", n), &n, |b, _| {
                b.iter(|| {
                    w.handle_json(t_json.as_bytes(), env_json.as_bytes())
                        .unwrap()
                })
            });
            g.finish();
        }
        {
            let mut g = configure(c, "balance");
            g.bench_with_input(BenchmarkId::new("wasm", n), &n, |b, _| {
                b.iter(|| w.handle(q.clone(), &env))
            });
            g.bench_with_input(BenchmarkId::new("wasm-raw-json", n), &n, |b, _| {
                b.iter(|| {
                    w.handle_json(q_json.as_bytes(), env_json.as_bytes())
                        .unwrap()
                })
            });
            g.finish();
        }
        eprintln!(
            "note: {n} accounts: wasm memory {} MiB, snapshot {} bytes",
            w.memory_size() >> 20,
            w.snapshot().len()
        );
    }
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
