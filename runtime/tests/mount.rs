//! Composition through the macros: `#[derive(Transactional)]`, parts mounted with
//! `#[handlers(mount(..))]` (order rules across parts, typed tags, `from =`, the part's
//! `#[init]`, its `patch@1.0` entries, the interface), and one patch mechanism for whole
//! fields, `state::Map` deltas and computed entries.

use aoxide::state::Map;
use aoxide::{Env, Message, Outcome, Result, Runtime, TagValue, Transactional};

const PID: &str = "PROCESS";
const OWNER: &str = "OWNER";

/// A ledger part: a `Map` delta and a computed entry in its patch.
#[aoxide::process(patch("ledger-info" = Ledger::info))]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    #[patch]
    balances: Map<String, u64>,
    label: String,
}

impl Ledger {
    fn info(&self) -> TagValue {
        TagValue::from(serde_json::json!({ "label": self.label }))
    }
}

#[aoxide::handlers]
impl Ledger {
    /// The label comes from the spawn tag `Label`.
    #[init]
    fn init(label: Option<String>) -> Self {
        Ledger {
            balances: Map::new(),
            label: label.unwrap_or_default(),
        }
    }

    /// Credits `Quantity` to the sender.
    #[handler(action = "Credit")]
    fn credit(&mut self, msg: &Message, quantity: u64) -> Result<String> {
        let balance = self.balances.get(&msg.from).copied().unwrap_or(0);
        let Some(balance) = balance.checked_add(quantity) else {
            aoxide::fail!("overflow");
        };
        self.balances.insert(msg.from.clone(), balance);
        Ok(balance.to_string())
    }

    /// A mutating handler that changes nothing: no patch.
    #[handler(action = "Touch")]
    fn touch(&mut self) -> &'static str {
        "touched"
    }

    /// Owner only.
    #[handler(action = "Wipe", from = owner)]
    fn wipe(&mut self) {
        self.balances.clear();
    }
}

/// A second part with no patch entries.
#[aoxide::process]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Notes {
    notes: Vec<String>,
}

#[aoxide::handlers]
impl Notes {
    /// Keeps the data.
    #[handler(action = "Note")]
    fn note(&mut self, msg: &Message) {
        self.notes.push(msg.data.clone());
    }
}

/// The host: mounts both parts, runs a handler before the ledger's `credit`, and has a
/// whole-field patch of its own.
#[aoxide::process]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bank {
    ledger: Ledger,
    notes: Notes,
    #[patch]
    credits_seen: u64,
}

#[aoxide::handlers(mount(ledger = Ledger, notes = Notes))]
impl Bank {
    /// The ledger part is built by its own init from the spawn message.
    #[init]
    fn init(ledger: Ledger) -> Self {
        Bank {
            ledger,
            ..Bank::default()
        }
    }

    /// Counts credits, then lets the ledger's handler take the message.
    #[handler(action = "Credit", before = "ledger.credit", continue)]
    fn count_credit(&mut self) {
        self.credits_seen += 1;
    }

    /// The host's own action.
    #[handler(action = "Seen")]
    fn seen(&self) -> String {
        self.credits_seen.to_string()
    }
}

/// `#[derive(Transactional)]` alone: rollback field by field.
#[derive(Debug, Clone, Default, PartialEq, Transactional)]
struct Pair {
    left: Map<String, u64>,
    right: u64,
}

fn spawn_bank() -> Runtime<Bank> {
    let mut rt = Runtime::<Bank>::new();
    let spawn = Message::new(OWNER)
        .with_id(PID)
        .with_tag("Type", "Process")
        .with_tag("Label", "vault");
    let out = rt.handle(spawn, Some(&Env::new(PID, OWNER)));
    assert!(!out.is_error(), "{:?}", out.error);
    rt
}

fn send(rt: &mut Runtime<Bank>, from: &str, action: &str, tags: &[(&str, &str)]) -> Outcome {
    let mut m = Message::new(from).with_id("m").with_action(action);
    for (k, v) in tags {
        m = m.with_tag(*k, *v);
    }
    rt.handle(m, None)
}

fn patch(o: &Outcome) -> Option<&aoxide::OutMessage> {
    o.messages
        .iter()
        .find(|m| m.get("device") == Some("patch@1.0"))
}

#[test]
fn mounted_handlers_are_registered_first_and_ordered_across_parts() {
    let rt = spawn_bank();
    let names: Vec<_> = rt.registry().names().collect();
    assert_eq!(
        names,
        [
            "count_credit",
            "ledger.credit",
            "ledger.touch",
            "ledger.wipe",
            "notes.note",
            "seen"
        ]
    );
}

#[test]
fn the_part_init_reads_the_spawn_message() {
    let rt = spawn_bank();
    assert_eq!(rt.state().unwrap().ledger.label, "vault");
}

