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

impl DeployError {
    /// What to do about it, for a person at a terminal (`cargo ao` shows it as help).
    pub fn help(&self) -> Option<String> {
        use crate::ans104::Ans104Error;
        Some(match self {
            DeployError::Item(Ans104Error::Jwk(_) | Ans104Error::Io { .. }) => {
                "--wallet (or AO_WALLET) must name an Arweave JWK file: the JSON key file a \
                 wallet exports, with the RSA private key fields n, e, d, p, q, dp, dq, qi \
                 (`cargo ao wallet new wallet.json` creates one)"
                    .into()
            }
            DeployError::Item(_) => {
                "the item is not a valid ANS-104 data item of signature type 1; sign it again \
                 with cargo ao, or check that it was not cut or changed on the way"
                    .into()
            }
            DeployError::Module(ModuleError::Malformed(_)) => {
                "publish a module `cargo ao build` wrote (target/ao/NAME.wasm), not cargo's \
                 raw output or another file"
                    .into()
            }
            DeployError::Module(ModuleError::DevBuild) => {
                "build the module to publish with `cargo ao build --release` (binaryen's \
                 wasm-opt -Oz; `cargo ao build` alone writes a dev module unless -Oz's output \
                 is cached)"
                    .into()
            }
            DeployError::Module(ModuleError::Limit { .. }) => {
                "write limits as AO's units read them: --memory-limit 16-mb, 512-mb, 1-gb; \
                 --compute-limit a whole number such as 9000000000000"
                    .into()
            }
            DeployError::Io { .. } => "check that the path exists and is readable".into(),
            DeployError::Input(_) => return None,
            DeployError::Unreachable { .. } => {
                "nothing answered: check the unit's URL (--gateway-url, --mu-url, --cu-url, \
                 --bundler, or GATEWAY_URL, MU_URL, CU_URL, BUNDLER_URL) and that it is up; on \
                 a slow network raise --timeout or --retries"
                    .into()
            }
            DeployError::Status {
                status: 404, url, ..
            } if url.contains("/result/") => {
                "the CU has no result for this message yet: check --process (the message's \
                 target), or wait longer with --wait SECS; a message to an unknown process is \
                 dropped silently by the MU"
                    .into()
            }
            DeployError::Status { status: 404, .. } => {
                "the unit does not know that id or path: check the id and the unit's URL".into()
            }
            DeployError::Status { status: 402, .. } => {
                "the bundler wants payment for this item: up.arweave.net takes items under \
                 100 KiB for free and larger ones against the wallet's credits; fund the \
                 wallet, publish through a bundler that takes it, or make the module smaller \
                 (`cargo ao build --release` reports its size against that line)"
                    .into()
            }
            DeployError::Status { status: 413, .. } => {
                "the body is too large for the unit (a MU takes about 100 KiB): upload large \
                 modules to a bundler with `cargo ao publish`"
                    .into()
            }
            DeployError::Status { status, .. } if (400..500).contains(status) => {
                "the unit refused the request: its answer above says why (a signature it \
                 could not verify, an item that is not for it, a tag it requires)"
                    .into()
            }
            DeployError::Status { .. } => {
                "the unit failed: try again later, or another unit (--mu-url, --cu-url)".into()
            }
            DeployError::Protocol { .. } => {
                "the answer is not what aoconnect's protocol expects from this unit: check that \
                 the URL names the right unit (gateway, bundler, MU or CU)"
                    .into()
            }
        })
    }
}

impl miette::Diagnostic for DeployError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let code = match self {
            DeployError::Item(_) => "ao::item",
            DeployError::Module(_) => "ao::module",
            DeployError::Io { .. } => "ao::io",
            DeployError::Input(_) => "ao::input",
            DeployError::Unreachable { .. } => "ao::unreachable",
            DeployError::Status { .. } => "ao::status",
            DeployError::Protocol { .. } => "ao::protocol",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        DeployError::help(self).map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_errors_say_what_to_do() {
        let unreachable = DeployError::Unreachable {
            url: "http://127.0.0.1:1/".into(),
            attempts: 1,
            detail: "connection refused".into(),
        };
        assert!(unreachable.help().unwrap().contains("--mu-url"));
        let pending = DeployError::Status {
            url: "http://cu/result/abc?process-id=p".into(),
            status: 404,
            body: String::new(),
        };
        assert!(pending.help().unwrap().contains("--wait"));
        let refused = DeployError::Status {
            url: "http://mu/".into(),
            status: 400,
            body: "bad signature".into(),
        };
        assert!(refused.help().unwrap().contains("refused"));
        let unpaid = DeployError::Status {
            url: "https://up.arweave.net/tx".into(),
            status: 402,
            body: "Insufficient balance".into(),
        };
        assert!(unpaid.help().unwrap().contains("100 KiB"));
        let code = miette::Diagnostic::code(&refused).unwrap().to_string();
        assert_eq!(code, "ao::status");
        assert!(DeployError::Input("x".into()).help().is_none());
    }
}
