//! Identity comes from the env the host gives: a message counts as the spawn only when its
//! id is the process id, so a stranger's `Type=Process` message never makes its sender the
//! owner (issue 11, item 5).

use aoxide::{
    Caller, Ctx, Env, Error, Handler, Message, Process, Registry, Runtime, Transactional,
};

const PID: &str = "PROCESS_ID_0000000000000000000000000000000";
const OWNER: &str = "OWNER_00000000000000000000000000000000000000";
const STRANGER: &str = "STRANGER_000000000000000000000000000000000";

#[derive(Debug, Clone, Default)]
struct Vault {
    spawned_by: Option<String>,
    label: Option<String>,
    drained: bool,
}

impl Transactional for Vault {
    type Savepoint = Vault;
    fn savepoint(&mut self) -> Vault {
        self.clone()
    }
    fn rollback(&mut self, sp: Vault) {
        *self = sp;
    }
    fn commit(&mut self, _: Vault) {}
}

impl Process for Vault {
    fn init(_ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error> {
        Ok(Vault {
            spawned_by: Some(msg.from.clone()),
            label: msg.get("Label").map(str::to_owned),
            drained: false,
        })
    }

    fn register(r: &mut Registry<Self>) {
        r.add(
            Handler::action("Drain", |s: &mut Vault, _, _| {
                s.drained = true;
                Ok(())
            })
            .from(Caller::Owner),
        );
    }
}

fn forged_spawn() -> Message {
    Message::new(STRANGER)
        .with_id("FORGED_SPAWN_ID_000000000000000000000000000")
        .with_tag("Type", "Process")
        .with_tag("Name", "stolen")
        .with_tag("Label", "forged")
}

#[test]
fn a_strangers_type_process_message_does_not_take_ownership() {
    let mut rt = Runtime::<Vault>::new();
    let env = Env::new(PID, OWNER);
    let _ = rt.handle(forged_spawn(), Some(&env));
    let info = rt.process().expect("identity from the env");
    assert_eq!(info.owner, OWNER, "the env's owner, not the first sender");
    assert_eq!(info.name, "aos", "a forged spawn does not name the process");

    let out = rt.handle(
        Message::new(STRANGER).with_id("m1").with_action("Drain"),
        None,
    );
    assert!(out.messages.is_empty(), "{out:?}");
    assert!(
        !rt.state().unwrap().drained,
        "the stranger is not the owner"
    );

    // The real spawn afterwards is an ordinary message; the owner can act.
    let real = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
    let _ = rt.handle(real, None);
    assert_eq!(rt.process().unwrap().owner, OWNER);
    let out = rt.handle(Message::new(OWNER).with_id("m2").with_action("Drain"), None);
    assert!(!out.is_error(), "{out:?}");
    assert!(rt.state().unwrap().drained);
}

#[test]
fn the_spawn_is_the_message_whose_id_is_the_process_id() {
    let mut rt = Runtime::<Vault>::new();
    let env = Env::new(PID, OWNER);
    // No Type tag at all: the id alone makes it the spawn, and its sender the owner.
    let spawn = Message::new("SPAWNER")
        .with_id(PID)
        .with_tag("Name", "vault");
    let out = rt.handle(spawn, Some(&env));
    assert!(!out.is_error(), "{out:?}");
    let info = rt.process().unwrap();
    assert_eq!(info.owner, "SPAWNER");
    assert_eq!(info.name, "vault");
    assert_eq!(rt.state().unwrap().spawned_by.as_deref(), Some("SPAWNER"));
    assert_eq!(rt.messages_handled(), 1);
}

#[test]
fn a_forged_spawn_is_dispatched_as_an_ordinary_message() {
    let mut rt = Runtime::<Vault>::new();
    let mut env = Env::new(PID, OWNER);
    env.process.tags.add("Label", "from-the-spawn");
    let _ = rt.handle(forged_spawn(), Some(&env));
    let state = rt.state().unwrap();
    assert_eq!(
        state.label.as_deref(),
        Some("from-the-spawn"),
        "init saw the env's spawn tags"
    );
    assert_eq!(state.spawned_by.as_deref(), Some(OWNER));
    // It made the state (the host never delivered the spawn) and was then handled like any
    // message: it is not counted as the spawn.
    assert!(rt.state().is_some());
    assert_eq!(rt.process().unwrap().owner, OWNER);
}
