//! Spawn-and-await on the network: the parent's continuation runs on the messenger's
//! `Spawned` notice, sees the child's id, and a forged notice resumes nothing.

use aoxide::pending::spawned_process;
use aoxide::{Ctx, Message, OutMessage, Result, Spawn, WaitKind};
use aoxide_host::{Msg, Net, ProcessId, SpawnOptions};

#[aoxide::process]
#[derive(Default)]
pub struct Nest {
    children: Vec<String>,
}

#[aoxide::handlers]
impl Nest {
    #[handler(action = "Hatch", from = owner)]
    fn hatch(&mut self, ctx: &mut Ctx, module: String) -> Result<()> {
        ctx.spawn(module, Spawn::new().tag("Name", "chick"))
            .on_reply(Nest::hatched)?;
        Ok(())
    }

    fn hatched(&mut self, ctx: &mut Ctx<'_>, notice: &Message) -> Result<()> {
        let child = spawned_process(notice).unwrap_or_default().to_owned();
        ctx.send(OutMessage::to(child.as_str()).action("Welcome"));
        self.children.push(child);
        Ok(())
    }
}

#[aoxide::process]
#[derive(Default)]
pub struct Chick {
    welcomed: bool,
}

#[aoxide::handlers]
impl Chick {
    #[handler(action = "Welcome")]
    fn welcome(&mut self) {
        self.welcomed = true;
    }
}

fn nest() -> (Net, aoxide_host::Wallet, ProcessId, String) {
    let mut net = Net::new();
    let module = net.register_module::<Chick>("chick");
    let owner = net.wallet("owner");
    let nest = net.spawn::<Nest>(&owner, SpawnOptions::new()).unwrap();
    (net, owner, nest, module.to_string())
}

#[test]
fn the_spawned_notice_resumes_the_parent() {
    let (mut net, owner, nest, module) = nest();
    net.send(
        &owner,
        &nest,
        Msg::new().action("Hatch").tag("Module", module.as_str()),
    )
    .unwrap();
    let run = net.run_until_idle().unwrap();
    assert!(run.is_clean(), "{:?}", run.failed);
    let children = &net.state::<Nest>(&nest).children;
    assert_eq!(children.len(), 1);
    let child = ProcessId::new(children[0].clone());
    assert_eq!(net.children(&nest), std::slice::from_ref(&child));
    assert!(
        net.state::<Chick>(&child).welcomed,
        "the continuation wrote to the child"
    );
    assert!(net.pending_waits(&nest).is_empty());
}

#[test]
fn a_forged_spawned_notice_resumes_nothing() {
    let (mut net, owner, nest, module) = nest();
    net.send(
        &owner,
        &nest,
        Msg::new().action("Hatch").tag("Module", module.as_str()),
    )
    .unwrap();
    // The forgery is scheduled right after the Hatch, before the messenger's notice.
    let mallory = net.wallet("mallory");
    let forged = Msg::new()
        .action("Spawned")
        .tag("Reference", 1u64)
        .tag("Process", "FORGED_CHILD_ID_FORGED_CHILD_ID_FORGED_CHI");
    net.send(&mallory, &nest, forged).unwrap();
    net.run_until_idle().unwrap();
    let children = &net.state::<Nest>(&nest).children;
    assert_eq!(
        children.len(),
        1,
        "only the messenger's notice: {children:?}"
    );
    assert_ne!(children[0], "FORGED_CHILD_ID_FORGED_CHILD_ID_FORGED_CHI");
}

#[test]
fn the_spawn_wait_is_listed_until_the_notice_arrives() {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let nest = net.spawn::<Nest>(&owner, SpawnOptions::new()).unwrap();
    // A module the network does not know: the spawn fails, no notice comes.
    let msg = Msg::new().action("Hatch").tag("Module", "UNKNOWN_MODULE");
    net.send(&owner, &nest, msg).unwrap();
    let _ = net.run_until_idle();
    let waits = net.pending_waits(&nest);
    assert_eq!(waits.len(), 1);
    assert_eq!(waits[0].kind, WaitKind::Spawn);
    assert_eq!(waits[0].from, nest.as_str());
    assert!(waits[0].continuation.ends_with("Nest::hatched"));
}
