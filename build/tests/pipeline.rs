//! The whole pipeline on real crates of the workspace: the modules it writes have exactly
//! the contract of `aoxide::module_abi` (what `export!` and the link arguments make), keep
//! the interface section, and run on the AO host emulation; the metering variant is MVP-only.

use std::path::{Path, PathBuf};

use aoxide::module_abi::{self, Source};
use aoxide_build::link::resets_stack_on_entry;
use aoxide_build::{
    build_module, check_metering_module, check_module, ensure_built, BuildOptions, ModuleSpec,
    Profile, Variant,
};
use aoxide_host::{Msg, Net, SpawnOptions};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn ping_has_exactly_the_contract_and_runs() {
    let plain = ensure_built(&root(), "example-ping");
    let bytes = std::fs::read(&plain).unwrap();
    let report = check_module(&bytes).unwrap();

    // Every export of the table and the tools' view, nothing else but the tolerated linker
    // globals.
    for export in module_abi::EXPORTS.iter().chain(module_abi::TOOL_EXPORTS) {
        assert!(
            report.exports.iter().any(|e| e == export.name),
            "{}",
            export.name
        );
    }
    for name in &report.exports {
        assert!(
            module_abi::EXPORTS.iter().any(|e| e.name == name)
                || module_abi::TOOL_EXPORTS.iter().any(|e| e.name == name)
                || module_abi::TOLERATED_EXPORTS.contains(&name.as_str()),
            "extra export {name}"
        );
    }
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(module_abi::EXPORTS
        .iter()
        .any(|e| e.source == Source::ExportMacro));
    assert_eq!(
        report.imports,
        vec!["env.emscripten_resize_heap".to_owned()]
    );
    assert_eq!(report.initial_memory, module_abi::INITIAL_MEMORY);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(
        resets_stack_on_entry(&bytes).unwrap(),
        "handle must reset the stack pointer"
    );

    let metering = plain.with_file_name(Variant::Metering.file_name("ping"));
    let metered = std::fs::read(&metering).unwrap();
    let metered_report = check_metering_module(&metered).unwrap();
    assert!(metered_report.mvp_opcodes_only);
    // The plain module uses bulk memory (so the lowering had work to do) and is refused
    // as a metering module, naming the function.
    let refused = check_metering_module(&bytes).unwrap_err();
    assert!(refused.to_string().contains("memory."), "{refused}");

    for module in [&bytes, &metered] {
        let mut net = Net::new();
        let alice = net.wallet("alice");
        let id = net.register_wasm("ping", module).unwrap();
        let ping = net.spawn_module(&alice, &id, SpawnOptions::new()).unwrap();
        let msg = net.send(&alice, &ping, Msg::new().action("Ping")).unwrap();
        assert!(net.run_until_idle().unwrap().is_clean());
        assert_eq!(net.reply_to(&msg).unwrap().data(), "pong");
        // A panic is an error result, and the process goes on.
        let boom = net.send(&alice, &ping, Msg::new().action("Panic")).unwrap();
        net.run_until_idle().unwrap();
        assert!(net.result(&boom).is_error());
    }
}

/// The modules `scripts/test` builds (and the conformance suite runs).
const MODULES: &str = include_str!("../../scripts/modules.txt");

#[test]
fn every_built_module_carries_its_interface_section() {
    for spec in MODULES.split_whitespace() {
        let path = ensure_built(&root(), spec);
        let report = check_module(&std::fs::read(&path).unwrap()).unwrap();
        let section = report
            .custom_section(module_abi::INTERFACE_SECTION)
            .unwrap_or_else(|| panic!("{spec}: no aoxide.interface section"));
        let interface = aoxide::Interface::from_section(section)
            .unwrap_or_else(|e| panic!("{spec}: the section does not read: {e}"));
        let (action, parts): (&str, &[&str]) = match spec {
            "example-ping" => ("Ping", &[]),
            "example-counter" => ("Increment", &[]),
            "example-kv-store" => ("Set", &[]),
            // The flagship modules: the token itself, and the game with its mounted parts
            // listed under their field names.
            "aoxide-token" => ("Transfer", &[]),
            "example-game" => ("Transfer", &["token", "chat"]),
            "aoxide-chat" => ("Broadcast", &[]),
            "aoxide-counter:counter-blueprint" => ("Increment", &[]),
            "example-auction" => ("Credit-Notice", &[]),
            other => panic!("{other} is in scripts/modules.txt: say what its interface has"),
        };
        assert!(
            interface.action(action).is_some(),
            "{spec}: no handler for {action} in {}",
            interface.to_json()
        );
        for part in parts {
            assert!(interface.part(part).is_some(), "{spec}: no part {part}");
        }
    }
}

#[test]
fn the_hyperbeam_profile_links_a_larger_initial_memory() {
    let out = tempfile::tempdir().unwrap();
    let spec = ModuleSpec::parse("example-kv-store");
    let options = BuildOptions {
        metering: false,
        profile: Profile::HyperBeam {
            initial_memory: 4 << 20,
        },
        allow_unoptimized: false,
    };
    let mut steps = Vec::new();
    let built = build_module(&root(), Some(out.path()), &spec, &options, &mut |_, s| {
        steps.push(s)
    })
    .unwrap();
    assert_eq!(built.modules.len(), 1);
    assert_eq!(
        built.modules[0].path,
        out.path().join("kv-store.hyperbeam.wasm")
    );
    assert_eq!(built.modules[0].module.report.initial_memory, 4 << 20);
    assert_eq!(steps.len(), 4, "cargo, link, optimize, validate: {steps:?}");
}
