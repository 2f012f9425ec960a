//! The dispatcher: one path from a message to an outcome, used natively and in wasm.
//!
//! For every message [`Runtime::handle`] parses nothing (that is [`Runtime::handle_json`]'s
//! job), checks trust, takes a savepoint of the state, the registry, the inbox and the
//! reference counter, walks the registry, and then commits, or rolls everything back when
//! a handler failed, panicked (natively), or the message was a dry-run.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use crate::context::Ctx;
use crate::error::{Error, InputError};
use crate::message::{Env, Message};
use crate::outbox::Outbox;
use crate::outcome::Outcome;
use crate::pattern::Match;
use crate::registry::Registry;
use crate::state::Transactional;
use crate::trust::ProcessInfo;

/// Limits and behaviour a process can tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Unhandled messages kept in the inbox; the oldest is dropped past this.
    pub inbox_limit: usize,
    /// Bytes (data and tags) the inbox may hold; the oldest messages are dropped past
    /// this, and a message larger than it is never kept.
    pub inbox_bytes: usize,
    /// Largest message accepted, in bytes of JSON.
    pub max_message_bytes: usize,
    /// Most output one message may produce (messages, spawns, assignments and printed
    /// text, counted as data plus tags): past it the message fails with an `Error` and
    /// changes nothing. Checked while the output is built, never after.
    pub max_output_bytes: usize,
}

/// One MiB.
const MIB: usize = 1024 * 1024;

impl Default for Config {
    fn default() -> Self {
        Config {
            inbox_limit: 100,
            inbox_bytes: 8 * MIB,
            max_message_bytes: 8 * MIB,
            max_output_bytes: 16 * MIB,
        }
    }
}

/// A process: its state type, how the state is made from the spawn message, and its
/// handlers. `#[aoxide::process]` with `#[aoxide::handlers]` implement it; it can also be
/// written by hand.
pub trait Process: Transactional + Sized + 'static {
    /// Builds the state from the spawn message (or the first message when the host never
    /// delivers the spawn).
    fn init(ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error>;

    /// Registers the handlers. Called once, when the runtime starts.
    fn register(registry: &mut Registry<Self>);

    /// Limits; override to change them.
    fn config() -> Config {
        Config::default()
    }

    /// Runs once per message, after its handlers succeeded (never for dry-runs).
    /// `changed` is true when a handler that may change state ran (any handler not marked
    /// read-only, or the default handler). What it sends joins the message's outcome; an
    /// error fails the whole message like a handler error. `#[aoxide::handlers]` uses it
    /// to send one `patch@1.0` message per changing message.
    fn after_message(&mut self, ctx: &mut Ctx<'_>, changed: bool) -> Result<(), Error> {
        let _ = (ctx, changed);
        Ok(())
    }
}

/// A running process: state, registry, inbox and counters. Natively it is a plain value;
/// in wasm it lives in linear memory, so the host's memory snapshot carries it.
pub struct Runtime<P: Process> {
    process: Option<Rc<ProcessInfo>>,
    state: Option<P>,
    registry: Registry<P>,
    reference: u64,
    inbox: VecDeque<Message>,
    inbox_bytes: usize,
    memory_limit: Option<usize>,
    config: Config,
    in_flight: Option<InFlight<P>>,
    /// The message being handled, shared with the call's frames: a call that never
    /// returned (a trap in wasm) leaves it here, and the next call frees it.
    current: Option<Rc<Message>>,
    /// Why the previous call never returned (a panic's text), for the next outcome.
    trap_note: Option<String>,
    messages_handled: u64,
}

/// What the runtime keeps while a message is being handled, so that a call that never
/// returned (a trap under `panic = "abort"`) is undone before the next message.
struct InFlight<P: Process> {
    state: Option<P::Savepoint>,
    registry: Registry<P>,
    reference: u64,
    inbox: usize,
}

impl<P: Process> Default for Runtime<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Process> Runtime<P> {
    /// A runtime with the process' handlers registered and no state yet.
    pub fn new() -> Self {
        let mut registry = Registry::new();
        P::register(&mut registry);
        Runtime {
            process: None,
            state: None,
            registry,
            reference: 0,
            inbox: VecDeque::new(),
            inbox_bytes: 0,
            memory_limit: None,
            config: P::config(),
            in_flight: None,
            current: None,
            trap_note: None,
            messages_handled: 0,
        }
    }

    /// The state, once the process is initialised.
    pub fn state(&self) -> Option<&P> {
        self.state.as_ref()
    }

    /// Mutable access to the state outside any message (tests, migrations).
    pub fn state_mut(&mut self) -> Option<&mut P> {
        self.state.as_mut()
    }

    /// Replaces the state (restoring a snapshot, migrating).
    pub fn set_state(&mut self, state: P) {
        self.state = Some(state);
    }

