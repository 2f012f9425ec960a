//! JSON-1 in and out.
//!
//! - [`raw`]: the serde reading of messages and envs, lenient about what hosts disagree on;
//! - [`fast`]: a one-pass reader for the message shapes hosts send, which hands anything
//!   unusual to [`raw`] (serde has the last word on every error);
//! - [`write`]: the writer of results, byte-for-byte what `serde_json` writes.

pub(crate) mod fast;
pub(crate) mod raw;
pub(crate) mod write;

use crate::error::InputError;

/// Where the first NUL byte of `bytes` is, looking at eight bytes at a time.
pub(crate) fn nul_position(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        if word.wrapping_sub(ONES) & !word & HIGH != 0 {
            break;
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b == 0).map(|i| at + i)
}

pub(crate) fn parse_object<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
) -> Result<T, InputError> {
    let bytes = match nul_position(bytes) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| InputError::Utf8 {
        what,
        offset: e.valid_up_to(),
    })?;
    let trimmed = text.trim_start();
    if trimmed.starts_with("null") || trimmed.is_empty() {
        return Err(InputError::NotAnObject { what });
    }
    if !trimmed.starts_with('{') {
        return Err(InputError::NotAnObject { what });
    }
    serde_json::from_str(text).map_err(|e| InputError::Json {
        what,
        reason: e.to_string(),
    })
}
