//! `cargo ao run --native` and `cargo ao console --native`: a workspace crate's process
//! run as native code (a runner built from the crate, one child per process), in the same
//! console as the modules; and `--json` transcripts.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs `cargo ao ARGS` in the repository with `script` as the `--script` file.
fn cargo_ao(args: &[&str], script: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.aos");
    std::fs::write(&file, script).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-ao"))
        .args(args)
        .arg("--script")
        .arg(&file)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn run_native_runs_the_crate_natively_with_spawn_tags_inbox_and_panics() {
    let script = "Get\nIncrement By=2\n";
    let (ok, stdout, stderr) = cargo_ao(
        &[
            "run",
            "--native",
            "example-counter",
            "--spawn-tag",
            "Start=40",
            "--seed",
            "3",
        ],
        script,
    );
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("spawned counter = "), "{stdout}");
    assert!(stdout.contains("data=40"), "{stdout}");
    assert!(stdout.contains("data=42"), "{stdout}");
    let (ok, stdout, stderr) = cargo_ao(
        &["run", "--native", "example-ping", "--seed", "3"],
        "Panic\nCount\nNobody-Handles-This\n.inbox\n.ps\n",
    );
    assert!(ok, "{stdout}{stderr}");
    // Natively the runtime catches the panic: its text is the message's error and its
    // changes are rolled back.
    assert!(stdout.contains("Panic always panics"), "{stdout}");
    assert!(stdout.contains("-> you Count data=0"), "{stdout}");
    // The message no handler took is in the native process's inbox.
    assert!(stdout.contains("[ping] inbox: 1 message(s)"), "{stdout}");
    assert!(stdout.contains("Nobody-Handles-This from you"), "{stdout}");
    // `.ps` names the native module.
    assert!(stdout.contains("(example-ping-native)"), "{stdout}");
}

#[test]
fn the_native_and_the_wasm_process_answer_alike() {
    let script = "Increment By=5\nIncrement By=3\nGet\nReset\n.dry Get\n";
    // The module as tests build it (no binaryen needed); the same module name, `counter`.
    let module = aoxide_build::ensure_built(&root(), "example-counter");
    let module = module.to_str().unwrap();
    let transcript = |native: bool| {
        let args = match native {
            true => vec!["run", "--native", "example-counter", "--seed", "9"],
            false => vec!["run", module, "--seed", "9"],
        };
        let (ok, stdout, stderr) = cargo_ao(&args, script);
        assert!(ok, "{stdout}{stderr}");
        stdout
    };
    // Same seed, same messages: the same transcript, ids included.
    assert_eq!(transcript(true), transcript(false));
}

#[test]
fn console_native_spawns_crates_natively_and_wasm_files_as_modules() {
    let ping = aoxide_build::ensure_built(&root(), "example-ping");
    let script = format!(
        ".spawn a example-ping\n.spawn b {}\n.ps\n@a Ping\n@b Ping\n",
        ping.display()
    );
    let (ok, stdout, stderr) = cargo_ao(&["console", "--native", "--seed", "1"], &script);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("(example-ping-native)"), "{stdout}");
    assert!(stdout.contains("(ping)"), "{stdout}");
    assert_eq!(stdout.matches("data=pong").count(), 2, "{stdout}");
}

#[test]
fn native_of_a_crate_that_is_no_module_says_which_are() {
    let (ok, _, stderr) = cargo_ao(&["run", "--native", "aoxide-host"], "");
    assert!(!ok);
    assert!(stderr.contains("not a module crate"), "{stderr}");
    assert!(stderr.contains("example-counter"), "{stderr}");
}

#[test]
fn a_script_transcript_as_json() {
    let (ok, stdout, stderr) = cargo_ao(
        &[
            "run",
            "--native",
            "example-counter",
            "--json",
            "--seed",
            "3",
        ],
        "Get\n",
    );
    assert!(ok, "{stdout}{stderr}");
    let entries: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 2, "the spawn, then Get: {entries:#?}");
    assert_eq!(entries[0]["input"], ".spawn counter example-counter");
    assert_eq!(entries[1]["prompt"], "counter> ");
    assert_eq!(entries[1]["input"], "Get");
    assert!(
        entries[1]["output"].as_str().unwrap().contains("data=0"),
        "{entries:#?}"
    );
}