    /// The registry.
    pub fn registry(&self) -> &Registry<P> {
        &self.registry
    }

    /// The registry, to add or remove handlers at run time.
    pub fn registry_mut(&mut self) -> &mut Registry<P> {
        &mut self.registry
    }

    /// Messages no handler took, oldest first.
    pub fn inbox(&self) -> &VecDeque<Message> {
        &self.inbox
    }

    /// The process identity, once known.
    pub fn process(&self) -> Option<&ProcessInfo> {
        self.process.as_deref()
    }

    /// The process' `Memory-Limit` in bytes (from the spawn's tags in the env, for example
    /// `1-gb`), once known; the wasm module refuses messages that would take it past this.
    pub fn memory_limit(&self) -> Option<usize> {
        self.memory_limit
    }

    /// Bytes (data and tags) the inbox holds.
    pub fn inbox_bytes(&self) -> usize {
        self.inbox_bytes
    }

    /// The limits in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How many messages the process has sent since spawn.
    pub fn reference(&self) -> u64 {
        self.reference
    }

    /// How many messages were handled successfully.
    pub fn messages_handled(&self) -> u64 {
        self.messages_handled
    }

    /// Handles JSON-1 input and returns the JSON-1 result. Never panics; bad input gets an
    /// `Error` result and changes nothing.
    pub fn handle_json(&mut self, msg: &[u8], env: &[u8]) -> Vec<u8> {
        self.handle_bytes(msg, env).to_json()
    }

    /// Parses and handles; bad input becomes an error outcome.
    pub fn handle_bytes(&mut self, msg: &[u8], env: &[u8]) -> Outcome {
        self.recover();
        let limit = self.config.max_message_bytes;
        if msg.len() > limit {
            return Outcome::failed(
                InputError::TooLarge {
                    what: "message",
                    size: msg.len(),
                    limit,
                }
                .to_string(),
            );
        }
        // The env only matters until the process knows who it is; after that it is still
        // checked (it is untrusted input) but not built.
        let env = if self.process.is_none() {
            match Env::from_json(env) {
                Ok(env) => Some(env),
                Err(e) => return Outcome::failed(e.to_string()),
            }
        } else {
            if let Err(e) = Env::check_json(env) {
                return Outcome::failed(e.to_string());
            }
            None
        };
        let msg = match Message::from_json(msg) {
            Ok(m) => m,
            Err(e) => return Outcome::failed(e.to_string()),
        };
        self.handle(msg, env.as_ref())
    }

    /// Handles one message. `env` may be `None` after the first message.
    pub fn handle(&mut self, msg: Message, env: Option<&Env>) -> Outcome {
        self.recover();
        if self.process.is_none() {
            match env {
                Some(env) => {
                    // Identity comes from the env. Only the spawn itself (its id is the
                    // process id) may name the owner and the process: a `Type=Process`
                    // tag is text anyone can send.
                    let mut info = ProcessInfo::from_env(env);
                    if is_spawn(&msg, &info) {
                        if !msg.from.is_empty() {
                            info.owner = msg.from.clone();
                        }
                        if let Some(name) = msg.get("Name") {
                            info.name = name.to_owned();
                        }
                    }
                    self.memory_limit = env
                        .process
                        .tags
                        .get("Memory-Limit")
                        .and_then(parse_memory_limit);
                    self.process = Some(Rc::new(info));
                }
                None => {
                    return Outcome::failed(InputError::NotAnObject { what: "env" }.to_string())
                }
            }
        }
        // A shared handle, not a copy: and the identity stays in place even if this
        // call never returns (a trap in wasm).
        let Some(info) = self.process.clone() else {
            return Outcome::failed("process identity is unknown");
        };
        let msg = Rc::new(msg);
        self.current = Some(Rc::clone(&msg));
        let outcome = self.handle_as(&info, &msg, env);
        self.current = None;
        outcome
    }

