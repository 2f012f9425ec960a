//! Which node to run: the one rule the build ([`crate::preinit`]) and `aoxide-host`'s
//! ao-loader backend share.

use std::path::PathBuf;

/// Names the node executable (default: `node` on `PATH`).
pub const NODE_VAR: &str = "AOXIDE_NODE";

/// The node executable to start: [`NODE_VAR`], else `node`.
pub fn program() -> PathBuf {
    std::env::var_os(NODE_VAR)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("node"))
}
