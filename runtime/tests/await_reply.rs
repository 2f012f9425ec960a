//! Issue 9 item 1, natively: a handler awaits a reply (or a `Spawned` notice) with a
//! continuation kept in the process.

use aoxide::{
    fail, pending::spawned_process, Await, Config, Ctx, Env, Message, OutMessage, Outcome, Result,
    Runtime, Spawn, WaitKind,
};

fn config() -> Config {
    Config {
        max_pending: 3,
        ..Config::default()
    }
}

#[aoxide::process]
#[derive(Default)]
pub struct Asker {
    balance: Option<u64>,
    by_who: Vec<(String, String)>,
    timeouts: u64,
    child: Option<String>,
}

#[aoxide::handlers(config = config)]
impl Asker {
    #[handler(action = "Ask")]
    fn ask(&mut self, ctx: &mut Ctx) -> Result<String> {
        let reference = ctx
            .send(OutMessage::to("ORACLE").action("Balance"))
            .on_reply(Asker::got_balance)?;
        Ok(reference.to_string())
    }

    /// Awaits with a closure that keeps what the handler knew.
    #[handler(action = "Ask-For")]
    fn ask_for(&mut self, ctx: &mut Ctx, who: String) -> Result<()> {
        ctx.send(
            OutMessage::to("ORACLE")
                .action("Balance")
                .tag("Target", who.as_str()),
        )
        .on_reply(move |s: &mut Asker, _ctx: &mut Ctx<'_>, reply: &Message| {
            s.by_who.push((who.clone(), reply.data.clone()));
            Ok(())
        })?;
        Ok(())
    }

    #[handler(action = "Ask-Within")]
    fn ask_within(&mut self, ctx: &mut Ctx, ms: u64) -> Result<()> {
        let wait = Await::new(Asker::got_balance).within(ms).on_timeout(
            |s: &mut Asker, ctx: &mut Ctx<'_>, _: &Message| {
                s.timeouts += 1;
                ctx.print("oracle timed out");
                Ok(())
            },
        );
        ctx.send(OutMessage::to("ORACLE").action("Balance"))
            .then(wait)?;
        Ok(())
    }

    /// The answer may come from elsewhere than the target.
    #[handler(action = "Ask-Via")]
    fn ask_via(&mut self, ctx: &mut Ctx) -> Result<()> {
        ctx.send(OutMessage::to("ORACLE").action("Balance"))
            .then(Await::new(Asker::got_balance).from("RELAY"))?;
        Ok(())
    }

    #[handler(action = "Cancel")]
    fn cancel(&mut self, ctx: &mut Ctx, reference: u64) -> String {
        ctx.cancel_wait(reference).to_string()
    }

    #[handler(action = "Hatch")]
    fn hatch(&mut self, ctx: &mut Ctx) -> Result<()> {
        ctx.spawn("CHILD_MODULE", Spawn::new().tag("Name", "child"))
            .on_reply(Asker::hatched)?;
        Ok(())
    }

    #[handler(action = "Untargeted")]
    fn untargeted(&mut self, ctx: &mut Ctx) -> Result<()> {
        ctx.send(OutMessage::untargeted())
            .on_reply(Asker::got_balance)?;
        Ok(())
    }

    #[handler(action = "Wrong-State")]
    fn wrong_state(&mut self, ctx: &mut Ctx) -> Result<()> {
        ctx.send(OutMessage::to("ORACLE"))
            .on_reply(|_: &mut u64, _: &mut Ctx<'_>, _: &Message| Ok(()))?;
        Ok(())
    }

    fn got_balance(&mut self, ctx: &mut Ctx<'_>, reply: &Message) -> Result<()> {
        let Ok(balance) = reply.data.parse::<u64>() else {
            fail!("the oracle sent {:?}, not a number", reply.data);
        };
        self.balance = Some(balance);
        ctx.print(format!("balance is {balance}"));
        Ok(())
    }

    fn hatched(&mut self, _ctx: &mut Ctx<'_>, notice: &Message) -> Result<()> {
        self.child = spawned_process(notice).map(str::to_owned);
        Ok(())
    }
}

fn spawned() -> Runtime<Asker> {
    let mut rt = Runtime::<Asker>::new();
    let mut env = Env::new("PID", "OWNER");
    env.process.tags.add("Authority", "MU");
    assert!(!rt
        .handle(Message::new("OWNER").with_id("PID"), Some(&env))
        .is_error());
    rt
}

