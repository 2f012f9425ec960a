//! Shared pieces of the fuzz targets: a structured message sequence that `arbitrary` fills,
//! turned into JSON-1 exactly as hosts send it, and the invariants every process must keep.

pub mod differential;

use aoxide::{Outcome, Process, Runtime};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use serde_json::{json, Value};

/// The process id and owner every target uses.
pub const PID: &str = "PROCESS_ID_000000000000000000000000000000";
/// Senders: the owner, the process itself, and strangers.
pub const SENDERS: [&str; 4] = [
    "OWNER_0000000000000000000000000000000000000",
    PID,
    "ALICE_0000000000000000000000000000000000000",
    "MALLORY_00000000000000000000000000000000000",
];

/// The actions the token targets send (the Rust token's and the Lua token's, with the
/// owner's `Eval`): an action a token does not have goes where its unknown actions go.
pub const TOKEN_ACTIONS: &[&str] = &[
    "Transfer",
    "Balance",
    "Balances",
    "Info",
    "Total-Supply",
    "Mint",
    "Burn",
    "Allocate",
    "Eval",
    "Other",
];

/// The tags the token targets send.
pub const TOKEN_TAGS: &[&str] = &[
    "Recipient",
    "Quantity",
    "Target",
    "Cast",
    "X-Note",
    "X-Reference",
    "Reply-To",
];

/// A fuzzed tag value: any text, or the shapes handlers look for (a decimal amount, one of
/// [`SENDERS`]), so that sequences reach the handlers' success paths, not only their
/// refusals.
#[derive(Debug, Arbitrary)]
pub enum TagValue {
    /// Any text.
    Text(String),
    /// A decimal amount.
    Amount(u32),
    /// One of [`SENDERS`].
    Sender(u8),
}

impl TagValue {
    fn text(&self) -> String {
        match self {
            TagValue::Text(text) => text.clone(),
            TagValue::Amount(amount) => amount.to_string(),
            TagValue::Sender(i) => SENDERS[*i as usize % SENDERS.len()].to_owned(),
        }
    }
}

/// One fuzzed message.
#[derive(Debug, Arbitrary)]
pub struct FuzzMessage {
    /// `SENDERS[sender % 4]`; the high bit makes the message an assignment (addressed to
    /// another process), which no fuzzed process takes.
    sender: u8,
    action: u8,
    tags: Vec<(u8, TagValue)>,
    data: String,
    read_only: bool,
    /// When set, these raw bytes are sent instead of the structured message.
    raw: Option<Vec<u8>>,
}

/// The process an assignment is addressed to.
pub const OTHER_PROCESS: &str = "OTHER_PROCESS_ID_000000000000000000000000000";

impl FuzzMessage {
    /// Whether the structured message is an assignment (raw bytes are sent as they are).
    pub fn is_assignment(&self) -> bool {
        self.raw.is_none() && self.sender & 0x80 != 0
    }

    /// A structured message from `SENDERS[sender]` with `actions[action]`, no tags.
    pub fn new(sender: u8, action: u8, data: &str) -> Self {
        FuzzMessage {
            sender,
            action,
            tags: Vec::new(),
            data: data.to_owned(),
            read_only: false,
            raw: None,
        }
    }
}

/// Builds the JSON-1 bytes of `m`, with actions and tag names drawn from the process'
/// vocabulary (so the fuzzer reaches handlers, not only the parser).
pub fn to_json(m: &FuzzMessage, actions: &[&str], tag_names: &[&str], n: usize) -> Vec<u8> {
    if let Some(raw) = &m.raw {
        return raw.clone();
    }
    let from = SENDERS[m.sender as usize % SENDERS.len()];
    let mut tags =
        vec![json!({"name": "Action", "value": actions[m.action as usize % actions.len()]})];
    for (name, value) in m.tags.iter().take(16) {
        let name = tag_names[*name as usize % tag_names.len()];
        tags.push(json!({"name": name, "value": value.text()}));
    }
    let mut msg = json!({
        "Id": format!("MSG_{n:039}"),
        "Owner": from,
        "From": from,
        "Target": if m.is_assignment() { OTHER_PROCESS } else { PID },
        "Tags": tags,
        "Data": m.data,
        "Timestamp": 1_700_000_000_000u64 + n as u64,
        "Block-Height": 1000 + n,
    });
    if m.read_only {
        msg["Read-Only"] = json!(true);
    }
    serde_json::to_vec(&msg).expect("a JSON value serialises")
}

