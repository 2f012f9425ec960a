//! The whole pipeline on real crates of the workspace: the modules it writes have exactly
//! the contract of `aoxide::module_abi` (what `export!` and the link arguments make), keep
//! the interface section, and run on the AO host emulation; the metering variant is MVP-only.

use std::path::{Path, PathBuf};

use aoxide::module_abi::{self, Source};
use aoxide_build::link::resets_stack_on_entry;
use aoxide_build::{
    build_module, check_metering_module, check_module, ensure_built, BuildOptions, ModuleSpec,
    Optimization, Profile, Step, Variant,
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
        optimization: Optimization::Dev,
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
    assert_eq!(
        steps,
        [Step::Cargo, Step::Link, Step::Dev, Step::Write],
        "a dev build of a new output directory runs no binaryen"
    );
    assert_eq!(built.optimization, Optimization::Dev);
}

/// The one entry of `out`'s optimisation cache.
fn cache_entry(out: &Path) -> PathBuf {
    let entries: Vec<PathBuf> = std::fs::read_dir(out.join(".cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].clone()
}

#[test]
fn the_cache_answers_dev_builds_and_a_broken_entry_is_optimised_again() {
    if aoxide_build::optimize::Optimizer::find(&root()).is_err() {
        eprintln!("note: no binaryen (apt-get install binaryen, or npm ci in tests/conformance)");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let spec = ModuleSpec::parse("aoxide-counter:counter-blueprint");
    let build = |optimization| {
        let options = BuildOptions {
            optimization,
            ..BuildOptions::default()
        };
        build_module(&root(), Some(out.path()), &spec, &options, &mut |_, _| {}).unwrap()
    };
    let read = |built: &aoxide_build::BuildOutput| std::fs::read(&built.modules[0].path).unwrap();

    // A dev build of a new output directory: no binaryen ran, and the module says so.
    let dev = build(Optimization::Dev);
    assert_eq!(
        (dev.optimization, dev.optimizer.as_str()),
        (Optimization::Dev, "none (dev build)")
    );
    let dev_bytes = read(&dev);
    assert!(aoxide_build::is_dev_module(&dev_bytes));
    assert!(
        !out.path().join(".cache").exists(),
        "dev modules are not cached"
    );

    let release = build(Optimization::Release);
    assert_eq!(release.optimization, Optimization::Release);
    assert_ne!(release.optimizer, "cached");
    let optimized = read(&release);
    assert!(!aoxide_build::is_dev_module(&optimized));
    assert!(optimized.len() < dev_bytes.len());
    let entry = cache_entry(out.path());
    assert_eq!(std::fs::read(&entry).unwrap(), optimized);

    // Now the inner loop's build gets the -Oz module from the cache.
    let dev = build(Optimization::Dev);
    assert_eq!(
        (dev.optimization, dev.optimizer.as_str()),
        (Optimization::Release, "cached")
    );
    assert_eq!(read(&dev), optimized);

    // An entry an interrupted binaryen left empty, or that is not a valid module, is never
    // used: the module is optimised again and the entry replaced.
    for broken in [Vec::new(), optimized[..optimized.len() / 2].to_vec()] {
        std::fs::write(&entry, broken).unwrap();
        let again = build(Optimization::Release);
        assert_ne!(again.optimizer, "cached");
        assert_eq!(read(&again), optimized, "binaryen's -Oz is deterministic");
        assert_eq!(std::fs::read(cache_entry(out.path())).unwrap(), optimized);
    }
    // A broken entry does not make a dev build fail either: it gets a dev module.
    std::fs::write(&entry, b"").unwrap();
    let dev = build(Optimization::Dev);
    assert_eq!(dev.optimization, Optimization::Dev);
    assert_eq!(read(&dev), dev_bytes);
    assert!(!entry.exists(), "the broken entry is removed");
}
