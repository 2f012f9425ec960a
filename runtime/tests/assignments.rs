//! Assignments: a message addressed (`Target`) to another process that a scheduler gave to
//! this one. A process refuses them, as AOS does unless `ao.addAssignable` named them,
//! unless `#[aoxide::handlers(assignable = path)]` takes them; a process that mounts parts
//! takes what any of them takes.

use aoxide::{Env, Message, Runtime};

const PID: &str = "PROCESS_ID_0000000000000000000000000000000";
const OTHER: &str = "OTHER_PROCESS_000000000000000000000000000000";

#[aoxide::process]
#[derive(Debug, Default)]
pub struct Tally {
    notes: u64,
}

#[aoxide::handlers]
impl Tally {
    #[handler(action = "Note")]
    fn note(&mut self) {
        self.notes += 1;
    }
}

/// Takes the assignments a friend signed.
#[aoxide::process]
#[derive(Debug, Default)]
pub struct Relay {
    notes: u64,
}

#[aoxide::handlers(assignable = Relay::signed_by_friend)]
impl Relay {
    #[handler(action = "Note")]
    fn note(&mut self) {
        self.notes += 1;
    }
}

impl Relay {
    fn signed_by_friend(&self, msg: &Message) -> bool {
        msg.owner == "FRIEND"
    }
}

/// Mounts a `Relay`: takes what the relay takes.
#[aoxide::process]
#[derive(Debug, Default)]
pub struct Hub {
    relay: Relay,
}

#[aoxide::handlers(mount(relay = Relay))]
impl Hub {}

fn spawned<P: aoxide::Process>() -> Runtime<P> {
    let mut rt = Runtime::<P>::new();
    let out = rt.handle(
        Message::new("OWNER").with_id(PID),
        Some(&Env::new(PID, "OWNER")),
    );
    assert!(out.error.is_none(), "{:?}", out.error);
    rt
}

/// A `Note` signed by `signer`, addressed to `target`.
fn note(signer: &str, target: Option<&str>) -> Message {
    let mut msg = Message::new(signer).with_action("Note");
    msg.target = target.map(str::to_owned);
    msg
}

#[test]
fn a_process_refuses_assignments_and_says_so() {
    let mut rt = spawned::<Tally>();
    let out = rt.handle(note("ALICE", Some(OTHER)), None);
    assert!(out.error.is_none());
    assert_eq!(
        out.output.data,
        "Assignment is not trusted! From: ALICE - Owner: ALICE"
    );
    assert_eq!(rt.state().unwrap().notes, 0);
    // Addressed to the process, or to nobody in particular: handled.
    rt.handle(note("ALICE", Some(PID)), None);
    rt.handle(note("ALICE", None), None);
    assert_eq!(rt.state().unwrap().notes, 2);
}

#[test]
fn assignable_takes_what_its_function_takes() {
    let mut rt = spawned::<Relay>();
    rt.handle(note("ALICE", Some(OTHER)), None);
    assert_eq!(rt.state().unwrap().notes, 0);
    let out = rt.handle(note("FRIEND", Some(OTHER)), None);
    assert_eq!(out.output.data, "");
    assert_eq!(rt.state().unwrap().notes, 1);
}

#[test]
fn a_process_takes_what_a_mounted_part_takes() {
    let mut rt = spawned::<Hub>();
    rt.handle(note("ALICE", Some(OTHER)), None);
    assert_eq!(rt.state().unwrap().relay.notes, 0);
    rt.handle(note("FRIEND", Some(OTHER)), None);
    assert_eq!(rt.state().unwrap().relay.notes, 1);
}
