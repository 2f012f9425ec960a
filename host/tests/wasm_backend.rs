//! The wasm backend against the native one: the built token module gives the same outcomes
//! as `Native<TokenProcess>`, snapshots restore into fresh instances, and the one validator
//! (`aoxide_build::check_module`) accepts the real modules and the backend refuses what it
//! refuses (the validator's own cases are in `build/tests/check.rs`).
//!
//! The modules must be built first: `scripts/build-wasm.sh aoxide-token example-ping`.

#![cfg(feature = "wasm")]

mod common;
use common::built::{self, msg, run};

use aoxide::{Env, Message, Outcome};
use aoxide_build::{check_module, Problem};
use aoxide_host::wasm::{WasmBackend, WasmModule};
use aoxide_host::{Backend, Msg, Native, Net, SpawnOptions};
use aoxide_token::TokenProcess;

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const AUTH: &str = "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI";
const BOB: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
const CAROL: &str = "jLbz8Sng1M-AIBayL1w_X_hIpd64BOtY2fBLoq7H8Rw";

// ----- finding the built modules -----

/// The built module `name` (`target/ao/<name>.wasm`), built on demand through the library
/// build step (`aoxide_build::ensure_built`; a no-op when nothing changed).
fn module_bytes(name: &str) -> Vec<u8> {
    built::module_bytes(&spec(name))
}

/// The cargo spec of module `name` of `scripts/modules.txt`.
fn spec(name: &str) -> String {
    match name {
        "token" | "chat" => format!("aoxide-{name}"),
        "counter-blueprint" => "aoxide-counter:counter-blueprint".to_owned(),
        other => format!("example-{other}"),
    }
}

// ----- the token scenario, message by message -----

fn env() -> Env {
    built::env(PID, OWNER, Some(AUTH))
}

/// A message from the process itself, forwarded by the authority.
fn from_process(id: &str) -> Message {
    let mut m = Message::new(AUTH).with_id(id);
    m.from = PID.into();
    m
}

/// Spawn, fund the owner, transfers, balances, and failing transfers (too much: a
/// `Transfer-Error` reply; a bad quantity: an error outcome).
fn scenario() -> Vec<Message> {
    vec![
        Message::new(OWNER)
            .with_id(PID)
            .with_tag("Type", "Process")
            .with_tag("Ticker", "TST"),
        from_process("fund")
            .with_action("Transfer")
            .with_tag("Recipient", OWNER)
            .with_tag("Quantity", "1000"),
        msg(
            OWNER,
            "t1",
            "Transfer",
            &[("Recipient", BOB), ("Quantity", "300")],
        ),
        msg(
            BOB,
            "t2",
            "Transfer",
            &[("Recipient", CAROL), ("Quantity", "120")],
        ),
        msg(
            CAROL,
            "t3",
            "Transfer",
            &[
                ("Recipient", OWNER),
                ("Quantity", "20"),
                ("X-Note", "thanks"),
            ],
        ),
        msg(OWNER, "b1", "Balance", &[]),
        msg(OWNER, "b2", "Balance", &[("Target", BOB)]),
        msg(CAROL, "b3", "Balance", &[("Recipient", CAROL)]),
        // Too much: a Transfer-Error reply, state unchanged.
        msg(
            BOB,
            "f1",
            "Transfer",
            &[("Recipient", CAROL), ("Quantity", "100000")],
        ),
        // Not a quantity: the message fails.
        msg(
            BOB,
            "f2",
            "Transfer",
            &[("Recipient", CAROL), ("Quantity", "-5")],
        ),
        msg(OWNER, "bs", "Balances", &[]),
        msg(OWNER, "i", "Info", &[]),
        msg(OWNER, "ts", "Total-Supply", &[]),
        // A dry-run transfer: answered, nothing persists.
        {
            let mut m = msg(
                OWNER,
                "dry",
                "Transfer",
                &[("Recipient", BOB), ("Quantity", "1")],
            );
            m.read_only = true;
            m
        },
        msg(BOB, "b4", "Balance", &[]),
    ]
}

