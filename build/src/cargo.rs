//! The first stage: `cargo build --release --target wasm32-unknown-unknown` of one package,
//! and where cargo put things.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::profile::Profile;

/// The wasm target every module is built for.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// Why cargo could not build a module.
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    /// A tool could not be started.
    #[error("could not run `{tool}` (is the Rust toolchain on PATH?)")]
    Spawn {
        /// The command.
        tool: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// `rustup target add wasm32-unknown-unknown` failed.
    #[error("the wasm32-unknown-unknown target is missing and `rustup target add` failed: run it by hand")]
    Target,
    /// cargo reported an error (its diagnostics are above).
    #[error("cargo build of `{package}` failed (the compiler's messages are above)")]
    Failed {
        /// The package.
        package: String,
    },
    /// The build produced no `.wasm` for the package.
    #[error(
        "`{package}` produced no .wasm: add `[lib] crate-type = [\"cdylib\", \"rlib\"]` to its \
         Cargo.toml and call `aoxide::export!` in its lib.rs"
    )]
    NoArtifact {
        /// The package.
        package: String,
    },
    /// `cargo metadata` failed or printed something unreadable.
    #[error("cargo metadata failed: {0}")]
    Metadata(String),
}

/// What `cargo metadata` says about the workspace at a directory.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root.
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
    /// The workspace packages with a `cdylib` target: `(name, manifest directory)`.
    pub module_packages: Vec<(String, PathBuf)>,
}

#[derive(Deserialize)]
struct Metadata {
    workspace_root: PathBuf,
    target_directory: PathBuf,
    packages: Vec<MetaPackage>,
}

#[derive(Deserialize)]
struct MetaPackage {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<MetaTarget>,
}

#[derive(Deserialize)]
struct MetaTarget {
    crate_types: Vec<String>,
}

pub(crate) fn cargo() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into())
}

impl Workspace {
    /// Reads the workspace that contains `dir`.
    pub fn at(dir: &Path) -> Result<Workspace, CargoError> {
        let out = Command::new(cargo())
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(dir)
            .stderr(Stdio::piped())
            .output()
            .map_err(|source| CargoError::Spawn {
                tool: "cargo metadata".into(),
                source,
            })?;
        if !out.status.success() {
            return Err(CargoError::Metadata(
                String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            ));
        }
        let meta: Metadata =
            serde_json::from_slice(&out.stdout).map_err(|e| CargoError::Metadata(e.to_string()))?;
        let module_packages = meta
            .packages
            .into_iter()
            .filter(|p| {
                p.targets
                    .iter()
                    .any(|t| t.crate_types.iter().any(|c| c == "cdylib"))
            })
            .map(|p| {
                let dir = p
                    .manifest_path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                (p.name, dir)
            })
            .collect();
        Ok(Workspace {
            root: meta.workspace_root,
            target_dir: meta.target_directory,
            module_packages,
        })
    }

    /// Where the modules go: `<target>/ao`.
    pub fn out_dir(&self) -> PathBuf {
        self.target_dir.join("ao")
    }

    /// The module package whose directory is `dir`, if any (what `cargo ao build` without
    /// `-p` builds).
    pub fn package_at(&self, dir: &Path) -> Option<&str> {
        let dir = dir.canonicalize().ok()?;
        self.module_packages
            .iter()
            .find(|(_, d)| d.canonicalize().ok().as_deref() == Some(&dir))
            .map(|(name, _)| name.as_str())
    }
}

/// Whether the toolchain has the wasm target's standard library.
pub fn target_installed() -> Result<bool, CargoError> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|source| CargoError::Spawn {
            tool: "rustc --print sysroot".into(),
            source,
        })?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    Ok(sysroot.join("lib/rustlib").join(TARGET).is_dir())
}

