//! Interface metadata: what handlers a process has, in a JSON form clients read; and the
//! values a handler may return.
//!
//! `#[aoxide::handlers]` records every handler it registers: the action and tag rules it
//! matches, the tags it reads (with their Rust types and whether they are required), the
//! data it parses, who may call it, whether it is read-only, and its doc comment.
//! `#[aoxide::process]` records the state: its schema version, fields and `patch@1.0` keys.
//!
//! - Natively, `MyProcess::interface()` returns the [`Interface`].
//! - In a wasm32 build the same JSON is embedded in the module as the custom section
//!   [`SECTION`] (`aoxide.interface`), so tools read it from the `.wasm` file without running
//!   it. The section holds JSON Lines: one record per macro (`"part": "state"` and
//!   `"part": "handlers"`); the linker concatenates them. [`Interface::from_section`]
//!   reads it back.
//!
//! # Handler return values
//!
//! A handler returns anything implementing [`HandlerReturn`]:
//!
//! | return type | effect |
//! | --- | --- |
//! | `()` | nothing |
//! | `String`, `&str` | a reply to the sender with this text as `Data` |
//! | [`OutMessage`](crate::OutMessage) | sent as is when it has a target, else as a reply to the sender |
//! | [`Json<T>`] | a reply with `T` as JSON `Data` and `Content-Type: application/json` |
//! | `Option<R>` | `R`'s effect when `Some`, nothing when `None` |
//! | `Result<R, E>` (`E: Into<aoxide::Error>`) | `R`'s effect on `Ok`; on `Err` the message fails and every change is rolled back |

use serde::{Deserialize, Serialize};

use crate::registry::Caller;

mod returns;
#[doc(hidden)]
pub mod rt;

pub use returns::{DefaultState, HandlerReturn, Json};

/// The name of the wasm custom section holding the interface (JSON Lines).
pub const SECTION: &str = "aoxide.interface";

/// Version of the interface JSON layout.
pub const FORMAT: u32 = 1;

/// Everything a client needs to talk to a process.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Interface {
    /// The layout version of this document ([`FORMAT`]).
    pub format: u32,
    /// The Rust name of the process type.
    pub name: String,
    /// The persisted state.
    pub state: StateInfo,
    /// What the spawn message may carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<HandlerInfo>,
    /// Handlers in registration order (cron and default handlers included).
    pub handlers: Vec<HandlerInfo>,
    /// The parts mounted on fields (`#[handlers(mount(field = Type))]`), in mount order;
    /// their handlers are registered before the process's own, named `"{field}.{name}"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<MountedPart>,
    /// The parts whose handlers change at run time (`#[handlers(mount(lua = Self::lua()))]`,
    /// a Lua VM), in mount order: their handlers are not known before they run, so they are
    /// not listed here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub live_parts: Vec<LiveMountInfo>,
}

/// A part whose handlers change at run time, mounted on a field (see
/// [`crate::LiveMount`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LiveMountInfo {
    /// The field holding the part.
    pub field: String,
    /// The call returning its mount, as written (`Self :: lua ()`).
    pub mount: String,
}

/// A part mounted on a field of the process state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MountedPart {
    /// The field holding the part.
    pub field: String,
    /// The part's handlers record (its Rust type name, init and handlers).
    pub handlers: HandlersPart,
}

/// The state of a process, as `#[aoxide::process]` saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StateInfo {
    /// The Rust name of the state type.
    pub name: String,
    /// The schema version snapshots carry (`#[process(version = N)]`, 1 by default).
    pub version: u32,
    /// The fields, in declaration order.
    pub fields: Vec<FieldInfo>,
}

/// One field of the state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FieldInfo {
    /// Field name (its index for tuple structs).
    pub name: String,
    /// Its Rust type, as written.
    #[serde(rename = "type")]
    pub ty: String,
    /// The `patch@1.0` key it is published under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
}