#[test]
fn the_wasm_token_gives_the_same_outcomes_as_the_native_one() {
    let bytes = module_bytes("token");
    let messages = scenario();
    let native = run(&mut Native::<TokenProcess>::new(), &messages, &env());
    let wasm = run(&mut WasmBackend::new(&bytes).unwrap(), &messages, &env());
    assert_eq!(native.len(), wasm.len());
    for ((m, n), w) in messages.iter().zip(&native).zip(&wasm) {
        assert_eq!(n, w, "outcomes differ for message {:?}", m.id);
    }

    // The scenario does what it says.
    let by_id = |id: &str| {
        let i = messages
            .iter()
            .position(|m| m.id.as_deref() == Some(id))
            .unwrap();
        &wasm[i]
    };
    let t1 = by_id("t1");
    assert!(!t1.is_error(), "{:?}", t1.error);
    assert_eq!(t1.messages_with_action("Debit-Notice").count(), 1);
    assert_eq!(t1.messages_with_action("Credit-Notice").count(), 1);
    assert_eq!(by_id("b1").messages[0].data.as_deref(), Some("720"));
    assert_eq!(by_id("b2").messages[0].data.as_deref(), Some("180"));
    assert_eq!(by_id("b3").messages[0].data.as_deref(), Some("100"));
    let f1 = by_id("f1");
    assert!(!f1.is_error());
    assert_eq!(f1.messages_with_action("Transfer-Error").count(), 1);
    let f2 = by_id("f2");
    assert!(f2.is_error());
    assert!(f2.messages.is_empty());
    assert_eq!(by_id("b4").messages[0].data.as_deref(), Some("180"));
}

#[test]
fn a_net_runs_the_wasm_token_like_the_native_one() {
    fn drive(net: &mut Net, module: &aoxide_host::ModuleId) -> Vec<Outcome> {
        let alice = net.wallet("alice");
        let bob = net.wallet("bob");
        let token = net
            .spawn_module(&alice, module, SpawnOptions::new().tag("Ticker", "TST"))
            .unwrap();
        let mut ids = vec![
            net.send(&alice, &token, Msg::new().action("Info")).unwrap(),
            net.send(&alice, &token, Msg::new().action("Balance"))
                .unwrap(),
            net.send(
                &alice,
                &token,
                Msg::new()
                    .action("Transfer")
                    .tag("Recipient", bob.address())
                    .tag("Quantity", "5"),
            )
            .unwrap(),
        ];
        ids.push(
            net.send(
                &bob,
                &token,
                Msg::new()
                    .action("Transfer")
                    .tag("Recipient", alice.address())
                    .tag("Quantity", "x"),
            )
            .unwrap(),
        );
        net.run_until_idle().unwrap();
        let mut outcomes: Vec<Outcome> = ids.iter().map(|id| net.result(id).clone()).collect();
        outcomes.push(
            net.dry_run(&token, Msg::new().action("Total-Supply"))
                .unwrap(),
        );
        outcomes
    }

    // One registration call for both backends; the scenario is the same code.
    let mut native_net = Net::new();
    let native_module = native_net.register("token", aoxide_host::native::<TokenProcess>());
    let native = drive(&mut native_net, &native_module);

    let mut wasm_net = Net::new();
    let wasm_module = wasm_net.register("token", WasmModule::new(&module_bytes("token")).unwrap());
    let wasm = drive(&mut wasm_net, &wasm_module);
    assert_eq!(native_module, wasm_module, "ids come from the name");

    assert_eq!(native, wasm);
    assert_eq!(
        wasm[2].messages_with_action("Transfer-Error").count(),
        1,
        "alice has nothing to send: {:?}",
        wasm[2]
    );
    assert!(wasm[3].is_error());
    assert_eq!(
        native_net.messages().len(),
        wasm_net.messages().len(),
        "both nets delivered the same replies"
    );
    assert_eq!(native_net.deliveries().len(), wasm_net.deliveries().len());
}

/// A token with one unhandled message in its inbox, on either backend.
fn token_with_inbox(module: impl aoxide_host::Module) -> (Net, aoxide_host::ProcessId) {
    let mut net = Net::new();
    let token = net.register("token", module);
    let alice = net.wallet("alice");
    let pid = net
        .spawn_module(&alice, &token, SpawnOptions::new())
        .unwrap();
    net.send(&alice, &pid, Msg::new().action("Unknown").data("kept"))
        .unwrap();
    net.run_until_idle().unwrap();
    (net, pid)
}

