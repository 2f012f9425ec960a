//! The build report: per module, its size against the free-upload line, imports, exports,
//! memory, format and the tags `cargo ao publish` will use.

use std::fmt;

use serde::Serialize;

use crate::pipeline::{BuildOutput, Optimization, Step};

/// Items up to this size upload to Arweave bundlers for free (100 KiB).
pub const FREE_UPLOAD_LIMIT: usize = 100 * 1024;

/// One module in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleEntry {
    /// The cargo package.
    pub package: String,
    /// Where the module was written.
    pub path: String,
    /// Size in bytes.
    pub size: usize,
    /// cargo's output size before the pipeline.
    pub cargo_size: usize,
    /// Whether the module fits the free-upload line.
    pub free_upload: bool,
    /// The `Module-Format` to publish it with.
    pub module_format: &'static str,
    /// `release` (binaryen's `-Oz`: the module to publish) or `dev` (no binaryen; `cargo ao
    /// publish` refuses it).
    pub build: Optimization,
    /// Who ran `-Oz`: `cached`, the optimiser, or `none (dev build)` (see
    /// `BuildOutput::optimizer`).
    pub optimizer: String,
    /// Initial memory in bytes.
    pub initial_memory: u64,
    /// Imports (`module.name`).
    pub imports: Vec<String>,
    /// Exports.
    pub exports: Vec<String>,
    /// Whether it carries the `aoxide.interface` section.
    pub interface_section: bool,
    /// The tags `cargo ao publish` puts on the module.
    pub tags: Vec<(String, String)>,
    /// Validator warnings.
    pub warnings: Vec<String>,
}

/// The report of one `cargo ao build` run.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    /// Every module written.
    pub modules: Vec<ModuleEntry>,
    /// Milliseconds per step, summed over packages.
    pub timings_ms: Vec<(String, u128)>,
    /// Variants asked for but not built: `(package, variant, why)`.
    pub skipped: Vec<(String, crate::Variant, String)>,
}

fn step_name(step: Step) -> &'static str {
    match step {
        Step::Cargo => "cargo",
        Step::Link => "link",
        Step::Optimize => "wasm-opt",
        Step::Dev => "dev",
        Step::Lower => "lower",
        Step::Preinit => "preinit",
        Step::Validate => "validate",
        Step::Write => "write",
    }
}

impl Report {
    /// Adds the modules and timings of one build.
    pub fn add(&mut self, out: &BuildOutput) {
        for written in &out.modules {
            let r = &written.module.report;
            let format = written.module.variant.module_format();
            self.modules.push(ModuleEntry {
                package: out.spec.package.clone(),
                path: written.path.display().to_string(),
                size: r.size,
                cargo_size: out.artefact_size,
                free_upload: r.size <= FREE_UPLOAD_LIMIT,
                module_format: format,
                build: out.optimization,
                optimizer: out.optimizer.clone(),
                initial_memory: r.initial_memory,
                imports: r.imports.clone(),
                exports: r.exports.clone(),
                interface_section: r
                    .custom_section(aoxide::module_abi::INTERFACE_SECTION)
                    .is_some(),
                tags: aoxide::module_abi::module_tags(format)
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                warnings: r.warnings.clone(),
            });
        }
        for (variant, why) in &out.skipped {
            self.skipped
                .push((out.spec.package.clone(), *variant, why.clone()));
        }
        for (step, time) in &out.timings {
            let name = step_name(*step);
            match self.timings_ms.iter_mut().find(|(n, _)| n == name) {
                Some((_, ms)) => *ms += time.as_millis(),
                None => self.timings_ms.push((name.to_owned(), time.as_millis())),
            }
        }
    }
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.modules {
            writeln!(f, "{}", m.path)?;
            writeln!(
                f,
                "  size        {} ({}; cargo's output {}): {}",
                kib(m.size),
                m.size,
                kib(m.cargo_size),
                if m.free_upload {
                    "under the 100 KiB free-upload line"
                } else {
                    "OVER the 100 KiB free-upload line (the upload is paid)"
                }
            )?;
            writeln!(
                f,
                "  memory      {} initial, {}",
                kib(m.initial_memory as usize),
                if m.interface_section {
                    "interface section present"
                } else {
                    "no interface section"
                }
            )?;
            match m.build {
                Optimization::Release => writeln!(f, "  build       release: wasm-opt -Oz, {}", m.optimizer)?,
                Optimization::Dev => writeln!(
                    f,
                    "  build       DEV: no binaryen, about 10% larger than -Oz; publish refuses it: \
                     `cargo ao build --release` writes the module to publish"
                )?,
            }
            writeln!(f, "  imports     {}", m.imports.join(", "))?;
            writeln!(f, "  exports     {}", m.exports.join(", "))?;
            let tags: Vec<String> = m.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(f, "  tags        {}", tags.join(" "))?;
            for w in &m.warnings {
                writeln!(f, "  warning     {w}")?;
            }
        }
        for (package, variant, why) in &self.skipped {
            writeln!(
                f,
                "{package}: no {} variant: {why}",
                variant.module_format()
            )?;
        }
        let times: Vec<String> = self
            .timings_ms
            .iter()
            .map(|(n, ms)| format!("{n} {ms} ms"))
            .collect();
        if !times.is_empty() {
            writeln!(f, "time: {}", times.join(", "))?;
        }
        Ok(())
    }
}
