//! Take aoxide modules to AO: ANS-104 data items (signature type 1), module items with
//! aoxide's tags, and aoconnect's legacy protocol with the bundler, MU, CU and gateway
//! (publish, spawn, send, result, dry-run). [`cli`] holds the commands `cargo ao` mounts.

#![warn(missing_docs)]

pub mod ans104;
pub mod ao;
pub mod cli;
mod error;
pub mod http;
pub mod module;
pub mod outcome;

pub use error::DeployError;
