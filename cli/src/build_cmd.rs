//! `cargo ao build` and `cargo ao check`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aoxide_build::{
    build_module, check_metering_module, check_module, BuildError, BuildOptions, ModuleSpec,
    Optimization, Profile, Report, Step, Workspace,
};
use indicatif::{ProgressBar, ProgressStyle};

/// Why `cargo ao build` or `check` failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CommandError {
    /// A build stage failed.
    #[error("building {package}")]
    #[diagnostic(help(
        "cargo's messages are above; `cargo ao check FILE` explains a module the validator refuses"
    ))]
    Build {
        /// The package.
        package: String,
        /// The stage's error.
        #[source]
        source: BuildError,
    },
    /// No package given and none at the current directory.
    #[error("no module crate here")]
    #[diagnostic(help(
        "run it in a crate with `crate-type = [\"cdylib\", ...]`, or pass -p CRATE (module crates here: {0})"
    ))]
    NoPackage(String),
    /// A module the validator refused.
    #[error("{path}")]
    #[diagnostic(help(
        "a module needs `aoxide::export!` and the link arguments of aoxide::module_abi::LINK_ARGS"
    ))]
    Check {
        /// The file.
        path: String,
        /// What is wrong.
        #[source]
        source: aoxide_build::CheckError,
    },
    /// A file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// `error: cause: cause ...`, for one-line display (the console).
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        text.push_str(": ");
        text.push_str(&e.to_string());
        next = e.source();
    }
    text
}

/// Arguments of [`build`].
#[derive(Debug, Clone, Default)]
pub struct BuildArgs {
    /// `crate[:name]` specs; empty: the crate at `dir`.
    pub specs: Vec<String>,
    /// Build the metering variant too.
    pub metering: bool,
    /// The profile.
    pub profile: Profile,
    /// binaryen `-Oz` (the module to publish); without it a dev module unless `-Oz`'s output
    /// for the same input is cached.
    pub release: bool,
    /// Where modules go (default `<target>/ao`).
    pub out_dir: Option<PathBuf>,
    /// Show progress bars (on a terminal).
    pub progress: bool,
}

/// Builds every module of `args` from the workspace at `dir`. With packages named, no
/// `cargo metadata` runs: the modules go to `<target>/ao` of cargo's output (or `out_dir`).
pub fn build(dir: &Path, args: &BuildArgs) -> Result<Report, CommandError> {
    let specs: Vec<ModuleSpec> = if args.specs.is_empty() {
        let workspace = Workspace::at(dir).map_err(|source| CommandError::Build {
            package: "(workspace)".into(),
            source: source.into(),
        })?;
        match workspace.package_at(dir) {
            Some(p) => vec![ModuleSpec::parse(p)],
            None => {
                let names: Vec<&str> = workspace
                    .module_packages
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect();
                return Err(CommandError::NoPackage(names.join(", ")));
            }
        }
    } else {
        args.specs.iter().map(|s| ModuleSpec::parse(s)).collect()
    };
    let options = BuildOptions {
        metering: args.metering,
        profile: args.profile.clone(),
        optimization: if args.release {
            Optimization::Release
        } else {
            Optimization::Dev
        },
        allow_unoptimized: false,
    };
    let mut report = Report::default();
    for spec in &specs {
        let bar = if args.progress {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(spec.package.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            Some(bar)
        } else {
            None
        };
        let mut progress = |_: &ModuleSpec, step: Step| {
            if let Some(bar) = &bar {
                bar.set_message(step.describe());
            }
        };
        let result = build_module(dir, args.out_dir.as_deref(), spec, &options, &mut progress);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let output = result.map_err(|source| CommandError::Build {
            package: spec.package.clone(),
            source,
        })?;
        report.add(&output);
    }
    Ok(report)
}

/// One checked file for `cargo ao check --json`.
#[derive(Debug, serde::Serialize)]
pub struct Checked {
    /// The file.
    pub path: String,
    /// What the validator found.
    pub report: aoxide_build::ModuleReport,
    /// Whether it is a dev module (the `aoxide.dev` section: no binaryen optimised it, and
    /// `cargo ao publish` refuses it).
    pub dev: bool,
}

/// Checks each file against the module contract (with `metering`, also for MVP opcodes).
pub fn check(paths: &[PathBuf], metering: bool) -> Result<Vec<Checked>, CommandError> {
    let mut out = Vec::new();
    for path in paths {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CommandError::Io {
            path: display.clone(),
            source,
        })?;
        let metering = metering || display.ends_with(".metering.wasm");
        let checked = if metering {
            check_metering_module(&bytes)
        } else {
            check_module(&bytes)
        };
        let report = checked.map_err(|source| CommandError::Check {
            path: display.clone(),
            source,
        })?;
        out.push(Checked {
            path: display,
            dev: report.custom_section(aoxide_build::DEV_SECTION).is_some(),
            report,
        });
    }
    Ok(out)
}
