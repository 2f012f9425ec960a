//! The dispatcher end to end: matching, rollback, trust, inbox, dry-runs, references, and
//! bad input, through the same `Runtime` path the wasm module uses.

use aoxide::state::Map;
use aoxide::{
    fail, Caller, Ctx, Env, Error, Handler, Match, Message, OutMessage, Pattern, Process, Registry,
    Runtime, Tags, Transactional,
};

const PID: &str = "PROCESS_ID_0000000000000000000000000000000";
const OWNER: &str = "OWNER_00000000000000000000000000000000000000";
const AUTH: &str = "AUTHORITY_0000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Default)]
struct Book {
    count: u64,
    entries: Map<String, u64>,
    log: Vec<String>,
}

impl Transactional for Book {
    type Savepoint = (u64, aoxide::state::JournalMark, Vec<String>);
    fn savepoint(&mut self) -> Self::Savepoint {
        (
            self.count.savepoint(),
            self.entries.savepoint(),
            self.log.savepoint(),
        )
    }
    fn rollback(&mut self, sp: Self::Savepoint) {
        self.count.rollback(sp.0);
        self.entries.rollback(sp.1);
        self.log.rollback(sp.2);
    }
    fn commit(&mut self, sp: Self::Savepoint) {
        self.count.commit(sp.0);
        self.entries.commit(sp.1);
        self.log.commit(sp.2);
    }
}

impl Process for Book {
    fn init(_ctx: &mut Ctx<'_>, _msg: &Message) -> Result<Self, Error> {
        Ok(Book::default())
    }

    fn register(r: &mut Registry<Self>) {
        r.add(Handler::action("Set", |s: &mut Book, ctx, msg| {
            let key: String = msg.tag("Key")?;
            let value: u64 = msg.tag("Value")?;
            s.entries.insert(key, value);
            s.count += 1;
            ctx.respond(OutMessage::untargeted().action("Set-Done"));
            Ok(())
        }));
        r.add(Handler::action(
            "Fail-After-Writes",
            |s: &mut Book, ctx, _| {
                s.entries.insert("poison".into(), 1);
                s.count += 100;
                s.log.push("poison".into());
                ctx.send(OutMessage::to("SOMEONE").action("Should-Not-Leave"));
                fail!("refused after writing")
            },
        ));
        r.add(Handler::action(
            "Panic-After-Writes",
            |s: &mut Book, _, _| {
                s.entries.insert("poison".into(), 1);
                s.count += 100;
                panic!("boom");
            },
        ));
        r.add(Handler::action("Ping", |_, ctx, _| {
            ctx.respond(OutMessage::untargeted().action("Pong"));
            Ok(())
        }));
        r.prepend(Handler::new(
            "audit",
            Pattern::test(|m: &Message| {
                if m.get("Audit").is_some() {
                    Match::Continue
                } else {
                    Match::Skip
                }
            }),
            |s: &mut Book, _, msg| {
                s.log.push(msg.action().unwrap_or("-").to_owned());
                Ok(())
            },
        ));
        r.add(
            Handler::action("Owner-Only", |s: &mut Book, _, _| {
                s.count = 0;
                Ok(())
            })
            .from(Caller::Owner),
        );
        r.add(
            Handler::action("Twice", |s: &mut Book, _, _| {
                s.count += 1;
                Ok(())
            })
            .max_runs(2),
        );
    }

    fn config() -> aoxide::Config {
        aoxide::Config {
            inbox_limit: 3,
            ..aoxide::Config::default()
        }
    }
}

fn env() -> Env {
    let mut env = Env::new(PID, OWNER);
    let mut tags = Tags::new();
    tags.add("Authority", AUTH);
    env.process.tags = tags;
    env
}

fn spawned() -> Runtime<Book> {
    let mut rt = Runtime::<Book>::new();
    let spawn = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
    let out = rt.handle(spawn, Some(&env()));
    assert!(!out.is_error(), "{out:?}");
    rt
}

fn from(sender: &str) -> Message {
    Message::new(sender).with_id(format!("msg-{sender}"))
}