/// What kind of entry a handler is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HandlerKind {
    /// `#[handler(...)]`.
    #[default]
    Handler,
    /// `#[cron]`: runs on cron ticks.
    Cron,
    /// `#[default]`: runs when no handler took the message.
    Default,
    /// `#[init]`: builds the state from the spawn message.
    Init,
}

/// One handler.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HandlerInfo {
    /// The registry name (the method name unless `name = "..."` was given).
    pub name: String,
    /// What kind of entry it is.
    pub kind: HandlerKind,
    /// The `Action` it takes, if it is keyed on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Further tag rules (`tags(Key = "Value")`): each tag must match one of the values;
    /// `"_"` means any value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<TagRule>,
    /// Who may trigger it.
    pub from: Caller,
    /// The predicate (`when = path`) it also requires, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Tags it reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamInfo>,
    /// The type `Data` is parsed into as JSON (`#[data]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// The Rust return type, as written (`()` when none).
    pub returns: String,
    /// True for `&self` handlers: they never change state and are safe for dry-runs.
    pub read_only: bool,
    /// True when the walk goes on after it ran (`continue`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub continues: bool,
    /// How many times it may run before removing itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_runs: Option<u32>,
    /// Its doc comment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub doc: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A tag a handler requires to match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TagRule {
    /// Tag name.
    pub tag: String,
    /// Accepted values (any of them, compared without ASCII case); `"_"` accepts any.
    pub values: Vec<String>,
}

/// A tag a handler reads into a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ParamInfo {
    /// Tag name.
    pub tag: String,
    /// The Rust type it is read into, as written.
    #[serde(rename = "type")]
    pub ty: String,
    /// False for `Option<T>` parameters.
    pub required: bool,
}

/// One JSON Lines record of the custom section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "part", rename_all = "kebab-case")]
pub enum Part {
    /// Written by `#[aoxide::process]`.
    State(StateInfo),
    /// Written by `#[aoxide::handlers]`.
    Handlers(Box<HandlersPart>),
    /// Written by `#[aoxide::handlers(mount(..))]`, one per mounted blueprint.
    Mount(Box<MountedPart>),
    /// Written by `#[aoxide::handlers(mount(..))]`, one per live part.
    LiveMount(LiveMountInfo),
}

/// The record `#[aoxide::handlers]` writes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HandlersPart {
    /// The Rust name of the process type.
    pub name: String,
    /// The `#[init]` entry, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<HandlerInfo>,
    /// The handlers in registration order.
    pub handlers: Vec<HandlerInfo>,
}

/// Why interface JSON could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InterfaceError {
    /// A record is not valid JSON of the expected shape.
    #[error("interface record {line} is invalid: {reason}")]
    Record {
        /// 1-based line in the section.
        line: usize,
        /// The parser's reason.
        reason: String,
    },
    /// A part is missing.
    #[error("the interface has no `{0}` record (is the type missing #[aoxide::process] or #[aoxide::handlers]?)")]
    Missing(&'static str),
}

