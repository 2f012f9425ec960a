//! Tags: an ordered list of name/value pairs whose names may repeat.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A tag value: text on every host, or a JSON value (HyperBEAM `patch@1.0` messages carry
/// objects).
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
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
            TagValue::Json(v) => f.write_str(&crate::json::write::value_text(v)),
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
///
/// Every operation costs at most linear time in the list, and lookups by name
/// ([`get`](Tags::get), [`find`](Tags::find), [`contains`](Tags::contains),
/// [`set`](Tags::set)) cost O(log n) name comparisons once the list is longer than a few
/// tags: a list past [`INDEX_FROM`] tags keeps an ordered index from each name to its first
/// position (a `BTreeMap`: no hashing, so no input can make it slow and nothing depends on
/// a hash seed). A message with 100,000 tags that a handler walks, looking each name up,
/// therefore costs O(n log n), not O(n^2).
#[derive(Debug, Default)]
pub struct Tags {
    list: Vec<Tag>,
    /// First position of every name; `Some` exactly when `list.len() > INDEX_FROM`.
    index: Option<Index>,
}

/// The index of a long list: name -> first position, ordered by name.
///
/// A `serde_json::Map` (a `BTreeMap<String, Value>`) holding the positions as numbers,
/// not a `BTreeMap<String, usize>`: the reader builds JSON objects with the same map, so
/// every module already carries its code, and a second instantiation of the B-tree would
/// add about 3 KB to each.
#[derive(Debug, Default)]
struct Index(serde_json::Map<String, serde_json::Value>);

/// A copy indexes the copied list again (the B-tree's own clone would be one more copy of
/// B-tree code in every module; the index holds first positions, so it is the same).
impl Clone for Tags {
    fn clone(&self) -> Self {
        Tags::from(self.list.clone())
    }
}

impl Clone for TagValue {
    fn clone(&self) -> Self {
        match self {
            TagValue::Text(s) => TagValue::Text(s.clone()),
            TagValue::Json(v) => TagValue::Json(clone_json(v)),
        }
    }
}

/// A copy of `v` built with the map insertion the reader uses, not `Value`'s derived
/// `Clone`: that one brings the B-tree's own clone (`clone_subtree`) and a `Vec<Value>`
/// clone into every module (about 1 KB after `-Oz`), for values copied only when a
/// message's or the env's tags are.
pub(crate) fn clone_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Null => Value::Null,
        Value::Bool(b) => Value::Bool(*b),
        Value::Number(n) => Value::Number(n.clone()),
        Value::String(s) => Value::String(s.clone()),
        Value::Array(items) => {
            let mut copy = Vec::with_capacity(items.len());
            for item in items {
                copy.push(clone_json(item));
            }
            Value::Array(copy)
        }
        Value::Object(map) => {
            let mut copy = serde_json::Map::new();
            for (k, item) in map {
                copy.insert(k.clone(), clone_json(item));
            }
            Value::Object(copy)
        }
    }
}

impl Index {
    /// Records `at` as the first position of `name` unless it has one.
    fn add_first(&mut self, name: &str, at: usize) {
        if !self.0.contains_key(name) {
            self.0
                .insert(name.to_owned(), serde_json::Value::from(at as u64));
        }
    }

    /// The first position of `name`.
    fn get(&self, name: &str) -> Option<usize> {
        self.0
            .get(name)
            .and_then(serde_json::Value::as_u64)
            .map(|at| at as usize)
    }
}

/// Lists up to this many tags are scanned; longer ones keep an index by name.
pub const INDEX_FROM: usize = 16;

impl PartialEq for Tags {
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

impl Eq for Tags {}

impl Serialize for Tags {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.list.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Tag>::deserialize(deserializer).map(Tags::from)
    }
}

impl Tags {
    /// An empty list.
    pub fn new() -> Self {
        Tags {
            list: Vec::new(),
            index: None,
        }
    }

    /// An empty list with room for `n` tags.
    pub fn with_capacity(n: usize) -> Self {
        Tags {
            list: Vec::with_capacity(n),
            index: None,
        }
    }

    /// Appends a tag.
    #[inline]
    pub fn push(&mut self, tag: Tag) {
        if self.index.is_none() && self.list.len() < INDEX_FROM {
            self.list.push(tag);
        } else {
            self.push_indexed(tag);
        }
    }

    /// [`push`](Self::push) onto a list that has, or is about to need, its index: out of
    /// line, so that each of the many short pushes stays small.
    #[inline(never)]
    fn push_indexed(&mut self, tag: Tag) {
        let at = self.list.len();
        if let Some(index) = self.index.as_mut() {
            index.add_first(&tag.name, at);
        }
        self.list.push(tag);
        if self.index.is_none() && self.list.len() > INDEX_FROM {
            self.reindex();
        }
    }

    /// Appends a tag by name and value.
    pub fn add(&mut self, name: impl Into<String>, value: impl Into<TagValue>) {
        self.push(Tag::new(name, value));
    }

