//! How a network behaves: seed, clock, limits.

use crate::limits::Limits;

/// How a network behaves. [`NetConfig::default`] mirrors the real network's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetConfig {
    /// Mixed into every id: networks with different seeds hand out different ids.
    pub seed: u64,
    /// The clock at creation, in milliseconds since the epoch.
    pub genesis_timestamp: u64,
    /// The block height at creation.
    pub genesis_block_height: u64,
    /// Milliseconds per block: the height grows by one each time the clock passes this.
    pub block_time_ms: u64,
    /// How far the clock moves each time the scheduler assigns a message (0 keeps it still).
    pub ms_per_message: u64,
    /// Most messages one [`Net::run_until_idle`](crate::Net::run_until_idle) or [`Net::tick`](crate::Net::tick) delivers before it stops
    /// with [`NetError::TooManyMessages`](crate::NetError::TooManyMessages).
    pub max_messages_per_run: usize,
    /// Limits every message must meet.
    pub limits: Limits,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            seed: 0,
            genesis_timestamp: 1_700_000_000_000,
            genesis_block_height: 1_300_000,
            block_time_ms: 120_000,
            ms_per_message: 1,
            max_messages_per_run: 10_000,
            limits: Limits::default(),
        }
    }
}
