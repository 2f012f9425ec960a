//! A part whose handlers change at run time, mounted with the macros like a blueprint
//! (`mount(plugins = Self::plugins())`): its handlers join the one ordered registry when
//! its sync sees them, a Rust handler placed `before` one of them waits for it, a failed
//! message takes the run-time edits back, and a message that a still-waiting handler would
//! take fails with an error naming both. `aoxide-lua`'s `LuaMount` is such a part; this
//! test uses a small one of its own, so the runtime is tested without Lua.

use aoxide::{
    fail, Ctx, Env, Handler, LiveMount, Message, OutMessage, Outcome, Registry, Result, Runtime,
};

/// The part: plug-ins queued by handlers, turned into registry entries by its sync.
#[derive(Debug, Clone, Default)]
pub struct Plugins {
    queued: Vec<String>,
    installed: Vec<String>,
}
aoxide::transactional_by_clone!(Plugins);

/// The mount: each plug-in is a handler for `Action = <name>` that replies `<name>!`.
pub struct PluginMount;

impl<P: 'static> LiveMount<P> for PluginMount {
    type Part = Plugins;

    /// Plug-ins named in the spawn's `Plugins` tag are there from the start.
    fn init_part(&self, _ctx: &mut Ctx<'_>, msg: &Message) -> Result<Plugins> {
        let queued = msg
            .get("Plugins")
            .map(|list| list.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(Plugins {
            queued,
            installed: Vec::new(),
        })
    }

    fn mount(&self, part: fn(&mut P) -> &mut Plugins, registry: &mut Registry<P>) {
        registry.add_sync(move |state: &mut P, registry: &mut Registry<P>| {
            let plugins = part(state);
            for name in std::mem::take(&mut plugins.queued) {
                let reply = format!("{name}!");
                registry.add(Handler::action(&name, move |_, ctx, _| {
                    ctx.respond(OutMessage::untargeted().data(reply.clone()));
                    Ok(())
                }));
                plugins.installed.push(name);
            }
        });
    }
}

#[aoxide::process]
#[derive(Debug, Default)]
pub struct Shop {
    plugins: Plugins,
    tolls: u64,
    audits: u64,
}

#[aoxide::handlers(mount(plugins = Self::plugins()))]
impl Shop {
    fn plugins() -> PluginMount {
        PluginMount
    }

    /// Queues a plug-in; the sync after this handler installs it.
    #[handler(action = "Install")]
    fn install(&mut self, name: String) {
        self.plugins.queued.push(name);
    }

    /// Installs `Name`, then lets `refuse` fail the message.
    #[handler(action = "Install-Then-Fail", continue)]
    fn install_then(&mut self, name: String) {
        self.plugins.queued.push(name);
    }

    #[handler(action = "Install-Then-Fail", after = "install_then")]
    fn refuse(&mut self) -> Result<()> {
        fail!("refused after installing")
    }

    /// Runs before the plug-in `Greet`, which is not there until someone installs it.
    #[handler(action = "Greet", before = "Greet", continue)]
    fn toll(&mut self) {
        self.tolls += 1;
    }

    /// Placed after `toll`, so it waits with it.
    #[handler(action = "Greet", after = "toll", continue)]
    fn audit(&mut self) {
        self.audits += 1;
    }

    /// Waits for a plug-in nobody installs (a typo, say).
    #[handler(action = "Wave", before = "Wav")]
    fn wave(&self) -> &'static str {
        "waved"
    }
}

const PID: &str = "SHOP_PROCESS";
const OWNER: &str = "OWNER";

fn spawned(plugins: Option<&str>) -> Runtime<Shop> {
    let mut rt = Runtime::<Shop>::new();
    let mut spawn = Message::new(OWNER).with_id(PID);
    if let Some(list) = plugins {
        spawn = spawn.with_tag("Plugins", list);
    }
    let out = rt.handle(spawn, Some(&Env::new(PID, OWNER)));
    assert!(out.error.is_none(), "{:?}", out.error);
    rt
}

