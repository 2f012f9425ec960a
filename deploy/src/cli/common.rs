//! Arguments shared by the commands: wallet, unit URLs, time-outs, output and tags.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::ans104::{Tag, Wallet};
use crate::http::Client;
use crate::outcome::Outcome;
use crate::{ao, DeployError};

use super::Progress;

/// The wallet that signs.
#[derive(Debug, Clone, Args)]
pub struct WalletArgs {
    /// The Arweave JWK file that signs the item.
    #[arg(long, short = 'w', env = "AO_WALLET", value_name = "JWK")]
    pub wallet: PathBuf,
}

impl WalletArgs {
    /// Reads the wallet.
    pub fn load(&self) -> Result<Wallet, DeployError> {
        Ok(Wallet::from_jwk_file(&self.wallet)?)
    }
}

/// Where AO's units are and how long to wait for them.
#[derive(Debug, Clone, Args)]
pub struct UnitArgs {
    /// The gateway (GraphQL module lookup).
    #[arg(long, env = "GATEWAY_URL", default_value = "https://arweave.net")]
    pub gateway_url: String,
    /// The messenger unit (signed processes and messages are posted there).
    #[arg(long, env = "MU_URL", default_value = "https://mu.ao-testnet.xyz")]
    pub mu_url: String,
    /// The compute unit (results and dry-runs).
    #[arg(long, env = "CU_URL", default_value = "https://cu.ao-testnet.xyz")]
    pub cu_url: String,
    /// Seconds one request may take in all (connect, send, answer).
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// Further tries after a connection failure or a 5xx answer.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
}

impl UnitArgs {
    /// The HTTP client these settings describe.
    pub fn client(&self) -> Client {
        Client::new(Duration::from_secs(self.timeout.max(1)), self.retries)
    }
}

/// How long to wait for a result the CU has not computed yet.
#[derive(Debug, Clone, Copy, Args)]
pub struct WaitArgs {
    /// Seconds to keep asking while the CU does not know the message yet (the MU hands
    /// it to the scheduler in its own time); 0 asks once.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub wait: u64,
}

/// The gap between two asks for a result.
pub const RESULT_POLL_GAP: Duration = Duration::from_millis(500);

impl WaitArgs {
    /// How many times to ask in all.
    pub fn polls(&self) -> u64 {
        (self.wait * 1000 / RESULT_POLL_GAP.as_millis() as u64).max(1)
    }
}

/// `message`'s result from the CU, asking again every `RESULT_POLL_GAP` while the CU
/// answers 404, at most `wait.polls()` times.
pub fn result_when_computed(
    client: &Client,
    units: &UnitArgs,
    message: &str,
    process: &str,
    wait: WaitArgs,
    progress: &Progress,
) -> Result<Outcome, DeployError> {
    let polls = wait.polls();
    let mut poll = 1;
    loop {
        progress.step(if poll == 1 {
            format!("asking the CU {} for the result of {message}", units.cu_url)
        } else {
            format!("waiting for the CU to compute {message} (ask {poll} of {polls})")
        });
        match ao::result(client, &units.cu_url, message, process) {
            Err(DeployError::Status { status: 404, .. }) if poll < polls => {
                poll += 1;
                std::thread::sleep(RESULT_POLL_GAP);
            }
            other => return other,
        }
    }
}

/// How to print the report.
#[derive(Debug, Clone, Copy, Args)]
pub struct OutputArgs {
    /// Print the report as JSON (for scripts).
    #[arg(long)]
    pub json: bool,
}

/// Parses `K=V` into a tag (the value may contain `=`; names may not be empty).
pub fn parse_tag(text: &str) -> Result<Tag, String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok(Tag::new(name, value)),
        _ => Err(format!("{text:?} is not NAME=VALUE")),
    }
}

/// The data of a message: `--data TEXT`, or `--data @FILE` for a file's contents.
pub fn read_data(data: Option<&str>) -> Result<Vec<u8>, DeployError> {
    match data {
        None => Ok(Vec::new()),
        Some(text) => match text.strip_prefix('@') {
            Some(path) => std::fs::read(path).map_err(|source| DeployError::Io {
                path: path.to_string(),
                source,
            }),
            None => Ok(text.as_bytes().to_vec()),
        },
    }
}

/// The 32-byte anchor of an item: `--anchor` (32 characters at most, zero-padded on the
/// left), or 32 decimal digits of the current time in nanoseconds, as aoconnect sends 32
/// digits. An item is a function of its fields (signing is deterministic), so the anchor
/// is what makes two identical sends two messages; pass `--anchor` for reproducible ids.
pub fn anchor(given: Option<&str>) -> Result<[u8; 32], DeployError> {
    let text = match given {
        Some(text) => {
            if text.len() > 32 {
                return Err(DeployError::Input(format!(
                    "anchor {text:?} is {} bytes, at most 32",
                    text.len()
                )));
            }
            format!("{text:0>32}")
        }
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("{nanos:032}")
        }
    };
    let mut out = [0u8; 32];
    out.copy_from_slice(text.as_bytes());
    Ok(out)
}

/// The tags of a message: the protocol's, `Action`, then the user's (which may not set
/// those again).
pub fn message_tags(action: &str, user: &[Tag]) -> Result<Vec<Tag>, DeployError> {
    let mut tags = ao::protocol_tags("Message");
    tags.push(Tag::new("Action", action));
    tags.extend(user_tags(user, &["Action"])?);
    Ok(tags)
}

/// The tags the user gave, refusing the protocol's and the names in `reserved`, which
/// the command sets itself.
pub fn user_tags(tags: &[Tag], reserved: &[&str]) -> Result<Vec<Tag>, DeployError> {
    for tag in tags {
        let protocol = ["Data-Protocol", "Variant", "Type"].iter();
        if protocol
            .chain(reserved)
            .any(|r| r.eq_ignore_ascii_case(&tag.name))
        {
            return Err(DeployError::Input(format!(
                "tag {} is set by the command itself",
                tag.name
            )));
        }
    }
    Ok(tags.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_anchors() {
        assert_eq!(parse_tag("A=b=c").unwrap(), Tag::new("A", "b=c"));
        assert_eq!(parse_tag("A=").unwrap(), Tag::new("A", ""));
        assert!(parse_tag("=x").is_err());
        assert!(parse_tag("x").is_err());
        assert_eq!(
            &anchor(Some("7")).unwrap()[..],
            format!("{:0>32}", 7).as_bytes()
        );
        assert!(anchor(Some(&"1".repeat(33))).is_err());
        assert!(anchor(None).unwrap().iter().all(u8::is_ascii_digit));
        let reserved = user_tags(&[Tag::new("type", "x")], &["Type"]);
        assert!(reserved.is_err());
    }
}
