//! The view tools read a process through: its state, inbox and pending waits as JSON.
//!
//! Natively a test reads a process directly ([`Runtime::state`](crate::Runtime::state)). A
//! built module keeps all of it in its linear memory, so the module exports
//! [`module_abi::VIEW_EXPORT`](crate::module_abi::VIEW_EXPORT) (`aoxide_view(part)`), which
//! answers with [`Runtime::view_json`](crate::Runtime::view_json) for one
//! [`ViewPart`]: the test network of `aoxide-host` (`Net::state`, `Net::inbox`,
//! `Net::pending_waits`) and `cargo ao console` read wasm processes through it.
//!
//! The state is shown as the snapshot JSON view ([`crate::snapshot::to_json`]), and read
//! back with [`crate::snapshot::from_json`], when the state type is `Serialize` (and
//! `Deserialize`, to read it back): `#[aoxide::handlers]` picks that up by itself, so a
//! state without serde derives costs the module nothing and shows as `null`.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::json::write;
use crate::message::Message;
pub use crate::module_abi::ViewPart;
use crate::outbox::push_decimal;
use crate::pending::{WaitInfo, WaitKind};
use crate::snapshot::{Schema, SnapshotError};

/// A state to write, for the generated `Process::view_state` (see [`WriteView`]).
#[doc(hidden)]
pub struct ViewOf<'a, S>(pub &'a S);

/// Writes the state's snapshot JSON view; chosen over [`NoView`] when the state is
/// `Serialize` (the generated code calls `(&&ViewOf(self)).write_view(out)`).
#[doc(hidden)]
pub trait WriteView {
    /// Appends the view to `out`; false when there is none.
    fn write_view(&self, out: &mut Vec<u8>) -> bool;
}

impl<S: Schema + Serialize> WriteView for &ViewOf<'_, S> {
    fn write_view(&self, out: &mut Vec<u8>) -> bool {
        crate::snapshot::write_view(self.0, out).is_ok()
    }
}

/// The fallback of [`WriteView`]: a state that is not `Serialize` has no view.
#[doc(hidden)]
pub trait NoView {
    /// Writes nothing.
    fn write_view(&self, out: &mut Vec<u8>) -> bool {
        let _ = out;
        false
    }
}

impl<S> NoView for ViewOf<'_, S> {}

/// A state type to read back, for the generated `Process::from_view` (see [`ReadView`]).
#[doc(hidden)]
pub struct ReadAs<S>(pub PhantomData<S>);

/// Reads the state back from its snapshot JSON view; chosen over [`NoRead`] when the state
/// is `Deserialize` (the generated code calls `(&&ReadAs(PhantomData)).read_view(view)`).
#[doc(hidden)]
pub trait ReadView<S> {
    /// The state, `None` when it cannot be read back.
    fn read_view(&self, view: &serde_json::Value) -> Option<Result<S, SnapshotError>>;
}

impl<S: Schema + DeserializeOwned> ReadView<S> for &ReadAs<S> {
    fn read_view(&self, view: &serde_json::Value) -> Option<Result<S, SnapshotError>> {
        Some(crate::snapshot::from_json(view))
    }
}

/// The fallback of [`ReadView`]: a state that is not `Deserialize` cannot be read back.
#[doc(hidden)]
pub trait NoRead<S> {
    /// Reads nothing.
    fn read_view(&self, view: &serde_json::Value) -> Option<Result<S, SnapshotError>> {
        let _ = view;
        None
    }
}

impl<S> NoRead<S> for ReadAs<S> {}

/// Writes the inbox: an array of messages as JSON-1, oldest first.
pub(crate) fn write_inbox<'a>(out: &mut Vec<u8>, inbox: impl Iterator<Item = &'a Message>) {
    out.push(b'[');
    for (i, m) in inbox.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write::message(out, m);
    }
    out.push(b']');
}

/// The `kind` of a wait in the view.
fn kind_name(kind: WaitKind) -> &'static str {
    match kind {
        WaitKind::Reply => "reply",
        WaitKind::Spawn => "spawn",
    }
}

/// Writes the pending waits: an array of `{"reference", "kind", "from", "deadline",
/// "continuation"}`, oldest first.
pub(crate) fn write_pending<'a>(out: &mut Vec<u8>, waits: impl Iterator<Item = &'a WaitInfo>) {
    out.push(b'[');
    for (i, w) in waits.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"reference\":");
        push_decimal(out, w.reference);
        out.extend_from_slice(b",\"kind\":");
        write::string(out, kind_name(w.kind));
        out.extend_from_slice(b",\"from\":");
        write::string(out, &w.from);
        out.extend_from_slice(b",\"deadline\":");
        match w.deadline {
            Some(d) => push_decimal(out, d),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"continuation\":");
        write::string(out, &w.continuation);
        out.push(b'}');
    }
    out.push(b']');
}

