//! Optimisation with binaryen (`wasm-opt -Oz`), the first of:
//!
//! 1. binaryen linked in through the `wasm-opt` crate (feature `native-binaryen`, off by
//!    default: its C++ compile is long and is repeated for every feature set, see the
//!    README);
//! 2. the `wasm-opt` named by `AOXIDE_WASM_OPT`;
//! 3. a native `wasm-opt` on `PATH` of binaryen [`MIN_PATH_VERSION`] or later (Debian's
//!    `apt-get install binaryen` has 108);
//! 4. the `wasm-opt` of the npm package `binaryen` pinned in `tests/conformance` (binaryen
//!    compiled to JavaScript: about three times the CPU time of a native one).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use aoxide::module_abi::KEPT_SECTIONS;

/// Why binaryen failed.
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    /// Binaryen refused the module or its output.
    #[error("wasm-opt -Oz failed: {0}")]
    Binaryen(String),
    /// No binaryen to run.
    #[error(
        "no wasm-opt found (looked for $AOXIDE_WASM_OPT, a wasm-opt of binaryen {MIN_PATH_VERSION} \
         or later on PATH, and {npm}): `apt-get install binaryen`, or install cargo-ao with \
         `--features native-binaryen` (binaryen linked in), or run `npm ci` in \
         tests/conformance; `cargo ao build` without --release needs no binaryen"
    )]
    NoBinaryen {
        /// Where the npm package was looked for.
        npm: String,
    },
    /// The scratch files could not be written or read.
    #[error("wasm-opt scratch file {path}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// The oldest binaryen on `PATH` that is used: 108 (Debian 12's) reads the features Rust
/// 1.95 enables from the module's `target_features` section and optimises its output to
/// within 0.2% of binaryen 123's size (measured on the example modules).
pub const MIN_PATH_VERSION: u32 = 108;

/// What binaryen is asked for, besides the features: `-Oz`, for a module without
/// exception handling `--low-memory-unused` ([`LOW_MEMORY_UNUSED`]), for one with it (the
/// Lua layer) `-ocimfs` [`LUA_ONE_CALLER_INLINE_MAX`]. Part of the cache key, with that
/// limit's value (`crate::cache`).
pub(crate) const PASSES: &str = "-Oz --low-memory-unused | exceptions: -ocimfs";

/// For a module with the Lua layer (exception handling): the largest function, in binaryen's
/// size measure, that binaryen inlines into its only caller (`-ocimfs`; unlimited at `-Oz`).
///
/// V8 compiles a wasm function on its first call, whole. Inlining every function that has
/// one caller makes large functions (`handle` was 22 KB, with the runtime's every path in
/// it) of which a message runs a few branches, so a compute unit meeting the module pays
/// for compiling the branches the first messages never take. Kept apart, a branch not
/// taken is a call not made. Measured on `lua-token.wasm` (C Lua at `-Os`): the function
/// bodies V8 compiles for the spawn and the first `Balance` 141.0 KB -> 130.3 KB (20; 0
/// gives the same), the module +3.5 KB, a Transfer under `UNSAFE_MEMORY` the same within the
/// noise. Not for the Rust-only modules, whose first reply has no target and whose
/// Transfer is measured in fuel.
pub const LUA_ONE_CALLER_INLINE_MAX: u32 = 20;

/// `--low-memory-unused`: binaryen may fold a constant below 1024 added to an address into
/// the access's offset field. That differs from the unfolded code only when the base is
/// within 1 KiB of 2^32, where the addition wraps to an address below 1024: a base past the
/// end of memory (which ends 64 KiB below 2^32 at most), that only wrapping pointer
/// arithmetic could form. Memory below 1024 is the bottom of the stack (first in an aoxide
/// module), reached only at 255 KiB of depth. 0.8 to 2.4 KB off every module, and fewer
/// instructions (docs/size.md). Not for modules with exception handling (the Lua layer's
/// C), where it was not measured.
pub const LOW_MEMORY_UNUSED: &str = "--low-memory-unused";

/// Which binaryen runs `-Oz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Optimizer {
    /// Linked in (feature `native-binaryen`, binaryen 116).
    Native,
    /// A `wasm-opt` command: `$AOXIDE_WASM_OPT`, one on `PATH`, or the npm package's
    /// (`node .../bin/wasm-opt`).
    Command(PathBuf),
}

