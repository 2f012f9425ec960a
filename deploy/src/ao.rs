//! aoconnect's legacy protocol: bundler upload, gateway GraphQL module lookup, MU posts of
//! signed items, CU results and dry-runs.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::{json, Value};

use crate::ans104::{DataItem, Tag};
use crate::http::Client;
use crate::outcome::Outcome;
use crate::DeployError;

/// The tags every AO item starts with: `Data-Protocol=ao`, `Variant=ao.TN.1`, `Type`.
pub fn protocol_tags(kind: &str) -> Vec<Tag> {
    vec![
        Tag::new("Data-Protocol", "ao"),
        Tag::new("Variant", "ao.TN.1"),
        Tag::new("Type", kind),
    ]
}

fn trim(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// Everything but RFC 3986's unreserved characters (base64url ids pass unchanged).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode_query(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// `POST {bundler}/tx` of a signed item; returns the bundler's answer (JSON if it is),
/// which must not name another id.
pub fn upload(client: &Client, bundler: &str, item: &DataItem) -> Result<Value, DeployError> {
    let url = format!("{}/tx", trim(bundler));
    let answer = client.post_bytes(&url, &item.to_bytes())?;
    let body = serde_json::from_slice(&answer.body)
        .unwrap_or_else(|_| Value::String(answer.text().into_owned()));
    if let Some(acked) = body["id"].as_str() {
        if acked != item.id() {
            return Err(DeployError::Protocol {
                url,
                detail: format!(
                    "the bundler acknowledged {acked}, the item is {}",
                    item.id()
                ),
            });
        }
    }
    Ok(body)
}

/// What the gateway knows of a module.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleInfo {
    /// The module id.
    pub id: String,
    /// Its owner's address.
    pub owner: String,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

impl ModuleInfo {
    /// The first value of tag `name`.
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Looks `id` up at `{gateway}/graphql` as aoconnect does before a spawn, and checks it
/// is a module the CU can run (the tags aoconnect requires).
pub fn lookup_module(client: &Client, gateway: &str, id: &str) -> Result<ModuleInfo, DeployError> {
    let url = format!("{}/graphql", trim(gateway));
    let query = json!({
        "query": "query ($ids: [ID!]!) { transactions(ids: $ids) { edges { node { owner { address } tags { name value } } } } }",
        "variables": { "ids": [id] },
    });
    let answer = client.post_json(&url, &query)?;
    let protocol = |detail: String| DeployError::Protocol {
        url: url.clone(),
        detail,
    };
    let edges = answer["data"]["transactions"]["edges"]
        .as_array()
        .ok_or_else(|| protocol(format!("no transactions in {answer}")))?;
    let node = edges.first().map(|e| &e["node"]).ok_or_else(|| {
        DeployError::Input(format!(
            "module {id} is not known to the gateway {gateway}: publish it first (cargo ao publish)"
        ))
    })?;
    let owner = node["owner"]["address"].as_str().unwrap_or("").to_string();
    let tags = node["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| Some((t["name"].as_str()?.into(), t["value"].as_str()?.into())))
                .collect()
        })
        .unwrap_or_default();
    let info = ModuleInfo {
        id: id.to_string(),
        owner,
        tags,
    };
    for (name, want) in [("Data-Protocol", Some("ao")), ("Type", Some("Module"))] {
        if info.tag(name) != want {
            return Err(DeployError::Input(format!(
                "{id} is not an AO module: tag {name} is {:?}, expected {want:?}",
                info.tag(name)
            )));
        }
    }
    for name in ["Module-Format", "Input-Encoding", "Output-Encoding"] {
        if info.tag(name).is_none() {
            return Err(DeployError::Input(format!(
                "module {id} has no {name} tag: the CU cannot run it"
            )));
        }
    }
    Ok(info)
}

/// `POST {mu}/` of a signed item (a process or a message); returns the id the MU
/// acknowledged, which must be the item's.
pub fn post_to_mu(client: &Client, mu: &str, item: &DataItem) -> Result<String, DeployError> {
    let url = format!("{}/", trim(mu));
    let answer = client.post_bytes(&url, &item.to_bytes())?;
    let id = item.id();
    if let Ok(body) = serde_json::from_slice::<Value>(&answer.body) {
        if let Some(acked) = body["id"].as_str() {
            if acked != id {
                return Err(DeployError::Protocol {
                    url,
                    detail: format!("the MU acknowledged {acked}, the item is {id}"),
                });
            }
        }
    }
    Ok(id)
}

/// `GET {cu}/result/{message}?process-id={process}`.
pub fn result(
    client: &Client,
    cu: &str,
    message: &str,
    process: &str,
) -> Result<Outcome, DeployError> {
    let url = format!(
        "{}/result/{}?process-id={}",
        trim(cu),
        encode_query(message),
        encode_query(process)
    );
    let answer = client.get_json(&url)?;
    Outcome::from_json(&url, answer)
}

/// A message for a dry-run: evaluated by the CU, never scheduled.
#[derive(Debug, Clone, Default)]
pub struct DryRunMessage {
    /// The sender (`Owner` and `From`).
    pub owner: String,
    /// The tags, `Action` first.
    pub tags: Vec<Tag>,
    /// The data.
    pub data: String,
}

/// `POST {cu}/dry-run?process-id={process}` with the plain JSON message.
pub fn dry_run(
    client: &Client,
    cu: &str,
    process: &str,
    message: &DryRunMessage,
) -> Result<Outcome, DeployError> {
    let url = format!("{}/dry-run?process-id={}", trim(cu), encode_query(process));
    let tags: Vec<Value> = message
        .tags
        .iter()
        .map(|t| json!({"name": t.name, "value": t.value}))
        .collect();
    let body = json!({
        "Id": "1234",
        "Target": process,
        "Owner": message.owner,
        "From": message.owner,
        "Anchor": "0",
        "Data": message.data,
        "Tags": tags,
    });
    let answer = client.post_json(&url, &body)?;
    Outcome::from_json(&url, answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_escaped_and_ids_are_not() {
        let id = "Ze1rVfO-1MbZ68mEzNTV2vOXMf4heLKvHsXRo14Cb6s";
        assert_eq!(encode_query(id), id);
        assert_eq!(encode_query("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
