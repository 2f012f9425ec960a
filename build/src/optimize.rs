//! Optimisation with binaryen (`wasm-opt -Oz`): linked in through the `wasm-opt` crate with
//! the `native-binaryen` feature, else the `wasm-opt` command of the npm package `binaryen`
//! pinned in `tests/conformance` (or any `wasm-opt` named by `AOXIDE_WASM_OPT`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why binaryen failed.
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    /// Binaryen refused the module or its output.
    #[error("wasm-opt -Oz failed: {0}")]
    Binaryen(String),
    /// No binaryen to run.
    #[error(
        "no wasm-opt found (looked for $AOXIDE_WASM_OPT and {npm}): run `npm ci` in \
         tests/conformance, or build cargo-ao with `--features native-binaryen`"
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

/// Which binaryen runs `-Oz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Optimizer {
    /// Linked in (feature `native-binaryen`, binaryen 116).
    Native,
    /// A `wasm-opt` command: the npm package's (`node .../bin/wasm-opt`) or `$AOXIDE_WASM_OPT`.
    Command(PathBuf),
}

impl Optimizer {
    /// The optimiser: native when linked in, else `$AOXIDE_WASM_OPT`, else the npm
    /// package's `wasm-opt` in `tests/conformance/node_modules` of `dir` or of one of its
    /// parents, or of the aoxide checkout this crate was built from.
    pub fn find(dir: &Path) -> Result<Optimizer, OptimizeError> {
        if cfg!(feature = "native-binaryen") {
            return Ok(Optimizer::Native);
        }
        if let Some(path) = std::env::var_os("AOXIDE_WASM_OPT") {
            return Ok(Optimizer::Command(PathBuf::from(path)));
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
            Optimizer::Native => "native binaryen 116 (wasm-opt crate)".to_owned(),
            Optimizer::Command(p) => format!("{}", p.display()),
        }
    }
}

/// Runs `wasm-opt -Oz` on `bytes`, using `scratch` (a directory) for the files binaryen
/// works on. Custom sections (the interface) are kept; the features rustc enabled are read
/// from the module's `target_features` section. A module that uses wasm exception handling
/// (C Lua's setjmp/longjmp) gets `--enable-exception-handling` explicitly: binaryen keeps
/// the legacy `try`/`catch` encoding it reads (never `--emit-exnref`, which Node 20 cannot
/// run).
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
    let input = scratch.join(format!("{stem}.in.{}.wasm", std::process::id()));
    let output = scratch.join(format!("{stem}.out.{}.wasm", std::process::id()));
    std::fs::write(&input, bytes).map_err(io(&input))?;
    let exceptions = crate::check::uses_exceptions(bytes)
        .map_err(|e| OptimizeError::Binaryen(format!("unreadable input: {e}")))?;
    let result = run(optimizer, &input, &output, exceptions);
    let _ = std::fs::remove_file(&input);
    result?;
    let optimized = std::fs::read(&output).map_err(io(&output))?;
    let _ = std::fs::remove_file(&output);
    Ok(optimized)
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
                cmd.arg("--enable-exception-handling");
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
