//! The ANS-104 deep hash: SHA-384 over a tree of byte strings.

use sha2::{Digest, Sha384};

/// One node of a deep-hash tree: a byte string or a list of nodes.
#[derive(Debug, Clone, Copy)]
pub enum Chunk<'a> {
    /// A byte string.
    Blob(&'a [u8]),
    /// A list of nodes.
    List(&'a [Chunk<'a>]),
}

/// The deep hash of `chunk`: for a blob `b`, `sha384(sha384("blob" + len(b)) || sha384(b))`;
/// for a list `l`, `acc = sha384("list" + len(l))`, then `acc = sha384(acc || deep_hash(e))`
/// for each element. Lengths are decimal ASCII.
pub fn deep_hash(chunk: Chunk<'_>) -> [u8; 48] {
    match chunk {
        Chunk::Blob(bytes) => {
            let tag = Sha384::digest(format!("blob{}", bytes.len()));
            let body = Sha384::digest(bytes);
            let mut h = Sha384::new();
            h.update(tag);
            h.update(body);
            h.finalize().into()
        }
        Chunk::List(items) => {
            let mut acc: [u8; 48] = Sha384::digest(format!("list{}", items.len())).into();
            for item in items {
                let mut h = Sha384::new();
                h.update(acc);
                h.update(deep_hash(*item));
                acc = h.finalize().into();
            }
            acc
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_and_list_differ_and_depend_on_length() {
        let a = deep_hash(Chunk::Blob(b""));
        let b = deep_hash(Chunk::List(&[]));
        let c = deep_hash(Chunk::List(&[Chunk::Blob(b"")]));
        assert_ne!(a, b);
        assert_ne!(b, c);
        assert_ne!(a, c);
    }
}
