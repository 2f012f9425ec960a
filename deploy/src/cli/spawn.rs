//! `spawn --module ID [--scheduler ADDR] [--tag K=V ...] [--data ...]`.

use std::fmt;

use clap::Args;
use serde::Serialize;

use super::common::{anchor, parse_tag, read_data, user_tags, OutputArgs, UnitArgs, WalletArgs};
use super::Progress;
use crate::ans104::{DataItem, SaltLength, Tag, UnsignedItem, Wallet};
use crate::{ao, DeployError};

/// The scheduler of AO's legacy testnet.
pub const DEFAULT_SCHEDULER: &str = "_GQ33BkPtZrqxA84vM8Zk-N2aO0toNNu_C-l-rawrBA";

/// The MU address aoconnect names as the `Authority` of the processes it spawns on the
/// legacy testnet: processes trust messages the MU forwards for their senders.
pub const DEFAULT_AUTHORITY: &str = "fcoN_xJeisVsPXA-trzVAuIiqO3ydLQxM-L4XbrQKzY";

/// Spawn a process from a published module.
#[derive(Debug, Clone, Args)]
pub struct SpawnArgs {
    /// The module id (looked up at the gateway first).
    #[arg(long, allow_hyphen_values = true)]
    pub module: String,
    /// The scheduler's address.
    #[arg(long, default_value = DEFAULT_SCHEDULER, allow_hyphen_values = true)]
    pub scheduler: String,
    /// `Authority` tags: addresses the process trusts to forward messages (repeatable).
    #[arg(long = "authority", default_value = DEFAULT_AUTHORITY, allow_hyphen_values = true)]
    pub authorities: Vec<String>,
    /// Spawn tags, `NAME=VALUE` (the process's `#[init]` reads them).
    #[arg(long = "tag", value_parser = parse_tag, value_name = "NAME=VALUE")]
    pub tags: Vec<Tag>,
    /// The spawn message's data, or `@FILE`.
    #[arg(long)]
    pub data: Option<String>,
    /// The anchor (default: 32 digits of the current time in nanoseconds).
    #[arg(long)]
    pub anchor: Option<String>,
    /// The wallet (it owns the process).
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// The units.
    #[command(flatten)]
    pub units: UnitArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What `spawn` did.
#[derive(Debug, Clone, Serialize)]
pub struct SpawnReport {
    /// The process id.
    pub process: String,
    /// The module it runs.
    pub module: String,
    /// Its `Module-Format`, from the gateway.
    pub module_format: String,
    /// Its owner.
    pub owner: String,
    /// Its scheduler.
    pub scheduler: String,
}

impl fmt::Display for SpawnReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Process id: {}", self.process)?;
        writeln!(f, "Module:     {} ({})", self.module, self.module_format)?;
        writeln!(f, "Owner:      {}", self.owner)?;
        writeln!(f, "Scheduler:  {}", self.scheduler)
    }
}

/// The signed `Type=Process` item `run` posts (the process id is its id).
pub fn process_item(args: &SpawnArgs, wallet: &Wallet) -> Result<DataItem, DeployError> {
    let mut tags = ao::protocol_tags("Process");
    tags.push(Tag::new("Module", args.module.as_str()));
    tags.push(Tag::new("Scheduler", args.scheduler.as_str()));
    for authority in &args.authorities {
        tags.push(Tag::new("Authority", authority.as_str()));
    }
    tags.push(Tag::new("SDK", "aoxide"));
    tags.extend(user_tags(
        &args.tags,
        &["Module", "Scheduler", "Authority"],
    )?);
    let mut data = read_data(args.data.as_deref())?;
    if data.is_empty() {
        // What aoconnect sends when a spawn has no data.
        data = b" ".to_vec();
    }
    let mut item = UnsignedItem::new(tags, data);
    item.anchor = Some(anchor(args.anchor.as_deref())?);
    Ok(item.sign(wallet, SaltLength::Max)?)
}

/// Looks the module up, then posts a signed `Type=Process` item to the MU.
pub fn run(args: &SpawnArgs, progress: &Progress) -> Result<SpawnReport, DeployError> {
    let client = args.units.client();
    progress.step(format!(
        "looking module {} up at {}",
        args.module, args.units.gateway_url
    ));
    let module = ao::lookup_module(&client, &args.units.gateway_url, &args.module)?;
    let wallet = args.wallet.load()?;
    progress.step("signing the process item (RSA-4096 PSS)");
    let item = process_item(args, &wallet)?;
    progress.step(format!(
        "posting the process to the MU {}",
        args.units.mu_url
    ));
    let process = ao::post_to_mu(&client, &args.units.mu_url, &item)?;
    Ok(SpawnReport {
        process,
        module: args.module.clone(),
        module_format: module.tag("Module-Format").unwrap_or("").to_string(),
        owner: wallet.address(),
        scheduler: args.scheduler.clone(),
    })
}
