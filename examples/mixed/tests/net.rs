//! The mixed process on an aoxide-host network, twice with the same seed: natively, and as
//! its built module (C Lua inside, wasm exception handling) under the real ao-loader (the
//! backend `Net::register_wasm` picks for such a module: a node child per process). Every
//! delivery must give the same outcome on both, message by message; the scenario also
//! checks what each step does (one registry, Lua calling Rust, failures on either side,
//! `ao.clearOutbox`, bad input).
//!
//! Builds the module on demand (`aoxide_build::ensure_built`), installing the C toolchain
//! of the Lua layer first when it is missing (`scripts/setup-lua-toolchain`: zig from PyPI,
//! about a minute); ao-loader is installed on demand by aoxide-host (node and npm needed).

use std::path::{Path, PathBuf};
use std::process::Command;

use aoxide_host::{native, Msg, Net, NetConfig, ProcessId, SpawnOptions, Wallet};
use example_mixed::{Mixed, BROADCAST_FEE};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

/// The built module, with the Lua toolchain installed first when needed.
fn mixed_wasm() -> Vec<u8> {
    let root = root();
    let setup = Command::new(root.join("scripts/setup-lua-toolchain"))
        .output()
        .expect("scripts/setup-lua-toolchain runs");
    assert!(
        setup.status.success(),
        "the Lua toolchain could not be installed (scripts/setup-lua-toolchain needs python3 \
         with pip):\n{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    aoxide_build::ensure_built_bytes(&root, "example-mixed")
}

struct World {
    net: Net,
    owner: Wallet,
    alice: Wallet,
    bob: Wallet,
    carol: Wallet,
    mixed: ProcessId,
}

fn world(wasm: Option<&[u8]>) -> World {
    let mut net = Net::with_config(NetConfig {
        seed: 7,
        ..NetConfig::default()
    });
    let module = match wasm {
        None => net.register("mixed", native::<Mixed>()),
        Some(bytes) => net
            .register_wasm("mixed", bytes)
            .expect("the mixed module runs under ao-loader"),
    };
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let bob = net.wallet("bob");
    let carol = net.wallet("carol");
    let mixed = net
        .spawn_module(
            &owner,
            &module,
            SpawnOptions::new().tag("Initial-Holder", "owner"),
        )
        .expect("spawned");
    World {
        net,
        owner,
        alice,
        bob,
        carol,
        mixed,
    }
}

impl World {
    /// Sends `msg` from `from`, runs the network until idle, and returns the outcome of
    /// that message's delivery to the process.
    fn send(&mut self, from: &Wallet, msg: Msg) -> aoxide::Outcome {
        let id = self.net.send(from, &self.mixed, msg).expect("sent");
        self.net.run_until_idle().expect("ran");
        self.net
            .deliveries()
            .iter()
            .rfind(|d| d.message.id.as_deref() == Some(id.as_str()))
            .expect("delivered")
            .outcome
            .clone()
    }

    fn eval(&mut self, code: &str) -> aoxide::Outcome {
        let owner = self.owner.clone();
        self.send(&owner, Msg::new().action("Eval").data(code))
    }
}

/// The scenario; asserts what each step does and returns nothing (the deliveries are
/// compared afterwards).
fn scenario(w: &mut World) {
    let (alice, bob, carol) = (w.alice.clone(), w.bob.clone(), w.carol.clone());
    let owner = w.owner.clone();
    let out = w.send(
        &owner,
        Msg::new()
            .action("Transfer")
            .tag("Recipient", alice.address())
            .tag("Quantity", "1000"),
    );
    assert!(out.error.is_none(), "{:?}", out.error);
    for who in [&alice, &bob, &carol] {
        let out = w.send(who, Msg::new().action("Register"));
        assert!(out.error.is_none(), "{:?}", out.error);
    }

    // Lua's Audit, prepended in front of the Rust token, continues into its Transfer.
    let out = w.send(
        &alice,
        Msg::new()
            .action("Transfer")
            .tag("Recipient", bob.address())
            .tag("Quantity", "10"),
    );
    assert_eq!(
        out.output.data,
        format!("audit: {} sends 10", alice.address())
    );
    assert_eq!(out.messages_with_action("Debit-Notice").count(), 1);

    // Lua reads and moves the Rust token.
    let out = w.send(&alice, Msg::new().action("Rich-List"));
    assert!(out.messages[0]
        .data
        .as_deref()
        .unwrap()
        .contains(&format!("[\"{}\",\"990\"]", alice.address())));
    let out = w.send(
        &alice,
        Msg::new()
            .action("Tip")
            .tag("Recipient", bob.address())
            .tag("Quantity", "25"),
    );
    assert_eq!(out.messages[0].data.as_deref(), Some("Tipped 25"));

    // A failing Lua handler: the Rust payment it made goes back with the message.
    let out = w.send(
        &alice,
        Msg::new()
            .action("Tip")
            .tag("Recipient", bob.address())
            .tag("Quantity", "25")
            .tag("Fail", "yes"),
    );
    let err = out.error.as_ref().expect("the tip fails").to_string();
    assert!(err.contains("tip refused after paying"), "{err}");
    assert!(out.messages.is_empty());
    let out = w.send(
        &alice,
        Msg::new().action("Balance").tag("Target", bob.address()),
    );
    assert_eq!(out.messages[0].data.as_deref(), Some("35"));
    // Lua globals keep what the failed handler wrote (on both backends).
    assert_eq!(w.eval("print(Tips)").output.data, "2");

    // A failing Rust handler in front of a Lua one: Carol cannot pay the fee, the Lua
    // broadcast never runs, nothing is sent; Alice can.
    let out = w.send(&carol, Msg::new().action("Broadcast").data("spam"));
    assert!(out
        .error
        .as_ref()
        .unwrap()
        .to_string()
        .contains("Broadcast-Fee"));
    assert!(out.messages.is_empty());
    let out = w.send(&alice, Msg::new().action("Broadcast").data("hi all"));
    assert_eq!(out.messages_with_action("Broadcast-Notice").count(), 3);
    let out = w.send(
        &alice,
        Msg::new().action("Balance").tag("Target", alice.address()),
    );
    let left = 1000 - 10 - 25 - BROADCAST_FEE;
    assert_eq!(
        out.messages[0].data.as_deref(),
        Some(left.to_string().as_str())
    );

    // ao.clearOutbox: what the Eval sent before it is not sent.
    let out =
        w.eval("Send({ Target = 'NOBODY', Data = 'dropped' }) ao.clearOutbox() print('cleared')");
    assert_eq!(out.output.data, "cleared");
    assert!(out.messages.is_empty());

    // Bad input: an Error each, and the process keeps working.
    let out = w.send(&bob, Msg::new().action("Eval").data("Members = {}"));
    assert!(
        out.output.data.starts_with("New Message From"),
        "{}",
        out.output.data
    );
    assert!(w
        .eval("this is not lua")
        .error
        .unwrap()
        .to_string()
        .contains("syntax error"));
    w.eval("Handlers.add('Spin', 'Spin', function() while true do end end)");
    let out = w.send(&alice, Msg::new().action("Spin"));
    assert!(out
        .error
        .unwrap()
        .to_string()
        .contains("instruction budget"));
    let out = w.send(&alice, Msg::new().action("Register"));
    assert_eq!(out.messages[0].data.as_deref(), Some("Already registered."));
}

/// True (and said) when scripts/test could not install the Lua toolchain
/// (`AOXIDE_SKIP_LUA`): the module cannot be built, so its tests skip.
fn lua_toolchain_missing() -> bool {
    let missing = std::env::var_os("AOXIDE_SKIP_LUA").is_some();
    if missing {
        eprintln!("skipped: AOXIDE_SKIP_LUA is set (no Lua toolchain)");
    }
    missing
}

#[test]
fn the_module_under_ao_loader_answers_every_message_as_the_native_process() {
    if lua_toolchain_missing() {
        return;
    }
    let bytes = mixed_wasm();
    let mut native = world(None);
    let mut loaded = world(Some(&bytes));
    assert!(
        loaded.net.loader_backend(&loaded.mixed).is_some(),
        "a module with exception handling runs under ao-loader"
    );
    scenario(&mut native);
    scenario(&mut loaded);

    let (a, b) = (native.net.deliveries(), loaded.net.deliveries());
    assert_eq!(a.len(), b.len());
    for (n, l) in a.iter().zip(b) {
        assert_eq!(n.process, l.process);
        assert_eq!(n.message, l.message);
        assert_eq!(
            n.outcome,
            l.outcome,
            "delivery of {:?} ({:?})",
            n.message.id,
            n.message.action()
        );
    }
}

/// A dry-run persists nothing on AO: a compute unit drops the memory it ran in. Under
/// ao-loader the network does the same, so Lua globals a dry-run's handler writes are gone
/// afterwards, with the Rust state. Natively the Lua VM is not copied per message, so
/// its globals keep what a dry-run wrote (`lua-compat/README.md`, `Net::dry_run`): this
/// test pins both.
#[test]
fn a_dry_run_leaves_lua_globals_as_they_were_in_the_module_not_natively() {
    if lua_toolchain_missing() {
        return;
    }
    let bytes = mixed_wasm();
    for (wasm, kept) in [(Some(&bytes[..]), "1"), (None, "2")] {
        let mut w = world(wasm);
        assert!(w.eval("Counter = 1").error.is_none());
        let owner = w.owner.clone();
        let dry = w
            .net
            .dry_run_as(
                &owner,
                &w.mixed,
                Msg::new().action("Eval").data("Counter = Counter + 1"),
            )
            .expect("dry-run");
        assert!(dry.error.is_none(), "{:?}", dry.error);
        let out = w.eval("return Counter");
        assert!(
            out.output.data == kept,
            "{} run: {:?}",
            if wasm.is_some() { "module" } else { "native" },
            out.output.data
        );
    }
}
