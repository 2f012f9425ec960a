//! `publish [MODULE] --wallet JWK [--bundler URL] [--out ITEM] [--dry-run]`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::common::{parse_tag, OutputArgs, WalletArgs};
use super::Progress;
use crate::ans104::{SaltLength, Tag};
use crate::http::Client;
use crate::module::{
    module_item, ModuleFormat, ModuleOptions, DEFAULT_COMPUTE_LIMIT, DEFAULT_MEMORY_LIMIT,
};
use crate::{ao, DeployError};

/// Sign a built module as an ANS-104 data item and upload it to a bundler (or write it).
#[derive(Debug, Clone, Args)]
pub struct PublishArgs {
    /// The module (default: the one `*.wasm` in `target/ao` that is not a metering build).
    pub module: Option<PathBuf>,
    /// The wallet.
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// The bundler the item is posted to (`POST {bundler}/tx`).
    #[arg(long, env = "BUNDLER_URL", default_value = "https://up.arweave.net")]
    pub bundler: String,
    /// Write the signed item to this file instead of uploading it.
    #[arg(long, value_name = "ITEM")]
    pub out: Option<PathBuf>,
    /// Sign and report, upload nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// `Module-Format` (default: from the file name, `*.metering.wasm` is the metering one).
    #[arg(long, value_enum)]
    pub format: Option<ModuleFormat>,
    /// `Memory-Limit`.
    #[arg(long, default_value = DEFAULT_MEMORY_LIMIT)]
    pub memory_limit: String,
    /// `Compute-Limit`.
    #[arg(long, default_value = DEFAULT_COMPUTE_LIMIT)]
    pub compute_limit: String,
    /// `Name` (aos finds modules by name).
    #[arg(long)]
    pub name: Option<String>,
    /// More tags, `NAME=VALUE`.
    #[arg(long = "tag", value_parser = parse_tag, value_name = "NAME=VALUE")]
    pub tags: Vec<Tag>,
    /// Seconds the upload may take.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,
    /// Further tries after a connection failure or a 5xx answer.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What `publish` did.
#[derive(Debug, Clone, Serialize)]
pub struct PublishReport {
    /// The module id (the item id).
    pub id: String,
    /// The signer's address.
    pub owner: String,
    /// The module file.
    pub module: String,
    /// Bytes of wasm.
    pub wasm_bytes: usize,
    /// Bytes of the signed item.
    pub item_bytes: usize,
    /// The tags signed.
    pub tags: Vec<(String, String)>,
    /// Where the item was written, with `--out`.
    pub written_to: Option<String>,
    /// The bundler it was posted to.
    pub posted_to: Option<String>,
    /// The bundler's answer.
    pub bundler_answer: Option<serde_json::Value>,
}

impl fmt::Display for PublishReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Module id: {}", self.id)?;
        writeln!(f, "Owner:     {}", self.owner)?;
        writeln!(
            f,
            "Module:    {} ({} bytes of wasm, {} bytes signed)",
            self.module, self.wasm_bytes, self.item_bytes
        )?;
        for (name, value) in &self.tags {
            writeln!(f, "  {name} = {value}")?;
        }
        match (&self.written_to, &self.posted_to) {
            (Some(path), _) => writeln!(f, "Written to {path}"),
            (None, Some(url)) => writeln!(f, "Uploaded to {url}"),
            (None, None) => writeln!(f, "Dry run: nothing uploaded"),
        }
    }
}

fn default_module() -> Result<PathBuf, DeployError> {
    let dir = Path::new("target/ao");
    let entries = std::fs::read_dir(dir).map_err(|source| DeployError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".wasm") && !name.ends_with(".metering.wasm")
        })
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(DeployError::Input(
            "no module in target/ao: build one first, or name the module file".into(),
        )),
        _ => Err(DeployError::Input(format!(
            "several modules in target/ao ({}): name the one to publish",
            found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Signs the module, then uploads it, writes it (`--out`) or only reports (`--dry-run`).
pub fn run(args: &PublishArgs, progress: &Progress) -> Result<PublishReport, DeployError> {
    let path = match &args.module {
        Some(path) => path.clone(),
        None => default_module()?,
    };
    let wasm = std::fs::read(&path).map_err(|source| DeployError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let options = ModuleOptions {
        format: args
            .format
            .unwrap_or_else(|| ModuleFormat::from_file_name(file_name)),
        memory_limit: args.memory_limit.clone(),
        compute_limit: args.compute_limit.clone(),
        name: args.name.clone(),
        extra: args.tags.clone(),
    };
    let wasm_bytes = wasm.len();
    progress.step(format!(
        "reading the wallet {}",
        args.wallet.wallet.display()
    ));
    let wallet = args.wallet.load()?;
    progress.step(format!(
        "signing the module item ({wasm_bytes} bytes of wasm, RSA-4096 PSS)"
    ));
    let item = module_item(wasm, &options)?.sign(&wallet, SaltLength::Max)?;
    let bytes = item.to_bytes();
    let mut report = PublishReport {
        id: item.id(),
        owner: wallet.address(),
        module: path.display().to_string(),
        wasm_bytes,
        item_bytes: bytes.len(),
        tags: item
            .tags()
            .iter()
            .map(|t| (t.name.clone(), t.value.clone()))
            .collect(),
        written_to: None,
        posted_to: None,
        bundler_answer: None,
    };
    if let Some(out) = &args.out {
        std::fs::write(out, &bytes).map_err(|source| DeployError::Io {
            path: out.display().to_string(),
            source,
        })?;
        report.written_to = Some(out.display().to_string());
    } else if !args.dry_run {
        let client = Client::new(Duration::from_secs(args.timeout.max(1)), args.retries);
        progress.step(format!(
            "uploading {} bytes to {}",
            report.item_bytes, args.bundler
        ));
        report.bundler_answer = Some(ao::upload(&client, &args.bundler, &item)?);
        report.posted_to = Some(args.bundler.clone());
    }
    Ok(report)
}
