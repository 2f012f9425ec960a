//! Limits the dispatcher enforces (issue 11, items 3 and 4): output bounded while it is
//! built, the inbox bounded in bytes, `Memory-Limit` read from the env.

use aoxide::{
    Config, Ctx, Env, Error, Handler, Message, OutMessage, Process, Registry, Runtime,
    Transactional,
};

const PID: &str = "PROCESS_ID_0000000000000000000000000000000";
const OWNER: &str = "OWNER_00000000000000000000000000000000000000";

#[derive(Debug, Clone, Default)]
struct Room {
    members: u64,
}

impl Transactional for Room {
    type Savepoint = u64;
    fn savepoint(&mut self) -> u64 {
        self.members
    }
    fn rollback(&mut self, sp: u64) {
        self.members = sp;
    }
    fn commit(&mut self, _: u64) {}
}

impl Process for Room {
    fn init(_: &mut Ctx<'_>, _: &Message) -> Result<Self, Error> {
        Ok(Room::default())
    }
    fn register(r: &mut Registry<Self>) {
        r.add(Handler::action("Shout", |s: &mut Room, ctx, msg| {
            s.members += 1;
            for i in 0..100 {
                ctx.send(OutMessage::to(format!("member-{i}")).data(msg.data.as_str()));
            }
            Ok(())
        }));
    }
    fn config() -> Config {
        Config {
            max_output_bytes: 64 * 1024,
            inbox_bytes: 10_000,
            ..Config::default()
        }
    }
}

fn spawned(env: Env) -> Runtime<Room> {
    let mut rt = Runtime::<Room>::new();
    assert!(!rt
        .handle(Message::new(OWNER).with_id(PID), Some(&env))
        .is_error());
    rt
}

#[test]
fn output_past_the_limit_is_an_error_and_changes_nothing() {
    let mut rt = spawned(Env::new(PID, OWNER));
    let out = rt.handle(
        Message::new(OWNER)
            .with_action("Shout")
            .with_data("x".repeat(100)),
        None,
    );
    assert!(!out.is_error(), "{:?}", out.error);
    assert_eq!(out.messages.len(), 100);
    let out = rt.handle(
        Message::new(OWNER)
            .with_action("Shout")
            .with_data("x".repeat(1000)),
        None,
    );
    let err = out.error.expect("100 KB of notices are over 64 KiB");
    assert!(err.contains("over the limit of 65536"), "{err}");
    assert!(out.messages.is_empty());
    assert_eq!(
        rt.state().unwrap().members,
        1,
        "the failed Shout changed nothing"
    );
}

#[test]
fn the_inbox_is_bounded_in_bytes() {
    let mut rt = spawned(Env::new(PID, OWNER));
    for i in 0..20 {
        let msg = Message::new(OWNER)
            .with_action("Unknown")
            .with_data(format!("{i:01000}"));
        assert!(!rt.handle(msg, None).is_error());
        assert!(rt.inbox_bytes() <= 10_000, "{} bytes", rt.inbox_bytes());
    }
    assert!(
        rt.inbox().len() < 10,
        "only the newest fit: {}",
        rt.inbox().len()
    );
    assert_eq!(rt.inbox().back().unwrap().data, format!("{:01000}", 19));
    // A message larger than the whole budget is never kept.
    let huge = Message::new(OWNER)
        .with_action("Unknown")
        .with_data("h".repeat(20_000));
    assert!(!rt.handle(huge, None).is_error());
    assert!(rt.inbox().iter().all(|m| m.data.len() < 20_000));
    assert_eq!(
        rt.inbox_bytes(),
        rt.inbox()
            .iter()
            .map(|m| m.data.len() + "Action".len() + "Unknown".len())
            .sum::<usize>()
    );
}

#[test]
fn memory_limit_comes_from_the_spawn_tags_in_the_env() {
    let mut env = Env::new(PID, OWNER);
    env.process.tags.add("Memory-Limit", "64-mb");
    assert_eq!(spawned(env).memory_limit(), Some(64 << 20));
    assert_eq!(spawned(Env::new(PID, OWNER)).memory_limit(), None);
    for (text, bytes) in [
        ("1-gb", Some(1usize << 30)),
        ("512-KB", Some(512 << 10)),
        ("4096", Some(4096)),
        ("lots", None),
        ("0-mb", None),
        ("-mb", None),
        ("+5-kB", Some(5 << 10)),
        (" 7-Mb ", Some(7 << 20)),
        ("5x-kb", None),
        ("+-kb", None),
        ("5-tb", None),
        ("99999999999999999999999-b", None),
    ] {
        assert_eq!(aoxide::parse_memory_limit(text), bytes, "{text}");
    }
}

/// `Memory-Limit` as it was read before the digits went through the reader's number loop
/// (its own `usize` loop, `strip_prefix('+')`): the reference the reading is held to.
fn memory_limit_before(text: &str) -> Option<usize> {
    // Trimmed of ASCII whitespace since the eleventh size round (a tag value has no
    // other; `str::trim`'s Unicode test was code in every module for this alone).
    let text = text.trim_ascii();
    let (number, unit) = text.split_once('-').unwrap_or((text, "b"));
    let digits = number.strip_prefix('+').unwrap_or(number);
    if digits.is_empty() {
        return None;
    }
    let mut n: usize = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
    }
    let scale: usize = [("b", 1), ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30)]
        .iter()
        .find(|(name, _)| unit.eq_ignore_ascii_case(name))?
        .1;
    n.checked_mul(scale).filter(|&b| b > 0)
}

#[test]
fn memory_limit_reads_as_before() {
    let numbers = [
        "",
        "+",
        "++5",
        "+5",
        "0",
        "007",
        "5",
        " 5",
        "5 ",
        "-5",
        "1.5",
        "\u{663}",
        "4294967295",
        "4294967296",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
    ];
    let units = [
        "",
        "-",
        "-b",
        "-B",
        "-kb",
        "-KB",
        "-Kb",
        "-mB",
        "-gb",
        "-GB",
        "-tb",
        "-k",
        "-bb",
        "-kbb",
        "-Bk",
        "- kb",
        "-kb-",
        "--kb",
        "-\u{212a}b",
        "-\u{ff4b}b",
        "-Jb",
        "-Lb",
    ];
    for number in numbers {
        for unit in units {
            for pad in ["", " ", "\u{3000}"] {
                let text = format!("{pad}{number}{unit}{pad}");
                assert_eq!(
                    aoxide::parse_memory_limit(&text),
                    memory_limit_before(&text),
                    "{text:?}"
                );
            }
        }
    }
}