impl Interface {
    /// Builds the interface from JSON Lines records: the contents of the `aoxide.interface`
    /// custom section, or the parts the macros generate.
    pub fn from_section(bytes: &[u8]) -> Result<Self, InterfaceError> {
        let text = String::from_utf8_lossy(bytes);
        let mut state = None;
        let mut handlers = None;
        let mut parts = Vec::new();
        let mut live_parts = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\0');
            if line.is_empty() {
                continue;
            }
            let part: Part = serde_json::from_str(line).map_err(|e| InterfaceError::Record {
                line: i + 1,
                reason: e.to_string(),
            })?;
            match part {
                Part::State(s) => state = Some(s),
                Part::Handlers(h) => handlers = Some(h),
                Part::Mount(m) => parts.push(*m),
                Part::LiveMount(m) => live_parts.push(m),
            }
        }
        let state = state.ok_or(InterfaceError::Missing("state"))?;
        let handlers = handlers.ok_or(InterfaceError::Missing("handlers"))?;
        Ok(Interface {
            format: FORMAT,
            name: handlers.name,
            state,
            init: handlers.init,
            handlers: handlers.handlers,
            parts,
            live_parts,
        })
    }

    /// Builds the interface from the two records the macros generate. A state without a
    /// record (a hand-written `Schema`) gets an empty [`StateInfo`] with its name unknown.
    /// Panics only if the macros wrote invalid JSON (a bug in aoxide).
    #[doc(hidden)]
    pub fn from_parts(state: &str, handlers: &str) -> Self {
        let text = format!("{state}\n{handlers}\n");
        match Interface::from_section(text.as_bytes()) {
            Ok(i) => i,
            Err(InterfaceError::Missing("state")) => {
                let h: HandlersPart = match serde_json::from_str::<Part>(handlers) {
                    Ok(Part::Handlers(h)) => *h,
                    _ => panic!("aoxide: invalid handlers record: {handlers}"),
                };
                Interface {
                    format: FORMAT,
                    name: h.name,
                    state: StateInfo {
                        version: 1,
                        ..StateInfo::default()
                    },
                    init: h.init,
                    handlers: h.handlers,
                    parts: Vec::new(),
                    live_parts: Vec::new(),
                }
            }
            Err(e) => panic!("aoxide: invalid interface records: {e}"),
        }
    }

    /// Builds the interface from the JSON Lines of [`crate::Process::INTERFACE`], which the
    /// macros generate; a state without a record (a hand-written `Schema`) gets an empty
    /// [`StateInfo`]. Panics only if the macros wrote invalid JSON (a bug in aoxide).
    #[doc(hidden)]
    pub fn from_records(text: &str) -> Self {
        match Interface::from_section(text.as_bytes()) {
            Ok(i) => i,
            Err(InterfaceError::Missing("state")) => {
                let with_state = format!(
                    "{{\"part\":\"state\",\"name\":\"\",\"version\":1,\"fields\":[]}}\n{text}"
                );
                match Interface::from_section(with_state.as_bytes()) {
                    Ok(i) => i,
                    Err(e) => panic!("aoxide: invalid interface records: {e}"),
                }
            }
            Err(e) => panic!("aoxide: invalid interface records: {e}"),
        }
    }

    /// The handler called `name`.
    pub fn handler(&self, name: &str) -> Option<&HandlerInfo> {
        self.handlers.iter().find(|h| h.name == name)
    }

    /// The handler keyed on `action`: the process's own first, then the mounted parts'.
    pub fn action(&self, action: &str) -> Option<&HandlerInfo> {
        self.handlers
            .iter()
            .chain(self.parts.iter().flat_map(|p| p.handlers.handlers.iter()))
            .find(|h| h.action.as_deref() == Some(action))
    }

    /// The part mounted on `field`.
    pub fn part(&self, field: &str) -> Option<&MountedPart> {
        self.parts.iter().find(|p| p.field == field)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_records_merge() {
        let section = concat!(
            r#"{"part":"handlers","name":"C","handlers":[{"name":"get","kind":"handler","action":"Get","from":"anyone","returns":"String","read_only":true}]}"#,
            "\n",
            r#"{"part":"state","name":"C","version":2,"fields":[{"name":"count","type":"u64","patch":"count"}]}"#,
            "\n"
        );
        let i = Interface::from_section(section.as_bytes()).unwrap();
        assert_eq!(i.name, "C");
        assert_eq!(i.state.version, 2);
        assert!(i.action("Get").unwrap().read_only);
        let back: Interface = serde_json::from_str(&i.to_json()).unwrap();
        assert_eq!(back, i);
    }

    #[test]
    fn missing_part_is_named() {
        let err =
            Interface::from_section(br#"{"part":"state","name":"C","version":1,"fields":[]}"#)
                .unwrap_err();
        assert!(err.to_string().contains("handlers"), "{err}");
    }

    #[test]
    fn callers_serialise_kebab_case() {
        assert_eq!(
            serde_json::to_string(&Caller::OwnerOrProcess).unwrap(),
            r#""owner-or-process""#
        );
        assert_eq!(
            serde_json::to_string(&Caller::Address("X".into())).unwrap(),
            r#"{"address":"X"}"#
        );
    }
}