/// Why a view could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// Not the JSON the view writes.
    #[error("the view is not valid JSON: {0}")]
    Json(String),
    /// Valid JSON, but not the shape of the part asked for.
    #[error("the {part:?} view is not of the expected shape: {reason}")]
    Shape {
        /// The part.
        part: ViewPart,
        /// What is wrong.
        reason: String,
    },
}

/// Reads an inbox view back.
pub fn read_inbox(bytes: &[u8]) -> Result<Vec<Message>, ViewError> {
    let shape = |reason: String| ViewError::Shape {
        part: ViewPart::Inbox,
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ViewError::Json(e.to_string()))?;
    let serde_json::Value::Array(items) = value else {
        return Err(shape("not an array".into()));
    };
    items
        .iter()
        .map(|m| Message::from_json(m.to_string().as_bytes()).map_err(|e| shape(e.to_string())))
        .collect()
}

/// Reads a pending-waits view back (the continuation names are owned then).
pub fn read_pending(bytes: &[u8]) -> Result<Vec<WaitInfo>, ViewError> {
    #[derive(serde::Deserialize)]
    struct Wait {
        reference: u64,
        kind: String,
        from: String,
        deadline: Option<u64>,
        continuation: String,
    }
    let waits: Vec<Wait> = serde_json::from_slice(bytes).map_err(|e| ViewError::Shape {
        part: ViewPart::Pending,
        reason: e.to_string(),
    })?;
    waits
        .into_iter()
        .map(|w| {
            let kind = match w.kind.as_str() {
                "reply" => WaitKind::Reply,
                "spawn" => WaitKind::Spawn,
                other => {
                    return Err(ViewError::Shape {
                        part: ViewPart::Pending,
                        reason: format!("unknown wait kind `{other}`"),
                    })
                }
            };
            Ok(WaitInfo {
                reference: w.reference,
                kind,
                from: w.from,
                deadline: w.deadline,
                continuation: w.continuation.into(),
            })
        })
        .collect()
}

/// Reads a state view back: `Ok(None)` for `null` (no view, or no state yet).
pub fn read_state(bytes: &[u8]) -> Result<Option<serde_json::Value>, ViewError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ViewError::Json(e.to_string()))?;
    Ok((!value.is_null()).then_some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Viewed {
        n: u64,
    }
    impl Schema for Viewed {
        const VERSION: u32 = 2;
    }

    struct Opaque;
    impl Schema for Opaque {}

    #[test]
    #[allow(clippy::needless_borrow)] // the autoref picks the impl, as in the generated code
    fn a_serde_state_has_a_view_and_reads_back_and_another_has_none() {
        #[allow(unused_imports)]
        use super::{NoRead as _, NoView as _, ReadView as _, WriteView as _};
        let mut out = Vec::new();
        assert!((&&ViewOf(&Viewed { n: 7 })).write_view(&mut out));
        let view: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            view,
            serde_json::json!({"aoxide-snapshot": 2, "state": {"n": 7}})
        );
        let back = (&&ReadAs::<Viewed>(PhantomData)).read_view(&view);
        assert_eq!(back, Some(Ok(Viewed { n: 7 })));

        let mut out = Vec::new();
        assert!(!(&&ViewOf(&Opaque)).write_view(&mut out));
        assert!(out.is_empty());
        assert!((&&ReadAs::<Opaque>(PhantomData)).read_view(&view).is_none());
    }

    #[test]
    fn inbox_and_waits_round_trip() {
        let inbox = [
            Message::new("A").with_action("X").with_data("d\"ata"),
            Message::new("B").with_tag("K", "v"),
        ];
        let mut out = Vec::new();
        write_inbox(&mut out, inbox.iter());
        assert_eq!(read_inbox(&out).unwrap(), inbox);

        let waits = [
            WaitInfo {
                reference: 3,
                kind: WaitKind::Reply,
                from: "T".into(),
                deadline: Some(10),
                continuation: Cow::Borrowed("a::b"),
            },
            WaitInfo {
                reference: 4,
                kind: WaitKind::Spawn,
                from: "P".into(),
                deadline: None,
                continuation: Cow::Borrowed("c"),
            },
        ];
        let mut out = Vec::new();
        write_pending(&mut out, waits.iter());
        assert_eq!(read_pending(&out).unwrap(), waits);
        assert!(read_pending(b"[{\"reference\":1}]").is_err());
        assert_eq!(read_state(b"null").unwrap(), None);
        assert!(read_inbox(b"{}").is_err());
    }
}
