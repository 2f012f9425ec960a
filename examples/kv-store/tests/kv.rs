//! The key-value store through the real dispatcher (`aoxide::Runtime`).

use aoxide::{Env, Message, Outcome, Runtime};
use example_kv_store::{KvStore, MAX_VALUE};

const PID: &str = "PROCESS_ID_PROCESS_ID_PROCESS_ID_PROCESS_I";
const OWNER: &str = "OWNER_OWNER_OWNER_OWNER_OWNER_OWNER_OWNER_O";
const ALICE: &str = "ALICE_ALICE_ALICE_ALICE_ALICE_ALICE_ALICE_A";

fn spawn() -> Runtime<KvStore> {
    let mut rt = Runtime::<KvStore>::new();
    let msg = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
    assert!(!rt.handle(msg, Some(&Env::new(PID, OWNER))).is_error());
    rt
}

fn send(
    rt: &mut Runtime<KvStore>,
    from: &str,
    action: &str,
    tags: &[(&str, &str)],
    data: &str,
) -> Outcome {
    let mut msg = Message::new(from).with_action(action).with_data(data);
    for (k, v) in tags {
        msg = msg.with_tag(*k, *v);
    }
    rt.handle(msg, None)
}

fn state(rt: &Runtime<KvStore>) -> &KvStore {
    rt.state().unwrap()
}