#[test]
fn a_wasm_process_is_looked_into_through_its_view_without_changing_it() {
    let (native_net, n) = token_with_inbox(aoxide_host::native::<TokenProcess>());
    let (wasm_net, w) = token_with_inbox(WasmModule::new(&module_bytes("token")).unwrap());
    let inbox = wasm_net.inbox(&w);
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].action(), Some("Unknown"));
    assert_eq!(inbox[0].data, "kept");
    assert_eq!(inbox, native_net.inbox(&n));
    assert!(wasm_net.pending_waits(&w).is_empty());
    // The token's state derives serde's `Serialize` and `Deserialize`: the same JSON view on
    // both backends, and the state read back from the module is the native one.
    let view = wasm_net
        .state_json(&w)
        .unwrap()
        .expect("the token has a state view");
    assert_eq!(Some(&view), native_net.state_json(&n).unwrap().as_ref());
    assert_eq!(view["state"]["total_supply"], "10000000000000000");
    assert_eq!(
        *wasm_net.state::<TokenProcess>(&w),
        *native_net.state::<TokenProcess>(&n)
    );
    // Looking runs in a copy: the instance's memory is byte for byte the same.
    let before = wasm_net.wasm_backend(&w).unwrap().snapshot();
    let _ = wasm_net.inbox(&w);
    let _ = wasm_net.state_json(&w);
    let _ = wasm_net.pending_waits(&w);
    assert!(before == wasm_net.wasm_backend(&w).unwrap().snapshot());
}

#[test]
fn a_snapshot_restored_into_a_fresh_instance_keeps_the_state() {
    let bytes = module_bytes("token");
    let module = WasmModule::new(&bytes).unwrap();
    let env = env();
    let messages = scenario();
    let mut wasm = module.instantiate().unwrap();
    for m in &messages[..5] {
        assert!(!wasm.handle(m.clone(), &env).is_error());
    }
    let snapshot = wasm.snapshot();
    assert_eq!(snapshot.len(), wasm.memory_size());

    let balance = |b: &mut WasmBackend, who: &str| {
        let o = b.handle(msg(who, "q", "Balance", &[]), &env);
        o.messages[0].data.clone().unwrap()
    };
    let mut restored = module.restore(&snapshot).unwrap();
    assert_eq!(balance(&mut restored, OWNER), "720");
    assert_eq!(balance(&mut restored, BOB), "180");
    assert_eq!(balance(&mut restored, CAROL), "100");

    // Both go on independently.
    let t = msg(
        OWNER,
        "t9",
        "Transfer",
        &[("Recipient", BOB), ("Quantity", "700")],
    );
    assert!(!restored.handle(t, &env).is_error());
    assert_eq!(balance(&mut restored, OWNER), "20");
    assert_eq!(balance(&mut wasm, OWNER), "720");

    // And the same instance can be rolled back to the snapshot.
    wasm.handle(
        msg(
            OWNER,
            "t10",
            "Transfer",
            &[("Recipient", BOB), ("Quantity", "1")],
        ),
        &env,
    );
    assert_eq!(balance(&mut wasm, OWNER), "719");
    wasm.restore(&snapshot).unwrap();
    assert_eq!(balance(&mut wasm, OWNER), "720");
}

#[test]
fn the_ping_module_runs_on_a_net() {
    let mut net = Net::new();
    let module = net.register_wasm("ping", &module_bytes("ping")).unwrap();
    let alice = net.wallet("alice");
    let ping = net
        .spawn_module(&alice, &module, SpawnOptions::new())
        .unwrap();
    let id = net.send(&alice, &ping, Msg::new().action("Ping")).unwrap();
    let run = net.run_until_idle().unwrap();
    assert!(run.is_clean(), "{run:?}");
    assert!(!net.result(&id).is_error(), "{:?}", net.result(&id));
    assert!(net.wasm_backend(&ping).is_some());
    assert!(net.wasm_backend(&ping).unwrap().fault().is_none());
    // The ping's state is not `Serialize`: its module shows no state (`null`), which
    // `try_state` reports as such whatever type is asked for.
    assert_eq!(net.state_json(&ping).unwrap(), None);
    let err = net.try_state::<TokenProcess>(&ping).unwrap_err();
    assert!(
        matches!(err, aoxide_host::ViewError::NoStateView { .. }),
        "{err}"
    );
}

// ----- the validator -----

/// The `--initial-memory=` link argument of the workspace's `.cargo/config.toml`, where
/// the modules' initial memory is set.
fn linked_initial_memory() -> u64 {
    let config = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cargo/config.toml"),
    )
    .expect("read .cargo/config.toml");
    let at = config
        .find("--initial-memory=")
        .expect("an --initial-memory= link argument")
        + "--initial-memory=".len();
    config[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a number of bytes")
}