/// The owner sets `a = 1`.
fn set_a(rt: &mut Runtime<Book>) {
    let out = rt.handle(
        from(OWNER)
            .with_action("Set")
            .with_tag("Key", "a")
            .with_tag("Value", "1"),
        None,
    );
    assert!(!out.is_error(), "{out:?}");
}

fn state(rt: &Runtime<Book>) -> Book {
    rt.state().unwrap().clone()
}

#[test]
fn handler_error_leaves_state_outbox_and_references_unchanged() {
    let mut rt = spawned();
    set_a(&mut rt);
    let before = state(&rt);
    let reference = rt.reference();

    let out = rt.handle(from(OWNER).with_action("Fail-After-Writes"), None);
    let err = out.error.as_deref().unwrap();
    assert!(err.contains("Action = Fail-After-Writes"), "{err}");
    assert!(
        err.contains("`Fail-After-Writes`"),
        "names the handler: {err}"
    );
    assert!(err.contains("refused after writing"), "{err}");
    assert!(out.messages.is_empty());
    assert_eq!(state(&rt), before);
    assert_eq!(rt.reference(), reference);
    assert_eq!(rt.state().unwrap().entries.journal_len(), 0);

    // The next message is answered normally and references continue from where they were.
    let next = rt.handle(from(OWNER).with_action("Ping"), None);
    assert_eq!(next.messages[0].reference(), Some(reference + 1));
}

#[test]
fn panic_is_an_error_and_rolls_back() {
    let mut rt = spawned();
    let before = state(&rt);
    let out = rt.handle(from(OWNER).with_action("Panic-After-Writes"), None);
    assert!(out.error.as_deref().unwrap().contains("panicked: boom"));
    assert_eq!(state(&rt), before);
    assert!(!rt.handle(from(OWNER).with_action("Ping"), None).is_error());
}

#[test]
fn tag_errors_name_the_tag_value_and_type() {
    let mut rt = spawned();
    let out = rt.handle(
        from(OWNER)
            .with_action("Set")
            .with_tag("Key", "a")
            .with_tag("Value", "-3"),
        None,
    );
    let err = out.error.unwrap();
    assert!(
        err.contains("tag `Value`") && err.contains("\"-3\"") && err.contains("unsigned"),
        "{err}"
    );
    let out = rt.handle(from(OWNER).with_action("Set").with_tag("Key", "a"), None);
    assert!(out.error.unwrap().contains("tag `Value` is required"));
}

#[test]
fn continue_handlers_run_and_the_walk_goes_on() {
    let mut rt = spawned();
    let out = rt.handle(
        from(OWNER).with_action("Ping").with_tag("Audit", "yes"),
        None,
    );
    assert_eq!(out.messages.len(), 1, "Ping still answered");
    assert_eq!(state(&rt).log, ["Ping"]);
}

#[test]
fn caller_restriction_and_max_runs() {
    let mut rt = spawned();
    rt.handle(from(OWNER).with_action("Twice"), None);
    rt.handle(from(OWNER).with_action("Twice"), None);
    assert_eq!(state(&rt).count, 2);
    assert!(
        rt.registry().get("Twice").is_none(),
        "removed after its runs"
    );
    let third = rt.handle(from(OWNER).with_action("Twice"), None);
    assert_eq!(state(&rt).count, 2);
    assert!(
        third.output.data.contains("New Message From"),
        "went to the inbox"
    );

    let stranger = "STRANGER_000000000000000000000000000000000";
    rt.handle(from(stranger).with_action("Owner-Only"), None);
    assert_eq!(
        state(&rt).count,
        2,
        "a stranger does not match an owner-only handler"
    );
    rt.handle(from(OWNER).with_action("Owner-Only"), None);
    assert_eq!(state(&rt).count, 0);
}

