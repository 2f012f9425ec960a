//! The counter on the test network through its typed client (`CounterClient`), and the
//! same scenario on both backends: the native process and the built module, which must end
//! in the same state, inbox and outcomes.

use std::path::Path;

use aoxide::client::CallError;
use aoxide_host::wasm::WasmModule;
use aoxide_host::{native, Module, Msg, Net, ProcessId, SpawnOptions};
use example_counter::{Counter, CounterClient};

/// Spawns the counter from `module` (owner `owner`), `Start = 40`, a cron every minute.
fn spawn(module: impl Module) -> (Net, ProcessId) {
    let mut net = Net::new();
    let counter = net.register("counter", module);
    let owner = net.wallet("owner");
    let pid = net
        .spawn_module(
            &owner,
            &counter,
            SpawnOptions::new().tag("Start", "40").cron("1-minute"),
        )
        .unwrap();
    (net, pid)
}

/// What the tests do to a counter, through its client and the network.
fn scenario(net: &mut Net, pid: &ProcessId) {
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let mut counter = CounterClient::new(net, pid);
    assert_eq!(
        counter.increment(&alice, Some(2u64)).unwrap().data(),
        Some("42")
    );
    assert_eq!(
        counter.increment(&alice, None::<u64>).unwrap().data(),
        Some("43")
    );
    assert_eq!(counter.get(&alice).unwrap().data(), Some("43"));
    // A bad tag is a failure naming the handler and the tag; nothing changes.
    let err = counter.increment(&alice, Some(u64::MAX)).unwrap_err();
    let failure = err.failure().expect("handled");
    assert_eq!(failure.handler(), Some("increment"));
    assert_eq!(failure.action(), Some("Increment"));
    assert!(failure.message().contains("overflows"), "{failure}");
    assert!(matches!(err, CallError::Failed(_)));
    // A stranger's Reset matches no handler: the default handler counts it.
    assert!(counter.reset(&alice).unwrap().reply().is_none());
    assert_eq!(counter.get(&alice).unwrap().data(), Some("43"));
    counter.reset(&owner).unwrap();
    net.send(&alice, pid, Msg::new().action("Dance")).unwrap();
    net.run_until_idle().unwrap();
    net.tick(60_000).unwrap();
}

#[test]
fn the_client_drives_the_counter_on_the_network() {
    let (mut net, pid) = spawn(native::<Counter>());
    scenario(&mut net, &pid);
    let state = net.state::<Counter>(&pid);
    assert_eq!(
        *state,
        Counter {
            count: 0,
            ticks: 1,
            unknown: 2
        }
    );
    // A patch@1.0 message after every message that may have changed the state (not after
    // the failure, nor after the read-only Get) carried the count.
    let counts: Vec<_> = net
        .deliveries_to(&pid)
        .flat_map(|d| &d.outcome.messages)
        .filter(|m| m.get("device") == Some("patch@1.0"))
        .map(|m| m.tags.find("count").map(|v| v.to_string()))
        .collect();
    let count = |n: &str| Some(n.to_owned());
    assert_eq!(
        counts,
        [
            count("40"),
            count("42"),
            count("43"),
            count("43"),
            count("0"),
            count("0"),
            count("0")
        ]
    );
}

fn built_counter() -> WasmModule {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    WasmModule::new(&aoxide_build::ensure_built_bytes(&root, "example-counter")).unwrap()
}

#[test]
fn the_same_scenario_ends_the_same_on_both_backends() {
    let (mut native_net, n) = spawn(native::<Counter>());
    scenario(&mut native_net, &n);
    let (mut wasm_net, w) = spawn(built_counter());
    scenario(&mut wasm_net, &w);

    // The state, read back from the module's view, is the native one.
    assert_eq!(
        *wasm_net.state::<Counter>(&w),
        *native_net.state::<Counter>(&n)
    );
    assert_eq!(
        wasm_net.state_json(&w).unwrap(),
        native_net.state_json(&n).unwrap()
    );
    assert_eq!(wasm_net.inbox(&w), native_net.inbox(&n));
    // And every message had the same outcome (same ids: the networks are seeded alike).
    let outcomes =
        |net: &Net| -> Vec<_> { net.deliveries().iter().map(|d| d.outcome.clone()).collect() };
    assert_eq!(outcomes(&wasm_net), outcomes(&native_net));
}
