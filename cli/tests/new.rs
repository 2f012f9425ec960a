//! `cargo ao new`: the crate it writes builds and passes its own tests (offline, from the
//! registry cache, with the aoxide checkout as path dependencies), and becomes a module.

use std::path::Path;
use std::process::Command;

use cargo_ao::new::{create, destination, NewError, Template};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// `cargo ao build ARGS --json` in the crate at `dir`, asserted to succeed: its report.
#[track_caller]
fn build_report(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-ao"))
        .arg("build")
        .args(args)
        .arg("--json")
        .env(
            "CARGO_TARGET_DIR",
            root().join("target").join("cargo-ao-new"),
        )
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[track_caller]
fn cargo_test_offline(dir: &Path) {
    // A target dir under the workspace's, so reruns are warm.
    let target = root().join("target").join("cargo-ao-new");
    let out = Command::new(env!("CARGO"))
        .args(["test", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "cargo test in {}:\n{text}",
        dir.display()
    );
    assert!(text.contains("test result: ok. 1 passed"), "{text}");
}

/// `cargo ao run MODULE --script demo.aos` in `dir`, through the binary: it succeeds, the
/// templates' script ends on a count of 2, and nothing failed.
#[track_caller]
fn run_demo_script(dir: &Path, module: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-ao"))
        .args(["run", module, "--script", "demo.aos"])
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("data=2"), "{stdout}");
    assert!(!stdout.contains("error:"), "{stdout}");
}

#[test]
fn the_counter_template_tests_builds_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-counter");
    create(&dir, "my-counter", Template::Counter, root()).unwrap();
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        ".cargo/config.toml",
        "src/lib.rs",
        "tests/net.rs",
        "demo.aos",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    cargo_test_offline(&dir);

    // cargo ao build, then the console script, through the binary.
    let report = build_report(&dir, &[]);
    let module = &report["modules"][0];
    assert!(module["path"]
        .as_str()
        .unwrap()
        .ends_with("ao/my-counter.wasm"));
    let size = module["size"].as_u64().unwrap();
    assert_eq!(module["free_upload"], size <= 100 * 1024);
    assert_eq!(module["interface_section"], true);
    // Without --release, a new crate's module is a dev build: no binaryen, and said so.
    assert_eq!(module["build"], "dev");
    assert_eq!(module["optimizer"], "none (dev build)");

    run_demo_script(&dir, module["path"].as_str().unwrap());
}

#[test]
fn the_token_template_passes_its_tests() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-token");
    create(&dir, "my-token", Template::Token, root()).unwrap();
    cargo_test_offline(&dir);
}

#[test]
fn the_lua_template_passes_its_tests_and_builds_a_module() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-lua");
    create(&dir, "my-lua", Template::Lua, root()).unwrap();
    for file in ["lua/process.lua", "src/lib.rs", "README-lua.md", "demo.aos"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("aoxide-lua = { path = "), "{manifest}");
    cargo_test_offline(&dir);

    // The module needs the zig toolchain (scripts/setup-lua-toolchain), which scripts/test
    // installs; without it, say so and stop here.
    let ready = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .map(|cache| cache.join("aoxide/lua-toolchain-zig-0.17.1/ready"))
        .is_some_and(|p| p.is_file())
        || std::env::var_os("AOXIDE_LUA_TOOLCHAIN").is_some();
    if !ready {
        eprintln!("note: no Lua toolchain (scripts/setup-lua-toolchain): the module is not built");
        return;
    }
    let report = build_report(&dir, &["--metering"]);
    let modules = report["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 1, "no metering variant for a Lua module");
    assert!(modules[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("ao/my-lua.wasm"));
    assert_eq!(
        modules[0]["imports"],
        serde_json::json!(["env.emscripten_resize_heap"])
    );
    assert!(report["skipped"][0][2]
        .as_str()
        .unwrap()
        .contains("exception handling"));

    // Its console script, as README-lua.md says: `cargo ao run` runs it under ao-loader.
    run_demo_script(&dir, modules[0]["path"].as_str().unwrap());
}

#[test]
fn refusals() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(matches!(
        create(&tmp.path().join("y"), "1y", Template::Counter, root()),
        Err(NewError::BadName(_))
    ));
    std::fs::write(tmp.path().join("z"), "").unwrap();
    assert!(matches!(
        create(tmp.path(), "z", Template::Counter, root()),
        Err(NewError::Exists(_))
    ));
}

/// `cargo ao new a/b/name` reads its argument as `cargo new` does: the path is the
/// directory, its last component the crate name; `--path` keeps the argument as the name.
#[test]
fn the_argument_is_a_path_whose_last_component_names_the_crate() {
    let cwd = Path::new("/work/here");
    let (dir, name) = destination("procs/my-proc", None, cwd).unwrap();
    assert_eq!(
        (dir.as_path(), name.as_str()),
        (Path::new("/work/here/procs/my-proc"), "my-proc")
    );
    let (dir, name) = destination("/abs/auction", None, cwd).unwrap();
    assert_eq!(
        (dir.as_path(), name.as_str()),
        (Path::new("/abs/auction"), "auction")
    );
    let (dir, name) = destination("plain", None, cwd).unwrap();
    assert_eq!(
        (dir.as_path(), name.as_str()),
        (Path::new("/work/here/plain"), "plain")
    );
    let (dir, name) = destination("named", Some("elsewhere".into()), cwd).unwrap();
    assert_eq!(
        (dir.as_path(), name.as_str()),
        (Path::new("/work/here/elsewhere"), "named")
    );
    assert!(matches!(
        destination("..", None, cwd),
        Err(NewError::BadName(_))
    ));

    // And the crate is created there, under that name.
    let tmp = tempfile::tempdir().unwrap();
    let (dir, name) = destination("nested/dir/my-proc", None, tmp.path()).unwrap();
    create(&dir, &name, Template::Counter, root()).unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"my-proc\""), "{manifest}");
}
