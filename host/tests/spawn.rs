//! Spawning from wallets and from processes.

mod common;

use aoxide_host::{MessageId, Msg, Net, NetError, Origin, ProcessId, SpawnOptions};
use common::{Counter, Factory};

#[test]
fn wallet_spawn_delivers_the_spawn_message_through_the_runtime() {
    let mut net = Net::new();
    let module = net.register_module::<Counter>("counter");
    assert_eq!(
        net.register_module::<Counter>("counter"),
        module,
        "idempotent"
    );
    let alice = net.wallet("alice");
    let pid = net
        .spawn::<Counter>(&alice, SpawnOptions::new().name("c").data("boot"))
        .unwrap();
    assert_eq!(pid.as_str().len(), 43);
    assert_eq!(net.module_name_of(&pid), Some("counter"));
    assert_eq!(net.owner_of(&pid), Some(alice.address()));

    // The spawn message is the process' first message; its id is the process id.
    let first = net.deliveries_to(&pid).next().unwrap();
    assert_eq!(first.message.id.as_deref(), Some(pid.as_str()));
    assert_eq!(first.message.nonce, Some(0));
    assert_eq!(first.message.get("Type"), Some("Process"));
    assert_eq!(first.message.get("Module"), Some(module.as_str()));
    assert_eq!(first.message.get("Authority"), Some(net.authority()));
    assert_eq!(first.message.get("Scheduler"), Some(net.scheduler()));
    assert_eq!(first.message.get("Name"), Some("c"));
    assert_eq!(first.message.data, "boot");
    assert!(!net.result(&MessageId::new(pid.as_str())).is_error());

    // The env tells the runtime who it is and whom to trust.
    let env = net.env(&pid).unwrap();
    assert_eq!(env.process.id, pid.as_str());
    assert_eq!(env.process.owner, alice.address());
    assert_eq!(env.process.tags.get("Authority"), Some(net.authority()));
    assert_eq!(env.module.as_ref().unwrap().id, module.as_str());
    let info = net.runtime::<Counter>(&pid).unwrap().process().unwrap();
    assert_eq!(info.owner, alice.address());
    assert_eq!(info.name, "c");
    assert_eq!(info.authorities, [net.authority().to_owned()]);
}

#[test]
fn a_failing_init_is_reported() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let err = net
        .spawn::<Counter>(&alice, SpawnOptions::new().tag("Refuse", "yes"))
        .unwrap_err();
    let NetError::SpawnFailed { process, error } = err else {
        panic!("expected SpawnFailed");
    };
    assert!(error.contains("refusing to start"), "{error}");
    assert!(net.has_process(&process));
    assert_eq!(
        net.try_state::<Counter>(&process).unwrap_err(),
        aoxide_host::ViewError::NoState(process.clone())
    );
}

#[test]
fn a_process_spawns_a_registered_module() {
    let mut net = Net::new();
    let counter = net.register_module::<Counter>("counter");
    let alice = net.wallet("alice");
    let factory = net.spawn::<Factory>(&alice, SpawnOptions::new()).unwrap();
    let make = net
        .send(
            &alice,
            &factory,
            Msg::new().action("Make").tag("Module", &counter),
        )
        .unwrap();
    let run = net.run_until_idle().unwrap();
    assert!(run.is_clean(), "{:?}", run.failed);

    let children = net.children(&factory);
    assert_eq!(children.len(), 1);
    let child = &children[0];
    assert_eq!(net.module_name_of(child), Some("counter"));
    // The child's owner is its parent, and its init's message reached the parent.
    assert_eq!(net.owner_of(child), Some(factory.as_str()));
    let state = net.state::<Factory>(&factory);
    assert_eq!(state.children, [child.to_string()]);
    assert_eq!(state.ready, 1);

    // The spawn and the messenger's `Spawned` notice are on record.
    let spawn = net.message(&MessageId::new(child.as_str())).unwrap();
    assert_eq!(spawn.origin, Origin::Process(factory.clone()));
    assert_eq!(spawn.cause.as_ref(), Some(&make));
    assert_eq!(spawn.get("From-Process"), Some(factory.as_str()));
    let notice = net.messages_with_action("Spawned").next().unwrap();
    assert_eq!(notice.origin, Origin::Messenger);
    assert_eq!(notice.get("AO-Spawn-Success"), Some(child.as_str()));
    assert_eq!(notice.target(), Some(factory.as_str()));

    // The child works like any process.
    let id = net
        .send_and_run(
            &alice,
            &ProcessId::new(child.as_str()),
            Msg::new().action("Increment"),
        )
        .unwrap();
    assert_eq!(net.reply_to(&id).unwrap().data(), "1");
}

#[test]
fn spawning_an_unregistered_module_is_an_error() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let factory = net.spawn::<Factory>(&alice, SpawnOptions::new()).unwrap();
    net.send(
        &alice,
        &factory,
        Msg::new().action("Make").tag("Module", "nope"),
    )
    .unwrap();
    let err = net.run_until_idle().unwrap_err();
    assert!(matches!(err, NetError::UnknownModule { .. }), "{err}");
    assert!(err.to_string().contains("register_module"), "{err}");

    let ghost = aoxide_host::ModuleId::new("x".repeat(43));
    assert!(matches!(
        net.spawn_module(&alice, &ghost, SpawnOptions::new()),
        Err(NetError::UnknownModule { .. })
    ));
}
