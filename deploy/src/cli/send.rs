//! `send PID Action [K=V ...] [--data ...]`.

use std::fmt;

use clap::Args;
use serde::Serialize;

use super::common::{
    anchor, message_tags, parse_tag, read_data, result_when_computed, OutputArgs, UnitArgs,
    WaitArgs, WalletArgs,
};
use super::Progress;
use crate::ans104::{decode_id, DataItem, SaltLength, Tag, UnsignedItem, Wallet};
use crate::outcome::Outcome;
use crate::{ao, DeployError};

/// Send a signed message to a process.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// The process id (ids may start with `-`).
    #[arg(allow_hyphen_values = true)]
    pub process: String,
    /// The `Action` tag.
    pub action: String,
    /// More tags, `NAME=VALUE`.
    #[arg(value_parser = parse_tag, value_name = "NAME=VALUE")]
    pub tags: Vec<Tag>,
    /// The data, or `@FILE`.
    #[arg(long)]
    pub data: Option<String>,
    /// The anchor (default: 32 digits of the current time in nanoseconds).
    #[arg(long)]
    pub anchor: Option<String>,
    /// Then fetch the message's result from the CU and print it.
    #[arg(long)]
    pub result: bool,
    /// The wallet (the sender).
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// The units.
    #[command(flatten)]
    pub units: UnitArgs,
    /// Waiting for the CU (with `--result`).
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What `send` did.
#[derive(Debug, Clone, Serialize)]
pub struct SendReport {
    /// The message id.
    pub message: String,
    /// The process.
    pub process: String,
    /// The result, with `--result`.
    pub result: Option<Outcome>,
}

impl fmt::Display for SendReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Message id: {}", self.message)?;
        match &self.result {
            Some(outcome) => write!(f, "{outcome}"),
            None => Ok(()),
        }
    }
}

/// The signed `Type=Message` item `run` posts (the message id is its id).
pub fn message_item(args: &SendArgs, wallet: &Wallet) -> Result<DataItem, DeployError> {
    let target = decode_id(&args.process)?;
    let mut tags = message_tags(&args.action, &args.tags)?;
    tags.push(Tag::new("SDK", "aoxide"));
    let mut item = UnsignedItem::new(tags, read_data(args.data.as_deref())?);
    item.target = Some(target);
    item.anchor = Some(anchor(args.anchor.as_deref())?);
    Ok(item.sign(wallet, SaltLength::Max)?)
}

/// Posts a signed `Type=Message` item targeting the process to the MU.
pub fn run(args: &SendArgs, progress: &Progress) -> Result<SendReport, DeployError> {
    let client = args.units.client();
    let wallet = args.wallet.load()?;
    progress.step(format!("signing {} (RSA-4096 PSS)", args.action));
    let item = message_item(args, &wallet)?;
    progress.step(format!(
        "posting {} to the MU {}",
        args.action, args.units.mu_url
    ));
    let message = ao::post_to_mu(&client, &args.units.mu_url, &item)?;
    let result = if args.result {
        Some(result_when_computed(
            &client,
            &args.units,
            &message,
            &args.process,
            args.wait,
            progress,
        )?)
    } else {
        None
    };
    Ok(SendReport {
        message,
        process: args.process.clone(),
        result,
    })
}
