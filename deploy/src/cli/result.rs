//! `result MID --process PID`.

use clap::Args;

use super::common::{OutputArgs, UnitArgs};
use crate::outcome::Outcome;
use crate::{ao, DeployError};

/// Read a message's result from the CU.
#[derive(Debug, Clone, Args)]
pub struct ResultArgs {
    /// The message id.
    pub message: String,
    /// The process the message went to.
    #[arg(long)]
    pub process: String,
    /// The units.
    #[command(flatten)]
    pub units: UnitArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `GET {cu}/result/{message}?process-id={process}`.
pub fn run(args: &ResultArgs) -> Result<Outcome, DeployError> {
    let client = args.units.client();
    ao::result(&client, &args.units.cu_url, &args.message, &args.process)
}
