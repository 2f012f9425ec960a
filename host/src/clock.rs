//! The network's clock: milliseconds since the epoch and the block height they make.

/// A clock that moves only when the network says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    now: u64,
    genesis_timestamp: u64,
    genesis_block_height: u64,
    block_time_ms: u64,
}

impl Clock {
    pub(crate) fn new(
        genesis_timestamp: u64,
        genesis_block_height: u64,
        block_time_ms: u64,
    ) -> Self {
        Clock {
            now: genesis_timestamp,
            genesis_timestamp,
            genesis_block_height,
            block_time_ms,
        }
    }

    pub(crate) fn now(&self) -> u64 {
        self.now
    }

    /// The block height at the current time.
    pub(crate) fn block_height(&self) -> u64 {
        let elapsed = self.now.saturating_sub(self.genesis_timestamp);
        self.genesis_block_height + elapsed / self.block_time_ms.max(1)
    }

    /// Moves forward by `ms`.
    pub(crate) fn advance(&mut self, ms: u64) {
        self.now = self.now.saturating_add(ms);
    }

    /// Moves forward to `at` (never back).
    pub(crate) fn advance_to(&mut self, at: u64) {
        self.now = self.now.max(at);
    }
}
