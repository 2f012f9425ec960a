//! JSON-1 in and out: the one codec of aoxide, used by the module and by the test host.
//!
//! - [`fields`]: the table of field names every part below reads and writes by;
//! - [`fast`]: the reader of messages and envs, one pass, lenient about what hosts
//!   disagree on (the rules: [`crate::protocol`]), over [`scan`] (tokens, values) and
//!   [`number`] (serde_json's numbers), filling the shapes of [`raw`];
//! - `serde_read` (native builds only): the same reading through serde and `serde_json`,
//!   the reference the differential tests and the fuzz target `fast_vs_serde` compare
//!   [`fast`] with on every input (no module carries serde_json's deserializer);
//! - [`write`]: the writers of results, messages and envs, byte-for-byte what `serde_json`
//!   writes;
//! - [`ser`]: any `serde::Serialize` value written the same way (the state view, `Json`
//!   replies, [`OutMessage::json`](crate::OutMessage::json)), without serde_json's
//!   serializer;
//! - [`result`]: the reading of a result back into an [`Outcome`](crate::Outcome) (hosts);
//! - [`failure`]: the reading of an `Error` string back into a [`Failure`](crate::Failure)
//!   (the handler, action, code and message it names);
//! - [`reference`]: the same bytes written through `serde::Serialize`, and (native builds)
//!   messages and envs read through `serde_read`, for the differential tests and the
//!   benchmarks that keep [`write`] and [`fast`] honest.
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
//! | message reader vs the serde reference (another run) | token transfer as a compute unit sends it | 2.16 µs | 2.21 µs | 1.02x faster |
//! | | the same with 16 KiB of data | 32.0 µs | 56.4 µs | 1.76x faster |
//!
//! The writer stays: results are small and escape-sparse in practice (ANSI colours in
//! `Output`, JSON in `Data`), where it is about twice as fast. The escape-dense case is
//! where serde's run-copying wins; the writer processes such words a byte at a time. The
//! reader is the only one a module carries (serde_json's deserializer would be most of
//! its size); natively it reads the transfer in 6,271 instructions and the 16 KiB one in
//! 395,885 (valgrind's cachegrind, release profile), where the reader it replaced, which
//! handed unusual input to serde, took 9,517 and 466,153.

#[cfg(test)]
mod differential;
pub(crate) mod failure;
pub(crate) mod fast;
pub(crate) mod fields;
mod number;
pub(crate) mod raw;
pub mod reference;
pub(crate) mod result;
pub(crate) mod scan;
pub(crate) mod ser;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod serde_read;
pub(crate) mod value_de;
pub(crate) mod write;

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
