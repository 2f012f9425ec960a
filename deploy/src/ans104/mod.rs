//! ANS-104 data items with signature type 1 (Arweave RSA-4096 PSS, SHA-256).
//!
//! Layout: signature type (2 bytes LE), signature (512), owner (512), target and anchor
//! (a presence byte, then 32 bytes each), tag count and tag byte length (8 bytes LE each),
//! the Avro-encoded tags, the data. The signature covers the SHA-384 deep hash of
//! `["dataitem", "1", "1", owner, target, anchor, tags, data]`.

mod deep_hash;
mod item;
mod pss;
mod tags;
mod wallet;

pub use deep_hash::{deep_hash, Chunk};
pub use item::{decode_id, encode_id, DataItem, UnsignedItem, SIGNATURE_TYPE_ARWEAVE};
pub use pss::SaltLength;
pub use tags::{Tag, MAX_NAME_BYTES, MAX_TAGS, MAX_VALUE_BYTES};
pub use wallet::{owner_address, Wallet};

/// Bytes in a type-1 signature.
pub const SIGNATURE_LEN: usize = 512;
/// Bytes in a type-1 owner (the RSA-4096 modulus).
pub const OWNER_LEN: usize = 512;

/// What can go wrong building, parsing or verifying an item.
#[derive(Debug, thiserror::Error)]
pub enum Ans104Error {
    /// The JWK could not be used.
    #[error("wallet: {0}")]
    Jwk(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The RSA signer failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// The item ended inside a field.
    #[error("data item truncated in its {0}")]
    Truncated(&'static str),
    /// A signature type other than 1.
    #[error("signature type {0} is not supported (only 1, Arweave RSA-PSS)")]
    SignatureType(u16),
    /// A presence byte other than 0 or 1.
    #[error("the {field} presence byte is {flag}, expected 0 or 1")]
    PresenceFlag {
        /// `target` or `anchor`.
        field: &'static str,
        /// The byte found.
        flag: u8,
    },
    /// The Avro tags are malformed.
    #[error("malformed tags: {0}")]
    Tags(&'static str),
    /// More than [`MAX_TAGS`] tags.
    #[error("{count} tags, at most {MAX_TAGS} allowed")]
    TooManyTags {
        /// How many.
        count: usize,
    },
    /// A tag name over [`MAX_NAME_BYTES`].
    #[error("tag name {name:?} is {len} bytes, at most {MAX_NAME_BYTES} allowed")]
    TagName {
        /// The name.
        name: String,
        /// Its length.
        len: usize,
    },
    /// A tag value over [`MAX_VALUE_BYTES`].
    #[error("the value of tag {name:?} is {len} bytes, at most {MAX_VALUE_BYTES} allowed")]
    TagValue {
        /// The tag name.
        name: String,
        /// The value's length.
        len: usize,
    },
    /// The signature does not match the owner and the signed fields.
    #[error("the signature does not verify against the item's owner and contents")]
    BadSignature,
    /// Text that should be a 43-character base64url id.
    #[error("{0:?} is not a 43-character base64url id")]
    BadId(String),
}
