//! The limits the real network enforces, checked on every message that enters the test
//! network, so that a test does not pass here and fail there.

use aoxide::protocol::{MAX_MESSAGE_BYTES, MAX_TAGS, MAX_TAG_NAME_BYTES, MAX_TAG_VALUE_BYTES};
use aoxide::{InputError, Message};

/// Limits on one message. The defaults are the network's, from [`aoxide::protocol`]:
/// ANS-104 data items allow at most 128 tags, tag names of 1024 bytes and values of 3072
/// bytes; the aoxide runtime accepts messages up to 8 MiB of JSON-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message, in bytes of its JSON-1 form.
    pub max_message_bytes: usize,
    /// Most tags on one message.
    pub max_tags: usize,
    /// Longest tag name, in bytes.
    pub max_tag_name_bytes: usize,
    /// Longest tag value, in bytes.
    pub max_tag_value_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: MAX_MESSAGE_BYTES,
            max_tags: MAX_TAGS,
            max_tag_name_bytes: MAX_TAG_NAME_BYTES,
            max_tag_value_bytes: MAX_TAG_VALUE_BYTES,
        }
    }
}

/// Which limit a message broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// The JSON-1 form is too large.
    #[error("message is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Too many tags.
    #[error("message has {count} tags, over the limit of {limit}")]
    TooManyTags {
        /// How many it has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A tag with an empty name.
    #[error("tag #{index} has an empty name")]
    EmptyTagName {
        /// Its position.
        index: usize,
    },
    /// A tag name too long.
    #[error("tag name `{name}` is {len} bytes, over the limit of {limit}")]
    TagNameTooLong {
        /// The name (cut to 40 characters).
        name: String,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A tag value too long.
    #[error("tag `{name}` has a {len}-byte value, over the limit of {limit}")]
    TagValueTooLong {
        /// The tag name.
        name: String,
        /// The value's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
}

fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

impl Limits {
    /// Checks `msg` against every limit; returns the first one broken.
    pub fn check(&self, msg: &Message) -> Result<(), Violation> {
        if msg.tags.len() > self.max_tags {
            return Err(Violation::TooManyTags {
                count: msg.tags.len(),
                limit: self.max_tags,
            });
        }
        for (index, tag) in msg.tags.iter().enumerate() {
            if tag.name.is_empty() {
                return Err(Violation::EmptyTagName { index });
            }
            if tag.name.len() > self.max_tag_name_bytes {
                return Err(Violation::TagNameTooLong {
                    name: cut(&tag.name, 40),
                    len: tag.name.len(),
                    limit: self.max_tag_name_bytes,
                });
            }
            let len = match tag.value.as_str() {
                Some(s) => s.len(),
                None => tag.value.to_string().len(),
            };
            if len > self.max_tag_value_bytes {
                return Err(Violation::TagValueTooLong {
                    name: cut(&tag.name, 40),
                    len,
                    limit: self.max_tag_value_bytes,
                });
            }
        }
        // The runtime's own size rule, on the message as the codec writes it.
        if let Err(InputError::TooLarge { size, limit, .. }) =
            aoxide::protocol::check_size("message", json_size(msg), self.max_message_bytes)
        {
            return Err(Violation::TooLarge { size, limit });
        }
        Ok(())
    }
}

/// The size of `msg` in bytes of JSON-1 (as the codec writes it).
pub(crate) fn json_size(msg: &Message) -> usize {
    msg.to_json_bytes().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_is_named() {
        let l = Limits::default();
        let ok = Message::new("A").with_action("X");
        assert_eq!(l.check(&ok), Ok(()));
        let mut many = Message::new("A");
        for i in 0..129 {
            many = many.with_tag(format!("T{i}"), "v");
        }
        assert!(matches!(
            l.check(&many),
            Err(Violation::TooManyTags { count: 129, .. })
        ));
        let long_name = Message::new("A").with_tag("N".repeat(1025), "v");
        assert!(matches!(
            l.check(&long_name),
            Err(Violation::TagNameTooLong { len: 1025, .. })
        ));
        let long_value = Message::new("A").with_tag("K", "v".repeat(3073));
        let err = l.check(&long_value).unwrap_err();
        assert_eq!(
            err.to_string(),
            "tag `K` has a 3073-byte value, over the limit of 3072"
        );
        let small = Limits {
            max_message_bytes: 100,
            ..l
        };
        let big = Message::new("A").with_data("x".repeat(200));
        assert!(matches!(
            small.check(&big),
            Err(Violation::TooLarge { limit: 100, .. })
        ));
        assert_eq!(json_size(&big), big.to_json().len());
    }
}
