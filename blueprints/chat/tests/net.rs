//! One chat scenario, unchanged, on both backends of the test network: the native `Chat`
//! and the built module end in the same state (`Net::state::<Chat>`, read from the
//! module's JSON view) and the same outcomes.

use std::path::Path;

use aoxide_chat::{Chat, ChatClient};
use aoxide_host::wasm::WasmModule;
use aoxide_host::{native, Module, Net, ProcessId, SpawnOptions};

fn built_chat() -> WasmModule {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    WasmModule::new(&aoxide_build::ensure_built_bytes(&root, "aoxide-chat")).unwrap()
}

fn spawn(module: impl Module) -> (Net, ProcessId) {
    let mut net = Net::new();
    let chat = net.register("chat", module);
    let owner = net.wallet("owner");
    let pid = net
        .spawn_module(&owner, &chat, SpawnOptions::new())
        .unwrap();
    assert!(net.run_until_idle().unwrap().is_clean());
    (net, pid)
}

/// Three members join (one twice), one leaves, a broadcast, the member list.
fn scenario(net: &mut Net, pid: &ProcessId) {
    let [alice, bob, carol] = ["alice", "bob", "carol"].map(|n| net.wallet(n));
    let mut chat = ChatClient::new(net, pid);
    for who in [&carol, &alice, &bob, &alice] {
        chat.register(who).unwrap();
    }
    assert_eq!(
        chat.unregister(&alice).unwrap().data(),
        Some("Unregistered")
    );
    assert_eq!(chat.broadcast(&bob).unwrap().data(), Some("Broadcasted."));
    chat.members(&carol).unwrap();
}

#[test]
fn the_same_chat_scenario_ends_in_the_same_state_on_both_backends() {
    let (mut native_net, n) = spawn(native::<Chat>());
    scenario(&mut native_net, &n);
    let (mut wasm_net, w) = spawn(built_chat());
    scenario(&mut wasm_net, &w);

    let [carol, bob] = ["carol", "bob"].map(|name| native_net.wallet(name));
    let wasm_state = wasm_net.state::<Chat>(&w);
    assert_eq!(*wasm_state, *native_net.state::<Chat>(&n));
    assert_eq!(wasm_state.members(), [carol.address(), bob.address()]);
    assert!(!wasm_state.is_member(native_net.wallet("alice").address()));
    assert_eq!(
        wasm_net.state_json(&w).unwrap(),
        native_net.state_json(&n).unwrap()
    );
    let outcomes =
        |net: &Net| -> Vec<_> { net.deliveries().iter().map(|d| d.outcome.clone()).collect() };
    assert_eq!(outcomes(&wasm_net), outcomes(&native_net));
}
