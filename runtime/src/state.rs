//! Transactional process state.
//!
//! A failed message must leave the state exactly as it was, on every host (HyperBEAM keeps
//! the memory of a failed call). The runtime takes a [`Transactional::savepoint`] before each
//! message and either commits or rolls back. The cost is what the message wrote, not the
//! size of the state: scalars and small values save a copy, while [`Map`] keeps an undo
//! journal of the entries a message changed. Use [`Map`] for anything that grows with
//! users (balances, members, records).

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// State that can be rolled back to a savepoint.
///
/// Derive it for a struct with `#[aoxide::process]` (each field must be `Transactional`),
/// or implement it by copy with [`transactional_by_clone!`](crate::transactional_by_clone).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be rolled back: it does not implement `Transactional`",
    label = "every field of a process state must be `Transactional`",
    note = "for a map use `aoxide::state::Map` (rollback costs what a message wrote), for a list `aoxide::state::Log`; for a struct of Transactional fields add `#[derive(aoxide::Transactional)]`; a small type of your own crate can use `aoxide::transactional_by_clone!(Type);`, but a type from another crate (such as `HashMap`) cannot get the impl in yours (orphan rule): wrap it in a newtype of your own and use the macro on the newtype"
)]
pub trait Transactional {
    /// What is needed to roll back.
    type Savepoint;
    /// Starts recording changes.
    fn savepoint(&mut self) -> Self::Savepoint;
    /// Undoes every change since `savepoint`.
    fn rollback(&mut self, savepoint: Self::Savepoint);
    /// Keeps the changes since `savepoint`.
    fn commit(&mut self, savepoint: Self::Savepoint);
}

/// Implements [`Transactional`] for types by saving a copy of the value (cheap for small
/// values; O(size) for collections, so prefer [`Map`] for those).
#[macro_export]
macro_rules! transactional_by_clone {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::state::Transactional for $t {
            type Savepoint = $t;
            fn savepoint(&mut self) -> $t { ::core::clone::Clone::clone(self) }
            fn rollback(&mut self, savepoint: $t) { *self = savepoint; }
            fn commit(&mut self, _savepoint: $t) {}
        }
    )*};
}

transactional_by_clone!(
    (),
    bool,
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
    f32,
    f64,
    char,
    String,
    crate::U256,
    crate::tag::Address,
    serde_json::Value,
);

impl<T: Clone> Transactional for Option<T> {
    type Savepoint = Option<T>;
    fn savepoint(&mut self) -> Option<T> {
        self.clone()
    }
    fn rollback(&mut self, savepoint: Option<T>) {
        *self = savepoint;
    }
    fn commit(&mut self, _savepoint: Option<T>) {}
}

/// Copies the whole vector: O(len). Use [`Map`] (or [`Log`]) for collections that grow.
impl<T: Clone> Transactional for Vec<T> {
    type Savepoint = Vec<T>;
    fn savepoint(&mut self) -> Vec<T> {
        self.clone()
    }
    fn rollback(&mut self, savepoint: Vec<T>) {
        *self = savepoint;
    }
    fn commit(&mut self, _savepoint: Vec<T>) {}
}

/// Copies the whole map: O(len). Use [`Map`] for maps that grow.
impl<K: Clone + Ord, V: Clone> Transactional for BTreeMap<K, V> {
    type Savepoint = BTreeMap<K, V>;
    fn savepoint(&mut self) -> BTreeMap<K, V> {
        self.clone()
    }
    fn rollback(&mut self, savepoint: BTreeMap<K, V>) {
        *self = savepoint;
    }
    fn commit(&mut self, _savepoint: BTreeMap<K, V>) {}
}

/// A savepoint of a journaled collection: how deep the journal was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalMark {
    len: usize,
    outermost: bool,
}

/// An ordered map whose rollback costs what a message wrote.
///
/// Reads are a `BTreeMap`'s; every write during a transaction records the key's previous
/// value in a journal that commit drops and rollback replays backwards. Iteration order is
/// the key order (deterministic). Serialises as a plain map.
#[derive(Debug, Clone)]
pub struct Map<K: Ord, V> {
    entries: BTreeMap<K, V>,
    journal: Vec<(K, Option<V>)>,
    depth: u32,
}

impl<K: Ord, V> Default for Map<K, V> {
    fn default() -> Self {
        Map {
            entries: BTreeMap::new(),
            journal: Vec::new(),
            depth: 0,
        }
    }
}