fn from(sender: &str, action: &str) -> Message {
    Message::new(sender).with_action(action)
}

fn reply(sender: &str, reference: u64, data: &str) -> Message {
    from(sender, "Balance-Notice")
        .with_tag("X-Reference", reference.to_string())
        .with_data(data)
}

#[track_caller]
fn ok(out: Outcome) -> Outcome {
    assert!(!out.is_error(), "unexpected error: {:?}", out.error);
    out
}

#[test]
fn the_reply_from_the_target_resumes_the_continuation_once() {
    let mut rt = spawned();
    let out = ok(rt.handle(from("ALICE", "Ask"), None));
    assert_eq!(out.messages[0].target.as_deref(), Some("ORACLE"));
    let reference = out.messages[0].reference().unwrap();
    let waits: Vec<_> = rt.pending().iter().map(|w| w.info().clone()).collect();
    assert_eq!(waits.len(), 1);
    assert_eq!(waits[0].reference, reference);
    assert_eq!(waits[0].from, "ORACLE");
    assert_eq!(waits[0].kind, WaitKind::Reply);
    assert!(
        waits[0].continuation.ends_with("Asker::got_balance"),
        "{}",
        waits[0].continuation
    );

    let out = ok(rt.handle(reply("ORACLE", reference, "120"), None));
    assert_eq!(out.output.data, "balance is 120");
    assert_eq!(rt.state().unwrap().balance, Some(120));
    assert!(rt.pending().is_empty());

    // The same reply again is an ordinary message now.
    ok(rt.handle(reply("ORACLE", reference, "999"), None));
    assert_eq!(rt.state().unwrap().balance, Some(120));
    assert_eq!(rt.inbox().len(), 1);
}

#[test]
fn a_forged_reply_from_someone_else_does_not_resume() {
    let mut rt = spawned();
    ok(rt.handle(from("ALICE", "Ask"), None));
    ok(rt.handle(reply("MALLORY", 1, "1000000"), None));
    assert_eq!(rt.state().unwrap().balance, None);
    assert_eq!(rt.pending().len(), 1, "still waiting");
    assert_eq!(rt.inbox().len(), 1, "the forgery went through the handlers");
    // A reply from the target to another reference does not resume either.
    ok(rt.handle(reply("ORACLE", 2, "5"), None));
    assert_eq!(rt.state().unwrap().balance, None);
    ok(rt.handle(reply("ORACLE", 1, "5"), None));
    assert_eq!(rt.state().unwrap().balance, Some(5));
}

#[test]
fn another_expected_sender() {
    let mut rt = spawned();
    ok(rt.handle(from("ALICE", "Ask-Via"), None));
    ok(rt.handle(reply("ORACLE", 1, "1"), None));
    assert_eq!(rt.state().unwrap().balance, None);
    ok(rt.handle(reply("RELAY", 1, "2"), None));
    assert_eq!(rt.state().unwrap().balance, Some(2));
}

#[test]
fn a_failed_continuation_rolls_back_and_keeps_the_wait() {
    let mut rt = spawned();
    ok(rt.handle(from("ALICE", "Ask"), None));
    let out = rt.handle(reply("ORACLE", 1, "not a number"), None);
    let error = out.error.unwrap();
    assert!(error.contains("continuation `"), "{error}");
    assert!(error.contains("awaiting reference 1"), "{error}");
    assert!(error.contains("not a number"), "{error}");
    assert_eq!(rt.pending().len(), 1, "the wait is back");
    assert_eq!(rt.state().unwrap().balance, None);
    ok(rt.handle(reply("ORACLE", 1, "7"), None));
    assert_eq!(rt.state().unwrap().balance, Some(7));
}

#[test]
fn a_failed_registering_message_leaves_no_wait() {
    let mut rt = spawned();
    let out = rt.handle(from("ALICE", "Wrong-State"), None);
    let error = out.error.unwrap();
    assert!(
        error.contains("takes `&mut u64`, but the process state is `await_reply::Asker`"),
        "{error}"
    );
    assert!(rt.pending().is_empty());
    assert_eq!(rt.reference(), 0, "the send is rolled back too");
}

#[test]
fn a_dry_run_neither_registers_nor_consumes_a_wait() {
    let mut rt = spawned();
    let mut dry = from("ALICE", "Ask");
    dry.read_only = true;
    ok(rt.handle(dry, None));
    assert!(rt.pending().is_empty());
    ok(rt.handle(from("ALICE", "Ask"), None));
    let mut dry = reply("ORACLE", 1, "3");
    dry.read_only = true;
    ok(rt.handle(dry, None));
    assert_eq!(rt.pending().len(), 1);
    assert_eq!(rt.state().unwrap().balance, None);
}

