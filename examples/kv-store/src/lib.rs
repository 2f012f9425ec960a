//! Example aoxide process: a key-value store, written with the handler macros.
//!
//! It shows most handler options: tag rules, `when` predicates, explicit ordering,
//! observers that `continue`, caller restrictions, one-shot handlers, JSON data and
//! replies, snapshots and a schema migration.
//!
//! | Action | Tags | Data | Who | Does |
//! | --- | --- | --- | --- | --- |
//! | `Set` | `Key` | the value | anyone | stores it (values over 1 KiB are refused) |
//! | `Set` | `Key`, `Locked=true` | the value | owner | stores it and locks the key |
//! | `Set-Many` | | JSON object | anyone | stores every pair, or none if one fails (same limits as `Set`) |
//! | `Get` | `Key` | | anyone | replies `Action=Value`, `Key`, `Found`, Data = value |
//! | `List` | `Prefix` (optional) | | anyone | replies the matching keys as JSON |
//! | `Delete` | `Key` | | the owner or the process | removes it (anyone else gets an Error) |
//! | `Seed` | | JSON object | owner, once | initial contents |
//! | `Snapshot` | | | owner | replies the JSON view of the state |
//! | `Restore` | | a JSON view | owner | replaces the state (migrating older versions) |
//! | `Spawn-Child` | `Child-Module` | | anyone | spawns a process from that module and awaits its `Spawned` notice, then sends `Action=Child-Spawned`, `Process=<child id>` to whoever asked |
//! | `Assign` | `Message`, `Processes` (comma-separated) | | anyone | assigns the message |
//!
//! Every `Set` and `Set-Many` is counted in `writes` by an observer handler that runs first
//! and lets the walk go on; `Delete` counts itself (only once it is known to be allowed). A
//! refused write is an Error: it changes nothing, counts nothing and sends nothing.
//!
//! HyperBEAM sees `writes` through `patch@1.0` after every write, not the entries: a patch
//! carrying the whole store would make every 1-byte `Set` cost the size of the store.

#![warn(missing_docs)]

use std::collections::BTreeMap;

use aoxide::interface::Json;
use aoxide::pending::spawned_process;
use aoxide::snapshot::{self, Payload, SnapshotError};
use aoxide::state::Map;
use aoxide::{fail, Ctx, Message, OutMessage, Result, Spawn};
use serde::{Deserialize, Serialize};

/// The largest value `Set` accepts, in bytes.
pub const MAX_VALUE: usize = 1024;

/// The state of a key-value store (schema version 2).
#[aoxide::process(version = 2, migrate = KvStore::migrate)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct KvStore {
    /// The entries (not published: see the crate docs).
    pub entries: Map<String, String>,
    /// Keys only the owner may overwrite.
    pub locked: Map<String, bool>,
    /// Writes done (`Set`, `Set-Many`, `Delete`), refused ones excluded.
    #[patch]
    pub writes: u64,
}

/// Version 1 of the state, kept to read old snapshots.
#[derive(Deserialize)]
struct KvStoreV1 {
    /// A plain map then; read as the `Map` version 2 keeps (the same JSON), so the
    /// migration reuses its reader and moves the entries over as they are.
    entries: Map<String, String>,
}

fn too_large(msg: &Message) -> bool {
    check_value(&msg.data).is_err()
}

/// The one rule for values, whichever action writes them.
fn check_value(value: &str) -> Result<()> {
    if value.len() > MAX_VALUE {
        fail!(
            "value is {} bytes, over the limit of {MAX_VALUE}",
            value.len()
        );
    }
    Ok(())
}

/// `key` in double quotes, escaped as a JSON string: what `{:?}` shows for the keys people
/// use, without `Debug`'s escaping and Unicode tables (7.6 KB of the module, docs/size.md).
fn quoted(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    aoxide::push_json_string(&mut out, key);
    out
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 128 {
        fail!("key must be 1 to 128 bytes, got {}", key.len());
    }
    Ok(())
}

#[aoxide::handlers]
impl KvStore {
    /// Counts writes; runs before them and lets them run.
    #[handler(tags(Action = ["Set", "Set-Many"]), continue, before = "set")]
    fn count_write(&mut self) {
        self.writes += 1;
    }

    /// Refuses values over [`MAX_VALUE`] bytes before `set` sees them.
    #[handler(action = "Set", when = too_large, before = "set")]
    fn refuse_large(&self, msg: &Message) -> Result<()> {
        check_value(&msg.data)
    }

    /// Stores a value and locks its key (owner only).
    #[handler(action = "Set", tags(Locked = "true"), from = owner, before = "set")]
    fn set_locked(&mut self, msg: &Message, key: String) -> Result<()> {
        check_key(&key)?;
        self.entries.insert(key.clone(), msg.data.clone());
        self.locked.insert(key, true);
        Ok(())
    }

    /// Stores the data under `Key`.
    #[handler(action = "Set")]
    fn set(&mut self, msg: &Message, key: String) -> Result<()> {
        check_key(&key)?;
        if self.locked.contains_key(&key) {
            fail!("key {} is locked", quoted(&key));
        }
        self.entries.insert(key, msg.data.clone());
        Ok(())
    }