impl<K: Ord + PartialEq, V: PartialEq> PartialEq for Map<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<K: Ord + Clone, V: Clone> Map<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn record(&mut self, key: &K) {
        if self.depth > 0 {
            let old = self.entries.get(key).cloned();
            self.journal.push((key.clone(), old));
        }
    }

    /// Inserts, returning the previous value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.record(&key);
        self.entries.insert(key, value)
    }

    /// Removes, returning the value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let (k, _) = self.entries.get_key_value(key)?;
        let k = k.clone();
        self.record(&k);
        self.entries.remove(key)
    }

    /// A mutable reference to the value of `key`, recording it for rollback.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let (k, _) = self.entries.get_key_value(key)?;
        let k = k.clone();
        self.record(&k);
        self.entries.get_mut(key)
    }

    /// The value of `key`, inserting `make()` first when absent; recorded for rollback.
    pub fn entry_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.record(&key);
        self.entries.entry(key).or_insert_with(make)
    }

    /// Replaces the value of `key` with `f(old)`; `None` from `f` removes it.
    pub fn update(&mut self, key: K, f: impl FnOnce(Option<&V>) -> Option<V>) {
        let new = f(self.entries.get(&key));
        self.record(&key);
        match new {
            Some(v) => {
                self.entries.insert(key, v);
            }
            None => {
                self.entries.remove(&key);
            }
        }
    }

    /// Removes every entry (recording each for rollback).
    pub fn clear(&mut self) {
        if self.depth > 0 {
            let old = std::mem::take(&mut self.entries);
            self.journal
                .extend(old.into_iter().map(|(k, v)| (k, Some(v))));
        } else {
            self.entries.clear();
        }
    }
}

impl<K: Ord, V> Map<K, V> {
    /// The value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.get(key)
    }

    /// True if `key` is present.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.contains_key(key)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> std::collections::btree_map::Iter<'_, K, V> {
        self.entries.iter()
    }

    /// Keys in order.
    pub fn keys(&self) -> std::collections::btree_map::Keys<'_, K, V> {
        self.entries.keys()
    }

    /// Values in key order.
    pub fn values(&self) -> std::collections::btree_map::Values<'_, K, V> {
        self.entries.values()
    }

    /// The entries as a `BTreeMap`.
    pub fn as_btree(&self) -> &BTreeMap<K, V> {
        &self.entries
    }

    /// Number of undo records kept for the open transaction.
    pub fn journal_len(&self) -> usize {
        self.journal.len()
    }

    /// The keys written (inserted, changed or removed) since the outermost savepoint, in
    /// the order they were first written, each once. This is what a `#[patch]` on a `Map`
    /// field publishes: the keys the message changed, at a cost proportional to its writes.
    pub fn changed_keys(&self) -> Vec<&K> {
        let mut keys: Vec<&K> = Vec::with_capacity(self.journal.len());
        for (k, _) in &self.journal {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        keys
    }
}

impl<K: Ord + Clone, V: Clone> Transactional for Map<K, V> {
    type Savepoint = JournalMark;

    fn savepoint(&mut self) -> JournalMark {
        self.depth += 1;
        JournalMark {
            len: self.journal.len(),
            outermost: self.depth == 1,
        }
    }

    fn rollback(&mut self, mark: JournalMark) {
        while self.journal.len() > mark.len {
            if let Some((k, old)) = self.journal.pop() {
                match old {
                    Some(v) => {
                        self.entries.insert(k, v);
                    }
                    None => {
                        self.entries.remove(&k);
                    }
                }
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn commit(&mut self, mark: JournalMark) {
        if mark.outermost {
            self.journal.clear();
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

impl<K: Ord + Serialize, V: Serialize> Serialize for Map<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(s)
    }
}

impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Map<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Map {
            entries: BTreeMap::deserialize(d)?,
            journal: Vec::new(),
            depth: 0,
        })
    }
}

impl<K: Ord + Clone, V: Clone> FromIterator<(K, V)> for Map<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Map {
            entries: iter.into_iter().collect(),
            journal: Vec::new(),
            depth: 0,
        }
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a Map<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::collections::btree_map::Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// An append-mostly list whose rollback costs what a message wrote: pushes are undone by
/// truncation, other edits through [`Log::set`]/[`Log::remove`] are journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct Log<T> {
    items: Vec<T>,
    journal: Vec<LogUndo<T>>,
    depth: u32,
}

#[derive(Debug, Clone, PartialEq)]
enum LogUndo<T> {
    Pushed,
    Set(usize, T),
    Removed(usize, T),
}

