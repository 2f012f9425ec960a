//! Example aoxide process: a counter, written with the handler macros.
//!
//! | Action | Tags | Who | Does |
//! | --- | --- | --- | --- |
//! | (spawn) | `Start` (optional) | | starts the count there |
//! | `Increment` | `By` (optional, default 1) | anyone | adds, replies with the new count |
//! | `Get` | | anyone | replies with the count (read-only: fine for dry-runs) |
//! | `Reset` | | owner | sets the count to 0 |
//! | (cron tick) | | | counts the tick |
//! | anything else | | | counted in `unknown` |
//!
//! `count` is published to HyperBEAM through `patch@1.0` after every change.

#![warn(missing_docs)]

use aoxide::{fail, Ctx, Message, Result};
use serde::{Deserialize, Serialize};

/// The state of a counter process.
#[aoxide::process]
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// The count.
    #[patch]
    pub count: u64,
    /// Cron ticks seen.
    pub ticks: u64,
    /// Messages no handler took.
    pub unknown: u64,
}

#[aoxide::handlers]
impl Counter {
    /// Builds the state from the spawn message.
    #[init]
    fn init(_ctx: &Ctx, start: Option<u64>) -> Self {
        Counter {
            count: start.unwrap_or(0),
            ..Counter::default()
        }
    }

    /// Adds `By` (default 1) and replies with the new count.
    #[handler(action = "Increment")]
    fn increment(&mut self, by: Option<u64>) -> Result<String> {
        let by = by.unwrap_or(1);
        let Some(count) = self.count.checked_add(by) else {
            fail!("count {} + {by} overflows", self.count);
        };
        self.count = count;
        Ok(count.to_string())
    }

    /// Replies with the count.
    #[handler(action = "Get")]
    fn get(&self) -> String {
        self.count.to_string()
    }

    /// Sets the count back to 0.
    #[handler(action = "Reset", from = owner)]
    fn reset(&mut self, ctx: &mut Ctx) {
        self.count = 0;
        ctx.print("counter reset");
    }

    /// Counts cron ticks.
    #[cron]
    fn tick(&mut self) {
        self.ticks += 1;
    }

    /// Counts what no handler took.
    #[default]
    fn other(&mut self, msg: &Message) {
        let _ = msg;
        self.unknown += 1;
    }
}

aoxide::export!(Counter);
