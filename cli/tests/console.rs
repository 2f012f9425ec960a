//! The console, non-interactively: a script over several processes, asserted line by line
//! against the recorded transcript (ids and time follow from the seed, so it never varies).

use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_ao::console::{run_script, Session};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn session(seed: u64) -> Session {
    let root = root();
    Session::new(
        seed,
        Box::new(move |module: &str| Ok(aoxide_build::ensure_built(&root, module))),
    )
}

const SCRIPT: &str = include_str!("fixtures/two-processes.aos");
const TRANSCRIPT: &str = include_str!("fixtures/two-processes.transcript");

/// `line` with the line number of a source location (`src/lib.rs:138`, in a panic's text)
/// left out, so that editing an example does not change the transcript.
fn without_source_line(line: &str) -> String {
    match line.split_once(".rs:") {
        Some((before, after)) => {
            let rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{before}.rs:_{rest}")
        }
        None => line.to_owned(),
    }
}

#[track_caller]
fn assert_transcript(actual: &str, expected: &str) {
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(
            without_source_line(a),
            without_source_line(e),
            "transcript line {} differs:\n{actual}",
            i + 1
        );
    }
    assert_eq!(
        actual.lines().count(),
        expected.lines().count(),
        "transcript length differs:\n{actual}"
    );
}

#[test]
fn a_script_over_two_processes_prints_the_recorded_transcript() {
    let mut s = session(7);
    let transcript = run_script(&mut s, SCRIPT);
    if std::env::var_os("AOXIDE_BLESS").is_some() {
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/two-processes.transcript"),
            &transcript,
        )
        .unwrap();
    }
    assert_transcript(&transcript, TRANSCRIPT);
}

#[test]
fn the_same_seed_gives_the_same_ids_and_another_seed_does_not() {
    let script = ".spawn c example-counter\nIncrement\n";
    let a = run_script(&mut session(1), script);
    let b = run_script(&mut session(1), script);
    let c = run_script(&mut session(2), script);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// What `command` printed, asserted to have succeeded (its output in the failure).
#[track_caller]
fn stdout_of(command: &mut Command) -> String {
    let out = command.output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_binary_runs_a_script_with_spawn_tags() {
    let counter = aoxide_build::ensure_built(&root(), "example-counter");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.aos");
    std::fs::write(&script, "Get\nIncrement By=2\n.load x.lua\n").unwrap();
    let stdout = stdout_of(
        Command::new(env!("CARGO_BIN_EXE_cargo-ao"))
            .arg("run")
            .arg(&counter)
            .args(["--spawn-tag", "Start=40", "--seed", "3", "--script"])
            .arg(&script),
    );
    assert!(stdout.contains("spawned counter = "), "{stdout}");
    assert!(stdout.contains("counter> Get\n"), "{stdout}");
    assert!(stdout.contains("data=40"), "{stdout}");
    assert!(stdout.contains("data=42"), "{stdout}");
    // `.load` sends the file as an Eval: a missing file is an error of that line only.
    assert!(stdout.contains("error: .load x.lua: "), "{stdout}");
}

/// A module with the Lua layer (wasm exception handling: its processes run under the real
/// ao-loader, aoxide-host's loader backend), Lua loaded into it with `.load`, by the
/// binary with `--script`: the recorded transcript. The toolchain that compiles C Lua into
/// the module is installed first when missing (`scripts/setup-lua-toolchain`).
#[test]
fn the_binary_spawns_a_lua_module_and_loads_lua_into_it() {
    if std::env::var_os("AOXIDE_SKIP_LUA").is_some() {
        // scripts/test could not install the Lua toolchain and says so in its log.
        eprintln!("skipped: AOXIDE_SKIP_LUA is set (no Lua toolchain)");
        return;
    }
    let root = root();
    let setup = Command::new(root.join("scripts/setup-lua-toolchain"))
        .output()
        .unwrap();
    assert!(
        setup.status.success(),
        "scripts/setup-lua-toolchain failed:\n{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let stdout = stdout_of(
        Command::new(env!("CARGO_BIN_EXE_cargo-ao"))
            .args([
                "console",
                "--seed",
                "5",
                "--script",
                "cli/tests/fixtures/lua.aos",
            ])
            .current_dir(&root),
    );
    if std::env::var_os("AOXIDE_BLESS").is_some() {
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lua.transcript"),
            &stdout,
        )
        .unwrap();
    }
    // What it shows: the Lua Inbox notice before the handler exists, the loaded file's
    // print, replies from the loaded handler with its global counting, and a dry-run that
    // leaves that global as it was (the loader drops a dry-run's memory).
    for line in [
        "  output: New Message From ",
        "  output: greeter loaded",
        "data=\"Hello, Ada (1)\"",
        "data=\"Hello, stranger (2)\"",
        "data=\"Hello, dry (3)\"",
        "data=\"Hello, again (3)\"",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
    assert_transcript(&stdout, include_str!("fixtures/lua.transcript"));
}
