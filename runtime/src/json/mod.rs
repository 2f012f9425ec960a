//! JSON-1 in and out: the one codec of aoxide, used by the module and by the test host.
//!
//! - [`fields`]: the table of field names every part below reads and writes by;
//! - [`raw`]: the serde reading of messages and envs, lenient about what hosts disagree on
//!   (the rules: [`crate::protocol`]);
//! - [`fast`]: a one-pass reader for the message shapes hosts send, which hands anything
//!   unusual to [`raw`] (serde has the last word on every error);
//! - [`write`]: the writers of results, messages and envs, byte-for-byte what `serde_json`
//!   writes;
//! - [`result`]: the reading of a result back into an [`Outcome`](crate::Outcome) (hosts);
//! - [`failure`]: the reading of an `Error` string back into a [`Failure`](crate::Failure)
//!   (the handler, action, code and message it names);
//! - [`reference`]: the same bytes written through `serde::Serialize`, for the
//!   differential tests and the benchmarks that keep [`write`] honest.
//!
//! # Which fast paths pay (measured)
//!
//! `cargo bench -p aoxide --bench codec` (criterion, 30 samples, medians; the 2-core
//! machine shared with other builds, so absolute times are inflated and only the ratios of
//! one run mean anything):
//!
//! | piece | shape | fast path | serde path | ratio |
//! | --- | --- | ---: | ---: | ---: |
//! | result writer vs `serde_json::to_writer` into a pre-sized buffer | token transfer (2 notices, 9 tags each) | 3.75 µs | 6.89 µs | 1.84x faster |
//! | | failed outcome | 0.40 µs | 0.82 µs | 2.05x faster |
//! | | transfer with 16 KiB of escape-dense data in output and both notices | 353 µs | 286 µs | 1.23x slower |
//! | message reader vs serde alone | token transfer as a compute unit sends it | 12.6 µs | 14.2 µs | 1.13x faster |
//! | | the same with 16 KiB of data | 311 µs | 616 µs | 1.98x faster |
//!
//! Both stay: results are small and escape-sparse in practice (ANSI colours in `Output`,
//! JSON in `Data`), where the writer is about twice as fast; the reader pays most on the
//! data-heavy messages whose cost matters. The escape-dense case is where serde's
//! run-copying wins; the writer processes such words a byte at a time.

pub(crate) mod failure;
pub(crate) mod fast;
pub(crate) mod fields;
pub(crate) mod raw;
pub mod reference;
pub(crate) mod result;
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
    let text = replace_lone_surrogates(text);
    serde_json::from_str(&text).map_err(|e| InputError::Json {
        what,
        reason: e.to_string(),
    })
}

/// `text` with every `\uXXXX` escape of a lone UTF-16 surrogate (one not part of a
/// high-low pair) replaced by `\ufffd`, the same length, so positions in errors stay put.
/// Borrowed when there is none. One pass; the escapes of other characters are skipped.
pub(crate) fn replace_lone_surrogates(text: &str) -> std::borrow::Cow<'_, str> {
    fn escape_at(b: &[u8], i: usize) -> Option<u32> {
        let hex = b.get(i..i + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        let hex = std::str::from_utf8(&hex[2..]).ok()?;
        u32::from_str_radix(hex, 16).ok()
    }
    let b = text.as_bytes();
    let mut fixed: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        match escape_at(b, i) {
            Some(0xd800..=0xdbff) if matches!(escape_at(b, i + 6), Some(0xdc00..=0xdfff)) => {
                i += 12
            }
            Some(0xd800..=0xdfff) => {
                fixed.get_or_insert_with(|| b.to_vec())[i..i + 6].copy_from_slice(b"\\ufffd");
                i += 6;
            }
            Some(_) => i += 6,
            None => i += 2,
        }
    }
    match fixed {
        // Only ASCII escapes were rewritten to ASCII: still UTF-8.
        Some(bytes) => std::borrow::Cow::Owned(String::from_utf8(bytes).unwrap_or_default()),
        None => std::borrow::Cow::Borrowed(text),
    }
}
