//! Compact state snapshots and the JSON view, for checkpoints and migrations; and the
//! state's schema: its version, migration hook and `patch@1.0` fields.
//!
//! In AO the module's linear memory *is* the state, so a running process never needs a
//! snapshot. Snapshots are for moving state between module versions (AO processes cannot
//! change their module: a new version is a new process that restores the old one's state),
//! for checkpoints kept outside the process, and for inspection.
//!
//! # Format
//!
//! A binary snapshot is `b"aoxs"`, the schema version as a little-endian `u32`, then the
//! state as MessagePack (rmp-serde, compact: structs as arrays). [`to_json`] gives the same
//! information as `{"aoxide-snapshot": version, "state": {...}}` for people and tools.
//!
//! ## Why MessagePack (rmp-serde) and not bitcode: measured
//!
//! `cargo bench -p aoxide --bench snapshot_format`: a token-like state with 10 000 accounts
//! (43-character addresses to decimal-string balances, plus a nonce map), mean of 20 runs on
//! this project's 2-core machine, release build:
//!
//! | format | bytes | encode | decode |
//! | --- | ---: | ---: | ---: |
//! | serde_json | 1 107 952 | 1.05 ms | 3.23 ms |
//! | rmp-serde (compact) | 1 048 919 | 0.47 ms | 2.96 ms |
//! | bitcode 0.6 (serde) | 1 006 427 | 0.39 ms | 2.51 ms |
//!
//! bitcode is 4% smaller and ~15% faster here (the data is incompressible addresses and
//! digits, so every format lands near the raw size). It loses on what matters more for a
//! state that must be readable years later by another module version:
//! - bitcode's serde mode is not self-describing: it cannot `deserialize_any`, so state that
//!   holds `serde_json::Value` or untagged enums (such as [`TagValue`](crate::TagValue) in a
//!   stored message) fails; on a JSON list mixing types it even panics while *encoding*
//!   ("type changed"), and a panic in wasm is a trap;
//! - bitcode documents its format as unstable across major versions; MessagePack is a
//!   published spec that JavaScript and Lua tools read, so a snapshot can be inspected or
//!   migrated outside Rust.
//!
//! # Schema versions and migration
//!
//! Every snapshot carries `<S as Schema>::VERSION` (`#[aoxide::process(version = N)]`, 1 by
//! default). [`load`] accepts:
//! - the same version: decoded directly;
//! - an older version: handed to [`Schema::migrate`] (`#[process(migrate = path)]`), which
//!   decodes the old layout with [`Payload::decode`] (alike from a binary snapshot and from
//!   the JSON view) and converts it; without a hook the error says so and names both
//!   versions;
//! - a newer version: refused (a module cannot know a future layout).
//!
//! The path from module version 1 to version 2:
//! 1. keep the old state type, renamed (`CounterV1`), with `#[derive(Deserialize)]` only;
//! 2. change the state, bump `#[aoxide::process(version = 2, migrate = Counter::migrate)]`
//!    and write `fn migrate(from: u32, old: Payload<'_>) -> Result<Self, SnapshotError>`
//!    that decodes `CounterV1` with [`Payload::decode`] and converts it;
//! 3. in the old process, have the owner take a snapshot (a handler returning
//!    [`to_json`] of the state, or [`save`] for the binary form);
//! 4. spawn the new module and give it the snapshot (for example in an owner-only
//!    `Restore` handler calling [`from_json`] and replacing `*self`); a layout it cannot
//!    read fails with a message naming the versions instead of a decoder error.
//!
//! ```
//! use aoxide::snapshot::{self, Payload, SnapshotError};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct CounterV1 { count: u32 }
//!
//! #[aoxide::process(version = 2, migrate = Counter::migrate)]
//! #[derive(Default, Serialize, Deserialize)]
//! struct Counter { count: u64, resets: u64 }
//!
//! impl Counter {
//!     fn migrate(from: u32, old: Payload<'_>) -> Result<Self, SnapshotError> {
//!         match from {
//!             1 => {
//!                 let v1: CounterV1 = old.decode()?;
//!                 Ok(Counter { count: v1.count.into(), resets: 0 })
//!             }
//!             _ => Err(SnapshotError::unsupported::<Self>(from)),
//!         }
//!     }
//! }
//!
//! let json_v1 = serde_json::json!({"aoxide-snapshot": 1, "state": {"count": 7}});
//! let c: Counter = snapshot::from_json(&json_v1).unwrap();
//! assert_eq!((c.count, c.resets), (7, 0));
//! let v1 = snapshot::encode_version(1, &serde_json::json!({"count": 7})).unwrap();
//! let c: Counter = snapshot::load(&v1).unwrap();
//! assert_eq!((c.count, c.resets), (7, 0));
//! let again: Counter = snapshot::load(&snapshot::save(&c).unwrap()).unwrap();
//! assert_eq!(again.count, 7);
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::outbox::OutMessage;