/// Adds the wasm target with rustup when the toolchain lacks it.
pub fn ensure_target() -> Result<(), CargoError> {
    if target_installed()? {
        return Ok(());
    }
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .map_err(|source| CargoError::Spawn {
            tool: "rustup target add".into(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(CargoError::Target)
    }
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    package_id: String,
    #[serde(default)]
    target: Option<MessageTarget>,
    #[serde(default)]
    filenames: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct MessageTarget {
    crate_types: Vec<String>,
}

/// The package name in a cargo package id (`path+file:///x/counter#example-counter@0.1.0`,
/// `path+file:///x/cli#0.1.0`, or the old `name 0.1.0 (path+file:///x)`).
fn package_name(id: &str) -> &str {
    if let Some((url, fragment)) = id.split_once('#') {
        match fragment.split_once('@') {
            Some((name, _)) => name,
            None => url.rsplit('/').next().unwrap_or(url),
        }
    } else {
        id.split(' ').next().unwrap_or(id)
    }
}

/// `<target>/ao` for cargo's output `<target>/wasm32-unknown-unknown/release/<name>.wasm`.
pub fn out_dir_of(artefact: &Path) -> PathBuf {
    artefact
        .ancestors()
        .nth(3)
        .map_or_else(|| PathBuf::from("ao"), |target| target.join("ao"))
}

/// Builds `package` of the workspace at `dir` for wasm32 with `profile`, and returns the
/// path of its `.wasm`. Cargo's diagnostics go to this process's stderr.
///
/// The wasm target is checked only when the build fails (checking costs a `rustc` start
/// on every build): when it was missing, it is added with rustup and the build runs again.
pub fn build(dir: &Path, package: &str, profile: &Profile) -> Result<PathBuf, CargoError> {
    match build_once(dir, package, profile) {
        Err(CargoError::Failed { .. }) if !target_installed()? => {
            eprintln!(
                "note: the {TARGET} target is missing: adding it with rustup, then building again"
            );
            ensure_target()?;
            build_once(dir, package, profile)
        }
        other => other,
    }
}

fn build_once(dir: &Path, package: &str, profile: &Profile) -> Result<PathBuf, CargoError> {
    let settings = profile.settings();
    let mut cmd = Command::new(cargo());
    cmd.args([
        "build",
        "--release",
        "--target",
        TARGET,
        "-p",
        package,
        "--message-format=json-render-diagnostics",
    ]);
    for (key, value) in &settings.env {
        cmd.env(key, value);
    }
    let mut child = cmd
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| CargoError::Spawn {
            tool: "cargo build".into(),
            source,
        })?;
    let mut artefact = None;
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(msg) = serde_json::from_str::<Message>(&line) else {
                continue;
            };
            let is_module = msg.reason == "compiler-artifact"
                && package_name(&msg.package_id) == package
                && msg
                    .target
                    .as_ref()
                    .is_some_and(|t| t.crate_types.iter().any(|c| c == "cdylib"));
            if is_module {
                artefact = msg
                    .filenames
                    .into_iter()
                    .find(|f| f.extension().is_some_and(|e| e == "wasm"));
            }
        }
    }
    let status = child.wait().map_err(|source| CargoError::Spawn {
        tool: "cargo build".into(),
        source,
    })?;
    if !status.success() {
        return Err(CargoError::Failed {
            package: package.to_owned(),
        });
    }
    artefact.ok_or_else(|| CargoError::NoArtifact {
        package: package.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::{out_dir_of, package_name};
    use std::path::Path;

    #[test]
    fn modules_go_to_ao_in_the_target_directory() {
        assert_eq!(
            out_dir_of(Path::new("/w/target/wasm32-unknown-unknown/release/x.wasm")),
            Path::new("/w/target/ao")
        );
    }

    #[test]
    fn package_names_from_ids() {
        assert_eq!(
            package_name("path+file:///w/examples/counter#example-counter@0.1.0"),
            "example-counter"
        );
        assert_eq!(package_name("path+file:///w/cli#0.1.0"), "cli");
        assert_eq!(
            package_name("aoxide 0.1.0 (path+file:///w/runtime)"),
            "aoxide"
        );
    }
}