#[test]
fn max_runs_consumed_by_a_failed_message_are_restored() {
    #[derive(Clone, Default, PartialEq, Debug)]
    struct S;
    impl Transactional for S {
        type Savepoint = ();
        fn savepoint(&mut self) {}
        fn rollback(&mut self, _: ()) {}
        fn commit(&mut self, _: ()) {}
    }
    impl Process for S {
        fn init(_: &mut Ctx<'_>, _: &Message) -> Result<Self, Error> {
            Ok(S)
        }
        fn register(r: &mut Registry<Self>) {
            let go_continue = Pattern::test(|m: &Message| {
                if m.action() == Some("Go") || m.action() == Some("Go-Ok") {
                    Match::Continue
                } else {
                    Match::Skip
                }
            });
            r.add(Handler::new("first", go_continue, |_, _, _| Ok(())).once());
            r.add(Handler::action("Go", |_, _, _| fail!("second fails")));
        }
    }
    let mut rt = Runtime::<S>::new();
    rt.handle(
        Message::new(OWNER).with_id(PID),
        Some(&Env::new(PID, OWNER)),
    );
    let out = rt.handle(Message::new(OWNER).with_action("Go"), None);
    assert!(out.is_error());
    assert!(
        rt.registry().get("first").is_some(),
        "the once handler's run is given back when the message fails"
    );
    let out = rt.handle(Message::new(OWNER).with_action("Go-Ok"), None);
    assert!(!out.is_error(), "{out:?}");
    assert!(
        rt.registry().get("first").is_none(),
        "once handler consumed on success"
    );
}

#[test]
fn untrusted_messages_are_not_dispatched() {
    let mut rt = spawned();
    let mut spoofed = from("STRANGER_000000000000000000000000000000000").with_action("Owner-Only");
    spoofed.from = OWNER.into(); // claims to be the owner, signed by a stranger
    spoofed.owner = "STRANGER_000000000000000000000000000000000".into();
    rt.handle(from(OWNER).with_action("Twice"), None);
    let out = rt.handle(spoofed, None);
    assert!(out.output.data.contains("Message is not trusted"));
    assert_eq!(state(&rt).count, 1);

    let mut forwarded = from(AUTH).with_action("Ping");
    forwarded.from = "OTHER_PROCESS_0000000000000000000000000000".into();
    let out = rt.handle(forwarded, None);
    assert_eq!(
        out.messages[0].target.as_deref(),
        Some("OTHER_PROCESS_0000000000000000000000000000"),
        "authority-forwarded messages are trusted and replies go to From"
    );
}

#[test]
fn inbox_is_bounded_and_keeps_the_newest() {
    let mut rt = spawned();
    for i in 0..5 {
        rt.handle(from(OWNER).with_action(format!("Unknown-{i}")), None);
    }
    let kept: Vec<_> = rt
        .inbox()
        .iter()
        .map(|m| m.action().unwrap().to_owned())
        .collect();
    assert_eq!(kept, ["Unknown-2", "Unknown-3", "Unknown-4"]);
}

#[test]
fn dry_run_answers_but_never_persists() {
    let mut rt = spawned();
    let before = state(&rt);
    let reference = rt.reference();
    let mut msg = from(OWNER)
        .with_action("Set")
        .with_tag("Key", "k")
        .with_tag("Value", "5");
    msg.read_only = true;
    let out = rt.handle(msg, None);
    assert_eq!(out.messages.len(), 1, "the dry-run gets its answer");
    assert_eq!(state(&rt), before);
    assert_eq!(rt.reference(), reference);
    let mut unknown = from(OWNER).with_action("Nope");
    unknown.read_only = true;
    rt.handle(unknown, None);
    assert!(rt.inbox().is_empty());
}

#[test]
fn references_count_every_message_since_spawn() {
    let mut rt = spawned();
    for i in 1..=3u64 {
        let out = rt.handle(
            from(OWNER).with_action("Ping").with_tag("Reference", "77"),
            None,
        );
        let m = &out.messages[0];
        assert_eq!(m.reference(), Some(i));
        assert_eq!(m.anchor, format!("{i:032}"));
        assert_eq!(m.get("X-Reference"), Some("77"));
    }
}

#[test]
fn owner_comes_from_the_spawn_message() {
    let mut rt = Runtime::<Book>::new();
    let spawn = Message::new(AUTH)
        .with_id(PID)
        .with_tag("From-Process", "PARENT_PROCESS")
        .with_tag("Name", "book");
    let mut spawn = spawn;
    spawn.from = "PARENT_PROCESS".into();
    rt.handle(spawn, Some(&env()));
    assert_eq!(rt.process().unwrap().owner, "PARENT_PROCESS");
    assert_eq!(rt.process().unwrap().name, "book");
}

