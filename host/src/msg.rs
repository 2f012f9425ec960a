//! Builders for what a test sends: [`Msg`] for messages, [`SpawnOptions`] for spawns.

use aoxide::{OutMessage, Tag, TagValue, Tags};

/// A message a wallet sends (or dry-runs): tags, data and an optional anchor.
///
/// ```
/// use aoxide_host::Msg;
/// let m = Msg::new().action("Transfer").tag("Quantity", 5u64).data("memo");
/// assert_eq!(m.tags().get("Action"), Some("Transfer"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Msg {
    tags: Tags,
    data: String,
    anchor: Option<String>,
}

impl Msg {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tag (names may repeat; order is kept).
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<TagValue>) -> Self {
        self.tags.push(Tag::new(name, value));
        self
    }

    /// Adds the `Action` tag.
    pub fn action(self, action: impl Into<String>) -> Self {
        self.tag("Action", action.into())
    }

    /// Sets the data.
    pub fn data(mut self, data: impl Into<String>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets the data to a JSON document and adds `Content-Type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.data = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
        self.tag("Content-Type", "application/json")
    }

    /// Sets the anchor.
    pub fn anchor(mut self, anchor: impl Into<String>) -> Self {
        self.anchor = Some(anchor.into());
        self
    }

    /// The tags so far.
    pub fn tags(&self) -> &Tags {
        &self.tags
    }

    /// The data so far.
    pub fn data_str(&self) -> &str {
        &self.data
    }

    pub(crate) fn into_parts(self) -> (Tags, String, Option<String>) {
        (self.tags, self.data, self.anchor)
    }
}

impl From<OutMessage> for Msg {
    /// Takes the tags and data of an [`OutMessage`] (its target is ignored: `send` names it).
    fn from(m: OutMessage) -> Self {
        Msg {
            tags: m.tags,
            data: m.data.unwrap_or_default(),
            anchor: (!m.anchor.is_empty()).then_some(m.anchor),
        }
    }
}

/// How to spawn a process from a wallet: extra tags, data, and an optional cron schedule.
///
/// ```
/// use aoxide_host::SpawnOptions;
/// let o = SpawnOptions::new().name("ticker").cron("10-seconds").cron_tag("Action", "Tick");
/// assert_eq!(o.tags().get("Cron-Interval"), Some("10-seconds"));
/// assert_eq!(o.tags().get("Cron-Tag-Action"), Some("Tick"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpawnOptions {
    tags: Tags,
    data: String,
}

impl SpawnOptions {
    /// No extra tags, no data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tag to the spawn message (and so to the process' tags in the env).
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<TagValue>) -> Self {
        self.tags.push(Tag::new(name, value));
        self
    }

    /// Sets the `Name` tag.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.tag("Name", name.into())
    }

    /// Sets the data of the spawn message.
    pub fn data(mut self, data: impl Into<String>) -> Self {
        self.data = data.into();
        self
    }

    /// Adds a `Cron-Interval` tag, such as `"1-minute"` or `"10-seconds"`: [`Net::tick`]
    /// then delivers a cron message at each interval.
    ///
    /// [`Net::tick`]: crate::Net::tick
    pub fn cron(self, interval: impl Into<String>) -> Self {
        self.tag("Cron-Interval", interval.into())
    }

    /// Adds a `Cron-Tag-<name>` tag: cron messages carry the tag `<name>: <value>`.
    pub fn cron_tag(self, name: &str, value: impl Into<TagValue>) -> Self {
        self.tag(format!("Cron-Tag-{name}"), value)
    }

    /// The tags so far.
    pub fn tags(&self) -> &Tags {
        &self.tags
    }

    pub(crate) fn into_parts(self) -> (Tags, String) {
        (self.tags, self.data)
    }
}
