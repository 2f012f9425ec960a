//! What a CU answers for a message: output, sent messages, spawns and error.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::DeployError;

/// A message the process sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentMessage {
    /// Its target.
    pub target: String,
    /// Its tags.
    pub tags: Vec<(String, String)>,
    /// Its data.
    pub data: String,
}

impl SentMessage {
    /// The first value of tag `name`.
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The result of one message (or dry-run) as the CU reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The printed output (the `data` of an object `Output`, or the text itself).
    pub output: String,
    /// The messages the process sent.
    pub messages: Vec<SentMessage>,
    /// The processes it spawned, as the CU reports them.
    pub spawns: Vec<Value>,
    /// The error, if the message failed.
    pub error: Option<String>,
    /// The whole answer.
    pub raw: Value,
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn tags_of(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| (text(&t["name"]), text(&t["value"])))
                .collect()
        })
        .unwrap_or_default()
}

impl Outcome {
    /// Reads a CU answer `{Output, Messages, Spawns, Error}`.
    pub fn from_json(url: &str, raw: Value) -> Result<Self, DeployError> {
        if !raw.is_object() {
            return Err(DeployError::Protocol {
                url: url.to_string(),
                detail: format!("expected a result object, got {raw}"),
            });
        }
        let output = match &raw["Output"] {
            Value::Object(o) => text(o.get("data").unwrap_or(&Value::Null)),
            other => text(other),
        };
        let messages = raw["Messages"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .map(|m| SentMessage {
                        target: text(&m["Target"]),
                        tags: tags_of(&m["Tags"]),
                        data: text(&m["Data"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let spawns = raw["Spawns"].as_array().cloned().unwrap_or_default();
        let error = match &raw["Error"] {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            other => Some(text(other)),
        };
        Ok(Outcome {
            output,
            messages,
            spawns,
            error,
            raw,
        })
    }

    /// The sent messages whose `Action` is `action`.
    pub fn messages_with_action<'a>(
        &'a self,
        action: &'a str,
    ) -> impl Iterator<Item = &'a SentMessage> + 'a {
        self.messages
            .iter()
            .filter(move |m| m.tag("Action") == Some(action))
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(error) = &self.error {
            writeln!(f, "Error: {error}")?;
        }
        if !self.output.is_empty() {
            writeln!(f, "Output: {}", self.output)?;
        }
        if self.messages.is_empty() {
            writeln!(f, "Messages: none")?;
        } else {
            writeln!(f, "Messages: {}", self.messages.len())?;
        }
        for (i, m) in self.messages.iter().enumerate() {
            if m.target.is_empty() {
                writeln!(f, "  [{i}] (no target)")?;
            } else {
                writeln!(f, "  [{i}] -> {}", m.target)?;
            }
            // The tags every AO message carries say nothing here (`--json` keeps them).
            let standard =
                |name: &str| matches!(name, "Data-Protocol" | "Variant" | "Type" | "Reference");
            for (name, value) in m.tags.iter().filter(|(n, _)| !standard(n)) {
                writeln!(f, "      {name} = {value}")?;
            }
            if !m.data.is_empty() {
                writeln!(f, "      Data: {}", m.data)?;
            }
        }
        if !self.spawns.is_empty() {
            writeln!(f, "Spawns: {}", self.spawns.len())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_cu_answer() {
        let raw = json!({
            "Output": {"data": "hello", "prompt": "> "},
            "Messages": [{"Target": "T", "Tags": [{"name": "Action", "value": "Credit-Notice"}], "Data": "5"}],
            "Spawns": [],
            "Error": ""
        });
        let o = Outcome::from_json("u", raw).unwrap();
        assert_eq!(o.output, "hello");
        assert_eq!(o.error, None);
        assert_eq!(o.messages_with_action("Credit-Notice").count(), 1);
        let shown = o.to_string();
        assert!(shown.contains("Output: hello") && shown.contains("Action = Credit-Notice"));
        let with_protocol = json!({"Messages": [{"Target": "", "Tags": [
            {"name": "Data-Protocol", "value": "ao"}, {"name": "Quantity", "value": "5"}]}]});
        let shown = Outcome::from_json("u", with_protocol).unwrap().to_string();
        assert!(
            shown.contains("(no target)") && shown.contains("Quantity = 5"),
            "{shown}"
        );
        assert!(!shown.contains("Data-Protocol"), "{shown}");
        let failed = Outcome::from_json("u", json!({"Error": "boom", "Output": ""})).unwrap();
        assert_eq!(failed.error.as_deref(), Some("boom"));
        assert!(failed.to_string().starts_with("Error: boom"));
        assert!(Outcome::from_json("u", json!([1])).is_err());
    }
}
