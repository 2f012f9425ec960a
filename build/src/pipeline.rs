//! The build as types: [`BuiltWasm`] -> [`LinkedWasm`] -> [`OptimizedWasm`] ->
//! [`ValidatedModule`], one error type per stage, and [`build_module`] that runs them all.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aoxide::module_abi::KEPT_SECTIONS;

use crate::cache::{write_atomically, CacheEntry};
use crate::cargo::{self, CargoError};
use crate::check::{check_metering_module, check_module, CheckError, ModuleReport};
use crate::dev::dev_module;
use crate::link::{link, LinkError};
use crate::lower::lower_for_metering;
use crate::optimize::{optimize, OptimizeError, Optimizer};
use crate::preinit::{has_preinit, run_hook, PreinitError};
use crate::profile::Profile;
use crate::rewrite::RewriteError;

/// Which module format a module is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// `wasm32-unknown-emscripten4`.
    Plain,
    /// `wasm32-unknown-emscripten-metering`: bulk memory and non-trapping float-to-int
    /// lowered.
    Metering,
}

impl Variant {
    /// The `Module-Format` tag of this variant.
    pub fn module_format(self) -> &'static str {
        match self {
            Variant::Plain => aoxide::module_abi::MODULE_FORMAT,
            Variant::Metering => aoxide::module_abi::METERING_MODULE_FORMAT,
        }
    }

    /// The file name of module `name` in this variant.
    pub fn file_name(self, name: &str) -> String {
        match self {
            Variant::Plain => format!("{name}.wasm"),
            Variant::Metering => format!("{name}.metering.wasm"),
        }
    }
}

/// Stage 1: cargo's `.wasm` of a package.
#[derive(Debug, Clone)]
pub struct BuiltWasm {
    /// Where cargo wrote it.
    pub path: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Stage 2: the module with `handle` resetting the stack pointer on entry.
#[derive(Debug, Clone)]
pub struct LinkedWasm {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The kept custom sections it carries (see [`KEPT_SECTIONS`]).
    pub kept_sections: Vec<String>,
}

/// Stage 3: optimised by binaryen (and, for [`Variant::Metering`], lowered).
#[derive(Debug, Clone)]
pub struct OptimizedWasm {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The variant.
    pub variant: Variant,
    /// The kept custom sections the linked module carried, which must still be there.
    pub kept_sections: Vec<String>,
}

/// Stage 4: a module the validator accepted, ready to publish.
#[derive(Debug, Clone)]
pub struct ValidatedModule {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The variant.
    pub variant: Variant,
    /// What the validator found.
    pub report: ModuleReport,
}

/// Why the validation stage refused a module.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The module breaks the contract.
    #[error(transparent)]
    Check(#[from] CheckError),
    /// Optimisation dropped a custom section the module must keep.
    #[error("the optimised module lost its `{0}` custom section")]
    LostSection(String),
}

impl BuiltWasm {
    /// Reads cargo's output at `path`.
    pub fn read(path: &Path) -> Result<BuiltWasm, std::io::Error> {
        Ok(BuiltWasm {
            path: path.to_path_buf(),
            bytes: std::fs::read(path)?,
        })
    }

    /// Adds the stack-pointer reset to `handle`, and sets the initial memory when the
    /// profile says so.
    pub fn link(&self, profile: &Profile) -> Result<LinkedWasm, LinkError> {
        let bytes = link(&self.bytes, profile.settings().initial_memory)?;
        let kept_sections = custom_section_names(&bytes)
            .into_iter()
            .filter(|n| KEPT_SECTIONS.contains(&n.as_str()))
            .collect();
        Ok(LinkedWasm {
            bytes,
            kept_sections,
        })
    }
}

/// The names of the custom sections of `bytes`, in order (what parses of them).
pub(crate) fn custom_section_names(bytes: &[u8]) -> Vec<String> {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::CustomSection(s)) => Some(s.name().to_owned()),
            _ => None,
        })
        .collect()
}

impl LinkedWasm {
    /// `wasm-opt -Oz` by `optimizer`, with `scratch` for binaryen's files.
    pub fn optimize(
        &self,
        optimizer: &Optimizer,
        scratch: &Path,
        stem: &str,
    ) -> Result<OptimizedWasm, OptimizeError> {
        Ok(OptimizedWasm {
            bytes: optimize(optimizer, &self.bytes, scratch, stem)?,
            variant: Variant::Plain,
            kept_sections: self.kept_sections.clone(),
        })
    }
}