mod payload;

pub use self::payload::Payload;

/// The first bytes of a binary snapshot.
pub const MAGIC: [u8; 4] = *b"aoxs";

/// The state's schema: version, migration hook, and the fields published to HyperBEAM.
/// `#[aoxide::process]` implements it; by hand, `impl Schema for MyState {}` takes the
/// defaults (version 1, no migration, no patch).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an aoxide process state",
    label = "add `#[aoxide::process]` to the struct `{Self}`",
    note = "or implement `aoxide::snapshot::Schema` by hand: `impl aoxide::snapshot::Schema for {Self} {{}}`"
)]
pub trait Schema {
    /// The schema version snapshots of this state carry.
    const VERSION: u32 = 1;

    /// The `"part": "state"` record of the interface, as JSON.
    const STATE_JSON: &'static str = "";

    /// Builds the state from a snapshot of an older version `from`. The default refuses.
    fn migrate(from: u32, old: Payload<'_>) -> Result<Self, SnapshotError>
    where
        Self: Sized,
    {
        let _ = old;
        Err(SnapshotError::unsupported::<Self>(from))
    }

    /// Adds the `#[patch]` entries of this state to `patch` (see [`Patch`]). The default
    /// publishes nothing.
    fn patch(&self, patch: &mut Patch) {
        let _ = patch;
    }

    /// The `patch@1.0` message publishing the `#[patch]` fields, if there is anything to
    /// publish. The generated handlers send it after every successful message that ran a
    /// `&mut self` handler, and after init: no target, tag `device = patch@1.0`, then one
    /// tag per entry (the shape the AOS token blueprint sends).
    fn patch_message(&self) -> Option<OutMessage> {
        let mut patch = Patch::default();
        self.patch(&mut patch);
        patch.into_message()
    }
}

/// The entries of one `patch@1.0` message, collected from the state and its mounted parts.
///
/// Three kinds of entries, in the order they are added:
/// - a whole field ([`Patch::field`]): always published, so the message is sent;
/// - a keyed delta ([`Patch::delta`], a `#[patch]` on a [`crate::state::Map`]): a JSON
///   object of the entries the message changed (a removed key is `null`); the message is
///   sent when at least one key changed;
/// - a computed value ([`Patch::computed`], `#[process(patch("key" = path))]`): published
///   along with the others, never a reason to send on its own.
#[derive(Debug, Default)]
pub struct Patch {
    tags: Vec<(String, crate::tags::TagValue)>,
    publish: bool,
}

impl Patch {
    /// Adds a whole field.
    pub fn field(&mut self, key: &str, value: crate::tags::TagValue) {
        self.tags.push((key.to_owned(), value));
        self.publish = true;
    }

    /// Adds the entries of `map` the current message changed, each value turned into
    /// JSON by `value`.
    pub fn delta<K, V>(
        &mut self,
        key: &str,
        map: &crate::state::Map<K, V>,
        value: impl Fn(&V) -> serde_json::Value,
    ) where
        K: Ord + Clone + core::fmt::Display,
        V: Clone,
    {
        let changed = map.changed_keys();
        if changed.is_empty() {
            self.tags.push((
                key.to_owned(),
                serde_json::Value::Object(Default::default()).into(),
            ));
            return;
        }
        let mut object = serde_json::Map::new();
        for k in changed {
            let v = map.get(k).map_or(serde_json::Value::Null, &value);
            object.insert(k.to_string(), v);
        }
        self.tags
            .push((key.to_owned(), serde_json::Value::Object(object).into()));
        self.publish = true;
    }

    /// Adds a computed value.
    pub fn computed(&mut self, key: &str, value: crate::tags::TagValue) {
        self.tags.push((key.to_owned(), value));
    }

    /// True when the message should be sent.
    pub fn publishes(&self) -> bool {
        self.publish
    }