    fn handle_as(&mut self, info: &ProcessInfo, msg: &Message, env: Option<&Env>) -> Outcome {
        if self.state.is_none() {
            let spawn = is_spawn(msg, info);
            if msg.read_only && !spawn {
                // A dry-run may not create state: that would persist.
                return Outcome::failed(
                    "process is not initialised yet (no spawn message handled)",
                );
            }
            // The host never delivered the spawn: build the state from the spawn as the env
            // describes it, never from this message (whose sender may be anyone).
            let stand_in = (!spawn).then(|| spawn_from_env(info, env, msg));
            let init_msg = stand_in.as_ref().unwrap_or(msg);
            let mut outbox = Outbox::default();
            let mut reference = self.reference;
            let made = {
                let mut ctx = Ctx::new(info, init_msg, &mut outbox, &mut reference);
                catch_unwind(AssertUnwindSafe(|| P::init(&mut ctx, init_msg)))
            };
            match made {
                Ok(Ok(state)) => {
                    self.state = Some(state);
                    if spawn {
                        self.reference = reference;
                        self.messages_handled += 1;
                        return Outcome::from_outbox(outbox);
                    }
                    // Not the spawn: the state is made, now handle the message itself
                    // (whatever init printed or sent is dropped; init should be pure).
                }
                Ok(Err(e)) => return Outcome::failed(format!("Error initialising process: {e}")),
                Err(panic) => {
                    return Outcome::failed(format!(
                        "Error initialising process: panicked: {}",
                        panic_text(&panic)
                    ))
                }
            }
        }

        if !info.is_trusted(msg) {
            let mut outbox = Outbox::default();
            outbox.print(&format!(
                "Message is not trusted! From: {} - Owner: {}",
                msg.from, msg.owner
            ));
            return Outcome::from_outbox(outbox);
        }

        self.dispatch(info, msg)
    }

    /// Records why the previous call never returned (the text of the panic that aborted it,
    /// from the wasm panic hook): the next message's output starts with it.
    pub fn note_trap(&mut self, text: String) {
        self.trap_note = Some(text);
    }

    /// Undoes a message whose call never returned, and frees its message.
    fn recover(&mut self) {
        if let Some(flight) = self.in_flight.take() {
            self.rollback(flight);
        }
        if let Some(msg) = self.current.take() {
            release_trapped(msg);
        }
    }

    fn rollback(&mut self, flight: InFlight<P>) {
        if let (Some(state), Some(sp)) = (self.state.as_mut(), flight.state) {
            state.rollback(sp);
        }
        self.registry = flight.registry;
        self.reference = flight.reference;
        while self.inbox.len() > flight.inbox {
            if let Some(m) = self.inbox.pop_back() {
                self.inbox_bytes -= inbox_size(&m);
            }
        }
    }

    fn dispatch(&mut self, info: &ProcessInfo, msg: &Message) -> Outcome {
        let Some(state) = self.state.as_mut() else {
            return Outcome::failed("process state is not initialised");
        };
        self.in_flight = Some(InFlight {
            state: Some(state.savepoint()),
            registry: self.registry.clone(),
            reference: self.reference,
            inbox: self.inbox.len(),
        });

        let mut outbox = Outbox::with_limit(self.config.max_output_bytes);
        if let Some(note) = self.trap_note.take() {
            outbox.print(&format!("previous message trapped: {note}"));
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            walk(
                &mut self.registry,
                self.state.as_mut().expect("state checked above"),
                info,
                msg,
                &mut outbox,
                &mut self.reference,
            )
        }));

        let flight = self.in_flight.take().expect("set above");
        let mut walked = match result {
            Ok(Ok(walked)) => walked,
            Ok(Err(e)) => {
                self.rollback(flight);
                return Outcome::failed(e);
            }
            Err(panic) => {
                self.rollback(flight);
                return Outcome::failed(format!(
                    "{}: panicked: {}",
                    describe(msg),
                    panic_text(&panic)
                ));
            }
        };

        if !walked.handled {
            if let Some(default) = self.registry.default_handler().cloned() {
                let state = self.state.as_mut().expect("state checked above");
                let mut ctx = Ctx::new(info, msg, &mut outbox, &mut self.reference);
                if let Err(e) = default(state, &mut ctx, msg) {
                    self.rollback(flight);
                    return Outcome::failed(format!("{}: default handler: {e}", describe(msg)));
                }
                walked.changed = true;
            } else if msg.action().is_none() && !msg.cron && !walked.ran_any {
                self.rollback(flight);
                return Outcome::failed(
                    "message has no Action tag and no handler matched it".to_owned(),
                );
            } else if !msg.cron && !walked.ran_any {
                outbox.print(&format!(
                    "New Message From {}: Action = {}",
                    short(&msg.from),
                    msg.action().unwrap_or("")
                ));
                let size = inbox_size(msg);
                if !msg.read_only && size <= self.config.inbox_bytes {
                    self.inbox.push_back(msg.clone());
                    self.inbox_bytes += size;
                    while self.inbox.len() > self.config.inbox_limit
                        || self.inbox_bytes > self.config.inbox_bytes
                    {
                        match self.inbox.pop_front() {
                            Some(old) => self.inbox_bytes -= inbox_size(&old),
                            None => break,
                        }
                    }
                }
            }
        }

        if !msg.read_only {
            let state = self.state.as_mut().expect("state checked above");
            let mut ctx = Ctx::new(info, msg, &mut outbox, &mut self.reference);
            if let Err(e) = state.after_message(&mut ctx, walked.changed) {
                self.rollback(flight);
                return Outcome::failed(format!("{}: after the handlers: {e}", describe(msg)));
            }
        }

        if let Some((needed, limit)) = outbox.over_limit() {
            self.rollback(flight);
            return Outcome::failed(format!(
                "{}: the output would be more than {needed} bytes, over the limit of {limit}",
                describe(msg)
            ));
        }

        if msg.read_only {
            // A dry-run answers but never persists anything.
            self.rollback(flight);
        } else {
            if let (Some(state), Some(sp)) = (self.state.as_mut(), flight.state) {
                state.commit(sp);
            }
            self.messages_handled += 1;
        }
        Outcome::from_outbox(outbox)
    }
}