    /// Replaces the first tag called `name` or appends it.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<TagValue>) {
        let name = name.into();
        let value = value.into();
        match self.position(&name) {
            Some(at) => self.list[at].value = value,
            None => self.push(Tag { name, value }),
        }
    }

    /// Removes every tag called `name`.
    pub fn remove(&mut self, name: &str) {
        if !self.contains(name) {
            return;
        }
        self.list.retain(|t| t.name != name);
        self.reindex();
    }

    /// The first value of tag `name` as text (looked up by one out-of-line function, not a
    /// copy of the lookup at every call).
    #[inline]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find_out_of_line(name).and_then(TagValue::as_str)
    }

    /// The first value of tag `name`.
    #[inline]
    pub fn find(&self, name: &str) -> Option<&TagValue> {
        self.position(name).map(|at| &self.list[at].value)
    }

    /// [`Tags::find`] as one function: what every handler's tag parameter reads through
    /// (`Message::tag`), so that each does not carry its own copy of the lookup.
    #[inline(never)]
    pub(crate) fn find_out_of_line(&self, name: &str) -> Option<&TagValue> {
        self.find(name)
    }

    /// The first value of the tag whose name equals `name` ignoring ASCII case (a scan).
    pub fn find_ignore_case(&self, name: &str) -> Option<&TagValue> {
        self.list
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| &t.value)
    }

    /// Every text value of tag `name`, in order (a scan from its first position).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let from = match &self.index {
            Some(index) => index.get(name).unwrap_or(self.list.len()),
            None => 0,
        };
        self.list[from..]
            .iter()
            .filter(move |t| t.name == name)
            .filter_map(|t| t.value.as_str())
    }

    /// True if a tag called `name` exists.
    #[inline]
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Iterates over the tags in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Tag> {
        self.list.iter()
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are no tags.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The tags as a slice.
    pub fn as_slice(&self) -> &[Tag] {
        &self.list
    }

    /// Where the first tag called `name` is: out of line, one copy of the lookup for every
    /// `find`, `get` and `contains`.
    #[inline(never)]
    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(name),
            None => self.list.iter().position(|t| t.name == name),
        }
    }

    /// Rebuilds the index from the list (dropping it for a short list).
    fn reindex(&mut self) {
        if self.list.len() <= INDEX_FROM {
            self.index = None;
            return;
        }
        let mut index = Index::default();
        for (at, tag) in self.list.iter().enumerate() {
            index.add_first(&tag.name, at);
        }
        self.index = Some(index);
    }
}

impl From<Vec<Tag>> for Tags {
    fn from(list: Vec<Tag>) -> Self {
        let mut tags = Tags { list, index: None };
        tags.reindex();
        tags
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = &'a Tag;
    type IntoIter = std::slice::Iter<'a, Tag>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl IntoIterator for Tags {
    type Item = Tag;
    type IntoIter = std::vec::IntoIter<Tag>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

impl FromIterator<Tag> for Tags {
    fn from_iter<I: IntoIterator<Item = Tag>>(iter: I) -> Self {
        Tags::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl Extend<Tag> for Tags {
    fn extend<I: IntoIterator<Item = Tag>>(&mut self, iter: I) {
        for tag in iter {
            self.push(tag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy is equal, JSON values included, and a long list's copy finds every name
    /// where the original does.
    #[test]
    fn clones_are_equal_and_indexed() {
        let nested = serde_json::json!({
            "b": [1, -2, 2.5, 1e300, -0.0, null, true, false, "x", {"c": {}}],
            "a": {"d": [], "e": u64::MAX, "f": i64::MIN},
        });
        for len in [0, 3, INDEX_FROM, INDEX_FROM + 1, 40] {
            let mut tags = Tags::new();
            for i in 0..len {
                tags.add(format!("T{}", i % 7), format!("v{i}"));
            }
            tags.add("Json", TagValue::Json(nested.clone()));
            let copy = tags.clone();
            assert_eq!(copy, tags);
            assert_eq!(copy.index.is_some(), tags.list.len() > INDEX_FROM);
            for name in ["T0", "T3", "T6", "Json", "absent"] {
                assert_eq!(copy.find(name), tags.find(name), "{name} at {len}");
            }
            match copy.find("Json") {
                Some(TagValue::Json(v)) => assert_eq!(v, &nested),
                other => panic!("{other:?}"),
            }
        }
    }

    /// The same answers as a plain scan of the list, at every length and after every kind
    /// of change (the index is only a cache of the list).
    #[test]
    fn indexed_lookups_match_a_scan() {
        let mut tags = Tags::new();
        let names = |i: usize| format!("N{}", i % 23);
        for i in 0..200 {
            match i % 7 {
                3 => tags.set(names(i * 5), i),
                5 => tags.remove(&names(i * 3)),
                _ => tags.add(names(i), i),
            }
            assert_eq!(tags.index.is_some(), tags.len() > INDEX_FROM);
            for n in 0..25 {
                let name = format!("N{n}");
                let scan = tags.iter().find(|t| t.name == name).map(|t| &t.value);
                assert_eq!(tags.find(&name), scan, "{name} after step {i}");
                let all: Vec<_> = tags.get_all(&name).collect();
                let scan_all: Vec<_> = tags
                    .iter()
                    .filter(|t| t.name == name)
                    .filter_map(|t| t.value.as_str())
                    .collect();
                assert_eq!(all, scan_all);
            }
        }
    }

    #[test]
    fn equality_and_serde_see_only_the_list() {
        let list: Vec<Tag> = (0..40).map(|i| Tag::new(format!("T{i}"), i)).collect();
        let built: Tags = list.iter().cloned().collect();
        let mut pushed = Tags::new();
        pushed.extend(list.iter().cloned());
        assert_eq!(built, pushed);
        let json = serde_json::to_string(&built).unwrap();
        assert_eq!(json, serde_json::to_string(&list).unwrap());
        let back: Tags = serde_json::from_str(&json).unwrap();
        assert_eq!(back, built);
        assert_eq!(back.get("T39"), Some("39"));
    }
}
