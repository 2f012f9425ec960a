//! One token scenario, unchanged, on both backends of the test network: the native
//! `Token` and the built module. Both must end in the same state, read with
//! `Net::state::<Token>` (the module's state comes back through its JSON view), the same
//! JSON view and the same outcomes.

use std::path::Path;

use aoxide::U256;
use aoxide_host::wasm::WasmModule;
use aoxide_host::{native, Module, Msg, Net, ProcessId, SpawnOptions};
use aoxide_token::{Token, TokenClient, TokenError};

/// The built token module (`ensure_built`: a no-op when nothing changed).
fn built_token() -> WasmModule {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    WasmModule::new(&aoxide_build::ensure_built_bytes(&root, "aoxide-token")).unwrap()
}

/// Spawns the token from `module`: supply 1000, 300 allocated to alice, the rest held by
/// the process.
fn spawn(module: impl Module) -> (Net, ProcessId) {
    let mut net = Net::new();
    let token = net.register("token", module);
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let pid = net
        .spawn_module(
            &owner,
            &token,
            SpawnOptions::new()
                .tag("Name", "Test Token")
                .tag("Ticker", "TST")
                .tag("Denomination", "6")
                .tag("Initial-Supply", "1000")
                .tag(
                    "Initial-Allocations",
                    format!(r#"{{"{}":"300"}}"#, alice.address()),
                ),
        )
        .unwrap();
    assert!(net.run_until_idle().unwrap().is_clean());
    (net, pid)
}

/// Transfers (one refused for the balance, one failing on its quantity), a burn, the
/// owner's allocation out of the treasury, a refused allocation, reads.
fn scenario(net: &mut Net, pid: &ProcessId) {
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let bob = net.wallet("bob");
    let carol = net.wallet("carol");
    let mut token = TokenClient::new(net, pid);
    token.transfer(&alice, &bob, 120u64).unwrap();
    token.transfer(&bob, &carol, 20u64).unwrap();
    // Too much: a Transfer-Error reply, nothing moves.
    let refused = token.transfer(&carol, &bob, 21u64).unwrap();
    assert_eq!(
        refused.reply().unwrap().get("Action"),
        Some("Transfer-Error")
    );
    assert_eq!(
        token.transfer(&bob, &carol, 0u64).unwrap_err().error(),
        Some(&TokenError::ZeroQuantity)
    );
    token.burn(&bob, 50u64).unwrap();
    token.allocate(&owner, &carol, 400u64).unwrap();
    assert_eq!(
        token.allocate(&owner, &carol, 1000u64).unwrap_err().error(),
        Some(&TokenError::InsufficientBalance)
    );
    assert_eq!(
        token.balance(&bob, None::<String>).unwrap().data(),
        Some("50")
    );
    token.info(&alice).unwrap();
    net.send(&alice, pid, Msg::new().action("Unknown").data("kept"))
        .unwrap();
    net.run_until_idle().unwrap();
}

#[test]
fn the_same_token_scenario_ends_in_the_same_state_on_both_backends() {
    let (mut native_net, n) = spawn(native::<Token>());
    scenario(&mut native_net, &n);
    let (mut wasm_net, w) = spawn(built_token());
    scenario(&mut wasm_net, &w);

    let alice = native_net.wallet("alice");
    let bob = native_net.wallet("bob");
    let carol = native_net.wallet("carol");
    // Read natively in place, and from the module's view.
    let native_state = native_net.state::<Token>(&n);
    let wasm_state = wasm_net.state::<Token>(&w);
    assert_eq!(*wasm_state, *native_state);
    let expected = Token::new("Test Token")
        .ticker("TST")
        .denomination(6)
        .with_balance(alice.address(), U256::from(180u64))
        .with_balance(bob.address(), U256::from(50u64))
        .with_balance(carol.address(), U256::from(420u64))
        .with_balance(n.as_str(), U256::from(300u64));
    assert_eq!(*native_state, expected);
    assert_eq!(
        wasm_state.total_supply,
        U256::from(950u64),
        "after the burn"
    );

    // The JSON view is the same on both backends: amounts as decimal strings.
    let view = wasm_net
        .state_json(&w)
        .unwrap()
        .expect("the token has a view");
    assert_eq!(Some(&view), native_net.state_json(&n).unwrap().as_ref());
    assert_eq!(view["state"]["total_supply"], "950");
    assert_eq!(view["state"]["balances"][carol.address()], "420");
    assert_eq!(view["state"]["denomination"], 6);

    assert_eq!(wasm_net.inbox(&w), native_net.inbox(&n));
    assert_eq!(wasm_net.inbox(&w).len(), 1);
    // Every message had the same outcome (same ids: the networks are seeded alike).
    let outcomes =
        |net: &Net| -> Vec<_> { net.deliveries().iter().map(|d| d.outcome.clone()).collect() };
    assert_eq!(outcomes(&wasm_net), outcomes(&native_net));
}
