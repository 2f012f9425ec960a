//! `send PID Action [K=V ...] [--data ...]`.

use std::fmt;

use clap::Args;
use serde::Serialize;

use super::common::{anchor, message_tags, parse_tag, read_data, OutputArgs, UnitArgs, WalletArgs};
use crate::ans104::{decode_id, DataItem, SaltLength, Tag, UnsignedItem, Wallet};
use crate::outcome::Outcome;
use crate::{ao, DeployError};

/// Send a signed message to a process.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// The process id.
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

/// How often `--result` asks again while the CU does not know the message yet (the MU
/// forwards it to the SU on its own time), and how long it waits between asks.
const RESULT_POLLS: u32 = 20;
const RESULT_POLL_GAP: std::time::Duration = std::time::Duration::from_millis(500);

/// The message's result, asking again (bounded) while the CU answers 404.
fn result_when_scheduled(
    args: &SendArgs,
    client: &crate::http::Client,
    message: &str,
) -> Result<Outcome, DeployError> {
    let mut polls = 0;
    loop {
        match ao::result(client, &args.units.cu_url, message, &args.process) {
            Err(DeployError::Status { status: 404, .. }) if polls + 1 < RESULT_POLLS => {
                polls += 1;
                std::thread::sleep(RESULT_POLL_GAP);
            }
            other => return other,
        }
    }
}

/// Posts a signed `Type=Message` item targeting the process to the MU.
pub fn run(args: &SendArgs) -> Result<SendReport, DeployError> {
    let client = args.units.client();
    let wallet = args.wallet.load()?;
    let item = message_item(args, &wallet)?;
    let message = ao::post_to_mu(&client, &args.units.mu_url, &item)?;
    let result = if args.result {
        Some(result_when_scheduled(args, &client, &message)?)
    } else {
        None
    };
    Ok(SendReport {
        message,
        process: args.process.clone(),
        result,
    })
}
