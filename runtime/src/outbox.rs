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
        let mut msg = Self::untargeted();
        msg.target = Some(target.into());
        msg
    }

    /// A message with no target. Out of line: one copy of making an empty message for
    /// every builder a handler starts.
    #[inline(never)]
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

    /// Sets the data to a JSON document and tags `Content-Type: application/json` (written
    /// by [`to_json_text`](crate::to_json_text); `null` when `value` cannot be written).
    pub fn json<T: Serialize>(mut self, value: &T) -> Self {
        self.data = Some(crate::json::ser::to_string(value).unwrap_or_else(|_| "null".into()));
        self.tag("Content-Type", "application/json")
    }

    /// The first value of tag `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.tags.get(name)
    }

    /// The `Reference` number the runtime gave this message when sent.
    pub fn reference(&self) -> Option<u64> {
        self.get(crate::protocol::REFERENCE)
            .and_then(|r| r.parse().ok())
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
///
/// An outbox may be bounded ([`Outbox::with_limit`]): it then counts the bytes of what is
/// added (data, tag names and values, targets, printed text) and refuses, without keeping
/// it, anything past the limit. The dispatcher turns a refusal into an `Error` result for
/// the whole message, so a message that would make more output than the host can take
/// fails cleanly instead of exhausting memory while its result is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbox {
    /// Text printed with `ctx.print`, joined with newlines.
    pub output: String,
    /// Messages sent.
    pub messages: Vec<OutMessage>,
    /// Spawns requested.
    pub spawns: Vec<Spawn>,
    /// Assignments made.
    pub assignments: Vec<Assignment>,
    pub(crate) budget: OutputBudget,
}

/// How many bytes an outbox may still take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutputBudget {
    limit: usize,
    used: usize,
    /// Set when something was refused: the total it would have made.
    refused: Option<usize>,
}

impl Default for OutputBudget {
    fn default() -> Self {
        OutputBudget {
            limit: usize::MAX,
            used: 0,
            refused: None,
        }
    }
}

/// An empty outbox without a limit.
impl Default for Outbox {
    fn default() -> Self {
        Outbox::with_limit(OutputBudget::default().limit)
    }
}

impl OutputBudget {
    /// Takes `size` bytes; false (and remembered) when that passes the limit.
    fn take(&mut self, size: usize) -> bool {
        let total = self.used.saturating_add(size);
        if self.refused.is_some() || total > self.limit {
            self.refused = Some(self.refused.unwrap_or(self.used).saturating_add(size));
            return false;
        }
        self.used = total;
        true
    }
}

/// The bytes a set of tags adds to a result (names and values; JSON values as text).
fn tags_size(tags: &Tags) -> usize {
    tags.iter()
        .map(|t| {
            t.name.len()
                + match &t.value {
                    TagValue::Text(s) => s.len(),
                    TagValue::Json(v) => crate::json::write::value_text(v).len(),
                }
                + 8
        })
        .sum()
}

/// Fixed cost counted per message, spawn or assignment (field names, anchor, quotes).
const ITEM_OVERHEAD: usize = 64;

impl Outbox {
    /// An outbox that takes at most `limit` bytes of output. Out of line: the runtime's
    /// three outboxes share one copy of it.
    #[inline(never)]
    pub fn with_limit(limit: usize) -> Self {
        Outbox {
            output: String::new(),
            messages: Vec::new(),
            spawns: Vec::new(),
            assignments: Vec::new(),
            budget: OutputBudget {
                limit,
                ..OutputBudget::default()
            },
        }
    }

    /// Appends a line of output (refused past the limit).
    pub fn print(&mut self, text: &str) {
        if !self.budget.take(text.len() + 1) {
            return;
        }
        if !self.output.is_empty() {
            self.output.push('\n');
        }
        self.output.push_str(text);
    }

    /// Adds a sent message (refused past the limit).
    pub fn push_message(&mut self, msg: OutMessage) {
        let size = ITEM_OVERHEAD
            + msg.target.as_ref().map_or(0, String::len)
            + msg.data.as_ref().map_or(0, String::len)
            + msg.anchor.len()
            + tags_size(&msg.tags);
        if self.budget.take(size) {
            self.messages.push(msg);
        }
    }

    /// Adds a spawn (refused past the limit).
    pub fn push_spawn(&mut self, spawn: Spawn) {
        let size = ITEM_OVERHEAD
            + spawn.data.as_ref().map_or(0, String::len)
            + spawn.anchor.len()
            + tags_size(&spawn.tags);
        if self.budget.take(size) {
            self.spawns.push(spawn);
        }
    }