    /// The `patch@1.0` message, or `None` when nothing asks for it to be sent.
    pub fn into_message(self) -> Option<OutMessage> {
        if !self.publish {
            return None;
        }
        let mut out = OutMessage::untargeted().tag("device", "patch@1.0");
        for (k, v) in self.tags {
            out = out.tag(k, v);
        }
        Some(out)
    }
}

/// Why a snapshot could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The bytes do not start with [`MAGIC`] and a version.
    #[error("not an aoxide snapshot (expected the `aoxs` header and a schema version)")]
    NotASnapshot,
    /// The snapshot comes from a later schema than this module knows.
    #[error("snapshot of `{ty}` has schema version {found}, newer than this module's version {expected}; load it with a module of version {found} or later")]
    Newer {
        /// The state type.
        ty: &'static str,
        /// Version in the snapshot.
        found: u32,
        /// Version of this module.
        expected: u32,
    },
    /// An older snapshot and no migration for it.
    #[error("snapshot of `{ty}` has schema version {found} but this module expects version {expected} and has no migration from it; add `#[aoxide::process(version = {expected}, migrate = path::to::migrate)]` handling version {found}")]
    NoMigration {
        /// The state type.
        ty: &'static str,
        /// Version in the snapshot.
        found: u32,
        /// Version of this module.
        expected: u32,
    },
    /// The payload does not decode as the expected type.
    #[error("snapshot (schema version {version}) does not decode as `{ty}`: {reason}")]
    Decode {
        /// The type decoded into.
        ty: &'static str,
        /// Version in the snapshot.
        version: u32,
        /// The decoder's reason.
        reason: String,
    },
    /// The state could not be encoded.
    #[error("state of `{ty}` could not be encoded: {reason}")]
    Encode {
        /// The state type.
        ty: &'static str,
        /// The encoder's reason.
        reason: String,
    },
    /// A migration refused the snapshot.
    #[error("migration failed: {0}")]
    Migration(String),
}

impl SnapshotError {
    /// The error a migration hook returns for a version it does not handle.
    pub fn unsupported<S: Schema>(found: u32) -> Self {
        SnapshotError::NoMigration {
            ty: std::any::type_name::<S>(),
            found,
            expected: S::VERSION,
        }
    }
}

/// Encodes `state` as a binary snapshot of its current schema version.
pub fn save<S: Schema + Serialize>(state: &S) -> Result<Vec<u8>, SnapshotError> {
    encode_version(S::VERSION, state).map_err(|e| match e {
        SnapshotError::Encode { reason, .. } => SnapshotError::Encode {
            ty: std::any::type_name::<S>(),
            reason,
        },
        other => other,
    })
}

/// Encodes any value as a binary snapshot claiming schema `version` (tests of migrations,
/// tools).
pub fn encode_version<T: Serialize + ?Sized>(
    version: u32,
    value: &T,
) -> Result<Vec<u8>, SnapshotError> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    rmp_serde::encode::write(&mut out, value).map_err(|e| SnapshotError::Encode {
        ty: std::any::type_name::<T>(),
        reason: e.to_string(),
    })?;
    Ok(out)
}

/// Reads the schema version of a binary snapshot.
pub fn version_of(bytes: &[u8]) -> Result<u32, SnapshotError> {
    match bytes {
        [a, b, c, d, v0, v1, v2, v3, ..] if [*a, *b, *c, *d] == MAGIC => {
            Ok(u32::from_le_bytes([*v0, *v1, *v2, *v3]))
        }
        _ => Err(SnapshotError::NotASnapshot),
    }
}

/// Checks a snapshot's version: this module's version is read by `current` (straight from
/// the snapshot's format, so the state type's `Deserialize` is compiled only with the reader
/// of the format the caller uses), an older one goes to [`Schema::migrate`].
fn restore<S: Schema>(
    payload: Payload<'_>,
    current: impl FnOnce() -> Result<S, String>,
) -> Result<S, SnapshotError> {
    let found = payload.version();
    if found == S::VERSION {
        current().map_err(|reason| SnapshotError::Decode {
            ty: std::any::type_name::<S>(),
            version: found,
            reason,
        })
    } else if found > S::VERSION {
        Err(SnapshotError::Newer {
            ty: std::any::type_name::<S>(),
            found,
            expected: S::VERSION,
        })
    } else {
        S::migrate(found, payload)
    }
}

