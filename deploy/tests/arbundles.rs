//! Every item the commands write verifies with the npm `@dha-team/arbundles` verifier.

mod support;

use aoxide_deploy::ans104::{decode_id, DataItem, SaltLength, Tag, UnsignedItem, Wallet};
use aoxide_deploy::cli::{
    publish, send, spawn, OutputArgs, Progress, UnitArgs, WaitArgs, WalletArgs,
};
use aoxide_deploy::module::{interface_hash, interface_section, INTERFACE_HASH_TAG, VERSION_TAG};

fn publish_args(module: std::path::PathBuf, out: std::path::PathBuf) -> publish::PublishArgs {
    publish::PublishArgs {
        module: Some(module),
        wallet: WalletArgs {
            wallet: support::fixtures().join("jwk-vector-1.json"),
        },
        bundler: "http://127.0.0.1:9".into(),
        out: Some(out),
        dry_run: false,
        format: None,
        memory_limit: "16-mb".into(),
        compute_limit: "9000000000000".into(),
        name: Some("token".into()),
        tags: vec![Tag::new("App", "aoxide-test")],
        timeout: 5,
        retries: 0,
        output: OutputArgs { json: false },
    }
}

#[test]
fn published_and_signed_items_verify_with_arbundles() {
    let dir = tempfile::tempdir().unwrap();
    let token = support::built_module("token", "aoxide-token");
    let module_out = dir.path().join("token.item");
    let progress = Progress::recording();
    let report = publish::run(&publish_args(token.clone(), module_out.clone()), &progress).unwrap();
    assert_eq!(report.written_to.as_deref(), module_out.to_str());
    // Written, not uploaded: the steps a person watches are reading the wallet and signing.
    let steps = progress.steps();
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert!(steps[0].starts_with("reading the wallet"), "{steps:?}");
    assert!(steps[1].starts_with("signing the module item"), "{steps:?}");

    // Our own reading of what was written.
    let bytes = std::fs::read(&module_out).unwrap();
    let item = DataItem::parse(&bytes).unwrap();
    item.verify().unwrap();
    assert_eq!(item.id(), report.id);
    assert_eq!(item.data(), &std::fs::read(&token).unwrap()[..]);
    assert_eq!(item.tag("Type"), Some("Module"));
    assert_eq!(
        item.tag("Module-Format"),
        Some("wasm32-unknown-emscripten4")
    );
    assert_eq!(item.tag("Memory-Limit"), Some("16-mb"));
    assert_eq!(item.tag("App"), Some("aoxide-test"));
    assert!(item.tag(VERSION_TAG).is_some());
    // The interface hash tag is there exactly when the module has the section.
    assert_eq!(
        item.tag(INTERFACE_HASH_TAG),
        interface_hash(item.data()).unwrap().as_deref()
    );

    // A message with target and anchor, each salt length.
    let wallet = Wallet::from_jwk_file(&support::fixtures().join("jwk-vector-1.json")).unwrap();
    let mut files = vec![module_out.clone()];
    for (i, salt) in [SaltLength::Zero, SaltLength::HashLen, SaltLength::Max]
        .into_iter()
        .enumerate()
    {
        let mut msg = UnsignedItem::new(
            vec![Tag::new("Action", "Transfer"), Tag::new("Quantity", "5")],
            "héllo".as_bytes().to_vec(),
        );
        msg.target = Some(decode_id(&item.id()).unwrap());
        msg.anchor = Some(*b"00000000000000000000000000000042");
        let signed = msg.sign(&wallet, salt).unwrap();
        let path = dir.path().join(format!("message-{i}.item"));
        std::fs::write(&path, signed.to_bytes()).unwrap();
        files.push(path);
    }
    // The process and message items `spawn` and `send` post.
    let units = UnitArgs {
        gateway_url: "http://127.0.0.1:9".into(),
        mu_url: "http://127.0.0.1:9".into(),
        cu_url: "http://127.0.0.1:9".into(),
        timeout: 1,
        retries: 0,
    };
    let wallet_args = WalletArgs {
        wallet: support::fixtures().join("jwk-vector-1.json"),
    };
    let spawn_args = spawn::SpawnArgs {
        module: item.id(),
        scheduler: spawn::DEFAULT_SCHEDULER.into(),
        authorities: vec![spawn::DEFAULT_AUTHORITY.into()],
        tags: vec![Tag::new("Ticker", "AOX"), Tag::new("Name", "e2e")],
        data: None,
        anchor: Some("1".into()),
        wallet: wallet_args.clone(),
        units: units.clone(),
        output: OutputArgs { json: true },
    };
    let process = spawn::process_item(&spawn_args, &wallet).unwrap();
    assert_eq!(process.tag("Type"), Some("Process"));
    assert_eq!(process.tag("Module"), Some(item.id().as_str()));
    assert_eq!(process.tag("Authority"), Some(spawn::DEFAULT_AUTHORITY));
    let send_args = send::SendArgs {
        process: process.id(),
        action: "Transfer".into(),
        tags: vec![
            Tag::new("Recipient", wallet.address()),
            Tag::new("Quantity", "5"),
        ],
        data: Some("ünïcode data".into()),
        anchor: None,
        result: false,
        wallet: wallet_args,
        units,
        wait: WaitArgs { wait: 1 },
        output: OutputArgs { json: true },
    };
    let message = send::message_item(&send_args, &wallet).unwrap();
    assert_eq!(message.target(), Some(&decode_id(&process.id()).unwrap()));
    assert!(message.anchor().unwrap().iter().all(u8::is_ascii_digit));
    for (name, signed) in [("process", &process), ("message", &message)] {
        let path = dir.path().join(format!("{name}.item"));
        std::fs::write(&path, signed.to_bytes()).unwrap();
        files.push(path);
    }
    // Tags the command sets itself cannot be given twice.
    let mut clash = send_args.clone();
    clash.tags.push(Tag::new("Type", "Process"));
    assert!(send::message_item(&clash, &wallet).is_err());

    let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let reports = support::arbundles_verify(&refs);
    for (file, report) in files.iter().zip(&reports) {
        assert_eq!(report["valid"], true, "{}: {report}", file.display());
        let ours = DataItem::parse(&std::fs::read(file).unwrap()).unwrap();
        assert_eq!(report["id"].as_str(), Some(ours.id().as_str()));
    }

    // And the verifier is not a yes-machine: a flipped data byte fails it.
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    let bad = dir.path().join("tampered.item");
    std::fs::write(&bad, tampered).unwrap();
    assert_eq!(
        support::arbundles_verify(&[bad.as_path()])[0]["valid"],
        false
    );
}

