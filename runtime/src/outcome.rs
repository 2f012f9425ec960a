//! The result of handling one message, and its JSON-1 form.

use crate::error::ResultError;
use crate::failure::Failure;
use crate::json;

use crate::outbox::{Assignment, OutMessage, Outbox, Spawn};

/// The prompt AOS clients show; kept so AOS consoles display aoxide processes.
pub const PROMPT: &str = "aoxide> ";

/// The `Output` object. Always an object: HyperBEAM drops data when it is a string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    /// Printed text.
    pub data: String,
    /// The console prompt.
    pub prompt: String,
    /// True when `data` should be shown.
    pub print: bool,
}

/// What one message produced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Output text.
    pub output: Output,
    /// Messages sent.
    pub messages: Vec<OutMessage>,
    /// Spawns requested.
    pub spawns: Vec<Spawn>,
    /// Assignments made.
    pub assignments: Vec<Assignment>,
    /// Set when the message failed (nothing else persisted): the handler, action, error
    /// value and code, written as AO's `Error` string on the wire.
    pub error: Option<Failure>,
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

    /// A failed outcome: no messages, no spawns, no assignments. A text is read into its
    /// parts ([`Failure::parse`]).
    pub fn failed(error: impl Into<Failure>) -> Self {
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

    /// [`Outcome::failed`] with a plain failure of `text` (what the runtime answers to
    /// input it refuses), out of line: one copy for every refusal in a module.
    #[inline(never)]
    pub(crate) fn refused(text: &str) -> Self {
        Outcome::failed(Failure::plain(text))
    }

    /// True when the message failed.
    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }

    /// Serialises to the JSON-1 result hosts expect: `{"ok": true, "response": {...}}`.
    ///
    /// Written by hand (the bytes are those `serde_json` writes; a differential test and a
    /// benchmark keep it so and keep it faster), which spares the hot path serde's
    /// generic writer.
    pub fn to_json(&self) -> Vec<u8> {
        json::write::result(self)
    }

    /// Reads a JSON-1 result (what a module's `handle` returns, without the NUL) back into
    /// an outcome, as a host does.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ResultError> {
        json::result::decode(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{TagValue, Tags};
    use serde_json::json;

    fn serde_bytes(o: &Outcome) -> Vec<u8> {
        json::reference::result(o)
    }

    const TRICKY: &[&str] = &[
        "",
        "plain",
        "\"quoted\" and \\backslash\\",
        "\x1b[90mYou transferred \x1b[34m5\x1b[0m",
        "\u{0}\u{1}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{e}\u{1f} \u{7f}",
        "unicode é ü 日本 🎉 \u{2028}\u{2029} \u{fffd}",
        "/slash/ <tag> & 'apostrophe'",
        "\\u0041 not an escape",
        "ends with escape\n",
        "\"",
    ];

    #[test]
    fn escaper_matches_serde_json() {
        for s in TRICKY {
            let mut out = Vec::new();
            json::write::string(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
        for b in (0u8..=0x7f).chain([0xc3, 0xe6]) {
            let s = String::from(b as char);
            let long = format!("{0}{s}{0}{s}{s}{0}", "abcdefghijklmnop");
            let mut out = Vec::new();
            json::write::string(&mut out, &long);
            assert_eq!(
                out,
                serde_json::to_vec(&long).unwrap(),
                "byte {b:#x} in {long:?}"
            );
            let mut out = Vec::new();
            json::write::string(&mut out, &s);
            assert_eq!(out, serde_json::to_vec(&s).unwrap(), "byte {b:#x}");
        }
    }

    #[test]
    fn escapes_at_every_position() {
        for len in 0..26 {
            for at in 0..len {
                for special in ["\"", "\\", "\n", "\u{1b}", "\u{7f}", "é", "日"] {
                    let mut s: String = "abcdefghijklmnopqrstuvwxyz"[..len].into();
                    s.replace_range(at..at + 1, special);
                    s.push_str(special);
                    let mut out = b"prefix".to_vec();
                    json::write::string(&mut out, &s);
                    let mut expected = b"prefix".to_vec();
                    expected.extend(serde_json::to_vec(&s).unwrap());
                    assert_eq!(out, expected, "{s:?}");
                }
            }
        }
    }

    #[test]
    fn to_json_matches_serde_json() {
        let mut outcomes = vec![
            Outcome::default(),
            Outcome::failed("bad \"input\"\n\u{1b}"),
            Outcome::from_outbox(Outbox::default()),
        ];
        for (i, s) in TRICKY.iter().enumerate() {
            let mut tags = Tags::new();
            tags.add(*s, *s);
            tags.add(
                "Json",
                json!({"b": s, "a": [1, -2, 2.5, null, true, false, {}], "c": {"d": []}}),
            );
            tags.add("Number", TagValue::Json(json!(1e300)));
            tags.add("Array", TagValue::Json(json!([s, 0.1])));
            let mut outbox = Outbox {
                output: s.to_string(),
                ..Outbox::default()
            };
            outbox.messages.push(OutMessage {
                target: Some(s.to_string()),
                data: Some(s.to_string()),
                anchor: format!("{i:032}"),
                tags: tags.clone(),
            });
            outbox.messages.push(OutMessage {
                target: None,
                data: None,
                anchor: String::new(),
                tags: Tags::new(),
            });
            if i % 2 == 0 {
                outbox.spawns.push(Spawn {
                    data: Some(s.to_string()),
                    anchor: "a".into(),
                    tags: tags.clone(),
                });
                outbox.spawns.push(Spawn::default());
                outbox.assignments.push(Assignment {
                    processes: vec![s.to_string(), "P2".into()],
                    message: s.to_string(),
                });
                outbox.assignments.push(Assignment::default());
            }
            let mut outcome = Outcome::from_outbox(outbox);
            if i % 3 == 0 {
                outcome.error = Some(Failure::parse(*s));
            }
            outcomes.push(outcome);
        }
        for o in &outcomes {
            let ours = o.to_json();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(serde_bytes(o)).unwrap()
            );
        }
    }

    #[test]
    fn from_json_reads_results_back_and_names_what_is_wrong() {
        let failed = Outcome::failed("no \"way\"");
        assert_eq!(Outcome::from_json(&failed.to_json()), Ok(failed));
        let err = |json: &str| Outcome::from_json(json.as_bytes()).unwrap_err().to_string();
        assert!(err("{").contains("invalid JSON"));
        assert!(err("{}").contains("no boolean `ok`"));
        assert!(err(r#"{"ok":true}"#).contains("has no response"));
        assert!(err(r#"{"ok":false,"response":{"x":1}}"#).contains("ok: false"));
        assert!(err(r#"{"ok":true,"response":{"Messages":{}}}"#).contains("not an outcome"));
        // A string Output (as AOS sends one) is its data.
        let o = Outcome::from_json(br#"{"ok":true,"response":{"Output":"hi"}}"#).unwrap();
        assert_eq!(o.output.data, "hi");
    }

    #[test]
    fn to_json_matches_serde_json_on_generated_outcomes() {
        // Deterministic xorshift: every run writes the same 2,000 outcomes.
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces = [
            "a",
            "\"",
            "\\",
            "\u{1b}[0m",
            "\n",
            "\t",
            "\u{0}",
            "\u{7f}",
            "é",
            "漢",
            "🎉",
            "\u{2028}",
            "/",
            "<",
            "\r",
            "\u{1f}",
            " ",
        ];
        let text = |n: u64| -> String {
            (0..(n % 40) as usize)
                .map(|i| pieces[(n as usize).wrapping_mul(31).wrapping_add(i * 7) % pieces.len()])
                .collect()
        };
        for _ in 0..2_000 {
            let mut o = Outcome::from_outbox(Outbox::default());
            o.output.data = text(next());
            for _ in 0..next() % 4 {
                let mut m = OutMessage::to(text(next()));
                if next() % 2 == 0 {
                    m.target = None;
                }
                if next() % 2 == 0 {
                    m.data = Some(text(next()));
                }
                m.anchor = text(next());
                for _ in 0..next() % 5 {
                    if next() % 5 == 0 {
                        let object = serde_json::json!({ text(next()): text(next()), "n": [1, 2.5, null, true] });
                        m.tags.add(text(next()), object);
                    } else {
                        m.tags.add(text(next()), text(next()));
                    }
                }
                o.messages.push(m);
            }
            if next() % 7 == 0 {
                o.error = Some(text(next()).into());
            }
            assert_eq!(o.to_json(), serde_bytes(&o));
            assert_eq!(
                Outcome::from_json(&o.to_json()).as_ref(),
                Ok(&o),
                "read back"
            );
        }
    }
}