/// Decodes a binary snapshot, migrating it when it is older than this module's schema.
pub fn load<S: Schema + DeserializeOwned>(bytes: &[u8]) -> Result<S, SnapshotError> {
    let version = version_of(bytes)?;
    let state = &bytes[8..];
    restore(Payload::binary(state, version), || {
        rmp_serde::from_slice(state).map_err(|e| e.to_string())
    })
}

/// The JSON view: `{"aoxide-snapshot": version, "state": ...}`.
pub fn to_json<S: Schema + Serialize>(state: &S) -> Result<serde_json::Value, SnapshotError> {
    let value = serde_json::to_value(state).map_err(|e| SnapshotError::Encode {
        ty: std::any::type_name::<S>(),
        reason: e.to_string(),
    })?;
    Ok(serde_json::json!({ "aoxide-snapshot": S::VERSION, "state": value }))
}

/// Appends the JSON view of [`to_json`] to `out` as bytes, without building a
/// `serde_json::Value` first, through aoxide's own writer (what the module's `aoxide_view`
/// export writes; the members are in the same order).
pub fn write_json<S: Schema + Serialize>(
    state: &S,
    out: &mut Vec<u8>,
) -> Result<(), SnapshotError> {
    write_view(state, out).map_err(|e| SnapshotError::Encode {
        ty: std::any::type_name::<S>(),
        reason: e.to_string(),
    })
}

/// [`write_json`] without wording the error (the module's view only needs to know
/// whether there is one; `out` is left as it was then).
pub(crate) fn write_view<S: Schema + Serialize>(
    state: &S,
    out: &mut Vec<u8>,
) -> Result<(), crate::JsonWriteError> {
    let start = out.len();
    out.extend_from_slice(b"{\"aoxide-snapshot\":");
    crate::outbox::push_decimal(out, S::VERSION.into());
    out.extend_from_slice(b",\"state\":");
    if let Err(e) = crate::json::ser::to_writer(out, state) {
        out.truncate(start);
        return Err(e);
    }
    out.push(b'}');
    Ok(())
}

/// Reads the JSON view back, migrating it when it is older than this module's schema.
pub fn from_json<S: Schema + DeserializeOwned>(
    view: &serde_json::Value,
) -> Result<S, SnapshotError> {
    let version = view
        .get("aoxide-snapshot")
        .and_then(serde_json::Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(SnapshotError::NotASnapshot)?;
    let state = view.get("state").ok_or(SnapshotError::NotASnapshot)?;
    restore(Payload::json(state, version), || {
        crate::json::value_de::from_value(state).map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Map;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct S {
        n: u64,
        m: Map<String, String>,
    }
    impl Schema for S {
        const VERSION: u32 = 3;
    }

    fn s() -> S {
        S {
            n: 5,
            m: [("a".to_string(), "1".to_string())].into_iter().collect(),
        }
    }

    #[test]
    fn binary_round_trip() {
        let bytes = save(&s()).unwrap();
        assert_eq!(&bytes[..4], b"aoxs");
        assert_eq!(version_of(&bytes).unwrap(), 3);
        assert_eq!(load::<S>(&bytes).unwrap(), s());
    }

    #[test]
    fn json_round_trip() {
        let view = to_json(&s()).unwrap();
        assert_eq!(view["aoxide-snapshot"], 3);
        assert_eq!(view["state"]["m"]["a"], "1");
        assert_eq!(from_json::<S>(&view).unwrap(), s());
    }

    #[test]
    fn the_written_view_is_the_json_view() {
        let mut out = b"[".to_vec();
        write_json(&s(), &mut out).unwrap();
        let view: serde_json::Value = serde_json::from_slice(&out[1..]).unwrap();
        assert_eq!(view, to_json(&s()).unwrap());
    }

    #[test]
    fn version_mismatches_are_explained() {
        let old = encode_version(2, &s()).unwrap();
        let err = load::<S>(&old).unwrap_err().to_string();
        assert!(
            err.contains("schema version 2") && err.contains("expects version 3"),
            "{err}"
        );
        assert!(err.contains("migrate ="), "{err}");
        let new = encode_version(4, &s()).unwrap();
        let err = load::<S>(&new).unwrap_err().to_string();
        assert!(err.contains("newer"), "{err}");
        assert_eq!(load::<S>(b"nope").unwrap_err(), SnapshotError::NotASnapshot);
        let garbage = encode_version(3, &"text").unwrap();
        let err = load::<S>(&garbage).unwrap_err().to_string();
        assert!(err.contains("does not decode"), "{err}");
    }
}