struct Walked {
    handled: bool,
    ran_any: bool,
    changed: bool,
}

/// Walks the registry in order: AOS semantics for break/continue/skip and run counts.
fn walk<P>(
    registry: &mut Registry<P>,
    state: &mut P,
    info: &ProcessInfo,
    msg: &Message,
    outbox: &mut Outbox,
    reference: &mut u64,
) -> Result<Walked, String> {
    let mut walked = Walked {
        handled: false,
        ran_any: false,
        changed: false,
    };
    // Entries may be removed (max runs) while walking: walk a snapshot of the list (a
    // shared copy: free unless the list changes).
    let snapshot = registry.shared_list();
    for handler in snapshot.iter() {
        let decision = handler.evaluate(info, msg);
        if decision == Match::Skip {
            continue;
        }
        let mut ctx = Ctx::new(info, msg, outbox, reference);
        handler.call(state, &mut ctx, msg).map_err(|e| {
            format!(
                "{}: handler `{}` failed: {}",
                describe(msg),
                handler.name,
                e
            )
        })?;
        walked.ran_any = true;
        walked.changed |= !handler.read_only;
        registry.count_run(&handler.name);
        if decision == Match::Break {
            walked.handled = true;
            break;
        }
    }
    Ok(walked)
}

/// Frees the message of a call that never returned. Its other handles belonged to that
/// call's frames, which will never run again (in wasm a trap ends the call for good; a
/// native panic that unwound dropped them already, so there are none).
fn release_trapped(msg: Rc<Message>) {
    let ptr = Rc::as_ptr(&msg);
    for _ in 1..Rc::strong_count(&msg) {
        // SAFETY: each handle counted here was held by a frame of the trapped call, which
        // is gone without having dropped it; `msg` itself keeps the count above zero.
        unsafe { Rc::decrement_strong_count(ptr) };
    }
    drop(msg);
}

/// The bytes a message takes in the inbox: its data and tags.
fn inbox_size(msg: &Message) -> usize {
    msg.data.len()
        + msg
            .tags
            .iter()
            .map(|t| t.name.len() + t.value.as_str().map_or(16, str::len))
            .sum::<usize>()
}

/// Reads an AO `Memory-Limit` (`1-gb`, `512-mb`, `64-kb`, or plain bytes; units are powers
/// of 1024, case ignored). Anything else is no limit.
pub fn parse_memory_limit(text: &str) -> Option<usize> {
    let text = text.trim();
    let (number, unit) = match text.split_once('-') {
        Some((n, u)) => (n, u),
        None => (text, "b"),
    };
    let n: usize = number.parse().ok()?;
    let scale: usize = match unit.to_ascii_lowercase().as_str() {
        "b" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale).filter(|&b| b > 0)
}

/// The spawn message as the env describes it (`env.Process`: id, owner, the spawn's tags),
/// for a process whose host never delivered the spawn itself. Without an env (a later
/// call, after an `init` that failed) it has the identity and no tags. Time and height are
/// the current message's.
fn spawn_from_env(info: &ProcessInfo, env: Option<&Env>, msg: &Message) -> Message {
    Message {
        id: Some(info.id.clone()),
        owner: info.owner.clone(),
        from: info.owner.clone(),
        tags: env.map(|e| e.process.tags.clone()).unwrap_or_default(),
        timestamp: msg.timestamp,
        block_height: msg.block_height,
        module: info.module.clone(),
        ..Message::default()
    }
}

/// True when `msg` is the spawn of the process: its id is the process id (AO gives the
/// spawn message the process' id). Tags are not looked at: anyone can send `Type=Process`.
fn is_spawn(msg: &Message, info: &ProcessInfo) -> bool {
    !info.id.is_empty() && msg.id.as_deref() == Some(info.id.as_str())
}

fn describe(msg: &Message) -> String {
    match msg.action() {
        Some(a) => format!("Error handling message with Action = {a}"),
        None => "Error handling message without Action".to_owned(),
    }
}

fn short(address: &str) -> String {
    if address.len() > 8 && address.is_ascii() {
        format!("{}...{}", &address[..3], &address[address.len() - 3..])
    } else {
        address.to_owned()
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}