/// The env hosts pass.
pub fn env() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "Process": {"Id": PID, "Owner": SENDERS[0], "Tags": [
            {"name": "Name", "value": "Fuzz"}, {"name": "Ticker", "value": "FZ"}
        ]},
        "Module": {"Id": "MODULE", "Owner": SENDERS[0], "Tags": []},
    }))
    .expect("a JSON value serialises")
}

/// The spawn message. Its `Initial-Allocations` (read by the Rust token, ignored by the
/// other processes) give the three other senders a balance besides the process, so that a
/// `Transfer` from most senders can succeed.
pub fn spawn() -> Vec<u8> {
    let allocations = json!({ SENDERS[0]: "1000000", SENDERS[2]: "1000000", SENDERS[3]: "1000" });
    serde_json::to_vec(&json!({
        "Id": PID, "Owner": SENDERS[0], "From": SENDERS[0], "Target": PID,
        "Tags": [
            {"name": "Type", "value": "Process"},
            {"name": "Initial-Allocations", "value": allocations.to_string()},
        ],
        "Data": "",
    }))
    .expect("a JSON value serialises")
}

/// Checks that the JSON-1 result of `outcome` is valid JSON and carries exactly the
/// outcome's messages (the hand-written writer against serde_json's reader).
pub fn check_result(outcome: &Outcome) {
    let bytes = outcome.to_json();
    let value: Value = serde_json::from_slice(&bytes).expect("the result is valid JSON");
    let response = &value["response"];
    assert_eq!(value["ok"], json!(true));
    assert_eq!(response["Error"].as_str(), outcome.error.as_deref());
    let messages = response["Messages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    assert_eq!(messages.len(), outcome.messages.len());
    for (json, out) in messages.iter().zip(&outcome.messages) {
        assert_eq!(json["Data"].as_str(), out.data.as_deref());
        assert_eq!(json["Target"].as_str(), out.target.as_deref());
        let tags = json["Tags"].as_array().expect("Tags is a list");
        assert_eq!(tags.len(), out.tags.len());
        for (t, o) in tags.iter().zip(out.tags.iter()) {
            assert_eq!(t["name"].as_str(), Some(o.name.as_str()));
            if let Some(text) = o.value.as_str() {
                assert_eq!(t["value"].as_str(), Some(text));
            }
        }
    }
}

/// Runs the sequence on a fresh process, checking after every message: the result is valid
/// JSON matching the outcome, an Error changes nothing (`view` of the state is unchanged),
/// and `invariant` holds.
pub fn run<P: Process>(
    messages: &[FuzzMessage],
    actions: &[&str],
    tag_names: &[&str],
    view: impl Fn(&P) -> String,
    invariant: impl Fn(&P),
) {
    let mut rt = Runtime::<P>::new();
    let env = env();
    let out = rt.handle_bytes(&spawn(), &env);
    assert!(out.error.is_none(), "spawn failed: {:?}", out.error);
    for (n, m) in messages.iter().take(64).enumerate() {
        let before = rt.state().map(&view);
        let handled = rt.messages_handled();
        let out = rt.handle_bytes(&to_json(m, actions, tag_names, n), &env);
        check_result(&out);
        let state = rt.state().expect("state exists after the spawn");
        if out.error.is_some() || m.read_only || m.is_assignment() {
            assert_eq!(
                Some(view(state)),
                before,
                "a failed or read-only message, or an assignment, changed the state"
            );
            if out.error.is_some() || m.is_assignment() {
                assert_eq!(rt.messages_handled(), handled);
            }
        }
        if m.is_assignment() {
            assert!(out.error.is_none() && out.messages.is_empty(), "{out:?}");
        }
        invariant(state);
    }
}
