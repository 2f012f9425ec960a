//! The errors of the deploy commands.

use crate::ans104::Ans104Error;
use crate::module::ModuleError;

/// What can go wrong publishing a module or talking to AO's units.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// Building, parsing or verifying a data item failed.
    #[error(transparent)]
    Item(#[from] Ans104Error),
    /// The wasm cannot be published.
    #[error(transparent)]
    Module(#[from] ModuleError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An argument is unusable.
    #[error("{0}")]
    Input(String),
    /// No answer from a unit after every retry.
    #[error("{url}: no answer after {attempts} attempt(s): {detail}")]
    Unreachable {
        /// The request.
        url: String,
        /// How many tries.
        attempts: u32,
        /// The last failure.
        detail: String,
    },
    /// A unit answered with an error status.
    #[error("{url}: HTTP {status}: {body}")]
    Status {
        /// The request.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the answer.
        body: String,
    },
    /// A unit answered something that is not what the protocol says.
    #[error("{url}: unexpected answer: {detail}")]
    Protocol {
        /// The request.
        url: String,
        /// What was wrong.
        detail: String,
    },
}
