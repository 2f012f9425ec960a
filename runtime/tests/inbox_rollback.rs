//! A message that fails after it was found unhandled leaves the inbox as it was: the message
//! is not kept, and the oldest message it would have evicted from a full inbox is not lost.

use aoxide::{fail, Ctx, Env, Error, Handler, Message, Process, Registry, Runtime};

const PID: &str = "PROCESS_ID_0000000000000000000000000000000";
const OWNER: &str = "OWNER_00000000000000000000000000000000000000";

#[derive(Clone, Default)]
struct Keeper {
    pings: u64,
}
aoxide::transactional_by_clone!(Keeper);

impl Process for Keeper {
    fn init(_ctx: &mut Ctx<'_>, _spawn: &Message) -> Result<Self, Error> {
        Ok(Keeper::default())
    }

    fn register(registry: &mut Registry<Self>) {
        registry.add(Handler::action("Ping", |s: &mut Keeper, _, _| {
            s.pings += 1;
            Ok(())
        }));
    }

    fn config() -> aoxide::Config {
        aoxide::Config {
            inbox_limit: 2,
            ..aoxide::Config::default()
        }
    }

    /// Fails the whole message when it carries `Fail-After`, after the handlers ran (or the
    /// message was found unhandled).
    fn after_message(&mut self, ctx: &mut Ctx<'_>, _changed: bool) -> Result<(), Error> {
        if ctx.msg().get("Fail-After").is_some() {
            fail!("after_message refused the message");
        }
        Ok(())
    }
}

fn spawned() -> Runtime<Keeper> {
    let mut rt = Runtime::<Keeper>::new();
    let out = rt.handle(
        Message::new(OWNER).with_id(PID).with_tag("Type", "Process"),
        Some(&Env::new(PID, OWNER)),
    );
    assert!(!out.is_error(), "{out:?}");
    rt
}

fn inbox_ids(rt: &Runtime<Keeper>) -> Vec<String> {
    rt.inbox().iter().filter_map(|m| m.id.clone()).collect()
}

#[test]
fn a_failed_unhandled_message_neither_joins_nor_evicts() {
    let mut rt = spawned();
    for id in ["first", "second"] {
        let out = rt.handle(Message::new("ALICE").with_id(id).with_action("Note"), None);
        assert!(!out.is_error(), "{out:?}");
    }
    assert_eq!(inbox_ids(&rt), ["first", "second"]);
    let bytes = rt.inbox_bytes();

    let failing = Message::new("ALICE")
        .with_id("third")
        .with_action("Note")
        .with_tag("Fail-After", "1");
    let out = rt.handle(failing, None);
    assert!(out.is_error(), "{out:?}");

    assert_eq!(inbox_ids(&rt), ["first", "second"]);
    assert_eq!(rt.inbox_bytes(), bytes);

    // A message that succeeds still joins and evicts the oldest.
    let out = rt.handle(
        Message::new("ALICE").with_id("fourth").with_action("Note"),
        None,
    );
    assert!(!out.is_error(), "{out:?}");
    assert_eq!(inbox_ids(&rt), ["second", "fourth"]);
}
