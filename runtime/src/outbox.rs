//! What a process emits while handling one message: messages, spawns, assignments, output.

use serde::Serialize;

use crate::tags::{Tag, TagValue, Tags};

/// A message the process sends. Build with [`OutMessage::to`] and the builder methods.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutMessage {
    /// Recipient; `None` for messages with no target (HyperBEAM `patch@1.0`).
    pub target: Option<String>,
    /// Data; `None` leaves the field out (AOS omits it when no data was set).
    pub data: Option<String>,
    /// Set when sent: the reference padded to 32 digits.
    pub anchor: String,
    /// Tags; the runtime prepends `Data-Protocol`, `Variant`, `Type`, `Reference` when sent.
    pub tags: Tags,
}

impl OutMessage {
    /// A message to `target`.
    #[inline]
    pub fn to(target: impl Into<String>) -> Self {
        OutMessage {
            target: Some(target.into()),
            ..Self::default()
        }
    }

    /// A message with no target.
    #[inline]
    pub fn untargeted() -> Self {
        Self::default()
    }

    /// Adds a tag.
    #[inline]
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<TagValue>) -> Self {
        self.tags.push(Tag::new(name, value));
        self
    }

    /// Sets the `Action` tag.
    #[inline]
    pub fn action(self, action: impl Into<String>) -> Self {
        self.tag("Action", action.into())
    }

    /// Sets the data.
    #[inline]
    pub fn data(mut self, data: impl Into<String>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// Sets the data to a JSON document and tags `Content-Type: application/json`.
    pub fn json<T: Serialize>(mut self, value: &T) -> Self {
        self.data = Some(serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
        self.tag("Content-Type", "application/json")
    }

    /// The first value of tag `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.tags.get(name)
    }

    /// The `Reference` number the runtime gave this message when sent.
    pub fn reference(&self) -> Option<u64> {
        self.get("Reference").and_then(|r| r.parse().ok())
    }
}

/// A process spawn request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spawn {
    /// Data of the spawn message.
    pub data: Option<String>,
    /// Set when sent: the reference padded to 32 digits.
    pub anchor: String,
    /// Tags; the runtime adds `Type=Process`, `From-Process`, `From-Module`, `Module`, `Reference`.
    pub tags: Tags,
}

impl Spawn {
    /// A new spawn request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tag.
    #[inline]
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<TagValue>) -> Self {
        self.tags.push(Tag::new(name, value));
        self
    }

    /// Sets the data.
    #[inline]
    pub fn data(mut self, data: impl Into<String>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// The first value of tag `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.tags.get(name)
    }
}

/// An assignment of an existing message to processes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assignment {
    /// Processes to assign to.
    pub processes: Vec<String>,
    /// The message id.
    pub message: String,
}

/// Everything one message produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outbox {
    /// Text printed with `ctx.print`, joined with newlines.
    pub output: String,
    /// Messages sent.
    pub messages: Vec<OutMessage>,
    /// Spawns requested.
    pub spawns: Vec<Spawn>,
    /// Assignments made.
    pub assignments: Vec<Assignment>,
}

impl Outbox {
    /// Appends a line of output.
    pub fn print(&mut self, text: &str) {
        if !self.output.is_empty() {
            self.output.push('\n');
        }
        self.output.push_str(text);
    }

    /// True when nothing was produced.
    pub fn is_empty(&self) -> bool {
        self.output.is_empty()
            && self.messages.is_empty()
            && self.spawns.is_empty()
            && self.assignments.is_empty()
    }
}

/// Formats a reference as an AOS anchor: decimal, zero-padded to 32 digits.
pub fn anchor_for(reference: u64) -> String {
    let mut digits = [b'0'; 32];
    let start = write_decimal(&mut digits, reference);
    debug_assert!(start >= 12);
    // SAFETY: ASCII digits only.
    unsafe { String::from_utf8_unchecked(digits.to_vec()) }
}

/// A reference as the decimal text of its `Reference` tag.
pub(crate) fn decimal(n: u64) -> String {
    let mut digits = [0u8; 20];
    let start = write_decimal(&mut digits, n);
    // SAFETY: ASCII digits only.
    unsafe { String::from_utf8_unchecked(digits[start..].to_vec()) }
}

/// Writes `n` in decimal at the end of `buf` (at least 20 bytes) and returns where its
/// first digit is. Spares the hot path `core::fmt` and its padding logic.
fn write_decimal(buf: &mut [u8], mut n: u64) -> usize {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_is_32_digits() {
        assert_eq!(anchor_for(1), "00000000000000000000000000000001");
        assert_eq!(anchor_for(1204).len(), 32);
        for n in [0, 1, 9, 10, 99, 100, 1204, 1 << 40, u64::MAX - 1, u64::MAX] {
            assert_eq!(anchor_for(n), format!("{n:032}"));
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn builder_keeps_tag_order() {
        let m = OutMessage::to("x").action("A").tag("B", 2u8).tag("A2", "z");
        let names: Vec<_> = m.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Action", "B", "A2"]);
        assert_eq!(m.get("B"), Some("2"));
    }
}
