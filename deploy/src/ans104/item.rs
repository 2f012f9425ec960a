//! ANS-104 data items of signature type 1: building, signing, encoding, parsing, verifying.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

use super::deep_hash::{deep_hash, Chunk};
use super::pss::{self, SaltLength};
use super::tags::{self, Tag};
use super::{owner_address, Ans104Error, Wallet, OWNER_LEN, SIGNATURE_LEN};

/// Signature type 1: Arweave RSA-PSS.
pub const SIGNATURE_TYPE_ARWEAVE: u16 = 1;

/// An item before signing: what the signature covers, less the owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnsignedItem {
    /// The 32-byte target (a process id for messages), if any.
    pub target: Option<[u8; 32]>,
    /// The 32-byte anchor, if any.
    pub anchor: Option<[u8; 32]>,
    /// The tags, in order.
    pub tags: Vec<Tag>,
    /// The data.
    pub data: Vec<u8>,
}

impl UnsignedItem {
    /// An item with `tags` and `data`, no target and no anchor.
    pub fn new(tags: Vec<Tag>, data: Vec<u8>) -> Self {
        UnsignedItem {
            tags,
            data,
            ..Self::default()
        }
    }

    /// Signs it with `wallet` (PSS with `salt`).
    pub fn sign(self, wallet: &Wallet, salt: SaltLength) -> Result<DataItem, Ans104Error> {
        tags::check_limits(&self.tags)?;
        let mut item = DataItem {
            signature: Vec::new(),
            owner: wallet.owner().to_vec(),
            target: self.target,
            anchor: self.anchor,
            tag_bytes: tags::encode(&self.tags),
            tags: self.tags,
            data: self.data,
        };
        item.signature = pss::sign(wallet, &item.signed_hash(), salt)?;
        Ok(item)
    }
}

/// A signed data item (signature type 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataItem {
    signature: Vec<u8>,
    owner: Vec<u8>,
    target: Option<[u8; 32]>,
    anchor: Option<[u8; 32]>,
    tags: Vec<Tag>,
    tag_bytes: Vec<u8>,
    data: Vec<u8>,
}

/// Decodes a 43-character base64url id or address into its 32 bytes.
pub fn decode_id(text: &str) -> Result<[u8; 32], Ans104Error> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| Ans104Error::BadId(text.to_string()))
}

/// Encodes 32 bytes as a 43-character base64url id.
pub fn encode_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], Ans104Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(Ans104Error::Truncated(field))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u64_le(&mut self, field: &'static str) -> Result<u64, Ans104Error> {
        let raw = self.take(8, field)?;
        Ok(u64::from_le_bytes(raw.try_into().expect("8 bytes")))
    }

    fn optional_32(&mut self, field: &'static str) -> Result<Option<[u8; 32]>, Ans104Error> {
        match self.take(1, field)?[0] {
            0 => Ok(None),
            1 => Ok(Some(self.take(32, field)?.try_into().expect("32 bytes"))),
            flag => Err(Ans104Error::PresenceFlag { field, flag }),
        }
    }
}

impl DataItem {
    /// Parses the binary form of an item (it does not verify it: see [`DataItem::verify`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, Ans104Error> {
        let mut c = Cursor { bytes, pos: 0 };
        let sig_type =
            u16::from_le_bytes(c.take(2, "signature type")?.try_into().expect("2 bytes"));
        if sig_type != SIGNATURE_TYPE_ARWEAVE {
            return Err(Ans104Error::SignatureType(sig_type));
        }
        let signature = c.take(SIGNATURE_LEN, "signature")?.to_vec();
        let owner = c.take(OWNER_LEN, "owner")?.to_vec();
        let target = c.optional_32("target")?;
        let anchor = c.optional_32("anchor")?;
        let count = c.u64_le("tag count")?;
        let len = c.u64_le("tag byte length")?;
        let len = usize::try_from(len).map_err(|_| Ans104Error::Truncated("tags"))?;
        let tag_bytes = c.take(len, "tags")?.to_vec();
        let tags = tags::decode(&tag_bytes, count)?;
        let data = bytes[c.pos..].to_vec();
        Ok(DataItem {
            signature,
            owner,
            target,
            anchor,
            tags,
            tag_bytes,
            data,
        })
    }

    /// The binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            2 + SIGNATURE_LEN + OWNER_LEN + 66 + 16 + self.tag_bytes.len() + self.data.len(),
        );
        out.extend_from_slice(&SIGNATURE_TYPE_ARWEAVE.to_le_bytes());
        out.extend_from_slice(&self.signature);
        out.extend_from_slice(&self.owner);
        for field in [&self.target, &self.anchor] {
            match field {
                Some(bytes) => {
                    out.push(1);
                    out.extend_from_slice(bytes);
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&(self.tags.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.tag_bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.tag_bytes);
        out.extend_from_slice(&self.data);
        out
    }

    /// The deep hash the signature covers:
    /// `["dataitem", "1", "1", owner, target, anchor, tags, data]`.
    pub fn signed_hash(&self) -> [u8; 48] {
        let target = self.target.as_ref().map_or(&[][..], |t| &t[..]);
        let anchor = self.anchor.as_ref().map_or(&[][..], |a| &a[..]);
        deep_hash(Chunk::List(&[
            Chunk::Blob(b"dataitem"),
            Chunk::Blob(b"1"),
            Chunk::Blob(b"1"),
            Chunk::Blob(&self.owner),
            Chunk::Blob(target),
            Chunk::Blob(anchor),
            Chunk::Blob(&self.tag_bytes),
            Chunk::Blob(&self.data),
        ]))
    }

    /// Checks the signature (any PSS salt length) against the owner and the signed fields.
    pub fn verify(&self) -> Result<(), Ans104Error> {
        pss::verify(&self.owner, &self.signed_hash(), &self.signature)
    }

    /// The item id: base64url of SHA-256 of the signature.
    pub fn id(&self) -> String {
        encode_id(&Sha256::digest(&self.signature))
    }

    /// The signer's address: base64url of SHA-256 of the owner.
    pub fn owner_address(&self) -> String {
        owner_address(&self.owner)
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The owner: the signer's 512-byte RSA modulus.
    pub fn owner(&self) -> &[u8] {
        &self.owner
    }

    /// The target, if any.
    pub fn target(&self) -> Option<&[u8; 32]> {
        self.target.as_ref()
    }

    /// The anchor, if any.
    pub fn anchor(&self) -> Option<&[u8; 32]> {
        self.anchor.as_ref()
    }

    /// The tags, in order.
    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }

    /// The value of the first tag named `name`.
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.value.as_str())
    }

    /// The data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}
