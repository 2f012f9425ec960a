//! The console in a real terminal: tmux runs it, send-keys types, capture-pane reads the
//! screen. Line editing (cursor keys) and history (Up) are rustyline's. Skipped, with a
//! note, only when tmux is not installed.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Kills the tmux session when the test ends, however it ends.
struct Pane(String);

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

impl Pane {
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        tmux(&args);
    }

    /// Waits (bounded) until the screen shows `needle` `count` times.
    #[track_caller]
    fn wait_for(&self, needle: &str, count: usize) -> String {
        let start = Instant::now();
        loop {
            let screen = tmux(&["capture-pane", "-p", "-t", &self.0, "-S", "-200"]);
            if screen.matches(needle).count() >= count {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("no {count} x {needle:?} on the screen after 30 s:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn the_console_edits_lines_and_recalls_history_in_a_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux is not installed: skipping the terminal test (apt-get install tmux)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let ping = aoxide_build::ensure_built(root, "example-ping");
    let home = tempfile::tempdir().unwrap();
    let name = format!("aoxide-console-{}", std::process::id());
    let command = format!(
        "env HOME={} {} console --seed 5",
        home.path().display(),
        env!("CARGO_BIN_EXE_cargo-ao")
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &name,
        "-x",
        "160",
        "-y",
        "50",
        &command,
    ]);
    let pane = Pane(name);
    pane.wait_for("ao>", 1);

    pane.keys(&[&format!(".spawn ping {}", ping.display()), "Enter"]);
    pane.wait_for("ping>", 1);
    // Typed with a typo, fixed with the cursor keys: "Pig" -> Left, "n" -> "Ping".
    pane.keys(&["Pig", "Left", "n", "Enter"]);
    let screen = pane.wait_for("data=pong", 1);
    assert!(screen.contains("[ping] <- Ping from you"), "{screen}");
    // History: Up recalls "Ping".
    pane.keys(&["Up", "Enter"]);
    pane.wait_for("data=pong", 2);
    pane.keys(&[".exit", "Enter"]);
    // The editor creates the file, then writes it: wait for the content, not the file
    // (reading between the two saw an empty file on a loaded machine).
    let history = home.path().join(".cargo-ao-history");
    let start = Instant::now();
    let mut saved = String::new();
    while !saved.contains("Ping") && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
        saved = std::fs::read_to_string(&history).unwrap_or_default();
    }
    assert!(saved.contains("Ping"), "history file: {saved:?}");
}