impl<T> Default for Log<T> {
    fn default() -> Self {
        Log {
            items: Vec::new(),
            journal: Vec::new(),
            depth: 0,
        }
    }
}

impl<T: Clone> Log<T> {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an item.
    pub fn push(&mut self, item: T) {
        if self.depth > 0 {
            self.journal.push(LogUndo::Pushed);
        }
        self.items.push(item);
    }

    /// Replaces the item at `index`; returns false when out of range.
    pub fn set(&mut self, index: usize, item: T) -> bool {
        match self.items.get_mut(index) {
            Some(slot) => {
                let old = std::mem::replace(slot, item);
                if self.depth > 0 {
                    self.journal.push(LogUndo::Set(index, old));
                }
                true
            }
            None => false,
        }
    }

    /// Removes the item at `index`, shifting the rest.
    pub fn remove(&mut self, index: usize) -> Option<T> {
        if index >= self.items.len() {
            return None;
        }
        let old = self.items.remove(index);
        if self.depth > 0 {
            self.journal.push(LogUndo::Removed(index, old.clone()));
        }
        Some(old)
    }

    /// The items.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// Iterates over the items.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<T: Clone> Transactional for Log<T> {
    type Savepoint = JournalMark;

    fn savepoint(&mut self) -> JournalMark {
        self.depth += 1;
        JournalMark {
            len: self.journal.len(),
            outermost: self.depth == 1,
        }
    }

    fn rollback(&mut self, mark: JournalMark) {
        while self.journal.len() > mark.len {
            match self.journal.pop() {
                Some(LogUndo::Pushed) => {
                    self.items.pop();
                }
                Some(LogUndo::Set(i, old)) => self.items[i] = old,
                Some(LogUndo::Removed(i, old)) => self.items.insert(i, old),
                None => break,
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn commit(&mut self, mark: JournalMark) {
        if mark.outermost {
            self.journal.clear();
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

impl<T: Serialize> Serialize for Log<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Log<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Log {
            items: Vec::deserialize(d)?,
            journal: Vec::new(),
            depth: 0,
        })
    }
}

impl<T: Clone> FromIterator<T> for Log<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Log {
            items: iter.into_iter().collect(),
            journal: Vec::new(),
            depth: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_rollback_restores_inserts_updates_and_removes() {
        let mut m: Map<String, u64> = [("a".to_string(), 1), ("b".to_string(), 2)]
            .into_iter()
            .collect();
        let before = m.clone();
        let sp = m.savepoint();
        m.insert("a".into(), 10);
        m.insert("c".into(), 3);
        m.remove("b");
        *m.get_mut("a").unwrap() += 1;
        m.update("d".into(), |_| Some(4));
        assert_eq!(m.journal_len(), 5);
        m.rollback(sp);
        assert_eq!(m, before);
        assert_eq!(m.get("b"), Some(&2));
        assert_eq!(m.get("c"), None);
    }

    #[test]
    fn map_commit_drops_journal_and_nests() {
        let mut m: Map<u32, u32> = Map::new();
        m.insert(1, 1);
        assert_eq!(m.journal_len(), 0, "no journal outside a transaction");
        let outer = m.savepoint();
        m.insert(2, 2);
        let inner = m.savepoint();
        m.insert(3, 3);
        m.rollback(inner);
        assert_eq!(m.get(&3), None);
        assert_eq!(m.get(&2), Some(&2));
        m.commit(outer);
        assert_eq!(m.journal_len(), 0);
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn map_clear_rolls_back() {
        let mut m: Map<u32, u32> = (0..10).map(|i| (i, i)).collect();
        let sp = m.savepoint();
        m.clear();
        assert!(m.is_empty());
        m.rollback(sp);
        assert_eq!(m.len(), 10);
    }

    #[test]
    fn log_rollback() {
        let mut l: Log<u8> = [1, 2, 3].into_iter().collect();
        let sp = l.savepoint();
        l.push(4);
        l.set(0, 9);
        l.remove(1);
        assert_eq!(l.as_slice(), &[9, 3, 4]);
        l.rollback(sp);
        assert_eq!(l.as_slice(), &[1, 2, 3]);
    }

    #[test]
    fn serde_is_plain() {
        let m: Map<String, u8> = [("k".to_string(), 1)].into_iter().collect();
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"k":1}"#);
        let back: Map<String, u8> = serde_json::from_str(r#"{"k":1}"#).unwrap();
        assert_eq!(back, m);
    }
}