/// The binaryen version a `wasm-opt --version` line names (`wasm-opt version 108 (...)`).
pub fn parse_version(line: &str) -> Option<u32> {
    let rest = line.trim().strip_prefix("wasm-opt version ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A native `wasm-opt` on `PATH` of [`MIN_PATH_VERSION`] or later.
fn on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let tool = std::env::split_paths(&path)
        .map(|d| d.join("wasm-opt"))
        .find(|p| p.is_file())?;
    let out = Command::new(&tool).arg("--version").output().ok()?;
    let version = parse_version(&String::from_utf8_lossy(&out.stdout))?;
    (version >= MIN_PATH_VERSION).then_some(tool)
}

impl Optimizer {
    /// The optimiser: native when linked in, else `$AOXIDE_WASM_OPT`, else a `wasm-opt` of
    /// binaryen [`MIN_PATH_VERSION`] or later on `PATH`, else the npm package's `wasm-opt`
    /// in `tests/conformance/node_modules` of `dir` or of one of its parents, or of the
    /// aoxide checkout this crate was built from.
    pub fn find(dir: &Path) -> Result<Optimizer, OptimizeError> {
        if cfg!(feature = "native-binaryen") {
            return Ok(Optimizer::Native);
        }
        if let Some(path) = std::env::var_os("AOXIDE_WASM_OPT") {
            return Ok(Optimizer::Command(PathBuf::from(path)));
        }
        if let Some(tool) = on_path() {
            return Ok(Optimizer::Command(tool));
        }
        const NPM: &str = "tests/conformance/node_modules/binaryen/bin/wasm-opt";
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let found = dir
            .ancestors()
            .chain(checkout.ancestors().take(1))
            .map(|d| d.join(NPM))
            .find(|p| p.is_file());
        match found {
            Some(npm) => Ok(Optimizer::Command(npm)),
            None => Err(OptimizeError::NoBinaryen {
                npm: checkout.join(NPM).display().to_string(),
            }),
        }
    }

    /// What the report says.
    pub fn describe(&self) -> String {
        match self {
            Optimizer::Native => "binaryen 116, linked in (wasm-opt crate)".to_owned(),
            Optimizer::Command(p) => format!("{}", p.display()),
        }
    }
}

/// Runs `wasm-opt -Oz` (with [`LOW_MEMORY_UNUSED`] for a module without exception
/// handling) on `bytes`, using `scratch` (a directory) for the files binaryen works on.
/// Custom sections (the interface) are kept; the features rustc enabled are read from the
/// module's `target_features` section. A module that uses wasm exception handling
/// (C Lua's setjmp/longjmp) gets `--enable-exception-handling` explicitly (binaryen keeps
/// the legacy `try`/`catch` encoding it reads, never `--emit-exnref`, which Node 20 cannot
/// run) and [`LUA_ONE_CALLER_INLINE_MAX`].
pub fn optimize(
    optimizer: &Optimizer,
    bytes: &[u8],
    scratch: &Path,
    stem: &str,
) -> Result<Vec<u8>, OptimizeError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| OptimizeError::Io { path, source }
    };
    std::fs::create_dir_all(scratch).map_err(io(scratch))?;
    // Files of unique names (removed when dropped): builds of the same module may run at the
    // same time, in other processes or in threads of one (tests).
    let scratch_file = |suffix: &str| {
        tempfile::Builder::new()
            .prefix(&format!(".{stem}."))
            .suffix(suffix)
            .tempfile_in(scratch)
            .map_err(io(scratch))
    };
    let mut input = scratch_file(".in.wasm")?;
    let output = scratch_file(".out.wasm")?;
    input.write_all(bytes).map_err(io(input.path()))?;
    input.flush().map_err(io(input.path()))?;
    let exceptions = crate::check::uses_exceptions(bytes)
        .map_err(|e| OptimizeError::Binaryen(format!("unreadable input: {e}")))?;
    run(optimizer, input.path(), output.path(), exceptions)?;
    let optimized = std::fs::read(output.path()).map_err(io(output.path()))?;
    if optimized.is_empty() {
        return Err(OptimizeError::Binaryen(
            "wasm-opt succeeded but wrote nothing".to_owned(),
        ));
    }
    kept_sections_only(&optimized).ok_or_else(|| {
        OptimizeError::Binaryen("wasm-opt wrote a module whose sections do not parse".to_owned())
    })
}

/// The function names, which `wasm-opt -Oz` drops unless it is asked to keep them (`-g`,
/// for instance through an `AOXIDE_WASM_OPT` wrapper, to read a module with `twiggy` or
/// V8's compile traces): kept when binaryen kept them.
pub(crate) const NAME_SECTION: &[u8] = b"name";

/// `module` without the custom sections it does not keep (the ones not in
/// [`KEPT_SECTIONS`], and the names unless binaryen kept them, [`NAME_SECTION`]): binaryen
/// keeps rustc's `producers` and `target_features` (about 200 bytes that no loader reads;
/// binaryen read the features before it optimised). Every other section is copied byte for
/// byte, so no index moves. `None` when the sections do not parse.
pub(crate) fn kept_sections_only(module: &[u8]) -> Option<Vec<u8>> {
    /// An unsigned LEB128 `u32` at `*at`, moving past it.
    fn leb(bytes: &[u8], at: &mut usize) -> Option<usize> {
        let mut value: u64 = 0;
        for shift in (0..35).step_by(7) {
            let byte = *bytes.get(*at)?;
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return usize::try_from(u32::try_from(value).ok()?).ok();
            }
        }
        None
    }
    let header = module.get(..8)?;
    let mut out = Vec::with_capacity(module.len());
    out.extend_from_slice(header);
    let mut at = 8;
    while at < module.len() {
        let start = at;
        let id = module[at];
        at += 1;
        let size = leb(module, &mut at)?;
        let end = at.checked_add(size).filter(|&e| e <= module.len())?;
        let keep = id != 0 || {
            let mut name_at = at;
            let len = leb(module, &mut name_at)?;
            let name = module.get(name_at..name_at.checked_add(len)?.min(end))?;
            KEPT_SECTIONS.iter().any(|k| k.as_bytes() == name) || name == NAME_SECTION
        };
        if keep {
            out.extend_from_slice(&module[start..end]);
        }
        at = end;
    }
    Some(out)
}

