//! The counter through the real dispatcher (`aoxide::Runtime`).

use aoxide::{Env, Message, Outcome, Runtime};
use example_counter::Counter;

const PID: &str = "PROCESS_ID_PROCESS_ID_PROCESS_ID_PROCESS_I";
const OWNER: &str = "OWNER_OWNER_OWNER_OWNER_OWNER_OWNER_OWNER_O";
const ALICE: &str = "ALICE_ALICE_ALICE_ALICE_ALICE_ALICE_ALICE_A";

fn spawn(start: Option<&str>) -> Runtime<Counter> {
    let mut rt = Runtime::<Counter>::new();
    let mut msg = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
    if let Some(s) = start {
        msg = msg.with_tag("Start", s);
    }
    let out = rt.handle(msg, Some(&Env::new(PID, OWNER)));
    assert!(!out.is_error(), "{:?}", out.error);
    rt
}

fn send(rt: &mut Runtime<Counter>, from: &str, action: &str, tags: &[(&str, &str)]) -> Outcome {
    let mut msg = Message::new(from).with_action(action).with_id("M");
    for (k, v) in tags {
        msg = msg.with_tag(*k, *v);
    }
    rt.handle(msg, None)
}

fn reply(out: &Outcome) -> &str {
    out.messages
        .iter()
        .find(|m| m.target.is_some())
        .and_then(|m| m.data.as_deref())
        .unwrap_or("")
}

#[test]
fn init_reads_the_spawn_tags() {
    let rt = spawn(Some("40"));
    assert_eq!(rt.state().unwrap().count, 40);
    let rt = spawn(None);
    assert_eq!(rt.state().unwrap().count, 0);
}

#[test]
fn increment_reads_by_and_replies() {
    let mut rt = spawn(None);
    let out = send(&mut rt, ALICE, "Increment", &[]);
    assert_eq!(reply(&out), "1");
    assert_eq!(out.messages[0].target.as_deref(), Some(ALICE));
    let out = send(&mut rt, ALICE, "Increment", &[("By", "41")]);
    assert_eq!(reply(&out), "42");
    assert_eq!(rt.state().unwrap().count, 42);
}

#[test]
fn a_bad_tag_names_the_tag_the_value_and_the_type() {
    let mut rt = spawn(None);
    let out = send(&mut rt, ALICE, "Increment", &[("By", "many")]);
    let err = out.error.unwrap();
    assert!(err.contains("handler `increment` failed"), "{err}");
    assert!(
        err.contains("tag `By` has value \"many\", expected an unsigned 64-bit integer"),
        "{err}"
    );
    assert_eq!(rt.state().unwrap().count, 0);
}

#[test]
fn failures_roll_back() {
    let mut rt = spawn(Some(&u64::MAX.to_string()));
    let out = send(&mut rt, ALICE, "Increment", &[]);
    assert!(out.error.unwrap().contains("overflows"));
    assert!(
        out.messages.is_empty(),
        "no reply and no patch after a failure"
    );
    assert_eq!(rt.state().unwrap().count, u64::MAX);
}

#[test]
fn get_is_read_only_and_replies() {
    let mut rt = spawn(Some("7"));
    let out = send(&mut rt, ALICE, "Get", &[]);
    assert_eq!(reply(&out), "7");
    assert!(rt.registry().get("get").unwrap().read_only);
    assert!(!rt.registry().get("increment").unwrap().read_only);
    assert_eq!(out.messages.len(), 1, "read-only handlers send no patch");
}

#[test]
fn reset_is_for_the_owner_only() {
    let mut rt = spawn(Some("5"));
    let out = send(&mut rt, ALICE, "Reset", &[]);
    assert!(!out.is_error());
    assert_eq!(
        rt.state().unwrap().count,
        5,
        "a stranger's Reset matches no handler"
    );
    assert_eq!(
        rt.state().unwrap().unknown,
        1,
        "so the default handler took it"
    );
    let out = send(&mut rt, OWNER, "Reset", &[]);
    assert_eq!(out.output.data, "counter reset");
    assert_eq!(rt.state().unwrap().count, 0);
}

#[test]
fn cron_and_default() {
    let mut rt = spawn(None);
    let mut tick = Message::new(OWNER);
    tick.cron = true;
    rt.handle(tick, None);
    assert_eq!(rt.state().unwrap().ticks, 1);
    send(&mut rt, ALICE, "Dance", &[]);
    assert_eq!(rt.state().unwrap().unknown, 1);
}

#[test]
fn every_change_is_published_with_patch() {
    let mut rt = Runtime::<Counter>::new();
    let spawned = rt.handle(
        Message::new(OWNER)
            .with_id(PID)
            .with_tag("Type", "Process")
            .with_tag("Start", "3"),
        Some(&Env::new(PID, OWNER)),
    );
    let patch = &spawned.messages[0];
    assert_eq!(patch.target, None);
    assert_eq!(patch.get("device"), Some("patch@1.0"));
    let out = send(&mut rt, ALICE, "Increment", &[("By", "2")]);
    let patch = out
        .messages
        .iter()
        .find(|m| m.get("device").is_some())
        .unwrap();
    assert_eq!(patch.target, None);
    let json = serde_json::to_value(patch).unwrap();
    let count = json["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "count")
        .unwrap();
    assert_eq!(count["value"], 5, "the field value as JSON");
}

#[test]
fn runtime_handlers_share_the_registry() {
    let mut rt = spawn(None);
    rt.registry_mut().prepend(aoxide::Handler::action(
        "Double",
        |s: &mut Counter, _, _| {
            s.count *= 2;
            Ok(())
        },
    ));
    send(&mut rt, ALICE, "Increment", &[("By", "4")]);
    send(&mut rt, ALICE, "Double", &[]);
    assert_eq!(rt.state().unwrap().count, 8);
    let names: Vec<_> = rt.registry().names().collect();
    assert_eq!(names, ["Double", "increment", "get", "reset", "tick"]);
}

#[test]
fn interface_describes_the_handlers() {
    let i = Counter::interface();
    assert_eq!(i.name, "Counter");
    assert_eq!(i.state.version, 1);
    assert_eq!(i.state.fields[0].patch.as_deref(), Some("count"));
    let inc = i.action("Increment").unwrap();
    assert_eq!(inc.params[0].tag, "By");
    assert_eq!(inc.params[0].ty, "Option<u64>");
    assert!(!inc.params[0].required);
    assert_eq!(
        inc.doc,
        "Adds `By` (default 1) and replies with the new count."
    );
    assert_eq!(inc.returns, "Result<String>");
    assert!(i.action("Get").unwrap().read_only);
    assert_eq!(i.action("Reset").unwrap().from, aoxide::Caller::Owner);
    assert_eq!(i.init.as_ref().unwrap().params[0].tag, "Start");
    let kinds: Vec<_> = i.handlers.iter().map(|h| h.kind).collect();
    use aoxide::interface::HandlerKind::*;
    assert_eq!(kinds, [Handler, Handler, Handler, Cron, Default]);
    let json = i.to_json();
    assert!(json.contains("\"read_only\": true"), "{json}");
}

#[test]
fn snapshots_round_trip() {
    let mut rt = spawn(Some("9"));
    send(&mut rt, ALICE, "Increment", &[]);
    let state = rt.state().unwrap();
    let bytes = aoxide::snapshot::save(state).unwrap();
    let back: Counter = aoxide::snapshot::load(&bytes).unwrap();
    assert_eq!(back.count, 10);
    let view = aoxide::snapshot::to_json(state).unwrap();
    assert_eq!(view["state"]["count"], 10);
}
