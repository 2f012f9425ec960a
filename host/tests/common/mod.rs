//! Small hand-written processes the host tests share.
#![allow(dead_code)]

pub mod built;

use aoxide::{
    fail, Caller, Ctx, Error, Handler, Match, Message, OutMessage, Pattern, Process, Registry,
    Spawn,
};

/// Plays ping-pong: `Start` (owner only) serves to `Peer`; each `Pong` is answered with a
/// new `Ping` until `Limit` rounds were played.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Player {
    pub pings: u64,
    pub pongs: u64,
    pub limit: u64,
    pub seen_at: Vec<u64>,
}
aoxide::transactional_by_clone!(Player);

impl Process for Player {
    fn init(_ctx: &mut Ctx<'_>, _msg: &Message) -> Result<Self, Error> {
        Ok(Player::default())
    }

    fn register(r: &mut Registry<Self>) {
        r.add(
            Handler::action("Start", |s: &mut Player, ctx, msg| {
                let peer: String = msg.tag("Peer")?;
                s.limit = msg.tag("Limit")?;
                ctx.send(OutMessage::to(peer).action("Ping").tag("Round", 1u64));
                Ok(())
            })
            .from(Caller::Owner),
        );
        r.add(Handler::action("Ping", |s: &mut Player, ctx, msg| {
            let round: u64 = msg.tag("Round")?;
            s.pings += 1;
            s.seen_at.push(ctx.now()?);
            ctx.respond(OutMessage::untargeted().action("Pong").tag("Round", round));
            Ok(())
        }));
        r.add(Handler::action("Pong", |s: &mut Player, ctx, msg| {
            let round: u64 = msg.tag("Round")?;
            s.pongs += 1;
            s.seen_at.push(ctx.now()?);
            if round < s.limit {
                ctx.send(
                    OutMessage::to(msg.from.clone())
                        .action("Ping")
                        .tag("Round", round + 1),
                );
            }
            Ok(())
        }));
    }
}

/// Counts; `Increment` replies with the count, `Fail` writes then fails, `Self-Only` may
/// only be sent by the process itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counter {
    pub count: u64,
    pub last_from: String,
    pub last_owner: String,
}
aoxide::transactional_by_clone!(Counter);

impl Process for Counter {
    fn init(ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error> {
        if msg.get("Announce").is_some() {
            let owner = ctx.owner().to_owned();
            ctx.send(OutMessage::to(owner).action("Child-Ready"));
        }
        if msg.get("Refuse").is_some() {
            fail!("refusing to start");
        }
        Ok(Counter::default())
    }

    fn register(r: &mut Registry<Self>) {
        r.add(Handler::action("Increment", |s: &mut Counter, ctx, msg| {
            let by: u64 = msg.tag::<Option<u64>>("By")?.unwrap_or(1);
            s.count += by;
            s.last_from = msg.from.clone();
            s.last_owner = msg.owner.clone();
            ctx.respond(
                OutMessage::untargeted()
                    .action("Count")
                    .data(s.count.to_string()),
            );
            Ok(())
        }));
        r.add(Handler::action("Fail", |s: &mut Counter, ctx, _| {
            s.count += 1000;
            ctx.respond(OutMessage::untargeted().action("Should-Not-Leave"));
            fail!("failing on purpose")
        }));
        r.add(
            Handler::action("Self-Only", |s: &mut Counter, _, _| {
                s.count = 0;
                Ok(())
            })
            .from(Caller::Process),
        );
        r.add(Handler::action("Forward", |_, ctx, msg| {
            let to: String = msg.tag("To")?;
            ctx.send(OutMessage::to(to).action("Increment"));
            Ok(())
        }));
        r.add(Handler::action("Assign", |_, ctx, msg| {
            let to: String = msg.tag("To")?;
            let message: String = msg.tag("Message")?;
            ctx.assign(vec![to], message);
            Ok(())
        }));
        r.add(Handler::action("Big-Tag", |_, ctx, msg| {
            ctx.respond(OutMessage::untargeted().tag("Huge", "x".repeat(4000)));
            let _ = msg;
            Ok(())
        }));
    }

    /// Takes the assignments whose sender asked for it (an `Assignable` tag).
    fn accepts_assignment(&self, msg: &Message) -> bool {
        msg.get("Assignable").is_some()
    }
}

/// Spawns `Counter`s from the module id in its `Module` tag and remembers them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Factory {
    pub children: Vec<String>,
    pub ready: u64,
}
aoxide::transactional_by_clone!(Factory);

impl Process for Factory {
    fn init(_ctx: &mut Ctx<'_>, _msg: &Message) -> Result<Self, Error> {
        Ok(Factory::default())
    }

    fn register(r: &mut Registry<Self>) {
        r.add(Handler::action("Make", |_, ctx, msg| {
            let module: String = msg.tag("Module")?;
            ctx.spawn(
                module,
                Spawn::new().tag("Name", "child").tag("Announce", "yes"),
            );
            Ok(())
        }));
        r.add(Handler::action("Spawned", |s: &mut Factory, _, msg| {
            s.children.push(msg.tag("Process")?);
            Ok(())
        }));
        r.add(Handler::action("Child-Ready", |s: &mut Factory, _, _| {
            s.ready += 1;
            Ok(())
        }));
    }
}

/// Counts cron ticks and remembers their timestamps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ticker {
    pub ticks: Vec<u64>,
    pub other: u64,
}
aoxide::transactional_by_clone!(Ticker);

impl Process for Ticker {
    fn init(_ctx: &mut Ctx<'_>, _msg: &Message) -> Result<Self, Error> {
        Ok(Ticker::default())
    }

    fn register(r: &mut Registry<Self>) {
        r.add(Handler::new(
            "cron",
            Pattern::test(|m: &Message| if m.cron { Match::Break } else { Match::Skip }),
            |s: &mut Ticker, ctx, msg| {
                assert_eq!(msg.action(), Some("Tick"), "Cron-Tag-Action is carried");
                assert!(msg.id.is_none(), "cron messages have no id");
                s.ticks.push(ctx.now()?);
                Ok(())
            },
        ));
        r.add(Handler::action("Poke", |s: &mut Ticker, _, _| {
            s.other += 1;
            Ok(())
        }));
    }
}