#[test]
fn closures_keep_what_the_handler_knew() {
    let mut rt = spawned();
    ok(rt.handle(from("ALICE", "Ask-For").with_tag("Who", "bob"), None));
    ok(rt.handle(from("ALICE", "Ask-For").with_tag("Who", "carol"), None));
    ok(rt.handle(reply("ORACLE", 2, "20"), None));
    ok(rt.handle(reply("ORACLE", 1, "10"), None));
    assert_eq!(
        rt.state().unwrap().by_who,
        [
            ("carol".to_owned(), "20".to_owned()),
            ("bob".to_owned(), "10".to_owned())
        ]
    );
}

#[test]
fn waits_are_bounded() {
    let mut rt = spawned();
    for _ in 0..3 {
        ok(rt.handle(from("ALICE", "Ask"), None));
    }
    let out = rt.handle(from("ALICE", "Ask"), None);
    let error = out.error.unwrap();
    assert!(error.contains("3 waits are already pending"), "{error}");
    assert!(out.messages.is_empty());
    assert_eq!(rt.pending().len(), 3);
    assert_eq!(
        rt.reference(),
        6,
        "three requests and three replies; the fourth rolled back"
    );
}

fn at(mut msg: Message, timestamp: u64) -> Message {
    msg.timestamp = Some(timestamp);
    msg
}

#[test]
fn a_wait_times_out_by_message_timestamp() {
    let mut rt = spawned();
    ok(rt.handle(
        at(from("ALICE", "Ask-Within").with_tag("Ms", "100"), 1_000),
        None,
    ));
    assert_eq!(
        rt.pending().iter().next().unwrap().info().deadline,
        Some(1_100)
    );
    ok(rt.handle(at(from("ALICE", "Other"), 1_099), None));
    ok(rt.handle(from("ALICE", "Other"), None));
    assert_eq!(rt.pending().len(), 1, "not yet, and no time is no expiry");
    let out = ok(rt.handle(at(from("ALICE", "Other"), 1_100), None));
    assert!(
        out.output.data.starts_with("oracle timed out"),
        "{}",
        out.output.data
    );
    assert_eq!(rt.state().unwrap().timeouts, 1);
    assert!(rt.pending().is_empty());
    // The late reply resumes nothing.
    ok(rt.handle(at(reply("ORACLE", 1, "5"), 1_200), None));
    assert_eq!(rt.state().unwrap().balance, None);
}

#[test]
fn a_reply_at_the_deadline_is_too_late_and_one_before_it_is_not() {
    let mut rt = spawned();
    ok(rt.handle(
        at(from("ALICE", "Ask-Within").with_tag("Ms", "100"), 1_000),
        None,
    ));
    ok(rt.handle(
        at(from("ALICE", "Ask-Within").with_tag("Ms", "100"), 1_000),
        None,
    ));
    ok(rt.handle(at(reply("ORACLE", 1, "5"), 1_099), None));
    assert_eq!(rt.state().unwrap().balance, Some(5));
    ok(rt.handle(at(reply("ORACLE", 2, "6"), 1_100), None));
    assert_eq!(rt.state().unwrap().balance, Some(5));
    assert_eq!(rt.state().unwrap().timeouts, 1);
}

#[test]
fn a_deadline_needs_a_known_time() {
    let mut rt = spawned();
    let out = rt.handle(from("ALICE", "Ask-Within").with_tag("Ms", "100"), None);
    let error = out.error.unwrap();
    assert!(error.contains("within 100 ms: no time is known"), "{error}");
    assert!(rt.pending().is_empty());
}

#[test]
fn a_handler_cancels_a_wait() {
    let mut rt = spawned();
    ok(rt.handle(from("ALICE", "Ask"), None));
    let out = ok(rt.handle(from("OWNER", "Cancel").with_tag("Reference", "1"), None));
    assert_eq!(out.messages[0].data.as_deref(), Some("true"));
    assert!(rt.pending().is_empty());
    let out = ok(rt.handle(from("OWNER", "Cancel").with_tag("Reference", "1"), None));
    assert_eq!(out.messages[0].data.as_deref(), Some("false"));
    ok(rt.handle(reply("ORACLE", 1, "5"), None));
    assert_eq!(rt.state().unwrap().balance, None);
}

