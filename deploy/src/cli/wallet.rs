//! `wallet new [FILE]` and `wallet address [FILE]`: the Arweave wallet that signs what
//! `publish`, `spawn` and `send` post.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use rsa::rand_core::OsRng;
use serde::Serialize;

use super::common::OutputArgs;
use super::Progress;
use crate::ans104::Wallet;
use crate::DeployError;

/// What `cargo ao wallet` does.
#[derive(Debug, Clone, Subcommand)]
pub enum WalletCommand {
    /// Create an Arweave wallet (an RSA-4096 key from the operating system's randomness) as
    /// a JWK file, readable by you only; an existing file is never overwritten.
    New {
        /// The JWK file to create.
        #[arg(default_value = "wallet.json")]
        file: PathBuf,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print a wallet's address (the `From` of what it signs).
    Address {
        /// The JWK file.
        #[arg(env = "AO_WALLET", value_name = "JWK")]
        file: PathBuf,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
    },
}

impl WalletCommand {
    /// Whether the report is printed as JSON.
    pub fn json(&self) -> bool {
        match self {
            WalletCommand::New { output, .. } | WalletCommand::Address { output, .. } => {
                output.json
            }
        }
    }
}

/// What a `wallet` command did.
#[derive(Debug, Clone, Serialize)]
pub struct WalletReport {
    /// The JWK file.
    pub path: String,
    /// The wallet's address.
    pub address: String,
    /// Whether the file was created by this command.
    pub created: bool,
}

impl fmt::Display for WalletReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.created {
            writeln!(
                f,
                "created {}: it holds the private key, keep it secret",
                self.path
            )?;
        }
        writeln!(f, "address {}", self.address)
    }
}

/// Runs a `wallet` command.
pub fn run(command: &WalletCommand, progress: &Progress) -> Result<WalletReport, DeployError> {
    match command {
        WalletCommand::New { file, .. } => {
            progress.step("generating an RSA-4096 key");
            let wallet = Wallet::generate(&mut OsRng)?;
            write_new(file, wallet.to_jwk_json().as_bytes())?;
            Ok(WalletReport {
                path: file.display().to_string(),
                address: wallet.address(),
                created: true,
            })
        }
        WalletCommand::Address { file, .. } => Ok(WalletReport {
            path: file.display().to_string(),
            address: Wallet::from_jwk_file(file)?.address(),
            created: false,
        }),
    }
}

/// Writes `bytes` to a new file at `path`, readable and writable by its owner only (on
/// Unix); an existing file is an error, checked by the create itself (no race).
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), DeployError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let io = |source| DeployError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            DeployError::Input(format!(
                "{} exists: a wallet is never overwritten; name another file",
                path.display()
            ))
        } else {
            io(source)
        }
    })?;
    file.write_all(bytes)
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_wallet_is_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.json");
        let new = WalletCommand::New {
            file: path.clone(),
            output: OutputArgs { json: false },
        };
        let created = run(&new, &Progress::recording()).unwrap();
        assert!(created.created);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            Wallet::from_jwk_json(&text).unwrap().address(),
            created.address
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // Again: refused, and the file is as it was.
        let err = run(&new, &Progress::recording()).unwrap_err();
        assert!(err.to_string().contains("never overwritten"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

        let address = WalletCommand::Address {
            file: path,
            output: OutputArgs { json: false },
        };
        let shown = run(&address, &Progress::recording()).unwrap();
        assert_eq!(shown.address, created.address);
        assert!(!shown.created);
    }
}
