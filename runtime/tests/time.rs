//! Issue 9 item 6: `Ctx::now` is never a made-up 0. It is the message's `Timestamp`, else
//! the latest one of a message the process handled, else an error.

use aoxide::{Ctx, Env, Message, Outcome, Result, Runtime};

#[aoxide::process]
#[derive(Default)]
pub struct Clock {
    seen: u64,
}

#[aoxide::handlers]
impl Clock {
    /// Replies with the time `Ctx::now` gives.
    #[handler(action = "Now")]
    fn now(&mut self, ctx: &mut Ctx) -> Result<String> {
        let now = ctx.now()?;
        self.seen = now;
        Ok(format!("{now} own={:?}", ctx.timestamp()))
    }

    #[handler(action = "Fail")]
    fn fail(&mut self) -> Result<()> {
        aoxide::fail!("deliberate")
    }
}

fn at(action: &str, timestamp: Option<u64>) -> Message {
    let mut m = Message::new("OWNER").with_action(action);
    m.timestamp = timestamp;
    m
}

#[track_caller]
fn reply(out: &Outcome) -> &str {
    assert!(!out.is_error(), "unexpected error: {:?}", out.error);
    out.messages[0].data.as_deref().unwrap()
}

fn spawned() -> Runtime<Clock> {
    let mut rt = Runtime::<Clock>::new();
    let spawn = Message::new("OWNER").with_id("PID");
    assert!(!rt.handle(spawn, Some(&Env::new("PID", "OWNER"))).is_error());
    rt
}

#[test]
fn no_timestamp_and_none_seen_is_an_error_not_zero() {
    let mut rt = spawned();
    let out = rt.handle(at("Now", None), None);
    let error = out.error.expect("no time known is an error");
    assert!(error.contains("no time is known"), "{error}");
    assert!(error.contains("Timestamp"), "{error}");
    assert_eq!(rt.state().unwrap().seen, 0);
    assert_eq!(rt.clock(), None);
}

#[test]
fn falls_back_to_the_latest_handled_timestamp() {
    let mut rt = spawned();
    assert_eq!(
        reply(&rt.handle(at("Now", Some(1_000)), None)),
        "1000 own=Some(1000)"
    );
    assert_eq!(reply(&rt.handle(at("Now", None), None)), "1000 own=None");
    // Time never goes back: an older timestamp is read as such, but the fallback keeps
    // the latest.
    assert_eq!(
        reply(&rt.handle(at("Now", Some(900)), None)),
        "900 own=Some(900)"
    );
    assert_eq!(reply(&rt.handle(at("Now", None), None)), "1000 own=None");
    assert_eq!(rt.clock(), Some(1_000));
}

#[test]
fn failed_messages_and_dry_runs_do_not_move_the_fallback() {
    let mut rt = spawned();
    assert!(!rt.handle(at("Now", Some(1_000)), None).is_error());
    assert!(rt.handle(at("Fail", Some(5_000)), None).is_error());
    let mut dry = at("Now", Some(7_000));
    dry.read_only = true;
    assert_eq!(reply(&rt.handle(dry, None)), "7000 own=Some(7000)");
    assert_eq!(reply(&rt.handle(at("Now", None), None)), "1000 own=None");
}

#[test]
fn the_spawn_timestamp_counts() {
    let mut rt = Runtime::<Clock>::new();
    let mut spawn = Message::new("OWNER").with_id("PID");
    spawn.timestamp = Some(42);
    assert!(!rt.handle(spawn, Some(&Env::new("PID", "OWNER"))).is_error());
    assert_eq!(reply(&rt.handle(at("Now", None), None)), "42 own=None");
}

#[test]
fn a_ctx_outside_the_runtime_has_no_fallback() {
    let info = aoxide::trust::ProcessInfo::default();
    let msg = Message::new("X");
    let mut outbox = aoxide::Outbox::default();
    let mut reference = 0;
    let ctx = Ctx::new(&info, &msg, &mut outbox, &mut reference);
    assert!(ctx.now().is_err());
    assert_eq!(ctx.timestamp(), None);
}