fn spawned_notice(sender_owner: &str, from_process: &str, reference: u64) -> Message {
    let mut notice = Message::new(sender_owner)
        .with_action("Spawned")
        .with_tag("Reference", reference.to_string())
        .with_tag("Process", "CHILD_ID")
        .with_tag("AO-Spawn-Success", "CHILD_ID");
    notice.from = from_process.to_owned();
    notice
}

#[test]
fn spawn_and_await_the_spawned_notice() {
    let mut rt = spawned();
    let out = ok(rt.handle(from("OWNER", "Hatch"), None));
    assert_eq!(out.spawns[0].get("Reference"), Some("1"));
    let wait = rt.pending().iter().next().unwrap().info().clone();
    assert_eq!((wait.kind, wait.from.as_str()), (WaitKind::Spawn, "PID"));

    // A user claiming the notice: from itself, so not from the process.
    ok(rt.handle(spawned_notice("MALLORY", "MALLORY", 1), None));
    assert_eq!(rt.state().unwrap().child, None);
    // Claiming to be the process without an authority's signature: not trusted at all.
    ok(rt.handle(spawned_notice("MALLORY", "PID", 1), None));
    assert_eq!(rt.state().unwrap().child, None);
    assert_eq!(rt.pending().len(), 1);

    ok(rt.handle(spawned_notice("MU", "PID", 1), None));
    assert_eq!(rt.state().unwrap().child.as_deref(), Some("CHILD_ID"));
    assert!(rt.pending().is_empty());
}

#[aoxide::process]
#[derive(Default)]
pub struct Booting {
    answer: Option<String>,
}

#[aoxide::handlers]
impl Booting {
    /// Awaits the oracle from the spawn message.
    #[init]
    fn init(ctx: &mut Ctx) -> Result<Self> {
        ctx.send(OutMessage::to("ORACLE").action("Hello"))
            .on_reply(Booting::answered)?;
        Ok(Booting::default())
    }

    #[handler(action = "Noop")]
    fn noop(&self) {}

    fn answered(&mut self, _ctx: &mut Ctx<'_>, reply: &Message) -> Result<()> {
        self.answer = Some(reply.data.clone());
        Ok(())
    }
}

#[test]
fn init_awaits_with_the_spawn_only() {
    let env = Env::new("PID", "OWNER");
    let mut rt = Runtime::<Booting>::new();
    let out = ok(rt.handle(Message::new("OWNER").with_id("PID"), Some(&env)));
    assert_eq!(out.messages[0].target.as_deref(), Some("ORACLE"));
    assert_eq!(rt.pending().len(), 1);
    ok(rt.handle(reply("ORACLE", 1, "hi"), None));
    assert_eq!(rt.state().unwrap().answer.as_deref(), Some("hi"));

    // A host that never delivers the spawn: what init sent is dropped, so is its wait.
    let mut rt = Runtime::<Booting>::new();
    let out = ok(rt.handle(from("ALICE", "Noop").with_id("M1"), Some(&env)));
    assert!(out.messages.is_empty());
    assert!(rt.pending().is_empty(), "no wait for a message never sent");
}

#[test]
fn an_untargeted_message_needs_an_expected_sender() {
    let mut rt = spawned();
    let error = rt.handle(from("ALICE", "Untargeted"), None).error.unwrap();
    assert!(
        error.contains("has no target; say who answers with Await::from"),
        "{error}"
    );
    assert!(rt.pending().is_empty());
}

#[test]
fn the_pending_view_lists_the_waits_and_is_empty_before_and_after() {
    use aoxide::view::ViewPart;
    let view = |rt: &Runtime<Asker>| String::from_utf8(rt.view_json(ViewPart::Pending)).unwrap();
    let mut rt = spawned();
    // No wait was ever registered: the view is written without the waits' code.
    assert_eq!(view(&rt), "[]");
    ok(rt.handle(from("ALICE", "Ask"), None));
    let continuation = rt
        .pending()
        .iter()
        .next()
        .unwrap()
        .info()
        .continuation
        .clone();
    assert_eq!(
        view(&rt),
        format!(
            r#"[{{"reference":1,"kind":"reply","from":"ORACLE","deadline":null,"continuation":"{continuation}"}}]"#
        )
    );
    ok(rt.handle(reply("ORACLE", 1, "7"), None));
    assert_eq!(view(&rt), "[]");
}
