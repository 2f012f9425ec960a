//! Issue 9 items 3 and 10: handlers added and removed from inside a handler, the inbox and
//! the spawn tags read from a handler, `forward`, and spawning a copy of oneself.

use aoxide::{fail, Ctx, Env, EnvEntry, Handler, Message, OutMessage, Result, Runtime, Spawn};

#[aoxide::process]
#[derive(Default)]
pub struct Desk {
    greeted: u64,
}

#[aoxide::handlers]
impl Desk {
    /// Adds a `Greet` handler at run time; `Fail-After` fails the message after adding it.
    #[handler(action = "Arm")]
    fn arm(&mut self, ctx: &mut Ctx, fail_after: Option<bool>) -> Result<()> {
        ctx.handlers::<Desk>()?
            .add(Handler::action("Greet", |desk: &mut Desk, ctx, _msg| {
                desk.greeted += 1;
                ctx.respond(OutMessage::untargeted().data("hello"));
                Ok(())
            }));
        if fail_after == Some(true) {
            fail!("failed after arming");
        }
        Ok(())
    }

    /// Sets a default handler at run time: it counts what no handler took, and fails on
    /// `Data` = `bad`.
    #[handler(action = "Set-Default")]
    fn set_default(&mut self, ctx: &mut Ctx) -> Result<()> {
        ctx.handlers::<Desk>()?
            .set_default(|desk: &mut Desk, ctx, msg| {
                desk.greeted += 1;
                if msg.data == "bad" {
                    fail!("default refused");
                }
                ctx.print("defaulted");
                Ok(())
            });
        Ok(())
    }

    #[handler(action = "Disarm")]
    fn disarm(&mut self, ctx: &mut Ctx) -> Result<String> {
        let removed = ctx.handlers::<Desk>()?.remove("Greet").is_some();
        Ok(removed.to_string())
    }

    /// Asks for the registry with the wrong state type.
    #[handler(action = "Wrong-Type")]
    fn wrong_type(&mut self, ctx: &mut Ctx) -> Result<()> {
        ctx.handlers::<u64>()?;
        Ok(())
    }

    /// Replies with the actions waiting in the inbox.
    #[handler(action = "Peek")]
    fn peek(&self, ctx: &mut Ctx) -> String {
        let actions: Vec<&str> = ctx.inbox().filter_map(Message::action).collect();
        actions.join(",")
    }

    /// Replies with a spawn tag.
    #[handler(action = "Spawn-Tag")]
    fn spawn_tag(&self, ctx: &mut Ctx, name: String) -> String {
        ctx.process_tags().get(&name).unwrap_or("<none>").to_owned()
    }

    #[handler(action = "Relay")]
    fn relay(&mut self, ctx: &mut Ctx, to: String) {
        ctx.forward(
            to,
            OutMessage::untargeted()
                .tag("Relayed-By", "desk")
                .tag("Note", "replaced"),
        );
    }

    #[handler(action = "Clone")]
    fn clone_self(&mut self, ctx: &mut Ctx) -> Result<()> {
        ctx.spawn_self(Spawn::new().tag("Name", "copy"))?;
        Ok(())
    }
}

fn env(module: Option<&str>) -> Env {
    let mut env = Env::new("PID", "OWNER");
    env.process.tags.add("Name", "desk");
    env.process.tags.add("Custom", "from-spawn");
    env.module = module.map(|id| EnvEntry {
        id: id.to_owned(),
        ..EnvEntry::default()
    });
    env
}

fn spawned(module: Option<&str>) -> Runtime<Desk> {
    let mut rt = Runtime::<Desk>::new();
    let spawn = Message::new("OWNER").with_id("PID");
    assert!(!rt.handle(spawn, Some(&env(module))).is_error());
    rt
}

fn send(rt: &mut Runtime<Desk>, action: &str) -> aoxide::Outcome {
    rt.handle(Message::new("OWNER").with_action(action), None)
}

#[test]
fn a_handler_adds_and_removes_handlers() {
    let mut rt = spawned(None);
    assert!(
        send(&mut rt, "Greet").messages.is_empty(),
        "no Greet handler yet: inbox"
    );
    assert_eq!(rt.inbox().len(), 1);

    assert!(!send(&mut rt, "Arm").is_error());
    assert!(rt.registry().get("Greet").is_some());
    let out = send(&mut rt, "Greet");
    assert_eq!(out.messages[0].data.as_deref(), Some("hello"));
    assert_eq!(rt.state().unwrap().greeted, 1);

    let out = send(&mut rt, "Disarm");
    assert_eq!(out.messages[0].data.as_deref(), Some("true"));
    send(&mut rt, "Greet");
    assert_eq!(rt.state().unwrap().greeted, 1, "removed: not run again");
    assert_eq!(rt.inbox().len(), 2);
}

