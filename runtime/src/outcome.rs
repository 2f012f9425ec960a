//! The result of handling one message, and its JSON-1 form.

use serde::{Deserialize, Serialize};

use crate::outbox::{Assignment, OutMessage, Outbox, Spawn};

/// The prompt AOS clients show; kept so AOS consoles display aoxide processes.
pub const PROMPT: &str = "aoxide> ";

/// The `Output` object. Always an object: HyperBEAM drops data when it is a string.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Output {
    /// Printed text.
    pub data: String,
    /// The console prompt.
    pub prompt: String,
    /// True when `data` should be shown.
    pub print: bool,
}

/// What one message produced.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Output text.
    #[serde(rename = "Output")]
    pub output: Output,
    /// Messages sent.
    #[serde(rename = "Messages")]
    pub messages: Vec<OutMessage>,
    /// Spawns requested.
    #[serde(rename = "Spawns")]
    pub spawns: Vec<Spawn>,
    /// Assignments made.
    #[serde(rename = "Assignments")]
    pub assignments: Vec<Assignment>,
    /// Set when the message failed: nothing else persisted.
    #[serde(rename = "Error", default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Outcome {
    /// A successful outcome carrying what `outbox` collected.
    pub fn from_outbox(outbox: Outbox) -> Self {
        Outcome {
            output: Output {
                print: !outbox.output.is_empty(),
                data: outbox.output,
                prompt: PROMPT.into(),
            },
            messages: outbox.messages,
            spawns: outbox.spawns,
            assignments: outbox.assignments,
            error: None,
        }
    }

    /// A failed outcome: no messages, no spawns, no assignments.
    pub fn failed(error: impl Into<String>) -> Self {
        Outcome {
            output: Output {
                data: String::new(),
                prompt: PROMPT.into(),
                print: false,
            },
            error: Some(error.into()),
            ..Outcome::default()
        }
    }

    /// True when the message failed.
    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }

    /// Serialises to the JSON-1 result hosts expect: `{"ok": true, "response": {...}}`.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Envelope<'a> {
            ok: bool,
            response: &'a Outcome,
        }
        // Sized from what the result carries, to spare the buffer its doublings.
        let estimate = 256
            + self.output.data.len()
            + self
                .messages
                .iter()
                .map(|m| {
                    128 + m.data.as_ref().map_or(0, |d| d.len() + d.len() / 8)
                        + m.tags.iter().map(|t| 32 + t.name.len()).sum::<usize>()
                })
                .sum::<usize>();
        let mut out = Vec::with_capacity(estimate);
        serde_json::to_writer(
            &mut out,
            &Envelope {
                ok: true,
                response: self,
            },
        )
        .map(|()| out)
        .unwrap_or_else(|_| {
            br#"{"ok":true,"response":{"Error":"result could not be serialised","Output":{"data":"","prompt":"","print":false},"Messages":[],"Spawns":[],"Assignments":[]}}"#.to_vec()
        })
    }

    /// The first message sent to `target`.
    pub fn message_to(&self, target: &str) -> Option<&OutMessage> {
        self.messages
            .iter()
            .find(|m| m.target.as_deref() == Some(target))
    }

    /// Messages with `Action = action`.
    pub fn messages_with_action<'a>(
        &'a self,
        action: &'a str,
    ) -> impl Iterator<Item = &'a OutMessage> + 'a {
        self.messages
            .iter()
            .filter(move |m| m.get("Action") == Some(action))
    }
}
