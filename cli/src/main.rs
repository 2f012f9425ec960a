//! `cargo ao`: build, check, scaffold and explore aoxide processes as AO modules.

use std::io::IsTerminal;
use std::path::PathBuf;

use aoxide_build::Profile;
use aoxide_deploy::cli::{self as deploy, dry_run, publish, result, send, spawn, wallet};
use cargo_ao::build_cmd::{self, BuildArgs};
use cargo_ao::console::{self, Session};
use cargo_ao::new::{self, Template};
use clap::{Parser, Subcommand};
use miette::{miette, IntoDiagnostic, Result};

/// cargo ao: aoxide processes as AO modules.
#[derive(Debug, Parser)]
#[command(name = "cargo-ao", bin_name = "cargo ao", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands, one variant each.
#[derive(Debug, Subcommand)]
enum Command {
    /// Build modules: cargo build for wasm32, stack-pointer reset, validation; with --release
    /// binaryen's wasm-opt -Oz (the module to publish), without it a dev module (no binaryen,
    /// about 10% larger) unless -Oz's output for the same input is cached.
    Build {
        /// A module crate, `crate[:name]` (repeatable; default: the crate here).
        #[arg(short = 'p', long = "package")]
        packages: Vec<String>,
        /// More `crate[:name]` specs.
        specs: Vec<String>,
        /// Optimise with binaryen's wasm-opt -Oz: the module `cargo ao publish` takes (2 to 4
        /// CPU-seconds per module unless cached).
        #[arg(long, short = 'r')]
        release: bool,
        /// Also write `<name>.metering.wasm` (bulk memory and float-to-int lowered).
        #[arg(long)]
        metering: bool,
        /// Build the HyperBEAM profile (`<name>.hyperbeam.wasm`).
        #[arg(long)]
        hyperbeam: bool,
        /// The HyperBEAM profile's initial memory in bytes.
        #[arg(long, requires = "hyperbeam")]
        initial_memory: Option<u64>,
        /// Where to write modules (default `<target>/ao`).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check modules against the AO module contract.
    Check {
        /// The `.wasm` files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also require MVP opcodes only (implied for `*.metering.wasm`).
        #[arg(long)]
        metering: bool,
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a process crate that builds, tests and runs out of the box.
    New {
        /// The crate's directory; its last component is the crate name (as for `cargo new`).
        name: String,
        /// counter, token or lua.
        #[arg(long, default_value = "counter")]
        template: Template,
        /// Where to create it (then NAME is the crate name only; default: ./NAME).
        #[arg(long)]
        path: Option<PathBuf>,
        /// The aoxide checkout its path dependencies point to (default: this tool's).
        #[arg(long)]
        aoxide_path: Option<PathBuf>,
        /// Print what was created as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Spawn a module (a .wasm or a crate, built first) and open the console on it.
    Run {
        /// A `.wasm` file or a module crate of this workspace.
        module: String,
        /// A tag of the spawn message, `Key=Value` (repeatable).
        #[arg(long = "spawn-tag")]
        spawn_tags: Vec<String>,
        /// Run the lines of FILE instead of reading a terminal, and print the transcript.
        #[arg(long)]
        script: Option<PathBuf>,
        /// The network seed (ids and timestamps follow from it).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Run the crate natively (a runner built from it) instead of its module.
        #[arg(long)]
        native: bool,
        /// With --script: print the transcript as JSON (one entry per line of the script).
        #[arg(long, requires = "script")]
        json: bool,
    },
    /// Sign a module as an ANS-104 data item and post it to a bundler (or write it offline).
    Publish(publish::PublishArgs),
    /// Spawn a process from a published module through a messenger unit.
    Spawn(spawn::SpawnArgs),
    /// Send a message to a process through a messenger unit.
    Send(send::SendArgs),
    /// Read a message's result from a compute unit.
    Result(result::ResultArgs),
    /// Dry-run a message on a compute unit (nothing is kept).
    DryRun(dry_run::DryRunArgs),
    /// Create an Arweave wallet (`new`) or show its address (`address`).
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// An aos-like console on an in-memory AO network (`.spawn` processes into it).
    Console {
        /// Run the lines of FILE instead of reading a terminal, and print the transcript.
        #[arg(long)]
        script: Option<PathBuf>,
        /// The network seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// `.spawn` runs workspace crates natively (a runner built from each).
        #[arg(long)]
        native: bool,
        /// With --script: print the transcript as JSON (one entry per line of the script).
        #[arg(long, requires = "script")]
        json: bool,
    },
}

/// Runs a network command with a spinner (unless `--json`), prints its report, and turns
/// its error into a diagnostic with help.
fn network<R: serde::Serialize + std::fmt::Display>(
    json: bool,
    run: impl FnOnce(&deploy::Progress) -> std::result::Result<R, aoxide_deploy::DeployError>,
) -> Result<()> {
    let report = {
        let progress = deploy::Progress::new(!json);
        run(&progress)?
    };
    deploy::emit(&report, json);
    Ok(())
}

fn args() -> Vec<String> {
    let mut args: Vec<String> = std::env::args().collect();
    // `cargo ao ...` runs `cargo-ao ao ...`.
    if args.get(1).map(String::as_str) == Some("ao") {
        args.remove(1);
    }
    args
}

fn main() -> Result<()> {
    // Errors read by scripts and logs (stderr not a terminal) keep whole lines.
    let terminal = std::io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .wrap_lines(terminal)
                .build(),
        )
    }));
    let cli = Cli::parse_from(args());
    let cwd = std::env::current_dir().into_diagnostic()?;
    match cli.command {
        Command::Build {
            packages,
            specs,
            release,
            metering,
            hyperbeam,
            initial_memory,
            out_dir,
            json,
        } => {
            let profile = match (hyperbeam, initial_memory) {
                (false, _) => Profile::ComputeUnit,
                (true, None) => Profile::hyperbeam(),
                (true, Some(initial_memory)) => Profile::HyperBeam { initial_memory },
            };
            let args = BuildArgs {
                specs: packages.into_iter().chain(specs).collect(),
                metering,
                profile,
                release,
                out_dir,
                progress: !json && std::io::stderr().is_terminal(),
            };
            let report = build_cmd::build(&cwd, &args)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).into_diagnostic()?
                );
            } else {
                print!("{report}");
            }
        }
        Command::Publish(a) => network(a.output.json, |p| publish::run(&a, p))?,
        Command::Spawn(a) => network(a.output.json, |p| spawn::run(&a, p))?,
        Command::Send(a) => network(a.output.json, |p| send::run(&a, p))?,
        Command::Result(a) => network(a.output.json, |p| result::run(&a, p))?,
        Command::DryRun(a) => network(a.output.json, |p| dry_run::run(&a, p))?,
        Command::Wallet(w) => network(w.json(), |p| wallet::run(&w, p))?,
        Command::Check {
            files,
            metering,
            json,
        } => {
            let checked = build_cmd::check(&files, metering)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&checked).into_diagnostic()?
                );
            } else {
                for c in &checked {
                    println!(
                        "{}: conforms ({} bytes, {} KiB initial memory, imports {})",
                        c.path,
                        c.report.size,
                        c.report.initial_memory / 1024,
                        c.report.imports.join(", ")
                    );
                    for w in &c.report.warnings {
                        println!("  warning: {w}");
                    }
                    if c.dev {
                        println!(
                            "  note: a dev build (no binaryen): `cargo ao publish` refuses it; \
                             `cargo ao build --release` writes the module to publish"
                        );
                    }
                }
            }
        }
        Command::New {
            name,
            template,
            path,
            aoxide_path,
            json,
        } => {
            let (dir, name) = new::destination(&name, path, &cwd)?;
            let aoxide = aoxide_path.unwrap_or_else(new::default_aoxide_path);
            new::create(&dir, &name, template, &aoxide)?;
            if json {
                let report = serde_json::json!({
                    "name": name,
                    "template": template.to_string(),
                    "path": dir.display().to_string(),
                    "aoxide": aoxide.display().to_string(),
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).into_diagnostic()?
                );
            } else {
                println!(
                    "created {} ({template} template): cd there, then `cargo test` and `cargo ao run {name}`",
                    dir.display()
                );
            }
        }
        Command::Run {
            module,
            spawn_tags,
            script,
            seed,
            native,
            json,
        } => {
            if native && module.ends_with(".wasm") {
                return Err(miette!(
                    help = "pass the crate's package name (cargo ao run --native example-counter)",
                    "--native runs a workspace crate, not a .wasm file"
                ));
            }
            let tags = console::line::tags(&spawn_tags).map_err(|e| miette!("{e}"))?;
            let mut session = Session::new(seed, resolver(cwd.clone()));
            if native {
                // Built first, so a crate that cannot run natively is a diagnostic.
                let runner = cargo_ao::native::build_runner(&cwd, &module)?;
                let mut resolve = native_resolver(cwd);
                let package = module.clone();
                session.set_native(Box::new(move |m: &str| {
                    if m == package {
                        Ok(runner.clone())
                    } else {
                        resolve(m)
                    }
                }));
            }
            let mut out = String::new();
            let name = module_name(&module);
            let mut input = format!(".spawn {name} {module}");
            for (k, v) in &tags {
                input.push_str(&format!(" {k}={v}"));
            }
            let prompt = session.prompt();
            session.execute(
                &console::Line::Spawn {
                    name: name.clone(),
                    module,
                    tags,
                },
                &mut out,
            );
            if session.process(&name).is_none() {
                return Err(miette!(
                    help = "`cargo ao build` the crate alone to see the whole error",
                    "the spawn failed:\n{}",
                    out.trim_end()
                ));
            }
            let first = console::Entry {
                prompt,
                input,
                output: out,
            };
            drive(&mut session, script, json, Some(first))?;
        }
        Command::Console {
            script,
            seed,
            native,
            json,
        } => {
            let mut session = Session::new(seed, resolver(cwd.clone()));
            if native {
                session.set_native(native_resolver(cwd));
            }
            drive(&mut session, script, json, None)?;
        }
    }
    Ok(())
}

