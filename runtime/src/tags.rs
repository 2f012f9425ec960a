//! Tags: an ordered list of name/value pairs whose names may repeat.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A tag value: text on every host, or a JSON value (HyperBEAM `patch@1.0` messages carry
/// objects).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TagValue {
    /// A plain string.
    Text(String),
    /// Any other JSON value.
    Json(serde_json::Value),
}

impl TagValue {
    /// The value as text when it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            TagValue::Text(s) => Some(s),
            TagValue::Json(serde_json::Value::String(s)) => Some(s),
            TagValue::Json(_) => None,
        }
    }
}

impl fmt::Display for TagValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagValue::Text(s) => f.write_str(s),
            TagValue::Json(v) => write!(f, "{v}"),
        }
    }
}

impl From<String> for TagValue {
    #[inline]
    fn from(s: String) -> Self {
        TagValue::Text(s)
    }
}

impl From<&str> for TagValue {
    #[inline]
    fn from(s: &str) -> Self {
        TagValue::Text(s.to_owned())
    }
}

impl From<&String> for TagValue {
    #[inline]
    fn from(s: &String) -> Self {
        TagValue::Text(s.clone())
    }
}

impl From<serde_json::Value> for TagValue {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::String(s) => TagValue::Text(s),
            other => TagValue::Json(other),
        }
    }
}

macro_rules! tag_value_from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for TagValue {
            fn from(v: $t) -> Self { TagValue::Text(v.to_string()) }
        }
    )*};
}
tag_value_from_display!(
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    bool,
    crate::U256
);

/// One tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The tag name (never empty on input).
    pub name: String,
    /// The tag value.
    pub value: TagValue,
}

impl Tag {
    /// A new tag.
    #[inline]
    pub fn new(name: impl Into<String>, value: impl Into<TagValue>) -> Self {
        Tag {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// An ordered list of tags. Lookups return the first tag with the name, as AOS' `msg.Tags`
/// map does; [`Tags::get_all`] returns every value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tags(Vec<Tag>);

impl Tags {
    /// An empty list.
    pub fn new() -> Self {
        Tags(Vec::new())
    }

    /// An empty list with room for `n` tags.
    pub fn with_capacity(n: usize) -> Self {
        Tags(Vec::with_capacity(n))
    }

    /// Appends a tag.
    #[inline]
    pub fn push(&mut self, tag: Tag) {
        self.0.push(tag);
    }

    /// Appends a tag by name and value.
    pub fn add(&mut self, name: impl Into<String>, value: impl Into<TagValue>) {
        self.0.push(Tag::new(name, value));
    }

    /// Replaces the first tag called `name` or appends it.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<TagValue>) {
        let name = name.into();
        let value = value.into();
        match self.0.iter_mut().find(|t| t.name == name) {
            Some(t) => t.value = value,
            None => self.0.push(Tag { name, value }),
        }
    }

    /// Removes every tag called `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|t| t.name != name);
    }

    /// The first value of tag `name` as text.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name).and_then(TagValue::as_str)
    }

    /// The first value of tag `name`.
    #[inline]
    pub fn find(&self, name: &str) -> Option<&TagValue> {
        self.0.iter().find(|t| t.name == name).map(|t| &t.value)
    }

    /// The first value of the tag whose name equals `name` ignoring ASCII case.
    pub fn find_ignore_case(&self, name: &str) -> Option<&TagValue> {
        self.0
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| &t.value)
    }

    /// Every text value of tag `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |t| t.name == name)
            .filter_map(|t| t.value.as_str())
    }

    /// True if a tag called `name` exists.
    #[inline]
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|t| t.name == name)
    }

    /// Iterates over the tags in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Tag> {
        self.0.iter()
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tags as a slice.
    pub fn as_slice(&self) -> &[Tag] {
        &self.0
    }
}

impl From<Vec<Tag>> for Tags {
    fn from(v: Vec<Tag>) -> Self {
        Tags(v)
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = &'a Tag;
    type IntoIter = std::slice::Iter<'a, Tag>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Tags {
    type Item = Tag;
    type IntoIter = std::vec::IntoIter<Tag>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl FromIterator<Tag> for Tags {
    fn from_iter<I: IntoIterator<Item = Tag>>(iter: I) -> Self {
        Tags(iter.into_iter().collect())
    }
}

impl Extend<Tag> for Tags {
    fn extend<I: IntoIterator<Item = Tag>>(&mut self, iter: I) {
        self.0.extend(iter)
    }
}