#[test]
fn mounted_handlers_run_on_their_field_with_typed_tags() {
    let mut rt = spawn_bank();
    let o = send(&mut rt, "ALICE", "Credit", &[("Quantity", "5")]);
    assert!(!o.is_error(), "{:?}", o.error);
    assert_eq!(o.message_to("ALICE").unwrap().data.as_deref(), Some("5"));
    assert_eq!(
        rt.state().unwrap().credits_seen,
        1,
        "the host handler ran first"
    );
    assert_eq!(rt.state().unwrap().ledger.balances.get("ALICE"), Some(&5));

    // A bad typed tag fails the message and rolls back the host's handler too.
    let o = send(&mut rt, "ALICE", "Credit", &[("Quantity", "x")]);
    assert!(o.error.unwrap().contains("tag `Quantity`"));
    assert_eq!(rt.state().unwrap().credits_seen, 1);

    let o = send(&mut rt, "ALICE", "Note", &[]);
    assert!(!o.is_error());
    assert_eq!(rt.state().unwrap().notes.notes.len(), 1);
}

#[test]
fn from_rules_of_a_part_hold_when_mounted() {
    let mut rt = spawn_bank();
    send(&mut rt, "ALICE", "Credit", &[("Quantity", "5")]);
    let o = send(&mut rt, "ALICE", "Wipe", &[]);
    assert!(o.messages.is_empty(), "a stranger's Wipe matches nothing");
    assert_eq!(rt.inbox().len(), 1);
    assert_eq!(rt.state().unwrap().ledger.balances.len(), 1);
    send(&mut rt, OWNER, "Wipe", &[]);
    assert!(rt.state().unwrap().ledger.balances.is_empty());
}

#[test]
fn one_patch_carries_the_host_fields_and_the_part_deltas() {
    let mut rt = spawn_bank();
    send(&mut rt, "ALICE", "Credit", &[("Quantity", "5")]);
    let o = send(&mut rt, "BOB", "Credit", &[("Quantity", "7")]);
    let p = patch(&o).expect("a patch after a change");
    let tags: Vec<&str> = p
        .tags
        .iter()
        .map(|t| t.name.as_str())
        .skip_while(|n| *n != "device")
        .collect();
    let text = |key: &str| p.tags.find(key).map(|v| v.to_string());
    assert_eq!(
        tags,
        ["device", "credits-seen", "balances", "ledger-info"],
        "host fields first, then each part's entries"
    );
    assert_eq!(text("credits-seen").as_deref(), Some("2"));
    // Only the key this message changed.
    assert_eq!(text("balances").as_deref(), Some(r#"{"BOB":7}"#));
    assert_eq!(text("ledger-info").as_deref(), Some(r#"{"label":"vault"}"#));
}

#[test]
fn a_delta_with_no_changed_key_sends_no_patch_for_a_part_alone() {
    let mut rt = Runtime::<Ledger>::new();
    rt.handle(
        Message::new(OWNER).with_id(PID).with_tag("Type", "Process"),
        Some(&Env::new(PID, OWNER)),
    );
    let o = rt.handle(Message::new("ALICE").with_action("Touch"), None);
    assert_eq!(o.messages.len(), 1, "the reply only: {:?}", o.messages);
    let o = rt.handle(
        Message::new("ALICE")
            .with_action("Credit")
            .with_tag("Quantity", "1"),
        None,
    );
    let p = patch(&o).expect("a changed key publishes");
    assert_eq!(
        p.tags.find("balances").map(|v| v.to_string()).as_deref(),
        Some(r#"{"ALICE":1}"#)
    );
}

#[test]
fn the_interface_lists_the_parts_under_their_field() {
    let i = Bank::interface();
    assert_eq!(i.name, "Bank");
    let fields: Vec<_> = i.parts.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["ledger", "notes"]);
    let ledger = i.part("ledger").unwrap();
    assert_eq!(ledger.handlers.name, "Ledger");
    let credit = ledger
        .handlers
        .handlers
        .iter()
        .find(|h| h.name == "credit")
        .unwrap();
    assert_eq!(credit.params[0].tag, "Quantity");
    assert_eq!(i.action("Seen").unwrap().name, "seen");
    assert_eq!(i.action("Note").unwrap().name, "note");
    // The records embedded in the module are the same JSON Lines.
    let again =
        aoxide::Interface::from_section(<Bank as aoxide::Process>::INTERFACE.as_bytes()).unwrap();
    assert_eq!(again, i);
}

#[test]
fn derive_transactional_rolls_back_field_by_field() {
    let mut pair = Pair::default();
    pair.left.insert("a".into(), 1);
    let sp = pair.savepoint();
    pair.left.insert("b".into(), 2);
    pair.right = 9;
    pair.rollback(sp);
    assert_eq!(pair.left.len(), 1);
    assert_eq!(pair.right, 0);
    let sp = pair.savepoint();
    pair.right = 3;
    pair.commit(sp);
    assert_eq!(pair.right, 3);
}

#[test]
fn computed_entries_take_tag_values() {
    let l = Ledger {
        label: "x".into(),
        ..Ledger::default()
    };
    let mut p = aoxide::Patch::default();
    aoxide::Schema::patch(&l, &mut p);
    assert!(!p.publishes(), "no key changed and no whole field");
}
