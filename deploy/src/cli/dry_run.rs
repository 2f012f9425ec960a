//! `dry-run PID Action [K=V ...] [--data ...]`.

use clap::Args;

use super::common::{message_tags, parse_tag, read_data, OutputArgs, UnitArgs};
use super::Progress;
use crate::ans104::{Tag, Wallet};
use crate::outcome::Outcome;
use crate::{ao, DeployError};

/// Evaluate a message on the CU without scheduling it (nothing changes).
#[derive(Debug, Clone, Args)]
pub struct DryRunArgs {
    /// The process id (ids may start with `-`).
    #[arg(allow_hyphen_values = true)]
    pub process: String,
    /// The `Action` tag.
    pub action: String,
    /// More tags, `NAME=VALUE`.
    #[arg(value_parser = parse_tag, value_name = "NAME=VALUE")]
    pub tags: Vec<Tag>,
    /// The data (text; `@FILE` reads a file).
    #[arg(long)]
    pub data: Option<String>,
    /// The sender's address (default: the `--wallet`'s, else `1234`).
    #[arg(long, allow_hyphen_values = true)]
    pub from: Option<String>,
    /// A wallet whose address is the sender (nothing is signed).
    #[arg(long, short = 'w', env = "AO_WALLET", value_name = "JWK")]
    pub wallet: Option<std::path::PathBuf>,
    /// The units.
    #[command(flatten)]
    pub units: UnitArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `POST {cu}/dry-run?process-id={process}`.
pub fn run(args: &DryRunArgs, progress: &Progress) -> Result<Outcome, DeployError> {
    let client = args.units.client();
    let owner = match (&args.from, &args.wallet) {
        (Some(from), _) => from.clone(),
        (None, Some(path)) => Wallet::from_jwk_file(path)?.address(),
        (None, None) => "1234".to_string(),
    };
    let tags = message_tags(&args.action, &args.tags)?;
    let data = String::from_utf8(read_data(args.data.as_deref())?)
        .map_err(|_| DeployError::Input("dry-run data must be UTF-8 text".into()))?;
    let message = ao::DryRunMessage { owner, tags, data };
    progress.step(format!(
        "dry-running {} on {} at the CU {}",
        args.action, args.process, args.units.cu_url
    ));
    ao::dry_run(&client, &args.units.cu_url, &args.process, &message)
}