impl OptimizedWasm {
    /// The metering variant: bulk memory and non-trapping float-to-int lowered.
    pub fn lower_for_metering(&self) -> Result<OptimizedWasm, RewriteError> {
        Ok(OptimizedWasm {
            bytes: lower_for_metering(&self.bytes)?,
            variant: Variant::Metering,
            kept_sections: self.kept_sections.clone(),
        })
    }

    /// Checks the module against the contract (and, for metering, for MVP opcodes only),
    /// and that the kept sections survived.
    pub fn validate(self) -> Result<ValidatedModule, ValidateError> {
        let report = match self.variant {
            Variant::Plain => check_module(&self.bytes)?,
            Variant::Metering => check_metering_module(&self.bytes)?,
        };
        if let Some(lost) = self
            .kept_sections
            .iter()
            .find(|s| report.custom_section(s).is_none())
        {
            return Err(ValidateError::LostSection(lost.clone()));
        }
        Ok(ValidatedModule {
            bytes: self.bytes,
            variant: self.variant,
            report,
        })
    }
}

/// Why [`build_module`] failed: which stage, and its error.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `cargo build`.
    #[error(transparent)]
    Cargo(#[from] CargoError),
    /// The stack-pointer reset.
    #[error("the stack-pointer reset failed")]
    Link(#[from] LinkError),
    /// binaryen.
    #[error(transparent)]
    Optimize(#[from] OptimizeError),
    /// The metering lowering.
    #[error("the metering lowering failed")]
    Lower(#[from] RewriteError),
    /// The pre-initialisation.
    #[error(transparent)]
    Preinit(#[from] PreinitError),
    /// The validator.
    #[error(transparent)]
    Validate(#[from] ValidateError),
    /// Reading cargo's output or writing a module.
    #[error("cannot read or write {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// A pipeline step, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `cargo build`.
    Cargo,
    /// The stack-pointer reset.
    Link,
    /// `wasm-opt -Oz`.
    Optimize,
    /// The dev module (no binaryen: see [`crate::dev`]).
    Dev,
    /// The metering lowering.
    Lower,
    /// Running the module's pre-initialisation hook ([`crate::preinit`]).
    Preinit,
    /// Validation (of a cached entry too).
    Validate,
    /// Writing the modules.
    Write,
}

impl Step {
    /// What the step does, for a progress line.
    pub fn describe(self) -> &'static str {
        match self {
            Step::Cargo => "cargo build --release --target wasm32-unknown-unknown",
            Step::Link => "stack-pointer reset in handle",
            Step::Optimize => "wasm-opt -Oz (binaryen)",
            Step::Dev => "dev module (no binaryen)",
            Step::Lower => "metering lowering",
            Step::Preinit => "pre-initialising (aoxide_preinit under node)",
            Step::Validate => "validating",
            Step::Write => "writing",
        }
    }
}

/// What to build: a package, the module name, and the options.
#[derive(Debug, Clone)]
pub struct ModuleSpec {
    /// The cargo package.
    pub package: String,
    /// The module file name without `.wasm`.
    pub name: String,
}

impl ModuleSpec {
    /// Parses `crate[:name]`; the name defaults to the crate name without an `example-` or
    /// `aoxide-` prefix (`example-ping` -> `ping`, `aoxide-token` -> `token`).
    pub fn parse(spec: &str) -> ModuleSpec {
        match spec.split_once(':') {
            Some((package, name)) => ModuleSpec {
                package: package.to_owned(),
                name: name.to_owned(),
            },
            None => {
                let name = spec.strip_prefix("example-").unwrap_or(spec);
                let name = name.strip_prefix("aoxide-").unwrap_or(name);
                ModuleSpec {
                    package: spec.to_owned(),
                    name: name.to_owned(),
                }
            }
        }
    }
}

/// How the plain module is optimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Optimization {
    /// binaryen `wasm-opt -Oz`: the module to publish (`cargo ao build --release`, the
    /// tests' [`crate::ensure_built`], `scripts/build-wasm.sh`).
    #[default]
    Release,
    /// The inner loop (`cargo ao build`): binaryen's `-Oz` output when the cache has it for
    /// this input, else a dev module, made without binaryen in milliseconds, about 10%
    /// larger, and marked so that `cargo ao publish` refuses it ([`crate::dev`]).
    Dev,
}

/// Options of [`build_module`].
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Also build the metering variant.
    pub metering: bool,
    /// Which host the module is for.
    pub profile: Profile,
    /// `-Oz`, or a dev module unless `-Oz`'s output is cached.
    pub optimization: Optimization,
    /// With [`Optimization::Release`], when no binaryen is found, write a dev module instead
    /// of failing (what [`crate::ensure_built`] does, so tests pass on a fresh clone before
    /// `npm ci`).
    pub allow_unoptimized: bool,
}

/// One module written by [`build_module`].
#[derive(Debug, Clone)]
pub struct Written {
    /// Where.
    pub path: PathBuf,
    /// The module.
    pub module: ValidatedModule,
}

/// What [`build_module`] produced.
#[derive(Debug, Clone)]
pub struct BuildOutput {
    /// The package and module name.
    pub spec: ModuleSpec,
    /// The profile.
    pub profile: Profile,
    /// cargo's output and its size.
    pub artefact: PathBuf,
    /// cargo's output size in bytes.
    pub artefact_size: usize,
    /// The modules, plain first.
    pub modules: Vec<Written>,
    /// Time per step.
    pub timings: Vec<(Step, Duration)>,
    /// Variants asked for but not built, each with the reason (the metering variant of a
    /// module with the Lua layer: see [`Problem::Exceptions`](crate::Problem::Exceptions)).
    pub skipped: Vec<(Variant, String)>,
    /// What the modules are: [`Optimization::Release`] (binaryen's `-Oz`, run now or
    /// cached) or [`Optimization::Dev`].
    pub optimization: Optimization,
    /// Who optimised: `cached` (binaryen's output for the same input was kept), an
    /// optimiser's [`Optimizer::describe`], or `none (dev build)`.
    pub optimizer: String,
}

/// Runs every stage for `spec` in the workspace at `dir` and writes the modules to
/// `out_dir` (`<name>.wasm`, and `<name>.metering.wasm` with `options.metering`; a
/// HyperBEAM build adds `.hyperbeam` before `.wasm`); `None` is `<target>/ao` of the target
/// directory cargo built into (no `cargo metadata` needed). `progress` is told when each
/// step starts.
pub fn build_module(
    dir: &Path,
    out_dir: Option<&Path>,
    spec: &ModuleSpec,
    options: &BuildOptions,
    progress: &mut dyn FnMut(&ModuleSpec, Step),
) -> Result<BuildOutput, BuildError> {
    let mut timings = Vec::new();
    let timed = |step: Step, progress: &mut dyn FnMut(&ModuleSpec, Step)| {
        progress(spec, step);
        let start = Instant::now();
        move |timings: &mut Vec<(Step, Duration)>| timings.push((step, start.elapsed()))
    };

    let done = timed(Step::Cargo, progress);
    let artefact = cargo::build(dir, &spec.package, &options.profile)?;
    let built = BuiltWasm::read(&artefact).map_err(|source| BuildError::Io {
        path: artefact.clone(),
        source,
    })?;
    done(&mut timings);
    let default_out;
    let out_dir = match out_dir {
        Some(dir) => dir,
        None => {
            default_out = cargo::out_dir_of(&artefact);
            &default_out
        }
    };

    let done = timed(Step::Link, progress);
    let linked = built.link(&options.profile)?;
    done(&mut timings);

    let stem = format!("{}{}", spec.name, options.profile.suffix());
    let plain = optimize_plain(
        dir,
        out_dir,
        spec,
        &stem,
        &linked,
        options,
        &mut timings,
        progress,
    )?;

    let mut skipped = Vec::new();
    let mut modules = vec![plain.module];
    if options.metering && modules[0].report.exceptions {
        skipped.push((
            Variant::Metering,
            format!(
                "{} uses wasm exception handling (C Lua's setjmp/longjmp), which the metering \
                 format's parser rejects: publish {} with Module-Format {}",
                spec.package,
                Variant::Plain.file_name(&stem),
                Variant::Plain.module_format()
            ),
        ));
        // A metering module left from an earlier build of this package would be stale.
        let _ = std::fs::remove_file(out_dir.join(Variant::Metering.file_name(&stem)));
    } else if options.metering {
        let done = timed(Step::Lower, progress);
        let lowered = OptimizedWasm {
            bytes: modules[0].bytes.clone(),
            variant: Variant::Plain,
            kept_sections: linked.kept_sections.clone(),
        }
        .lower_for_metering()?;
        done(&mut timings);
        let done = timed(Step::Validate, progress);
        modules.push(lowered.validate()?);
        done(&mut timings);
    }

    let done = timed(Step::Write, progress);
    let mut written = Vec::new();
    for module in modules {
        let path = out_dir.join(module.variant.file_name(&stem));
        write_atomically(&path, &module.bytes).map_err(|source| BuildError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(Written { path, module });
    }
    done(&mut timings);

    Ok(BuildOutput {
        spec: spec.clone(),
        profile: options.profile.clone(),
        artefact,
        artefact_size: built.bytes.len(),
        modules: written,
        timings,
        skipped,
        optimization: plain.optimization,
        optimizer: plain.optimizer,
    })
}

/// The plain module and who made it.
struct Plain {
    module: ValidatedModule,
    optimization: Optimization,
    optimizer: String,
}

/// The plain module of `linked`, validated: binaryen's `-Oz` output from the cache when it
/// has a valid one, else `-Oz` now (cached once valid) for [`Optimization::Release`], else
/// the dev module ([`Optimization::Dev`], or no binaryen with `allow_unoptimized`).
#[allow(clippy::too_many_arguments)]
fn optimize_plain(
    dir: &Path,
    out_dir: &Path,
    spec: &ModuleSpec,
    stem: &str,
    linked: &LinkedWasm,
    options: &BuildOptions,
    timings: &mut Vec<(Step, Duration)>,
    progress: &mut dyn FnMut(&ModuleSpec, Step),
) -> Result<Plain, BuildError> {
    let mut time = |step: Step, start: Instant| timings.push((step, start.elapsed()));
    let plain = |bytes: Vec<u8>| OptimizedWasm {
        bytes,
        variant: Variant::Plain,
        kept_sections: linked.kept_sections.clone(),
    };
    let cache = CacheEntry::new(out_dir, stem, &linked.bytes);
    let start = Instant::now();
    // Only a valid entry counts: one left empty or cut by an interrupted binaryen is removed
    // and the module optimised again.
    if let Some(module) = cache.get(|bytes| plain(bytes).validate().ok()) {
        time(Step::Validate, start);
        return Ok(Plain {
            module,
            optimization: Optimization::Release,
            optimizer: "cached".to_owned(),
        });
    }
    time(Step::Validate, start);
    let optimizer = match options.optimization {
        Optimization::Release => match Optimizer::find(dir) {
            Ok(optimizer) => Some(optimizer),
            // A fresh clone before `npm ci`: tests still get a valid (larger) module.
            Err(_) if options.allow_unoptimized => None,
            Err(e) => return Err(e.into()),
        },
        Optimization::Dev => None,
    };
    let Some(optimizer) = optimizer else {
        progress(spec, Step::Dev);
        let start = Instant::now();
        let dev = plain(dev_module(&linked.bytes)?);
        time(Step::Dev, start);
        let dev = preinitialized(dev, out_dir, spec, &mut time, progress)?;
        let start = Instant::now();
        let module = dev.validate()?;
        time(Step::Validate, start);
        return Ok(Plain {
            module,
            optimization: Optimization::Dev,
            optimizer: "none (dev build)".to_owned(),
        });
    };
    progress(spec, Step::Optimize);
    let start = Instant::now();
    let optimized = linked.optimize(&optimizer, out_dir, stem)?;
    time(Step::Optimize, start);
    let optimized = preinitialized(optimized, out_dir, spec, &mut time, progress)?;
    let start = Instant::now();
    let module = optimized.validate()?;
    cache.put(&module.bytes);
    time(Step::Validate, start);
    Ok(Plain {
        module,
        optimization: Optimization::Release,
        optimizer: optimizer.describe(),
    })
}

/// `module` pre-initialised when it has the hook, the step timed and told.
fn preinitialized(
    module: OptimizedWasm,
    scratch: &Path,
    spec: &ModuleSpec,
    time: &mut dyn FnMut(Step, Instant),
    progress: &mut dyn FnMut(&ModuleSpec, Step),
) -> Result<OptimizedWasm, BuildError> {
    if !has_preinit(&module.bytes).map_err(PreinitError::from)? {
        return Ok(module);
    }
    progress(spec, Step::Preinit);
    let start = Instant::now();
    let module = OptimizedWasm {
        bytes: run_hook(&module.bytes, scratch)?,
        ..module
    };
    time(Step::Preinit, start);
    Ok(module)
}
