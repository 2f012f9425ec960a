//! Where the node package the driver loads lives, and its installation on demand.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::LoaderError;

/// The package's manifest: `@permaweb/ao-loader` at the version the rest of aoxide is
/// tested against.
const PACKAGE_JSON: &str = include_str!("../../loader/package.json");
/// Its lock file: `npm ci` installs exactly these versions.
const PACKAGE_LOCK: &str = include_str!("../../loader/package-lock.json");

/// The ao-loader version the package pins.
pub const AO_LOADER_VERSION: &str = "0.0.49";

/// Names a directory holding `node_modules/@permaweb/ao-loader` to use instead of the
/// cache (for example a checkout's `tests/conformance`); nothing is installed there.
pub const AO_LOADER_DIR_VAR: &str = "AOXIDE_AO_LOADER_DIR";

pub use aoxide_build::node::NODE_VAR;

/// True when `dir` holds an installed ao-loader.
fn installed(dir: &Path) -> bool {
    dir.join("node_modules/@permaweb/ao-loader/package.json")
        .is_file()
}

/// The cache directory of this package version: `$XDG_CACHE_HOME` or `~/.cache`, then
/// `aoxide/ao-loader-<version>-<lock hash>` (so a changed lock installs anew).
fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let hash = Sha256::digest(PACKAGE_LOCK.as_bytes());
    let short: String = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
    base.join("aoxide")
        .join(format!("ao-loader-{AO_LOADER_VERSION}-{short}"))
}

/// The directory whose `node_modules` holds ao-loader: [`AO_LOADER_DIR_VAR`] when set,
/// else the cache, where the pinned package is installed with `npm ci` the first time
/// (a few seconds; under a file lock, so parallel tests install it once).
pub(super) fn package_dir() -> Result<PathBuf, LoaderError> {
    if let Some(dir) = std::env::var_os(AO_LOADER_DIR_VAR) {
        let dir = PathBuf::from(dir);
        if installed(&dir) {
            return Ok(dir);
        }
        return Err(LoaderError::Install(format!(
            "{AO_LOADER_DIR_VAR}={} holds no node_modules/@permaweb/ao-loader",
            dir.display()
        )));
    }
    let dir = cache_dir();
    if installed(&dir) {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
    let lock_path = dir.with_extension("lock");
    let lock = std::fs::File::create(&lock_path).map_err(|e| io_error(&lock_path, e))?;
    lock.lock().map_err(|e| io_error(&lock_path, e))?;
    if installed(&dir) {
        return Ok(dir);
    }
    for (name, text) in [
        ("package.json", PACKAGE_JSON),
        ("package-lock.json", PACKAGE_LOCK),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| io_error(&path, e))?;
    }
    let _ = writeln!(
        std::io::stderr(),
        "aoxide-host: installing @permaweb/ao-loader {AO_LOADER_VERSION} into {} (npm ci)",
        dir.display()
    );
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let out = Command::new(npm)
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--loglevel=error",
        ])
        .current_dir(&dir)
        .output()
        .map_err(|e| {
            LoaderError::Install(format!(
                "cannot run npm (node and npm are needed to run modules under ao-loader): {e}"
            ))
        })?;
    if !out.status.success() || !installed(&dir) {
        return Err(LoaderError::Install(format!(
            "npm ci in {} failed ({}): {}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(dir)
}

fn io_error(path: &Path, e: std::io::Error) -> LoaderError {
    LoaderError::Install(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_pins_the_loader_version_the_lock_holds() {
        let manifest: serde_json::Value = serde_json::from_str(PACKAGE_JSON).unwrap();
        assert_eq!(
            manifest["dependencies"]["@permaweb/ao-loader"],
            AO_LOADER_VERSION
        );
        let lock: serde_json::Value = serde_json::from_str(PACKAGE_LOCK).unwrap();
        assert_eq!(
            lock["packages"]["node_modules/@permaweb/ao-loader"]["version"],
            AO_LOADER_VERSION
        );
    }
}
