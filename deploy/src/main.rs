//! `ao-deploy`: publish, spawn, send, result and dry-run (the same commands `cargo ao`
//! mounts).

use std::process::ExitCode;

use aoxide_deploy::cli::{self, dry_run, publish, result, send, spawn};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ao-deploy",
    version,
    about = "Publish aoxide modules and talk to AO"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Publish(publish::PublishArgs),
    Spawn(spawn::SpawnArgs),
    Send(send::SendArgs),
    Result(result::ResultArgs),
    DryRun(dry_run::DryRunArgs),
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Publish(a) => publish::run(&a).map(|r| cli::emit(&r, a.output.json)),
        Command::Spawn(a) => spawn::run(&a).map(|r| cli::emit(&r, a.output.json)),
        Command::Send(a) => send::run(&a).map(|r| cli::emit(&r, a.output.json)),
        Command::Result(a) => result::run(&a).map(|r| cli::emit(&r, a.output.json)),
        Command::DryRun(a) => dry_run::run(&a).map(|r| cli::emit(&r, a.output.json)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