#[test]
fn set_get_list_delete() {
    let mut rt = spawn();
    assert!(!send(&mut rt, ALICE, "Set", &[("Key", "a/1")], "one").is_error());
    assert!(!send(&mut rt, ALICE, "Set", &[("Key", "b/1")], "two").is_error());
    let out = send(&mut rt, ALICE, "Get", &[("Key", "a/1")], "");
    let reply = out.message_to(ALICE).unwrap();
    assert_eq!(reply.get("Action"), Some("Value"));
    assert_eq!(reply.get("Found"), Some("true"));
    assert_eq!(reply.data.as_deref(), Some("one"));
    let out = send(&mut rt, ALICE, "List", &[("Prefix", "a/")], "");
    let reply = out.message_to(ALICE).unwrap();
    assert_eq!(reply.data.as_deref(), Some(r#"["a/1"]"#));
    assert_eq!(reply.get("Content-Type"), Some("application/json"));

    let out = send(&mut rt, ALICE, "Delete", &[("Key", "a/1")], "");
    let err = out.error.expect("a stranger's Delete is refused");
    assert!(
        err.contains("only the owner or the process may delete"),
        "{err}"
    );
    assert!(out.messages.is_empty(), "a refused Delete sends no patch");
    assert!(state(&rt).entries.contains_key("a/1"));
    let out = send(&mut rt, OWNER, "Delete", &[("Key", "a/1")], "");
    assert!(!out.is_error(), "{:?}", out.error);
    assert!(!state(&rt).entries.contains_key("a/1"));
    assert_eq!(
        state(&rt).writes,
        3,
        "Set, Set, Delete (owner); the stranger's Delete is not a write"
    );
}

#[test]
fn set_many_enforces_the_value_limit_of_set() {
    let mut rt = spawn();
    let big = "x".repeat(MAX_VALUE + 1);
    let data = serde_json::json!({ "ok": "small", "big": big }).to_string();
    let out = send(&mut rt, ALICE, "Set-Many", &[], &data);
    let err = out.error.expect("an over-limit value is refused");
    assert!(err.contains("over the limit of 1024"), "{err}");
    assert!(state(&rt).entries.is_empty(), "no pair is stored");
    assert_eq!(state(&rt).writes, 0);
    let exact = "y".repeat(MAX_VALUE);
    let data = serde_json::json!({ "edge": exact }).to_string();
    assert!(!send(&mut rt, ALICE, "Set-Many", &[], &data).is_error());
    assert_eq!(
        state(&rt).entries.get("edge").map(String::len),
        Some(MAX_VALUE)
    );
}

#[test]
fn a_write_publishes_a_small_patch_whatever_the_store_holds() {
    let mut rt = spawn();
    let value = "v".repeat(MAX_VALUE);
    for batch in 0..40 {
        let pairs: serde_json::Map<_, _> = (0..100)
            .map(|i| (format!("k{batch}-{i}"), value.clone().into()))
            .collect();
        let data = serde_json::Value::Object(pairs).to_string();
        assert!(!send(&mut rt, ALICE, "Set-Many", &[], &data).is_error());
    }
    assert_eq!(state(&rt).entries.len(), 4000, "about 4 MB stored");
    let out = send(&mut rt, ALICE, "Set", &[("Key", "one")], "1");
    assert!(!out.is_error(), "{:?}", out.error);
    let patch = out
        .messages
        .iter()
        .find(|m| m.get("device") == Some("patch@1.0"))
        .expect("a write sends patch@1.0");
    let bytes = serde_json::to_string(patch).unwrap().len();
    assert!(bytes < 1024, "the patch is {bytes} bytes");
    assert!(out.to_json().len() < 4096, "the whole result is small");
}

#[test]
fn a_failed_write_changes_nothing_not_even_the_observer() {
    let mut rt = spawn();
    send(&mut rt, ALICE, "Set", &[("Key", "k")], "v");
    let out = send(&mut rt, ALICE, "Set-Many", &[], r#"{"x":"1","":"bad"}"#);
    let err = out.error.unwrap();
    assert!(
        err.contains("handler `set_many` failed: key must be 1 to 128 bytes"),
        "{err}"
    );
    assert!(
        !state(&rt).entries.contains_key("x"),
        "the first pair is rolled back too"
    );
    assert_eq!(
        state(&rt).writes,
        1,
        "the observer's count is rolled back with it"
    );

    let out = send(&mut rt, ALICE, "Set-Many", &[], "not json");
    assert!(out.error.unwrap().contains("data is not valid JSON"));
    let out = send(&mut rt, ALICE, "Set-Many", &[], r#"{"x":"1","y":"2"}"#);
    assert_eq!(
        out.message_to(ALICE).unwrap().data.as_deref(),
        Some("stored 2")
    );
}

#[test]
fn missing_tag_is_named() {
    let mut rt = spawn();
    let err = send(&mut rt, ALICE, "Set", &[], "v").error.unwrap();
    assert!(err.contains("tag `Key` is required (a string)"), "{err}");
}

#[test]
fn predicates_and_order() {
    let mut rt = spawn();
    let big = "x".repeat(MAX_VALUE + 1);
    let err = send(&mut rt, ALICE, "Set", &[("Key", "big")], &big)
        .error
        .unwrap();
    assert!(err.contains("handler `refuse_large` failed"), "{err}");
    let names: Vec<_> = rt.registry().names().collect();
    assert_eq!(
        &names[..4],
        ["count_write", "refuse_large", "set_locked", "set"],
        "before = \"set\" placed them ahead of `set`"
    );
}

#[test]
fn locked_keys_are_for_the_owner() {
    let mut rt = spawn();
    let out = send(
        &mut rt,
        ALICE,
        "Set",
        &[("Key", "k"), ("Locked", "true")],
        "alice",
    );
    assert!(!out.is_error());
    assert!(!state(&rt).locked.contains_key("k"), "only the owner locks");
    send(
        &mut rt,
        OWNER,
        "Set",
        &[("Key", "k"), ("Locked", "true")],
        "owner",
    );
    assert!(state(&rt).locked.contains_key("k"));
    let err = send(&mut rt, ALICE, "Set", &[("Key", "k")], "mine")
        .error
        .unwrap();
    assert!(err.contains(r#"key "k" is locked"#), "{err}");
    let err = send(&mut rt, OWNER, "Delete", &[("Key", "a\"\u{e9}")], "")
        .error
        .unwrap();
    assert!(err.contains("no key \"a\\\"\u{e9}\""), "{err}");
    assert_eq!(
        state(&rt).entries.get("k").map(String::as_str),
        Some("owner")
    );
}

#[test]
fn seed_runs_once() {
    let mut rt = spawn();
    send(&mut rt, OWNER, "Seed", &[], r#"{"a":"1"}"#);
    assert!(rt.registry().get("seed").is_none(), "removed after one run");
    send(&mut rt, OWNER, "Seed", &[], r#"{"b":"2"}"#);
    assert!(state(&rt).entries.contains_key("a"));
    assert!(!state(&rt).entries.contains_key("b"));
}

#[test]
fn snapshot_restore_and_migrate() {
    let mut rt = spawn();
    send(&mut rt, ALICE, "Set", &[("Key", "k")], "v");
    send(
        &mut rt,
        OWNER,
        "Set",
        &[("Key", "q\"\u{e9}"), ("Locked", "true")],
        "x\n",
    );
    let out = send(&mut rt, OWNER, "Snapshot", &[], "");
    let reply = out.message_to(OWNER).unwrap();
    assert_eq!(reply.get("Content-Type"), Some("application/json"));
    let view = reply.data.clone().unwrap();
    assert!(view.contains(r#""aoxide-snapshot":2"#), "{view}");
    // Byte for byte the text of the JSON view as serde_json writes it.
    let expected = aoxide::snapshot::to_json(state(&rt)).unwrap().to_string();
    assert_eq!(view, expected);

    let mut fresh = spawn();
    let out = send(&mut fresh, OWNER, "Restore", &[], &view);
    assert!(!out.is_error(), "{:?}", out.error);
    assert_eq!(
        state(&fresh).entries.get("k").map(String::as_str),
        Some("v")
    );
    assert_eq!(state(&fresh).locked.get("q\"\u{e9}"), Some(&true));
    assert_eq!(state(&fresh).writes, 2);

    let v1 = r#"{"aoxide-snapshot":1,"state":{"entries":{"old":"1"}}}"#;
    let out = send(&mut fresh, OWNER, "Restore", &[], v1);
    assert!(!out.is_error(), "{:?}", out.error);
    assert_eq!(
        state(&fresh).entries.get("old").map(String::as_str),
        Some("1")
    );
    assert_eq!(state(&fresh).writes, 0);

    let v3 = r#"{"aoxide-snapshot":3,"state":{}}"#;
    let err = send(&mut fresh, OWNER, "Restore", &[], v3).error.unwrap();
    assert!(
        err.contains("schema version 3, newer than this module's version 2"),
        "{err}"
    );

    let bytes = aoxide::snapshot::save(state(&fresh)).unwrap();
    let back: KvStore = aoxide::snapshot::load(&bytes).unwrap();
    assert_eq!(back.entries.get("old").map(String::as_str), Some("1"));
}

#[test]
fn interface_records_options() {
    let i = KvStore::interface();
    assert_eq!(i.state.version, 2);
    let set = i.handler("set_locked").unwrap();
    assert_eq!(set.matches[0].tag, "Locked");
    assert_eq!(set.from, aoxide::Caller::Owner);
    assert_eq!(
        i.handler("refuse_large").unwrap().when.as_deref(),
        Some("too_large")
    );
    assert!(i.handler("count_write").unwrap().continues);
    assert_eq!(i.handler("seed").unwrap().max_runs, Some(1));
    assert_eq!(
        i.handler("set_many").unwrap().data.as_deref(),
        Some("BTreeMap<String, String>")
    );
    assert_eq!(i.handler("delete").unwrap().params[0].tag, "Key");
    assert_eq!(
        i.handler("delete").unwrap().from,
        aoxide::Caller::OwnerOrProcess
    );
    let names: Vec<_> = i.handlers.iter().map(|h| h.name.as_str()).collect();
    let registered: Vec<_> = Runtime::<KvStore>::new()
        .registry()
        .names()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, registered, "metadata lists the registration order");
}

#[test]
fn patch_carries_the_write_count() {
    let mut rt = spawn();
    let out = send(&mut rt, ALICE, "Set", &[("Key", "k")], "v");
    let patches: Vec<_> = out
        .messages
        .iter()
        .filter(|m| m.get("device") == Some("patch@1.0"))
        .collect();
    assert_eq!(
        patches.len(),
        1,
        "one patch per message, though the write observer and `set` both ran"
    );
    let last = serde_json::to_value(patches[0]).unwrap();
    let entries = last["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "writes")
        .unwrap();
    assert_eq!(entries["value"], serde_json::json!(1));
}
