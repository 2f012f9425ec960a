//! The dispatcher: one path from a message to an outcome, used natively and in wasm.
//!
//! For every message [`Runtime::handle`] parses nothing (that is [`Runtime::handle_json`]'s
//! job), checks trust, takes a savepoint of the state, the registry, the inbox and the
//! reference counter, walks the registry, and then commits, or rolls everything back when
//! a handler failed, panicked (natively), or the message was a dry-run.
//!
//! Beside it: `walk` (the walk of the registry, and the parts a handler's context reaches),
//! `spawn` (which message is the spawn) and `trapped` (freeing the message of a call that
//! never returned).

use std::collections::VecDeque;
use std::rc::Rc;

use crate::error::{Error, InputError};
use crate::failure::{Failure, Stage};
use crate::message::{Env, Message};
use crate::outbox::Outbox;
use crate::outcome::Outcome;
use crate::pending::Pending;
use crate::pending::Resumed;
use crate::process::{parse_memory_limit, Config, Process};
use crate::registry::Registry;
use crate::trust::ProcessInfo;

mod spawn;
mod trapped;
mod walk;

use self::spawn::{is_spawn, spawn_from_env};
use self::trapped::release_trapped;
pub(crate) use self::walk::{run_default, DefaultRun, Lent, StepFn};
use self::walk::{walk, Walked};

/// A running process: state, registry, inbox and counters. Natively it is a plain value;
/// in wasm it lives in linear memory, so the host's memory snapshot carries it.
pub struct Runtime<P: Process> {
    process: Option<Rc<ProcessInfo>>,
    state: Option<P>,
    registry: Registry<P>,
    reference: u64,
    inbox: VecDeque<Rc<Message>>,
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
    pending: Pending<P>,
    clock: Option<u64>,
}