    /// Stores every pair of the JSON object in Data, or none of them.
    #[handler(action = "Set-Many")]
    fn set_many(&mut self, #[data] pairs: BTreeMap<String, String>) -> Result<String> {
        let n = pairs.len();
        for (key, value) in pairs {
            check_key(&key)?;
            check_value(&value)
                .map_err(|e| aoxide::Error::msg(format!("key {}: {e}", quoted(&key))))?;
            if self.locked.contains_key(&key) {
                fail!("key {} is locked", quoted(&key));
            }
            self.entries.insert(key, value);
        }
        Ok(format!("stored {n}"))
    }

    /// Replies with the value of `Key`.
    #[handler(action = "Get")]
    fn get(&self, key: String) -> OutMessage {
        let value = self.entries.get(&key);
        OutMessage::untargeted()
            .action("Value")
            .tag("Key", key.as_str())
            .tag("Found", value.is_some())
            .data(value.cloned().unwrap_or_default())
    }

    /// Replies with the keys starting with `Prefix`, as a JSON list.
    #[handler(action = "List")]
    fn list(&self, prefix: Option<String>) -> Json<Vec<String>> {
        let prefix = prefix.unwrap_or_default();
        Json(
            self.entries
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .cloned()
                .collect(),
        )
    }

    /// Removes `Key`.
    #[handler(action = "Delete", from = trusted)]
    fn delete(&mut self, #[tag("Key")] name: String) -> Result<()> {
        if self.entries.remove(&name).is_none() {
            fail!("no key {}", quoted(&name));
        }
        self.locked.remove(&name);
        self.writes += 1;
        Ok(())
    }

    /// Refuses a `Delete` from anyone `delete` does not take: an Error, not a silent no-op.
    #[handler(action = "Delete", after = "delete")]
    fn refuse_delete(&self) -> Result<()> {
        fail!("only the owner or the process may delete")
    }

    /// Loads initial contents; runs once.
    #[handler(action = "Seed", from = owner, once)]
    fn seed(&mut self, #[data] pairs: BTreeMap<String, String>) {
        for (k, v) in pairs {
            self.entries.insert(k, v);
        }
    }

    /// Replies with the JSON view of the state (`Content-Type: application/json`).
    #[handler(action = "Snapshot", from = owner)]
    fn snapshot(&self) -> Result<OutMessage> {
        // aoxide's writer, the one the module's state view uses: no `serde_json::Value` is
        // built (6.6 KB of the module, docs/size.md).
        let mut view = Vec::new();
        snapshot::write_json(self, &mut view)?;
        Ok(OutMessage::untargeted()
            // The writer writes UTF-8 only.
            .data(String::from_utf8(view).unwrap_or_default())
            .tag("Content-Type", "application/json"))
    }

    /// Replaces the state with a JSON view (of this or an older version).
    #[handler(action = "Restore", from = owner)]
    fn restore(&mut self, #[data] view: serde_json::Value) -> Result<()> {
        *self = snapshot::from_json(&view)?;
        Ok(())
    }

    /// Spawns a child from `Child-Module` and awaits its `Spawned` notice, then tells whoever
    /// asked with `Action=Child-Spawned`, `Process=<child id>`.
    #[handler(action = "Spawn-Child")]
    fn spawn_child(&mut self, ctx: &mut Ctx, msg: &Message, child_module: String) -> Result<()> {
        // The continuation (a closure keeping who asked) lives in the process, so a memory
        // snapshot carries it.
        let requester = msg.from.clone();
        ctx.spawn(
            child_module,
            Spawn::new().tag("Name", "child").data("hello child"),
        )
        .on_reply(
            move |_: &mut KvStore, ctx: &mut Ctx<'_>, notice: &Message| {
                let child = spawned_process(notice).unwrap_or_default();
                ctx.send(
                    OutMessage::to(requester.as_str())
                        .action("Child-Spawned")
                        .tag("Process", child),
                );
                Ok(())
            },
        )?;
        Ok(())
    }

    /// Assigns `Message` to the comma-separated `Processes`.
    #[handler(action = "Assign")]
    fn assign(&mut self, ctx: &mut Ctx, message: String, processes: String) {
        ctx.assign(
            processes
                .split(',')
                .map(|p| p.trim_ascii().to_owned())
                .collect(),
            message,
        );
    }
}

impl KvStore {
    /// Version 1 had only `entries` (a plain map); version 2 added `locked` and `writes`.
    fn migrate(from: u32, old: Payload<'_>) -> std::result::Result<Self, SnapshotError> {
        match from {
            1 => {
                let v1: KvStoreV1 = old.decode()?;
                Ok(KvStore {
                    entries: v1.entries,
                    ..KvStore::default()
                })
            }
            _ => Err(SnapshotError::unsupported::<Self>(from)),
        }
    }
}

aoxide::export!(KvStore);