    /// Adds an assignment (refused past the limit).
    pub fn push_assignment(&mut self, assignment: Assignment) {
        let size = ITEM_OVERHEAD
            + assignment.message.len()
            + assignment
                .processes
                .iter()
                .map(|p| p.len() + 3)
                .sum::<usize>();
        if self.budget.take(size) {
            self.assignments.push(assignment);
        }
    }

    /// Forgets the messages, spawns and assignments collected so far (AOS'
    /// `ao.clearOutbox()`); printed output stays. Their bytes no longer count against the
    /// limit, unless something was refused already (the message fails then anyway).
    pub fn clear_sent(&mut self) {
        self.messages.clear();
        self.spawns.clear();
        self.assignments.clear();
        if self.budget.refused.is_none() {
            // What `print` took: each line's bytes and one more.
            self.budget.used = if self.output.is_empty() {
                0
            } else {
                self.output.len() + 1
            };
        }
    }

    /// When something was refused: the bytes the output would have taken, and the limit.
    pub fn over_limit(&self) -> Option<(usize, usize)> {
        self.budget.refused.map(|r| (r, self.budget.limit))
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

/// `n` in decimal (the text of a `Reference` tag, of an integer read where text is
/// expected), without `core::fmt`.
pub(crate) fn decimal(n: u64) -> String {
    let mut digits = [0u8; 20];
    let start = write_decimal(&mut digits, n);
    // SAFETY: ASCII digits only.
    unsafe { String::from_utf8_unchecked(digits[start..].to_vec()) }
}

/// Appends `n` in decimal to `out`.
pub(crate) fn push_decimal(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let start = write_decimal(&mut digits, n);
    out.extend_from_slice(&digits[start..]);
}

/// Writes `n` in decimal at the end of `buf` and returns where its first digit is:
/// `&buf[at..]` is the text. Spares the hot path `core::fmt` and its padding logic; the
/// Lua layer writes a sent message's reference with it.
///
/// # Panics
/// If `buf` is shorter than `n`'s digits (20 bytes hold any `u64`).
pub fn write_decimal(buf: &mut [u8], mut n: u64) -> usize {
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
    fn clearing_what_was_sent_keeps_the_output_and_frees_the_budget() {
        let mut out = Outbox::with_limit(1000);
        out.print("one");
        out.print("two");
        let big = "x".repeat(300);
        out.push_message(OutMessage::to("a").data(big.as_str()));
        out.push_spawn(Spawn::new().data(big.as_str()));
        out.push_assignment(Assignment {
            processes: vec!["p".into()],
            message: "m".into(),
        });
        out.clear_sent();
        assert!(out.messages.is_empty() && out.spawns.is_empty() && out.assignments.is_empty());
        assert_eq!(out.output, "one\ntwo");
        assert_eq!(out.budget.used, "one".len() + 1 + "two".len() + 1);
        // The cleared bytes count no more: two big messages fit (before the clear, not one
        // more would have).
        for target in ["b", "c"] {
            out.push_message(OutMessage::to(target).data(big.as_str()));
        }
        assert_eq!(out.messages.len(), 2);
        assert_eq!(out.over_limit(), None);
    }

    #[test]
    fn a_bounded_outbox_refuses_past_its_limit_and_remembers() {
        let mut out = Outbox::with_limit(1000);
        let big = "x".repeat(400);
        out.push_message(OutMessage::to("a").data(big.as_str()));
        out.push_message(OutMessage::to("b").data(big.as_str()));
        assert_eq!(out.over_limit(), None);
        out.push_message(OutMessage::to("c").data(big.as_str()));
        assert_eq!(out.messages.len(), 2, "the third is not kept");
        let (needed, limit) = out.over_limit().expect("refused");
        assert!(needed > 1000 && limit == 1000, "{needed}");
        // Once refused, nothing more is taken, even what would fit.
        out.print("small");
        assert!(out.output.is_empty());
        assert!(Outbox::default().over_limit().is_none());
    }

    #[test]
    fn builder_keeps_tag_order() {
        let m = OutMessage::to("x").action("A").tag("B", 2u8).tag("A2", "z");
        let names: Vec<_> = m.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Action", "B", "A2"]);
        assert_eq!(m.get("B"), Some("2"));
    }
}