fn run(
    optimizer: &Optimizer,
    input: &Path,
    output: &Path,
    exceptions: bool,
) -> Result<(), OptimizeError> {
    match optimizer {
        Optimizer::Native => native(input, output, exceptions),
        Optimizer::Command(tool) => {
            let mut cmd = Command::new(tool);
            cmd.arg(input);
            if exceptions {
                cmd.arg("--enable-exception-handling")
                    .arg("-ocimfs")
                    .arg(LUA_ONE_CALLER_INLINE_MAX.to_string());
            } else {
                cmd.arg(LOW_MEMORY_UNUSED);
            }
            let out = cmd
                .args(["-Oz", "-o"])
                .arg(output)
                .output()
                .map_err(|source| OptimizeError::Io {
                    path: tool.display().to_string(),
                    source,
                })?;
            if out.status.success() {
                Ok(())
            } else {
                Err(OptimizeError::Binaryen(
                    String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                ))
            }
        }
    }
}

#[cfg(feature = "native-binaryen")]
fn native(input: &Path, output: &Path, exceptions: bool) -> Result<(), OptimizeError> {
    use wasm_opt::{Feature, OptimizationOptions};
    // The features rustc enables for wasm32-unknown-unknown by default.
    let mut options = OptimizationOptions::new_optimize_for_size_aggressively();
    for feature in [
        Feature::MutableGlobals,
        Feature::SignExt,
        Feature::BulkMemory,
        Feature::TruncSat,
        Feature::ReferenceTypes,
        Feature::Multivalue,
    ] {
        options.enable_feature(feature);
    }
    if exceptions {
        // binaryen 116 knows only the legacy encoding, the one the module uses.
        options.enable_feature(Feature::ExceptionHandling);
        options.inlining.one_caller_inline_max_size = LUA_ONE_CALLER_INLINE_MAX;
    } else {
        options.low_memory_unused(true);
    }
    options
        .run(input, output)
        .map_err(|e| OptimizeError::Binaryen(e.to_string()))
}

#[cfg(not(feature = "native-binaryen"))]
fn native(_: &Path, _: &Path, _: bool) -> Result<(), OptimizeError> {
    Err(OptimizeError::Binaryen(
        "this build has no native binaryen (feature native-binaryen)".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::{kept_sections_only, parse_version};
    use crate::pipeline::custom_section_names;

    #[test]
    fn function_names_stay_when_binaryen_kept_them() {
        let module = wat::parse_str(
            r#"(module
                (@custom "producers" "rustc")
                (func $handle (export "handle") (param i32 i32) (result i32) local.get 0))"#,
        )
        .unwrap();
        assert_eq!(custom_section_names(&module), ["producers", "name"]);
        let kept = kept_sections_only(&module).unwrap();
        assert_eq!(custom_section_names(&kept), ["name"]);
    }

    #[test]
    fn only_the_kept_custom_sections_stay() {
        let module = wat::parse_str(
            r#"(module
                (@custom "producers" "rustc")
                (func (export "handle") (param i32 i32) (result i32) local.get 0)
                (@custom "aoxide.interface" "{}")
                (memory 1)
                (@custom "target_features" "+bulk-memory")
                (@custom "name2" (after func) "x"))"#,
        )
        .unwrap();
        let kept = kept_sections_only(&module).unwrap();
        assert_eq!(custom_section_names(&kept), ["aoxide.interface"]);
        wasmparser::Validator::new().validate_all(&kept).unwrap();
        // Every other section byte for byte: the input without the dropped sections' bytes.
        let dropped: usize = ["producers", "target_features", "name2"]
            .iter()
            .map(|n| {
                let body = 1
                    + n.len()
                    + if *n == "producers" {
                        5
                    } else if *n == "name2" {
                        1
                    } else {
                        12
                    };
                2 + body
            })
            .sum();
        assert_eq!(kept.len(), module.len() - dropped);
        // Already stripped: unchanged. Cut short: refused.
        assert_eq!(kept_sections_only(&kept).unwrap(), kept);
        assert_eq!(kept_sections_only(&kept[..kept.len() - 1]), None);
    }

    #[test]
    fn versions_from_wasm_opt() {
        assert_eq!(parse_version("wasm-opt version 108\n"), Some(108));
        assert_eq!(
            parse_version("wasm-opt version 123 (version_123)"),
            Some(123)
        );
        assert_eq!(
            parse_version("wasm-opt version 116 (version_116-5-g1234)"),
            Some(116)
        );
        assert_eq!(parse_version("something else"), None);
    }
}
