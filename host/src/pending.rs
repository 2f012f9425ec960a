//! What the processes on a network are waiting for: their pending replies and spawn
//! notices (see [`aoxide::pending`]).

use aoxide::{Process, WaitInfo};

use crate::ids::ProcessId;
use crate::net::Net;

impl Net {
    /// The waits of native process `process` of type `P`, oldest first: which reference,
    /// from whom, until when, and the continuation's name. Empty when the process is not a
    /// native `P` (a wasm process keeps its waits in its own memory).
    pub fn pending_waits<P: Process>(&self, process: &ProcessId) -> Vec<WaitInfo> {
        self.runtime::<P>(process)
            .map(|rt| rt.pending().iter().map(|w| w.info().clone()).collect())
            .unwrap_or_default()
    }
}