/// `token` for `target/ao/token.wasm` or `aoxide-token`.
fn module_name(module: &str) -> String {
    let stem = std::path::Path::new(module)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| module.to_owned());
    aoxide_build::ModuleSpec::parse(stem.trim_end_matches(".metering")).name
}

/// Runs the script (printing its transcript, as text or JSON) or the interactive console;
/// `first` is what ran before (`cargo ao run`'s spawn).
fn drive(
    session: &mut Session,
    script: Option<PathBuf>,
    json: bool,
    first: Option<console::Entry>,
) -> Result<()> {
    match script {
        Some(file) => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                miette!(
                    help = "--script names a file of console lines, one per line",
                    "cannot read {}: {e}",
                    file.display()
                )
            })?;
            if json {
                let mut entries: Vec<console::Entry> = first.into_iter().collect();
                entries.extend(console::run_script_entries(session, &text));
                println!(
                    "{}",
                    serde_json::to_string_pretty(&entries).into_diagnostic()?
                );
            } else {
                if let Some(first) = first {
                    print!("{}", first.output);
                }
                print!("{}", console::run_script(session, &text));
            }
            Ok(())
        }
        None => {
            if let Some(first) = first {
                print!("{}", first.output);
            }
            let history =
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo-ao-history"));
            console::interactive(session, history.as_deref()).map_err(|e| miette!("{e}"))
        }
    }
}

/// Builds a crate's native runner for `.spawn` in a `--native` session.
fn native_resolver(cwd: PathBuf) -> console::Resolver {
    Box::new(move |module: &str| {
        cargo_ao::native::build_runner(&cwd, module).map_err(|e| build_cmd::chain(&e))
    })
}

/// Resolves a `.spawn` module: an existing file, else a crate of the workspace at `cwd`,
/// built with `cargo ao build` first.
fn resolver(cwd: PathBuf) -> console::Resolver {
    Box::new(move |module: &str| {
        let path = cwd.join(module);
        if path.is_file() {
            return Ok(path);
        }
        if module.ends_with(".wasm") {
            return Err(format!("no file {}", path.display()));
        }
        let args = BuildArgs {
            specs: vec![module.to_owned()],
            progress: std::io::stderr().is_terminal(),
            ..BuildArgs::default()
        };
        let report = build_cmd::build(&cwd, &args).map_err(|e| build_cmd::chain(&e))?;
        report
            .modules
            .first()
            .map(|m| PathBuf::from(&m.path))
            .ok_or_else(|| format!("building {module} wrote no module"))
    })
}
