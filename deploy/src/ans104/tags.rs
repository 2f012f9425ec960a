//! ANS-104 tags: an Avro array of `{name: bytes, value: bytes}` records.

use super::Ans104Error;

/// A tag of a data item. Names and values are UTF-8 text in AO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The tag name.
    pub name: String,
    /// The tag value.
    pub value: String,
}

impl Tag {
    /// A tag from a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Tag {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// At most this many tags in one item (the ANS-104 limit).
pub const MAX_TAGS: usize = 128;
/// At most this many bytes in a tag name (the ANS-104 limit).
pub const MAX_NAME_BYTES: usize = 1024;
/// At most this many bytes in a tag value (the ANS-104 limit).
pub const MAX_VALUE_BYTES: usize = 3072;

/// Checks the ANS-104 limits on `tags`.
pub fn check_limits(tags: &[Tag]) -> Result<(), Ans104Error> {
    if tags.len() > MAX_TAGS {
        return Err(Ans104Error::TooManyTags { count: tags.len() });
    }
    for tag in tags {
        if tag.name.len() > MAX_NAME_BYTES {
            return Err(Ans104Error::TagName {
                name: tag.name.clone(),
                len: tag.name.len(),
            });
        }
        if tag.value.len() > MAX_VALUE_BYTES {
            return Err(Ans104Error::TagValue {
                name: tag.name.clone(),
                len: tag.value.len(),
            });
        }
    }
    Ok(())
}

fn write_long(out: &mut Vec<u8>, n: i64) {
    // Zig-zag, then a little-endian base-128 varint.
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_long(out, bytes.len() as i64);
    out.extend_from_slice(bytes);
}

/// The Avro encoding of `tags`: one block (count, records) and the `0` end marker; no tags
/// is zero bytes.
pub fn encode(tags: &[Tag]) -> Vec<u8> {
    let mut out = Vec::new();
    if tags.is_empty() {
        return out;
    }
    write_long(&mut out, tags.len() as i64);
    for tag in tags {
        write_bytes(&mut out, tag.name.as_bytes());
        write_bytes(&mut out, tag.value.as_bytes());
    }
    write_long(&mut out, 0);
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn long(&mut self) -> Result<i64, Ans104Error> {
        let mut z: u64 = 0;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(Ans104Error::Tags("truncated varint"));
            };
            self.pos += 1;
            z |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok((z >> 1) as i64 ^ -((z & 1) as i64));
            }
        }
        Err(Ans104Error::Tags("varint longer than 10 bytes"))
    }

    fn bytes(&mut self, max: usize) -> Result<&'a [u8], Ans104Error> {
        let len = self.long()?;
        let len = usize::try_from(len).map_err(|_| Ans104Error::Tags("negative length"))?;
        if len > max {
            return Err(Ans104Error::Tags("tag name or value over the size limit"));
        }
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(Ans104Error::Tags("length past the end of the tags"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn text(&mut self, max: usize) -> Result<String, Ans104Error> {
        let raw = self.bytes(max)?;
        String::from_utf8(raw.to_vec()).map_err(|_| Ans104Error::Tags("tag is not UTF-8"))
    }
}

/// Decodes Avro-encoded tags, expecting `count` of them, and checks the ANS-104 limits.
/// Accepts several blocks (and Avro's negative block counts, which carry a byte size).
pub fn decode(bytes: &[u8], count: u64) -> Result<Vec<Tag>, Ans104Error> {
    if count > MAX_TAGS as u64 {
        return Err(Ans104Error::TooManyTags {
            count: count as usize,
        });
    }
    let mut tags = Vec::with_capacity(count as usize);
    if bytes.is_empty() {
        return if count == 0 {
            Ok(tags)
        } else {
            Err(Ans104Error::Tags("no tag bytes but a non-zero tag count"))
        };
    }
    let mut r = Reader { bytes, pos: 0 };
    loop {
        let mut block = r.long()?;
        if block == 0 {
            break;
        }
        if block < 0 {
            block = block
                .checked_neg()
                .ok_or(Ans104Error::Tags("bad block count"))?;
            r.long()?; // the block's byte size
        }
        if tags.len() as u64 + block as u64 > count {
            return Err(Ans104Error::Tags("more tags than the tag count"));
        }
        for _ in 0..block {
            let name = r.text(MAX_NAME_BYTES)?;
            let value = r.text(MAX_VALUE_BYTES)?;
            tags.push(Tag { name, value });
        }
    }
    if r.pos != bytes.len() {
        return Err(Ans104Error::Tags("bytes after the end marker"));
    }
    if tags.len() as u64 != count {
        return Err(Ans104Error::Tags("fewer tags than the tag count"));
    }
    check_limits(&tags)?;
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_varint_boundaries() {
        for len in [1usize, 63, 64, 65, 127, 128, 1024] {
            let tags = vec![Tag::new("n".repeat(len.min(1024)), "v".repeat(len))];
            let enc = encode(&tags);
            assert_eq!(decode(&enc, 1).unwrap(), tags);
        }
        assert!(encode(&[]).is_empty());
        assert_eq!(decode(&[], 0).unwrap(), vec![]);
    }

    #[test]
    fn hostile_tag_bytes_are_errors() {
        let enc = encode(&[Tag::new("a", "b")]);
        assert!(decode(&enc, 2).is_err());
        assert!(decode(&enc, 0).is_err());
        assert!(decode(&enc[..enc.len() - 1], 1).is_err());
        assert!(decode(&[0x02, 0xff, 0xff, 0xff, 0xff, 0x0f], 1).is_err());
        assert!(decode(&[0xff; 12], 1).is_err());
        let mut trailing = enc.clone();
        trailing.push(0);
        assert!(decode(&trailing, 1).is_err());
        assert!(decode(&[], 1).is_err());
    }
}