#[test]
fn bad_input_gets_clear_errors_and_loses_nothing() {
    let mut rt = spawned();
    set_a(&mut rt);
    let before = state(&rt);
    let env_json = env().to_json();
    let ten_mib = format!(
        r#"{{"Owner":"{OWNER}","Tags":[{{"name":"Action","value":"Set"}}],"Data":"{}"}}"#,
        "x".repeat(10 * 1024 * 1024)
    );
    let cases: Vec<(&str, Vec<u8>, Vec<u8>, &str)> = vec![
        (
            "malformed json",
            b"{\"Owner\":".to_vec(),
            env_json.clone().into_bytes(),
            "not valid JSON-1",
        ),
        (
            "missing action",
            format!(r#"{{"Owner":"{OWNER}","Tags":[]}}"#).into_bytes(),
            env_json.clone().into_bytes(),
            "no Action tag",
        ),
        (
            "invalid utf-8",
            b"{\"Owner\":\"\xff\xfe\",\"Tags\":[]}".to_vec(),
            env_json.clone().into_bytes(),
            "not valid UTF-8",
        ),
        (
            "10 MiB data",
            ten_mib.into_bytes(),
            env_json.clone().into_bytes(),
            "over the limit",
        ),
        (
            "empty tag name",
            format!(r#"{{"Owner":"{OWNER}","Tags":[{{"name":"","value":"x"}}]}}"#).into_bytes(),
            env_json.clone().into_bytes(),
            "empty name",
        ),
        (
            "null env",
            format!(r#"{{"Owner":"{OWNER}","Tags":[{{"name":"Action","value":"Ping"}}]}}"#)
                .into_bytes(),
            b"null".to_vec(),
            "env must be a JSON object",
        ),
    ];
    for (label, msg, env, expect) in cases {
        let out = rt.handle_bytes(&msg, &env);
        let err = out
            .error
            .clone()
            .unwrap_or_else(|| panic!("{label}: no error: {out:?}"));
        assert!(err.contains(expect), "{label}: {err}");
        assert!(out.messages.is_empty(), "{label}");
        assert_eq!(state(&rt), before, "{label}: state changed");
        let json: serde_json::Value = serde_json::from_slice(&out.to_json()).unwrap();
        assert!(
            json["response"]["Output"].is_object(),
            "{label}: Output is an object"
        );
        assert!(json["response"]["Error"].is_string(), "{label}");
        // ... and the next message is answered.
        let next = rt.handle(from(OWNER).with_action("Ping"), None);
        assert_eq!(next.messages.len(), 1, "{label}: next message");
    }
}

#[test]
fn json_round_trip_through_handle_json() {
    let mut rt = Runtime::<Book>::new();
    let env = env().to_json();
    let spawn = format!(
        r#"{{"Id":"{PID}","Owner":"{OWNER}","Tags":[{{"name":"Type","value":"Process"}}]}}"#
    );
    let out: serde_json::Value =
        serde_json::from_slice(&rt.handle_json(spawn.as_bytes(), env.as_bytes())).unwrap();
    assert_eq!(out["ok"], true);
    let ping = format!(
        r#"{{"Id":"m1","Owner":"{OWNER}","Timestamp":"17","Tags":[{{"name":"Action","value":"Ping"}}]}}"#
    );
    let out: serde_json::Value =
        serde_json::from_slice(&rt.handle_json(ping.as_bytes(), env.as_bytes())).unwrap();
    let msg = &out["response"]["Messages"][0];
    assert_eq!(msg["Target"], OWNER);
    assert_eq!(msg["Anchor"], "00000000000000000000000000000001");
    let tags: Vec<(String, String)> = msg["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().into(),
                t["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(tags[0], ("Data-Protocol".into(), "ao".into()));
    assert!(tags.contains(&("Action".into(), "Pong".into())));
    assert!(out["response"]["Output"].is_object());
}

#[test]
fn a_dry_run_cannot_initialise_the_process() {
    let mut rt = Runtime::<Book>::new();
    let mut msg = from(OWNER).with_action("Ping");
    msg.read_only = true;
    let out = rt.handle(msg, Some(&env()));
    assert!(out.error.unwrap().contains("not initialised"));
    assert!(rt.state().is_none());
}