/// What the runtime keeps while a message is being handled, so that a call that never
/// returned (a trap under `panic = "abort"`) is undone before the next message.
struct InFlight<P: Process> {
    state: Option<P::Savepoint>,
    registry: Registry<P>,
    reference: u64,
    inbox: usize,
    pending: Pending<P>,
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
        let config = P::config();
        Runtime {
            process: None,
            state: None,
            registry,
            reference: 0,
            inbox: VecDeque::new(),
            inbox_bytes: 0,
            memory_limit: None,
            config,
            in_flight: None,
            current: None,
            trap_note: None,
            messages_handled: 0,
            pending: Pending::new(config.max_pending),
            clock: None,
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
    pub fn inbox(&self) -> &VecDeque<Rc<Message>> {
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

    /// The waits for replies and spawn notices, oldest first (see [`crate::pending`]).
    pub fn pending(&self) -> &Pending<P> {
        &self.pending
    }

    /// The latest `Timestamp` of a message the process handled (what
    /// [`Ctx::now`](crate::Ctx::now) falls back to).
    pub fn clock(&self) -> Option<u64> {
        self.clock
    }

    /// One part of the process as JSON, for tools (the module's `aoxide_view` export; see
    /// [`crate::view`]): the state's snapshot view (`null` when the state has none or is
    /// not made yet), the inbox, or the pending waits. Reads only.
    pub fn view_json(&self, part: crate::view::ViewPart) -> Vec<u8> {
        use crate::view::ViewPart;
        let mut out = Vec::new();
        match part {
            ViewPart::State => {
                let viewed = self.state.as_ref().is_some_and(|s| s.view_state(&mut out));
                if !viewed {
                    out.clear();
                    out.extend_from_slice(b"null");
                }
            }
            ViewPart::Inbox => crate::view::write_inbox(&mut out, self.inbox.iter().map(|m| &**m)),
            ViewPart::Pending => self.pending.view(&mut out),
        }
        out
    }

    /// Handles JSON-1 input and returns the JSON-1 result. Never panics; bad input gets an
    /// `Error` result and changes nothing.
    pub fn handle_json(&mut self, msg: &[u8], env: &[u8]) -> Vec<u8> {
        self.handle_bytes(msg, env).to_json()
    }

    /// Parses and handles; bad input becomes an error outcome.
    pub fn handle_bytes(&mut self, msg: &[u8], env: &[u8]) -> Outcome {
        self.recover();
        if let Err(e) =
            crate::protocol::check_size("message", msg.len(), self.config.max_message_bytes)
        {
            return refused(e);
        }
        // The env only matters until the process knows who it is; after that it is still
        // checked (it is untrusted input) but not built.
        let env = if self.process.is_none() {
            match Env::from_json(env) {
                Ok(env) => Some(env),
                Err(e) => return refused(e),
            }
        } else {
            if let Err(e) = Env::check_json(env) {
                return refused(e);
            }
            None
        };
        let msg = match Message::from_json(msg) {
            Ok(m) => m,
            Err(e) => return refused(e),
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
                None => return refused(InputError::NotAnObject { what: "env" }),
            }
        }
        // A shared handle, not a copy: and the identity stays in place even if this
        // call never returns (a trap in wasm).
        let Some(info) = self.process.clone() else {
            return Outcome::refused("process identity is unknown");
        };
        let msg = Rc::new(msg);
        self.current = Some(Rc::clone(&msg));
        let outcome = self.handle_as(&info, &msg, env);
        self.current = None;
        outcome
    }

    fn handle_as(&mut self, info: &ProcessInfo, msg: &Rc<Message>, env: Option<&Env>) -> Outcome {
        if self.state.is_none() {
            let spawn = is_spawn(msg, info);
            if msg.read_only && !spawn {
                // A dry-run may not create state: that would persist.
                return Outcome::refused(
                    "process is not initialised yet (no spawn message handled)",
                );
            }
            // The host never delivered the spawn: build the state from the spawn as the env
            // describes it, never from this message (whose sender may be anyone).
            let stand_in = (!spawn).then(|| spawn_from_env(info, env, msg));
            let init_msg = stand_in.as_ref().unwrap_or(msg);
            let mut outbox = Outbox::default();
            let mut reference = self.reference;
            // What init does to the registry and the waits is kept only with the spawn it
            // answers (like what it sends).
            let mut pending = self.pending.clone();
            let mut registry = self.registry.clone();
            let made = {
                let mut lent = Lent {
                    registry: &mut registry,
                    pending: &mut pending,
                    inbox: &self.inbox,
                    clock: self.clock,
                };
                let mut ctx = lent.ctx(info, init_msg, &mut outbox, &mut reference);
                catching(|| P::init(&mut ctx, init_msg))
            };
            match made {
                Ok(Ok(mut state)) => {
                    // The parts' registry edits (a Lua part's `Handlers.add` at boot) go
                    // where the registry of the process will be.
                    let edited = if spawn {
                        &mut registry
                    } else {
                        &mut self.registry
                    };
                    edited.sync(&mut state);
                    self.state = Some(state);
                    if spawn {
                        self.reference = reference;
                        self.pending = pending;
                        self.registry = registry;
                        self.observe_time(msg);
                        self.messages_handled += 1;
                        return Outcome::from_outbox(outbox);
                    }
                    // Not the spawn: the state is made, now handle the message itself
                    // (whatever init printed or sent is dropped; init should be pure).
                }
                Ok(Err(e)) => return Outcome::failed(Failure::init(&e)),
                Err(panic) => return Outcome::failed(Failure::init_panicked(&panic_text(&panic))),
            }
        }

        if !info.is_trusted(msg) {
            return crate::trust::not_trusted("Message", msg);
        }
        if info.is_assignment(msg)
            && !self
                .state
                .as_ref()
                .is_some_and(|state| state.accepts_assignment(msg))
        {
            return crate::trust::not_trusted("Assignment", msg);
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
            // The inbox's handle (an unhandled message the rollback kept) is not the
            // trapped call's.
            let kept = self.inbox.iter().filter(|m| Rc::ptr_eq(m, &msg)).count();
            release_trapped(msg, kept);
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
        self.pending = flight.pending;
    }

    /// Keeps an unhandled message in the inbox, dropping the oldest past the inbox's
    /// limits. Called only after everything that can fail has succeeded.
    fn keep_in_inbox(&mut self, msg: &Rc<Message>) {
        let size = inbox_size(msg);
        if size > self.config.inbox_bytes {
            return;
        }
        self.inbox.push_back(Rc::clone(msg));
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

    /// Remembers the message's time, for [`Ctx::now`](crate::Ctx::now) on later messages
    /// without one.
    fn observe_time(&mut self, msg: &Message) {
        if let Some(t) = msg.timestamp {
            self.clock = Some(self.clock.map_or(t, |c| c.max(t)));
        }
    }

    fn dispatch(&mut self, info: &ProcessInfo, msg: &Rc<Message>) -> Outcome {
        let Some(state) = self.state.as_mut() else {
            return Outcome::refused("process state is not initialised");
        };
        self.in_flight = Some(InFlight {
            state: Some(state.savepoint()),
            registry: self.registry.clone(),
            reference: self.reference,
            inbox: self.inbox.len(),
            pending: self.pending.clone(),
        });

        let mut outbox = Outbox::with_limit(self.config.max_output_bytes);
        if let Some(note) = self.trap_note.take() {
            outbox.print(&format!("previous message trapped: {note}"));
        }
        let result = catching(|| -> Result<Walked, Failure> {
            let state = self.state.as_mut().expect("state checked above");
            let mut lent = Lent {
                registry: &mut self.registry,
                pending: &mut self.pending,
                inbox: &self.inbox,
                clock: self.clock,
            };
            // No engine until a wait was ever registered: nothing to expire or resume.
            let resumed = match lent.pending.engine() {
                Some(engine) => (engine.resume)(
                    &mut lent,
                    state,
                    info,
                    msg,
                    &mut outbox,
                    &mut self.reference,
                )?,
                None => Resumed {
                    answered: false,
                    changed: false,
                },
            };
            if resumed.answered {
                return Ok(Walked {
                    handled: true,
                    ran_any: true,
                    changed: true,
                });
            }
            let mut walked = walk(
                &mut lent,
                state,
                info,
                msg,
                &mut outbox,
                &mut self.reference,
            )?;
            walked.changed |= resumed.changed;
            Ok(walked)
        });

        let flight = self.in_flight.take().expect("set above");
        let mut walked = match result {
            Ok(Ok(walked)) => walked,
            Ok(Err(e)) => {
                self.rollback(flight);
                return Outcome::failed(e);
            }
            Err(panic) => {
                self.rollback(flight);
                return Outcome::failed(Failure::handling(
                    msg.action(),
                    Stage::Panic,
                    &Error::msg(panic_text(&panic)),
                ));
            }
        };

        let mut to_inbox = false;
        if !walked.handled {
            if let Some(run_default) = self.registry.default_run() {
                let state = self.state.as_mut().expect("state checked above");
                let mut lent = Lent {
                    registry: &mut self.registry,
                    pending: &mut self.pending,
                    inbox: &self.inbox,
                    clock: self.clock,
                };
                let ran = run_default(
                    &mut lent,
                    state,
                    info,
                    msg,
                    &mut outbox,
                    &mut self.reference,
                );
                if let Err(failure) = ran {
                    self.rollback(flight);
                    return Outcome::failed(failure);
                }
                walked.changed = true;
            } else if msg.action().is_none() && !msg.cron && !walked.ran_any {
                self.rollback(flight);
                return Outcome::refused("message has no Action tag and no handler matched it");
            } else if !msg.cron && !walked.ran_any {
                outbox.print(&format!(
                    "New Message From {}: Action = {}",
                    short(&msg.from),
                    msg.action().unwrap_or("")
                ));
                // Kept only once nothing can fail any more: the oldest messages it
                // would evict are not part of the rollback.
                to_inbox = true;
            }
        }

        if !msg.read_only {
            let state = self.state.as_mut().expect("state checked above");
            let mut lent = Lent {
                registry: &mut self.registry,
                pending: &mut self.pending,
                inbox: &self.inbox,
                clock: self.clock,
            };
            let mut ctx = lent.ctx(info, msg, &mut outbox, &mut self.reference);
            if let Err(e) = state.after_message(&mut ctx, walked.changed) {
                self.rollback(flight);
                return Outcome::failed(Failure::handling(msg.action(), Stage::After, &e));
            }
        }

        if let Some((needed, limit)) = outbox.over_limit() {
            self.rollback(flight);
            return Outcome::failed(Failure::handling_text(
                msg.action(),
                &format!("the output would be more than {needed} bytes, over the limit of {limit}"),
            ));
        }

        if msg.read_only {
            // A dry-run answers but never persists anything.
            self.rollback(flight);
        } else {
            if let (Some(state), Some(sp)) = (self.state.as_mut(), flight.state) {
                state.commit(sp);
            }
            if to_inbox {
                self.keep_in_inbox(msg);
            }
            self.observe_time(msg);
            self.messages_handled += 1;
        }
        Outcome::from_outbox(outbox)
    }
}

/// The outcome of input refused before any handling: the error's text, nothing else (one
/// function for the dispatcher's five refusals, each formatting through `Display`). The
/// text by `format!` (std's `format_inner`), not `to_string`: its `String` writer was the
/// last in a module with `String`'s `fmt::Write` methods of its own, about 700 bytes.
#[inline(never)]
fn refused(error: InputError) -> Outcome {
    Outcome::refused(&format!("{error}"))
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

fn short(address: &str) -> String {
    if address.len() > 8 && address.is_ascii() {
        format!("{}...{}", &address[..3], &address[address.len() - 3..])
    } else {
        address.to_owned()
    }
}

/// A panic [`catching`] caught: its payload where panics unwind (natively).
#[cfg(panic = "unwind")]
type Caught = Box<dyn std::any::Any + Send>;

/// Where panics abort (a wasm module) nothing is ever caught: a panic traps the call (and
/// the next call undoes it, with the panic hook's text), so no code handles a caught one.
#[cfg(not(panic = "unwind"))]
type Caught = std::convert::Infallible;

/// Runs `f`, catching a panic where panics unwind.
fn catching<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    #[cfg(not(panic = "unwind"))]
    return caught.map_err(|_| std::process::abort());
    #[cfg(panic = "unwind")]
    return caught;
}

/// The text of a caught panic.
#[cfg(panic = "unwind")]
fn panic_text(panic: &Caught) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

#[cfg(not(panic = "unwind"))]
fn panic_text(panic: &Caught) -> String {
    match *panic {}
}
