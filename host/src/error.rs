//! What can go wrong on the test network itself (as opposed to inside a handler, which is an
//! [`Outcome`](aoxide::Outcome) with an error).

use crate::ids::ProcessId;
use crate::limits::Violation;

/// A failure of the network: a broken limit, an unknown process or module, a run that never
/// went idle. Handler errors are not `NetError`s: they are recorded as failed outcomes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// A run delivered the maximum number of messages and the queue was still not empty:
    /// processes are most likely messaging each other forever.
    #[error(
        "the run stopped after {limit} messages and {pending} are still queued: processes are \
         probably messaging each other in a loop. Last deliveries:\n  {}\n(raise \
         NetConfig::max_messages_per_run if this much traffic is expected)",
        .recent.join("\n  ")
    )]
    TooManyMessages {
        /// The bound ([`NetConfig::max_messages_per_run`](crate::NetConfig::max_messages_per_run)).
        limit: usize,
        /// Messages still queued (they stay queued).
        pending: usize,
        /// The last few deliveries, described.
        recent: Vec<String>,
    },
    /// A message broke a limit of the real network.
    #[error("{what} would be rejected by the network: {violation}")]
    Limit {
        /// Which message.
        what: String,
        /// The limit it broke.
        violation: Violation,
    },
    /// No process with this id.
    #[error("no process {0} on this network")]
    UnknownProcess(ProcessId),
    /// A spawn named a module that is not registered.
    #[error(
        "{spawner} spawned module {module:?}, which is not registered on this network: register \
         it with Net::register_module::<YourProcess>(\"name\") and spawn the id it returns"
    )]
    UnknownModule {
        /// The module id asked for.
        module: String,
        /// Who asked.
        spawner: String,
    },
    /// The spawn message of a process spawned by a wallet failed (its `init` returned an
    /// error). The process exists, without state.
    #[error("process {process} failed to start: {error}")]
    SpawnFailed {
        /// The new process.
        process: ProcessId,
        /// The error of its spawn message.
        error: aoxide::Failure,
    },
    /// A `Cron-Interval` tag that cannot be read.
    #[error("{0}")]
    InvalidCron(String),
}
