//! Take aoxide modules to AO: ANS-104 data items (signature type 1), module items with
//! aoxide's tags, and aoconnect's legacy protocol with the bundler, MU, CU and gateway
//! (publish, spawn, send, result, dry-run).
//!
//! - [`ans104`]: build, sign, encode, parse and verify data items; wallets from JWKs.
//! - [`module`]: the tags of a module item (`Module-Format`, limits, aoxide version and
//!   interface hash).
//! - [`ao`]: the protocol calls; [`http`]: the client with bounded time-outs and retries;
//!   [`outcome`]: what a CU answers.
//! - [`cli`]: the commands `cargo ao` mounts (clap `Args` and a `run` each).
//!
//! ```
//! use aoxide_deploy::ans104::{DataItem, SaltLength, Tag, UnsignedItem, Wallet};
//!
//! let jwk = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwk-vector-1.json");
//! let wallet = Wallet::from_jwk_file(jwk.as_ref())?;
//! let item = UnsignedItem::new(vec![Tag::new("Action", "Ping")], b"hi".to_vec())
//!     .sign(&wallet, SaltLength::Max)?;
//! let parsed = DataItem::parse(&item.to_bytes())?;
//! parsed.verify()?;
//! assert_eq!(parsed.id(), item.id());
//! assert_eq!(parsed.owner_address(), wallet.address());
//! # Ok::<(), aoxide_deploy::ans104::Ans104Error>(())
//! ```

#![warn(missing_docs)]

pub mod ans104;
pub mod ao;
pub mod cli;
mod error;
pub mod http;
pub mod module;
pub mod outcome;

pub use error::DeployError;