fn send(rt: &mut Runtime<Shop>, action: &str, name: Option<&str>) -> Outcome {
    let mut msg = Message::new("ALICE").with_action(action);
    if let Some(name) = name {
        msg = msg.with_tag("Name", name);
    }
    rt.handle(msg, None)
}

fn names(rt: &Runtime<Shop>) -> Vec<&str> {
    rt.registry().names().collect()
}

fn waiting(rt: &Runtime<Shop>) -> Vec<(String, String)> {
    rt.registry()
        .waiting()
        .map(|(h, p)| (h.name.clone(), p.to_string()))
        .collect()
}

#[test]
fn a_handler_placed_before_a_run_time_handler_waits_then_goes_right_in_front_of_it() {
    let mut rt = spawned(None);
    assert_eq!(names(&rt), ["install", "install_then", "refuse"]);
    assert_eq!(
        waiting(&rt),
        [
            ("toll".to_owned(), "before `Greet`".to_owned()),
            ("audit".to_owned(), "after `toll`".to_owned()),
            ("wave".to_owned(), "before `Wav`".to_owned()),
        ]
    );

    let out = send(&mut rt, "Install", Some("Greet"));
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(
        names(&rt),
        [
            "install",
            "install_then",
            "refuse",
            "toll",
            "audit",
            "Greet"
        ],
        "the toll goes in front of the plug-in, and the audit after the toll"
    );
    assert_eq!(waiting(&rt).len(), 1, "{:?}", waiting(&rt));

    let out = send(&mut rt, "Greet", None);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.messages[0].data.as_deref(), Some("Greet!"));
    let shop = rt.state().unwrap();
    assert_eq!((shop.tolls, shop.audits), (1, 1));
}

#[test]
fn run_time_handlers_of_the_spawn_are_in_before_the_first_message() {
    let rt = spawned(Some("Greet,Hello"));
    assert_eq!(
        names(&rt),
        [
            "install",
            "install_then",
            "refuse",
            "toll",
            "audit",
            "Greet",
            "Hello"
        ]
    );
    assert_eq!(rt.state().unwrap().plugins.installed, ["Greet", "Hello"]);
}

#[test]
fn a_message_a_waiting_handler_would_take_fails_naming_both() {
    let mut rt = spawned(None);
    let out = send(&mut rt, "Greet", None);
    let failure = out.error.expect("the toll cannot run yet");
    assert_eq!(failure.handler(), Some("toll"));
    assert!(
        failure.contains("placed before `Greet`") && failure.contains("no handler `Greet` (yet)"),
        "{failure}"
    );
    assert_eq!(rt.state().unwrap().tolls, 0);

    // A target that never comes: every message for the waiting handler says so.
    send(&mut rt, "Install", Some("Greet"));
    let out = send(&mut rt, "Wave", None);
    let failure = out.error.expect("`Wav` never appears");
    assert_eq!(failure.handler(), Some("wave"));
    assert!(failure.contains("before `Wav`"), "{failure}");

    // Other messages are not concerned.
    let out = send(&mut rt, "Greet", None);
    assert!(out.error.is_none(), "{:?}", out.error);
}

#[test]
fn a_failed_message_takes_back_the_run_time_handlers_and_placements() {
    let mut rt = spawned(None);
    let out = send(&mut rt, "Install-Then-Fail", Some("Greet"));
    assert!(out.error.unwrap().contains("refused after installing"));
    assert_eq!(names(&rt), ["install", "install_then", "refuse"]);
    assert_eq!(waiting(&rt).len(), 3, "the toll waits again");
    assert!(rt.state().unwrap().plugins.installed.is_empty());
}

#[test]
fn the_interface_lists_the_live_part() {
    let interface = Shop::interface();
    assert_eq!(interface.live_parts.len(), 1);
    assert_eq!(interface.live_parts[0].field, "plugins");
    assert_eq!(interface.live_parts[0].mount, "Self::plugins()");
    assert!(interface.parts.is_empty());
    assert!(interface.handler("toll").is_some());
}
