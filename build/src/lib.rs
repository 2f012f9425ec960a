//! Builds aoxide processes into AO modules, and checks modules against the AO module
//! contract ([`aoxide::module_abi`]).
//!
//! The pipeline is a chain of types, one error per stage:
//!
//! 1. [`BuiltWasm`]: `cargo build --release --target wasm32-unknown-unknown -p CRATE`
//!    ([`cargo::build`]; the target is added with rustup when missing);
//! 2. [`LinkedWasm`]: `handle` resets the shadow-stack pointer on entry ([`link`]);
//! 3. [`OptimizedWasm`]: `wasm-opt -Oz` by native binaryen ([`optimize`]; with
//!    [`Optimization::Dev`] a [`dev`] module instead unless `-Oz`'s output is cached), and
//!    for the metering format the bulk-memory and non-trapping float-to-int lowering
//!    ([`lower`]);
//!    A module that exports [`PREINIT_EXPORT`](aoxide::module_abi::PREINIT_EXPORT) (the
//!    Lua layer) is then pre-initialised: the export run once under node and the memory it
//!    leaves baked into the module's data ([`preinit`]);
//! 4. [`ValidatedModule`]: [`check_module`] accepted it and the `aoxide.interface` section
//!    survived.
//!
//! [`build_module`] runs them and writes `<target>/ao/<name>.wasm` (and
//! `<name>.metering.wasm`); [`Report`] says what was built. Tests that need a built module
//! call [`ensure_built`].

#![warn(missing_docs)]

mod cache;
pub mod cargo;
pub mod check;
pub mod dev;
pub mod link;
pub mod lower;
pub mod node;
pub mod optimize;
pub mod pipeline;
pub mod preinit;
pub mod profile;
pub mod report;
pub mod rewrite;

use std::path::{Path, PathBuf};

pub use cargo::{CargoError, Workspace};
pub use check::{
    check_metering_module, check_module, uses_exceptions, CheckError, CustomSection, ModuleReport,
    Problem,
};
pub use dev::{is_dev_module, DEV_SECTION};
pub use pipeline::{
    build_module, BuildError, BuildOptions, BuildOutput, BuiltWasm, LinkedWasm, ModuleSpec,
    Optimization, OptimizedWasm, Step, ValidateError, ValidatedModule, Variant,
};
pub use profile::Profile;
pub use report::Report;

/// Builds module `spec` (`crate[:name]`) of the workspace at `workspace_root` with its
/// metering variant and returns the path of `<target>/ao/<name>.wasm`. Tests call it so they
/// never fail because a module is missing; when nothing changed it costs cargo's no-op build
/// (binaryen's output is cached by a hash of its input). The modules are binaryen's `-Oz`
/// output, as published; without any binaryen (a fresh clone before `npm ci` in
/// `tests/conformance`) they are dev modules ([`dev`]).
///
/// One build at a time in a process: the tests of a file run in parallel, and two of them
/// asking for the same module wait for one build instead of starting cargo twice.
pub fn try_ensure_built(workspace_root: &Path, spec: &str) -> Result<PathBuf, BuildError> {
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    let spec = ModuleSpec::parse(spec);
    let options = BuildOptions {
        metering: true,
        profile: Profile::ComputeUnit,
        optimization: Optimization::Release,
        allow_unoptimized: true,
    };
    let built = build_module(workspace_root, None, &spec, &options, &mut |_, _| {})?;
    let plain = Variant::Plain.file_name(&spec.name);
    match built.modules.iter().find(|m| m.path.ends_with(&plain)) {
        Some(module) => Ok(module.path.clone()),
        None => Err(BuildError::Io {
            path: plain.into(),
            source: std::io::Error::other("the build wrote no plain module"),
        }),
    }
}

/// The bytes of [`ensure_built`]'s module, for tests: panics when the build or the read
/// fails.
#[track_caller]
pub fn ensure_built_bytes(workspace_root: &Path, spec: &str) -> Vec<u8> {
    let path = ensure_built(workspace_root, spec);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// [`try_ensure_built`] for tests: panics with the build error.
#[track_caller]
pub fn ensure_built(workspace_root: &Path, spec: &str) -> PathBuf {
    match try_ensure_built(workspace_root, spec) {
        Ok(path) => path,
        Err(e) => {
            let mut text = e.to_string();
            let mut next = std::error::Error::source(&e);
            while let Some(cause) = next {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                next = cause.source();
            }
            panic!("building module {spec} failed: {text}")
        }
    }
}
