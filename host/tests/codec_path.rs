//! The native backend takes the module's bytes path: message and env written as JSON-1,
//! `Runtime::handle_json`, the result read back. So a native test sees what the codec does
//! (its limits, its lenient rules), and agrees with the dispatcher called directly.

use aoxide::{
    Config, Ctx, Env, Error, Handler, Message, OutMessage, Process, Registry, Runtime, TagValue,
};
use aoxide_host::{Backend, Msg, Native, Net, SpawnOptions};

/// Echoes what it got, in tags, data and print, with characters the writer must escape.
#[derive(Debug, Clone, Default, PartialEq)]
struct Echo {
    seen: Vec<String>,
}
aoxide::transactional_by_clone!(Echo);

impl Process for Echo {
    fn init(_ctx: &mut Ctx<'_>, _msg: &Message) -> Result<Self, Error> {
        Ok(Echo::default())
    }

    fn register(r: &mut Registry<Self>) {
        r.add(Handler::action("Echo", |s: &mut Echo, ctx, msg| {
            s.seen.push(msg.data.clone());
            ctx.print(format!("\u{1b}[32m{}\u{1b}[0m\n", msg.data));
            ctx.respond(
                OutMessage::untargeted()
                    .action("Echoed")
                    .tag("Json", serde_json::json!({"data": msg.data, "n": [1, 2.5]}))
                    .tag("Read-Only", msg.read_only.to_string())
                    .data(format!("\"{}\"\t\\", msg.data)),
            );
            Ok(())
        }));
    }

    fn config() -> Config {
        Config {
            max_message_bytes: 4096,
            ..Config::default()
        }
    }
}

#[test]
fn the_native_backend_agrees_with_the_dispatcher_called_directly() {
    let env = Env::new("PID", "OWNER");
    let mut direct = Runtime::<Echo>::new();
    let mut native = Native::<Echo>::new();
    let messages = [
        Message::new("OWNER")
            .with_id("PID")
            .with_tag("Type", "Process"),
        Message::new("ALICE")
            .with_id("m1")
            .with_action("Echo")
            .with_data("é \u{0} \"q\""),
        Message::new("ALICE")
            .with_id("m2")
            .with_action("Echo")
            .with_data("x".repeat(5000)),
        Message::new("ALICE").with_id("m3").with_action("Nothing"),
    ];
    for m in messages {
        let a = direct.handle(m.clone(), Some(&env));
        let b = native.handle(m, &env);
        // The direct call never sees the size limit; the bytes path does.
        if b.is_error() {
            assert!(b
                .error
                .as_deref()
                .unwrap()
                .contains("over the limit of 4096 bytes"));
        } else {
            assert_eq!(a, b);
        }
    }
    assert_eq!(native.runtime().state().unwrap().seen.len(), 1);
    let json = &native.handle(
        Message::new("ALICE")
            .with_id("m4")
            .with_action("Echo")
            .with_data("y"),
        &env,
    );
    assert!(matches!(
        json.messages[0].tags.find("Json"),
        Some(TagValue::Json(_))
    ));
}

#[test]
fn a_network_message_over_the_process_limit_fails_in_the_runtime() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let echo = net.spawn::<Echo>(&alice, SpawnOptions::new()).unwrap();
    let id = net
        .send(
            &alice,
            &echo,
            Msg::new().action("Echo").data("z".repeat(5000)),
        )
        .unwrap();
    let run = net.run_until_idle().unwrap();
    assert_eq!(run.failed.len(), 1);
    let error = net.result(&id).error.clone().unwrap();
    assert!(
        error.starts_with("message is ") && error.ends_with("over the limit of 4096 bytes"),
        "{error}"
    );
    assert!(net.state::<Echo>(&echo).seen.is_empty());
    let out = net
        .dry_run(&echo, Msg::new().action("Echo").data("ok"))
        .unwrap();
    assert_eq!(out.messages[0].get("Read-Only"), Some("true"));
}
