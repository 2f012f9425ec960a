//! The `cargo ao publish|spawn|send|result|dry-run|wallet` commands: a clap `Args` struct and a
//! `run` function each, returning a report that [`emit`] prints as text or JSON.

mod common;
pub mod dry_run;
mod progress;
pub mod publish;
pub mod result;
pub mod send;
pub mod spawn;
pub mod wallet;

pub use common::{parse_tag, result_when_computed, OutputArgs, UnitArgs, WaitArgs, WalletArgs};
pub use progress::Progress;

use std::fmt::Display;

use serde::Serialize;

/// Prints `report` on stdout: pretty JSON with `json`, else its text form.
pub fn emit<R: Serialize + Display>(report: &R, json: bool) {
    if json {
        match serde_json::to_string_pretty(report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("cannot write the report as JSON: {e}"),
        }
    } else {
        print!("{report}");
    }
}