#[test]
fn a_failed_message_rolls_back_the_handlers_it_added() {
    let mut rt = spawned(None);
    let out = rt.handle(
        Message::new("OWNER")
            .with_action("Arm")
            .with_tag("Fail-After", "true"),
        None,
    );
    assert!(out.error.unwrap().contains("failed after arming"));
    assert!(rt.registry().get("Greet").is_none());
}

#[test]
fn the_registry_of_another_state_type_is_a_clear_error() {
    let mut rt = spawned(None);
    let error = send(&mut rt, "Wrong-Type").error.unwrap();
    assert!(
        error.contains("holds handlers of `runtime_handlers::Desk`, not of `u64`"),
        "{error}"
    );
}

#[test]
fn the_inbox_is_readable_from_a_handler() {
    let mut rt = spawned(None);
    send(&mut rt, "First");
    send(&mut rt, "Second");
    let out = send(&mut rt, "Peek");
    assert_eq!(out.messages[0].data.as_deref(), Some("First,Second"));
}

#[test]
fn spawn_tags_are_readable_after_spawn() {
    let mut rt = spawned(None);
    let ask = |rt: &mut Runtime<Desk>, name: &str| {
        let out = rt.handle(
            Message::new("ALICE")
                .with_action("Spawn-Tag")
                .with_tag("Name", name),
            None,
        );
        out.messages[0].data.clone().unwrap()
    };
    assert_eq!(ask(&mut rt, "Custom"), "from-spawn");
    assert_eq!(ask(&mut rt, "Name"), "desk");
    assert_eq!(ask(&mut rt, "Missing"), "<none>");
}

#[test]
fn forward_keeps_data_and_tags_and_points_back_to_the_origin() {
    let mut rt = spawned(None);
    let msg = Message::new("ALICE")
        .with_action("Relay")
        .with_tag("To", "OTHER")
        .with_tag("Reference", "7")
        .with_tag("Note", "original")
        .with_tag("Data-Protocol", "ao")
        .with_data("payload");
    let out = rt.handle(msg, None);
    let fwd = &out.messages[0];
    assert_eq!(fwd.target.as_deref(), Some("OTHER"));
    assert_eq!(fwd.data.as_deref(), Some("payload"));
    assert_eq!(fwd.get("Action"), Some("Relay"));
    assert_eq!(fwd.get("Note"), Some("replaced"), "extra tags replace");
    assert_eq!(fwd.get("Relayed-By"), Some("desk"));
    assert_eq!(fwd.get("X-Origin"), Some("ALICE"));
    assert_eq!(fwd.get("X-Reference"), Some("7"));
    assert_eq!(
        fwd.get("Reference"),
        Some("1"),
        "its own reference, not the incoming one"
    );
    assert_eq!(fwd.tags.get_all("Data-Protocol").count(), 1);
}

#[test]
fn forward_keeps_an_existing_origin() {
    let mut rt = spawned(None);
    let msg = Message::new("BOB")
        .with_action("Relay")
        .with_tag("To", "OTHER")
        .with_tag("X-Origin", "ALICE")
        .with_tag("X-Reference", "3")
        .with_tag("Reference", "9");
    let out = rt.handle(msg, None);
    assert_eq!(out.messages[0].get("X-Origin"), Some("ALICE"));
    assert_eq!(out.messages[0].get("X-Reference"), Some("3"));
}

#[test]
fn spawning_a_copy_needs_the_module_id() {
    let mut rt = spawned(None);
    let error = send(&mut rt, "Clone").error.unwrap();
    assert!(error.contains("module id is unknown"), "{error}");
    assert!(error.contains("HyperBEAM"), "{error}");

    let mut rt = spawned(Some("MODULE_ID"));
    let out = send(&mut rt, "Clone");
    assert!(!out.is_error(), "{:?}", out.error);
    let spawn = &out.spawns[0];
    assert_eq!(spawn.get("Module"), Some("MODULE_ID"));
    assert_eq!(spawn.get("From-Module"), Some("MODULE_ID"));
    assert_eq!(spawn.get("Name"), Some("copy"));
}

#[test]
fn a_default_handler_set_at_run_time_takes_what_no_handler_took() {
    let mut rt = spawned(None);
    send(&mut rt, "Unknown");
    assert_eq!(rt.inbox().len(), 1, "no default handler yet: inbox");
    assert!(!send(&mut rt, "Set-Default").is_error());
    let out = send(&mut rt, "Unknown");
    assert_eq!(out.output.data, "defaulted");
    assert_eq!(rt.state().unwrap().greeted, 1);
    assert_eq!(rt.inbox().len(), 1, "the default handler took it");

    let out = rt.handle(
        Message::new("OWNER")
            .with_action("Unknown")
            .with_data("bad"),
        None,
    );
    let error = out.error.unwrap();
    assert!(
        error.contains("Action = Unknown: default handler: default refused"),
        "{error}"
    );
    assert_eq!(rt.state().unwrap().greeted, 1, "rolled back");
    assert_eq!(rt.inbox().len(), 1);
}