#[test]
fn the_validator_accepts_the_built_modules() {
    for name in ["token", "ping"] {
        let bytes = module_bytes(name);
        let report = check_module(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.size, bytes.len());
        assert_eq!(report.imports, ["env.emscripten_resize_heap"], "{name}");
        assert_eq!(report.initial_memory, linked_initial_memory(), "{name}");
        assert!(report.exports.iter().any(|e| e == "handle"));
        // Only the kept custom sections are published: rustc's `producers` and
        // `target_features` are dropped after wasm-opt; `aoxide.interface` is there when the
        // process declares its interface, and never empty then.
        assert!(report.custom_section("target_features").is_none(), "{name}");
        assert!(report.custom_section("producers").is_none(), "{name}");
        if let Some(interface) = report.custom_section("aoxide.interface") {
            assert!(!interface.is_empty());
        }
        assert!(report.warnings.is_empty(), "{name}: {:?}", report.warnings);
    }
}

/// A minimal module with the whole ABI, plus `extra` first in the module body (imports) and
/// `tail` last. Its `handle`
/// returns an empty successful outcome, counts calls at address 8, traps when the message
/// starts with `T` or with `{"O` (a message without an `Id`: a cron message), overwrites the cookie at address 0 when it starts with `C`, and asks
/// for 3 MiB of memory when it starts with `G`.
fn abi_module(extra: &str, tail: &str) -> Vec<u8> {
    let wat = format!(
        r#"(module
  {extra}
  (import "env" "emscripten_resize_heap" (func $resize (param i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "__indirect_function_table") 1 funcref)
  (data (i32.const 1024) "{{\"ok\":true,\"response\":{{\"Output\":{{\"data\":\"\",\"prompt\":\"\",\"print\":false}},\"Messages\":[],\"Spawns\":[],\"Assignments\":[]}}}}\00")
  (func (export "__wasm_call_ctors"))
  (func (export "emscripten_stack_init") (i32.store (i32.const 16) (i32.const 60000)))
  (func (export "emscripten_stack_get_end") (result i32) (i32.const 32))
  (func (export "emscripten_stack_get_current") (result i32) (i32.load (i32.const 16)))
  (func (export "_emscripten_stack_alloc") (param i32) (result i32)
    (i32.store (i32.const 16)
      (i32.and (i32.sub (i32.load (i32.const 16)) (local.get 0)) (i32.const -16)))
    (i32.load (i32.const 16)))
  (func (export "_emscripten_stack_restore") (param i32) (i32.store (i32.const 16) (local.get 0)))
  (func (export "malloc") (param i32) (result i32) (i32.const 0))
  (func (export "free") (param i32))
  (func (export "handle") (param i32 i32) (result i32)
    (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
    (if (i32.eq (i32.load8_u (local.get 0)) (i32.const 84)) (then unreachable))
    (if (i32.eq (i32.load8_u (i32.add (local.get 0) (i32.const 2))) (i32.const 79))
      (then unreachable))
    (if (i32.eq (i32.load8_u (local.get 0)) (i32.const 76)) (then (loop $spin (br $spin))))
    (if (i32.eq (i32.load8_u (local.get 0)) (i32.const 67))
      (then (i32.store (i32.const 0) (i32.const 0))))
    (if (i32.eq (i32.load8_u (local.get 0)) (i32.const 71))
      (then (i32.store (i32.const 12) (call $resize (i32.const 3145728)))))
    (i32.const 1024))
  {tail}
)"#
    );
    wat::parse_str(wat).expect("valid wat")
}

#[test]
fn the_backend_refuses_what_the_validator_refuses() {
    let bytes = abi_module(
        r#"(import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))"#,
        "",
    );
    let problems = check_module(&bytes).unwrap_err().problems;
    assert!(
        matches!(&problems[..], [Problem::ForbiddenImport { name, .. }] if name == "proc_exit"),
        "{problems:?}"
    );
    match WasmBackend::new(&bytes) {
        Err(aoxide_host::wasm::WasmError::Check(e)) => assert_eq!(e.problems, problems),
        other => panic!("expected the validator's refusal, got {other:?}"),
    }
    assert!(WasmBackend::new(&abi_module("", "")).is_ok());
}

// ----- faults -----

const ENV_JSON: &[u8] = br#"{"Process":{"Id":"p","Owner":"o","Tags":[]}}"#;

fn calls(b: &WasmBackend) -> u32 {
    let m = b.snapshot();
    u32::from_le_bytes(m[8..12].try_into().unwrap())
}

#[test]
fn a_trap_is_an_error_outcome_and_the_process_goes_on_from_the_previous_memory() {
    // The default, as a compute unit: the trapped call is rejected, its writes are gone,
    // and the next message runs on the memory from before it.
    let mut b = WasmBackend::new(&abi_module("", "")).unwrap();
    b.handle_json(b"{}", ENV_JSON).unwrap();
    assert_eq!(calls(&b), 1);
    let err = b.handle_json(b"Trap", ENV_JSON).unwrap_err();
    assert!(err.contains("trap"), "{err}");
    assert!(b.fault().is_none());
    assert_eq!(calls(&b), 1, "the trapped call's writes are gone");
    let ok = b.handle_json(b"{}", ENV_JSON).unwrap();
    assert!(ok.starts_with(br#"{"ok":true"#));
    assert_eq!(calls(&b), 2);
}

#[test]
fn on_a_net_a_trapped_message_fails_alone_and_the_process_goes_on() {
    let mut net = Net::new();
    let module = net.register("abi", WasmModule::new(&abi_module("", "")).unwrap());
    let alice = net.wallet("alice");
    let p = net
        .spawn_module(&alice, &module, SpawnOptions::new().cron("10-seconds"))
        .unwrap();
    assert_eq!(calls(net.wasm_backend(&p).unwrap()), 1, "the spawn ran");
    // The cron message (no `Id`) traps: an error for it alone.
    let run = net.tick(10_000).unwrap();
    assert_eq!(run.failed.len(), 1);
    assert!(run.failed[0].error.contains("trap"), "{:?}", run.failed);
    // The next message runs, on the memory from before the trapped call.
    let id = net.send(&alice, &p, Msg::new().action("Anything")).unwrap();
    assert!(net.run_until_idle().unwrap().is_clean());
    assert!(!net.result(&id).is_error());
    let backend = net.wasm_backend(&p).unwrap();
    assert!(backend.fault().is_none());
    assert_eq!(
        calls(backend),
        2,
        "spawn and Anything; the trapped call's write is gone"
    );
}

#[test]
fn without_rollback_a_trap_fails_the_instance() {
    let mut b = WasmBackend::new(&abi_module("", "")).unwrap();
    b.set_rollback_on_trap(false);
    let ok = b.handle_json(b"{}", ENV_JSON).unwrap();
    assert!(ok.starts_with(br#"{"ok":true"#));
    let err = b.handle_json(b"Trap", ENV_JSON).unwrap_err();
    assert!(err.contains("trap"), "{err}");
    assert!(b.fault().is_some());
    // Later messages are refused, never run on a broken memory.
    let err = b.handle_json(b"{}", ENV_JSON).unwrap_err();
    assert!(err.contains("failed earlier"), "{err}");
    let out = b.handle(Message::new("x"), &Env::new("p", "o"));
    assert!(out.is_error());
    assert!(out.messages.is_empty());
}

#[test]
fn a_module_stuck_in_a_loop_runs_out_of_compute_instead_of_hanging() {
    let module = WasmModule::with_limits(
        &abi_module("", ""),
        aoxide_host::wasm::DEFAULT_MEMORY_LIMIT,
        5_000_000,
    )
    .unwrap();
    assert_eq!(module.compute_limit(), 5_000_000);
    let mut b = module.instantiate().unwrap();
    assert!(b.handle_json(b"{}", ENV_JSON).is_ok(), "a normal call fits");
    let err = b.handle_json(b"Loop", ENV_JSON).unwrap_err();
    assert!(err.contains("fuel"), "{err}");
    // Each call gets the whole limit again: a restored instance runs normal calls.
    let mut b = module.instantiate().unwrap();
    for _ in 0..100 {
        assert!(b.handle_json(b"{}", ENV_JSON).is_ok());
    }
}

#[test]
fn with_rollback_a_trap_leaves_the_previous_memory() {
    let mut b = WasmBackend::new(&abi_module("", "")).unwrap();
    b.handle_json(b"{}", ENV_JSON).unwrap();
    b.handle_json(b"{}", ENV_JSON).unwrap();
    assert_eq!(calls(&b), 2);
    assert!(b.handle_json(b"Trap", ENV_JSON).is_err());
    assert!(b.fault().is_none());
    assert_eq!(calls(&b), 2, "the trapped call's writes are gone");
    b.handle_json(b"{}", ENV_JSON).unwrap();
    assert_eq!(calls(&b), 3);
}

#[test]
fn a_corrupted_cookie_is_reported_like_the_loader() {
    let mut b = WasmBackend::new(&abi_module("", "")).unwrap();
    let err = b.handle_json(b"Corrupt", ENV_JSON).unwrap_err();
    assert!(err.contains("address zero"), "{err}");
    // Rejected like a trap: the memory from before the call, and the process goes on.
    assert!(b.fault().is_none());
    assert!(b.handle_json(b"{}", ENV_JSON).is_ok());
    b.set_rollback_on_trap(false);
    assert!(b.handle_json(b"Corrupt", ENV_JSON).is_err());
    assert!(b.fault().is_some());
}

#[test]
fn a_result_that_is_not_json_is_an_error_outcome() {
    // `handle` returns the message itself: not a result envelope.
    let bytes = wat::parse_str(
        r#"(module
  (import "env" "emscripten_resize_heap" (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "__indirect_function_table") 1 funcref)
  (func (export "__wasm_call_ctors"))
  (func (export "emscripten_stack_init"))
  (func (export "emscripten_stack_get_end") (result i32) (i32.const 32))
  (func (export "emscripten_stack_get_current") (result i32) (i32.const 4096))
  (func (export "_emscripten_stack_alloc") (param i32) (result i32) (i32.const 2048))
  (func (export "_emscripten_stack_restore") (param i32))
  (func (export "malloc") (param i32) (result i32) (i32.const 0))
  (func (export "free") (param i32))
  (func (export "handle") (param i32 i32) (result i32) (local.get 0)))"#,
    )
    .unwrap();
    assert!(check_module(&bytes).is_ok());
    let mut b = WasmBackend::new(&bytes).unwrap();
    let out = b.handle(Message::new("x"), &Env::new("p", "o"));
    assert!(out.is_error());
    assert!(
        out.error.as_deref().unwrap().contains("not an outcome")
            || out.error.as_deref().unwrap().contains("invalid JSON"),
        "{out:?}"
    );
    // Not a trap: the instance goes on.
    assert!(b.fault().is_none());
}

#[test]
fn memory_grows_through_resize_heap_up_to_the_limit() {
    // `G` makes the module ask for 3 MiB and store the answer at address 12.
    let bytes = abi_module("", "");
    let mut b = WasmBackend::new(&bytes).unwrap();
    assert_eq!(b.memory_size(), 65536);
    b.handle_json(b"Grow", ENV_JSON).unwrap();
    let m = b.snapshot();
    assert_eq!(u32::from_le_bytes(m[12..16].try_into().unwrap()), 1);
    assert!(b.memory_size() >= 3 << 20, "{}", b.memory_size());
    assert_eq!(b.memory_size() % 65536, 0);

    let limited = WasmModule::with_memory_limit(&bytes, 2 << 20).unwrap();
    let mut b = limited.instantiate().unwrap();
    b.handle_json(b"Grow", ENV_JSON).unwrap();
    let m = b.snapshot();
    assert_eq!(u32::from_le_bytes(m[12..16].try_into().unwrap()), 0);
    assert_eq!(b.memory_size(), 65536);
}

#[test]
fn a_module_with_exception_handling_is_refused_with_the_reason() {
    // What a module with the Lua layer has: a tag, thrown by longjmp. wasmi cannot run it.
    let bytes = wat::parse_str(
        r#"(module
          (tag $longjmp (param i32))
          (memory (export "memory") 20)
          (func (export "handle") (param i32 i32) (result i32)
            local.get 0
            throw $longjmp))"#,
    )
    .unwrap();
    let Err(err) = WasmModule::new(&bytes) else {
        panic!("accepted a module with exception handling");
    };
    assert!(matches!(err, aoxide_host::wasm::WasmError::Exceptions));
    let text = err.to_string();
    assert!(
        text.contains("exception handling") && text.contains("ao-loader"),
        "{text}"
    );
    let mut net = Net::new();
    assert!(net.register_wasm("lua", &bytes).is_err());
}
