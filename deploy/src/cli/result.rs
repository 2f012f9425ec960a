//! `result MID --process PID`.

use clap::Args;

use super::common::{result_when_computed, OutputArgs, UnitArgs, WaitArgs};
use super::Progress;
use crate::outcome::Outcome;
use crate::DeployError;

/// Read a message's result from the CU.
#[derive(Debug, Clone, Args)]
pub struct ResultArgs {
    /// The message id (ids may start with `-`).
    #[arg(allow_hyphen_values = true)]
    pub message: String,
    /// The process the message went to.
    #[arg(long, allow_hyphen_values = true)]
    pub process: String,
    /// The units.
    #[command(flatten)]
    pub units: UnitArgs,
    /// Waiting for the CU.
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `GET {cu}/result/{message}?process-id={process}`, asking again (bounded by `--wait`)
/// while the CU has not computed it.
pub fn run(args: &ResultArgs, progress: &Progress) -> Result<Outcome, DeployError> {
    let client = args.units.client();
    result_when_computed(
        &client,
        &args.units,
        &args.message,
        &args.process,
        args.wait,
        progress,
    )
}
