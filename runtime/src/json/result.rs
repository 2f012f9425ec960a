//! Reading a JSON-1 result back into an [`Outcome`]: what a host does with the bytes the
//! module's `handle` returns. Strict about the shape the writer produces; lenient only
//! where modules in the wild differ (a string `Output`, missing lists).

use serde_json::{Map, Value};

use super::fields::{AssignmentField, EnvelopeField, OutField, OutputField, ResultField, TagField};
use crate::error::ResultError;
use crate::outbox::{Assignment, OutMessage, Spawn};
use crate::outcome::{Outcome, Output};
use crate::tags::{Tag, TagValue, Tags};

/// The outcome in `bytes` (the NUL-free result JSON).
pub(crate) fn decode(bytes: &[u8]) -> Result<Outcome, ResultError> {
    let envelope: Value =
        serde_json::from_slice(bytes).map_err(|e| ResultError::Json(e.to_string()))?;
    let Value::Object(mut envelope) = envelope else {
        return Err(ResultError::Shape("the result is not an object".into()));
    };
    let ok = match envelope.get(EnvelopeField::Ok.name()) {
        Some(Value::Bool(ok)) => *ok,
        _ => return Err(ResultError::Shape("the result has no boolean `ok`".into())),
    };
    let Some(response) = envelope.remove(EnvelopeField::Response.name()) else {
        return Err(ResultError::NoResponse);
    };
    if !ok {
        return Err(ResultError::NotOk(response.to_string()));
    }
    let Value::Object(mut response) = response else {
        return Err(ResultError::Shape("the response is not an object".into()));
    };
    let output = match response.remove(ResultField::Output.name()) {
        None | Some(Value::Null) => Output::default(),
        Some(Value::String(data)) => Output {
            print: !data.is_empty(),
            data,
            prompt: String::new(),
        },
        Some(Value::Object(mut o)) => Output {
            data: text(o.remove(OutputField::Data.name()), OutputField::Data.name())?
                .unwrap_or_default(),
            prompt: text(
                o.remove(OutputField::Prompt.name()),
                OutputField::Prompt.name(),
            )?
            .unwrap_or_default(),
            print: matches!(o.get(OutputField::Print.name()), Some(Value::Bool(true))),
        },
        Some(other) => return Err(shape(ResultField::Output.name(), &other)),
    };
    let messages = list(&mut response, ResultField::Messages, |v| {
        let mut m = object(v, "a message")?;
        Ok(OutMessage {
            target: text(m.remove(OutField::Target.name()), OutField::Target.name())?,
            data: text(m.remove(OutField::Data.name()), OutField::Data.name())?,
            anchor: text(m.remove(OutField::Anchor.name()), OutField::Anchor.name())?
                .unwrap_or_default(),
            tags: tags(m.remove(OutField::Tags.name()))?,
        })
    })?;
    let spawns = list(&mut response, ResultField::Spawns, |v| {
        let mut s = object(v, "a spawn")?;
        Ok(Spawn {
            data: text(s.remove(OutField::Data.name()), OutField::Data.name())?,
            anchor: text(s.remove(OutField::Anchor.name()), OutField::Anchor.name())?
                .unwrap_or_default(),
            tags: tags(s.remove(OutField::Tags.name()))?,
        })
    })?;
    let assignments = list(&mut response, ResultField::Assignments, |v| {
        let mut a = object(v, "an assignment")?;
        let processes = match a.remove(AssignmentField::Processes.name()) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ps)) => ps
                .into_iter()
                .map(|p| {
                    text(Some(p), AssignmentField::Processes.name()).map(Option::unwrap_or_default)
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(shape(AssignmentField::Processes.name(), &other)),
        };
        Ok(Assignment {
            processes,
            message: text(
                a.remove(AssignmentField::Message.name()),
                AssignmentField::Message.name(),
            )?
            .unwrap_or_default(),
        })
    })?;
    // The parts of the failure are read back from the string (`json::failure`).
    let error = match response.remove(ResultField::Error.name()) {
        None | Some(Value::Null) => None,
        Some(Value::String(e)) => Some(crate::failure::Failure::parse(e)),
        // AOS and others put objects here too: their JSON text is the error.
        Some(other) => Some(crate::failure::Failure::plain(other.to_string())),
    };
    Ok(Outcome {
        output,
        messages,
        spawns,
        assignments,
        error,
    })
}

fn shape(what: &str, v: &Value) -> ResultError {
    ResultError::Shape(format!("{what} is not of the expected type: {v}"))
}

fn object(v: Value, what: &str) -> Result<Map<String, Value>, ResultError> {
    match v {
        Value::Object(o) => Ok(o),
        other => Err(shape(what, &other)),
    }
}

fn text(v: Option<Value>, what: &str) -> Result<Option<String>, ResultError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(shape(what, &other)),
    }
}

fn list<T>(
    response: &mut Map<String, Value>,
    field: ResultField,
    item: impl FnMut(Value) -> Result<T, ResultError>,
) -> Result<Vec<T>, ResultError> {
    match response.remove(field.name()) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.into_iter().map(item).collect(),
        Some(other) => Err(shape(field.name(), &other)),
    }
}

fn tags(v: Option<Value>) -> Result<Tags, ResultError> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Tags::new()),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(shape(OutField::Tags.name(), &other)),
    };
    let mut tags = Tags::with_capacity(items.len());
    for item in items {
        let mut t = object(item, "a tag")?;
        let name =
            text(t.remove(TagField::Name.name()), TagField::Name.name())?.unwrap_or_default();
        let value = match t.remove(TagField::Value.name()) {
            None | Some(Value::Null) => TagValue::Text(String::new()),
            Some(Value::String(s)) => TagValue::Text(s),
            Some(other) => TagValue::Json(other),
        };
        tags.push(Tag { name, value });
    }
    Ok(tags)
}
