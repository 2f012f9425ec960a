//! Take aoxide modules to AO: ANS-104 data items (signature type 1), module items with
//! aoxide's tags, and the legacy AO protocol of bundler, MU, CU and gateway (publish,
//! spawn, send, result, dry-run).

#![warn(missing_docs)]

pub mod ans104;