#[test]
fn publish_dry_run_uploads_nothing_and_bad_limits_fail() {
    let token = support::built_module("token", "aoxide-token");
    let mut args = publish_args(token, "unused".into());
    args.out = None;
    args.dry_run = true;
    let report = publish::run(&args, &Progress::default()).unwrap();
    assert!(report.posted_to.is_none() && report.written_to.is_none());
    args.memory_limit = "2-gb".into();
    let err = publish::run(&args, &Progress::default()).unwrap_err();
    assert!(err.to_string().contains("Memory-Limit"), "{err}");
}

#[test]
fn a_macro_built_module_carries_its_interface_hash() {
    // Every process is written with `#[aoxide::handlers]`, so every module (here
    // examples/counter) has an `aoxide.interface` section.
    let counter = support::built_module("counter", "example-counter");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("counter.item");
    publish::run(
        &publish_args(counter.clone(), out.clone()),
        &Progress::default(),
    )
    .unwrap();
    let item = DataItem::parse(&std::fs::read(&out).unwrap()).unwrap();
    let wasm = std::fs::read(&counter).unwrap();
    let hash = interface_hash(&wasm)
        .unwrap()
        .expect("counter has an interface section");
    assert_eq!(item.tag(INTERFACE_HASH_TAG), Some(hash.as_str()));
    // The section is the interface the macros wrote: it names the counter's actions.
    let section = interface_section(&wasm).unwrap().unwrap();
    assert!(String::from_utf8_lossy(&section).contains("\"Increment\""));
}

#[test]
fn a_dev_module_is_not_published() {
    // What `cargo ao build` writes without --release when -Oz's output is not cached.
    assert_eq!(
        aoxide_deploy::module::DEV_SECTION,
        aoxide_build::DEV_SECTION
    );
    let dir = tempfile::tempdir().unwrap();
    let options = aoxide_build::BuildOptions {
        optimization: aoxide_build::Optimization::Dev,
        ..aoxide_build::BuildOptions::default()
    };
    let built = aoxide_build::build_module(
        &support::repo_root(),
        Some(dir.path()),
        &aoxide_build::ModuleSpec::parse("example-counter"),
        &options,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(built.optimization, aoxide_build::Optimization::Dev);
    let module = built.modules[0].path.clone();
    let out = dir.path().join("counter.item");
    let mut args = publish_args(module, out.clone());
    let err = publish::run(&args, &Progress::default()).unwrap_err();
    assert!(err.to_string().contains("dev build"), "{err}");
    let help = err.help().unwrap_or_default();
    assert!(help.contains("cargo ao build --release"), "{help}");
    assert!(!out.exists(), "nothing is signed");
    args.out = None;
    args.dry_run = true;
    assert!(publish::run(&args, &Progress::default()).is_err());
}
