//! Awaiting a reply: continuations that the process keeps until the answer arrives.
//!
//! AOS writes `local r = Send({...}).receive()`: a coroutine parks inside the handler and
//! wakes up when the reply comes. aoxide keeps the same shape without holding `&mut self`
//! across messages: the handler sends, registers a *continuation* on what it sent, and
//! returns. The continuation lives in the process (in wasm, in linear memory, so the host's
//! memory snapshot carries it, exactly as AOS' coroutines live in the Lua heap) and runs,
//! with the state, when the matching reply is being handled.
//!
//! ```
//! use aoxide::{Ctx, Error, Message, OutMessage};
//!
//! struct Shop { price: u64, quotes: Vec<String> }
//!
//! impl Shop {
//!     fn ask(&mut self, ctx: &mut Ctx<'_>, _msg: &Message) -> Result<(), Error> {
//!         ctx.send(OutMessage::to("ORACLE").action("Price"))
//!             .on_reply(Shop::priced)?;
//!         Ok(())
//!     }
//!
//!     // Runs when ORACLE answers with `X-Reference` = the reference of the request.
//!     fn priced(&mut self, _ctx: &mut Ctx<'_>, reply: &Message) -> Result<(), Error> {
//!         self.price = reply.data.parse()?;
//!         Ok(())
//!     }
//! }
//! # let _ = (Shop::ask, Shop { price: 0, quotes: vec![] }.quotes);
//! ```
//!
//! ## Matching rules
//!
//! - A reply resumes a wait when its `X-Reference` is the reference of the sent message
//!   **and** it comes from the expected sender: the target of the sent message unless
//!   [`Await::from`] says otherwise. A message with the right `X-Reference` from anyone
//!   else does not resume it (it goes through the handlers like any message).
//! - A spawn's wait ([`Ctx::spawn`](crate::Ctx::spawn) then `on_reply`) is resumed by the
//!   `Spawned` notice: `Action = Spawned`, `Reference` = the spawn's reference, from the
//!   process itself (the messenger unit delivers it with `From-Process` = the spawner, and
//!   the trust check has already refused such a claim from anyone but an authority). The
//!   child's id is [`spawned_process`].
//! - A resumed message is handled by its continuation only: the handlers do not see it.
//! - Resuming is part of the message: if the continuation (or anything later for the same
//!   message) fails, the wait is back in place, the state is unchanged and nothing is sent.
//!   Registering a wait is part of the registering message the same way.
//! - Waits are bounded by [`Config::max_pending`](crate::Config::max_pending): registering
//!   one more fails the handler with an error.
//! - A wait with a deadline ([`Await::within`]) expires when a message whose `Timestamp` is
//!   at or past the deadline is handled: it is removed and its [`Await::on_timeout`]
//!   continuation (if any) runs first, inside that message's transaction. Messages without
//!   a `Timestamp` never expire anything.
//! - The waits live in the [`Runtime`](crate::Runtime), next to the registry: the memory
//!   snapshot of a wasm module carries them (a fresh instance restored from it resumes
//!   them), but the serde snapshots of [`crate::snapshot`] hold the state only.
//! - What `#[init]` awaits is kept only when init runs for the spawn message (otherwise
//!   what it sent is dropped, and its waits with it).
//! - A handler can cancel a wait with [`Ctx::cancel_wait`](crate::Ctx::cancel_wait); tests
//!   read them with [`Runtime::pending`](crate::Runtime::pending).

use std::mem::ManuallyDrop;
use std::rc::Rc;

use crate::context::Ctx;
use crate::error::Error;
use crate::failure::{Failure, Stage};
use crate::message::Message;
use crate::outbox::Outbox;
use crate::runtime::{Lent, StepFn};
use crate::trust::ProcessInfo;

/// A continuation: what runs when the awaited message arrives.
pub type Continuation<P> = Rc<dyn Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error>>;

/// What a wait is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    /// A reply: `X-Reference` = the reference of a sent message.
    Reply,
    /// The `Spawned` notice of a spawn: `Action = Spawned`, `Reference` = its reference.
    Spawn,
}

/// What is visible of a pending wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitInfo {
    /// The reference of the message (or spawn) whose answer is awaited.
    pub reference: u64,
    /// Reply or spawn notice.
    pub kind: WaitKind,
    /// Only a message from this address resumes the wait.
    pub from: String,
    /// The timestamp (ms) at which the wait expires, if it has a deadline.
    pub deadline: Option<u64>,
    /// The continuation's name (its Rust path), for diagnostics. Borrowed in the process
    /// that registered the wait; owned when read back from a module's view.
    pub continuation: std::borrow::Cow<'static, str>,
}

/// How to await: the continuation, and optionally another sender, a deadline and what to
/// do on timeout. [`Sending::on_reply`](crate::context::Sending::on_reply) is the short
/// form of `Sending::then(Await::new(f))`.
pub struct Await<P> {
    run: Continuation<P>,
    name: &'static str,
    from: Option<String>,
    within: Option<u64>,
    on_timeout: Option<Continuation<P>>,
}

impl<P> Await<P> {
    /// Awaits with continuation `f`: a method `fn(&mut self, &mut Ctx, &Message) ->
    /// Result<()>` or a closure (which may capture what the handler knew).
    pub fn new<F>(f: F) -> Self
    where
        F: Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error> + 'static,
    {
        Await {
            run: Rc::new(f),
            name: std::any::type_name::<F>(),
            from: None,
            within: None,
            on_timeout: None,
        }
    }

    /// The continuation's name.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Expects the answer from `address` instead of the target of the sent message.
    pub fn from(mut self, address: impl Into<String>) -> Self {
        self.from = Some(address.into());
        self
    }

    /// Expires the wait `ms` milliseconds after the current message's time
    /// ([`Ctx::now`](crate::Ctx::now); registering fails when no time is known).
    pub fn within(mut self, ms: u64) -> Self {
        self.within = Some(ms);
        self
    }

    /// Runs `f` (with the message whose timestamp passed the deadline) when the wait expires.
    pub fn on_timeout<F>(mut self, f: F) -> Self
    where
        F: Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error> + 'static,
    {
        self.on_timeout = Some(Rc::new(f));
        self
    }
}

/// One pending wait.
pub struct Wait<P> {
    info: WaitInfo,
    run: Continuation<P>,
    on_timeout: Option<Continuation<P>>,
}

impl<P> Clone for Wait<P> {
    fn clone(&self) -> Self {
        Wait {
            info: self.info.clone(),
            run: self.run.clone(),
            on_timeout: self.on_timeout.clone(),
        }
    }
}

impl<P> Wait<P> {
    /// What is awaited.
    pub fn info(&self) -> &WaitInfo {
        &self.info
    }

    /// True when `msg` is the awaited answer.
    fn answers(&self, own_id: &str, msg: &Message) -> bool {
        if msg.from != self.info.from {
            return false;
        }
        let reference = self.info.reference;
        match self.info.kind {
            WaitKind::Reply => parses_to(msg.get(crate::protocol::X_REFERENCE), reference),
            WaitKind::Spawn => {
                msg.from == own_id
                    && msg.action() == Some("Spawned")
                    && parses_to(msg.get(crate::protocol::REFERENCE), reference)
            }
        }
    }
}

/// True when `value` is `reference` in decimal, as `u64`'s `FromStr` reads it (an optional
/// `+`, then digits), through the reader's digit loop rather than core's parser.
fn parses_to(value: Option<&str>, reference: u64) -> bool {
    let Some(value) = value else {
        return false;
    };
    let digits = value.strip_prefix("+").unwrap_or(value);
    crate::protocol::parse_number(digits) == Some(Some(reference))
}

/// The shared list of waits: each behind its own `Rc`.
type WaitList<P> = Rc<Vec<Rc<Wait<P>>>>;

/// The pending waits of a process, oldest first. Shared copy-on-write like the registry,
/// so the savepoint taken for every message costs O(1) until a wait is added or removed.
///
/// Each wait is behind an `Rc` of its own, so the copy a rollback copy forces is a vector
/// of counted pointers (no clone of a wait's fields is in the module). The list is dropped
/// through the engine: a module that never awaits has no code dropping waits (it has no
/// list either: `None` until the first wait).
pub struct Pending<P> {
    list: ManuallyDrop<Option<WaitList<P>>>,
    limit: usize,
    engine: Option<Engine<P>>,
}

/// The code that works on waits, set by the first registration: reached only through
/// [`Sending::then`](crate::context::Sending::then), so a module that never awaits carries
/// none of it (measured: about 3 KB of the token module).
pub(crate) struct Engine<P> {
    /// Expires and resumes waits for one message ([`resume`]).
    pub(crate) resume: ResumeFn<P>,
    cancel: fn(&mut Pending<P>, u64) -> bool,
    /// Writes the waits' view ([`crate::view`]).
    view: fn(&mut Vec<u8>, &Pending<P>),
    /// Drops the list ([`Pending`]'s `Drop`).
    release: fn(&mut Pending<P>),
}

impl<P> Clone for Engine<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Engine<P> {}

impl<P> Drop for Pending<P> {
    fn drop(&mut self) {
        // No engine, no wait was ever added: the list is `None`.
        if let Some(engine) = self.engine {
            (engine.release)(self);
        }
    }
}

impl<P> Clone for Pending<P> {
    fn clone(&self) -> Self {
        Pending {
            list: self.list.clone(),
            limit: self.limit,
            engine: self.engine,
        }
    }
}

/// Why a wait could not be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwaitError {
    /// The bound on pending waits is reached.
    TooMany {
        /// The reference that was to be awaited.
        reference: u64,
        /// The bound.
        limit: usize,
    },
    /// The continuation is for another state type than the running process.
    WrongState {
        /// The continuation's name.
        continuation: &'static str,
        /// The state type it takes.
        expected: &'static str,
        /// The process state type.
        actual: &'static str,
    },
    /// The context has no runtime (a `Ctx` built by hand).
    NoRuntime {
        /// The reference that was to be awaited.
        reference: u64,
    },
    /// Nobody is expected to answer: the message has no target and no [`Await::from`].
    NoSender {
        /// The reference that was to be awaited.
        reference: u64,
    },
    /// A deadline was asked for but no time is known.
    NoTime {
        /// The reference that was to be awaited.
        reference: u64,
        /// The asked delay.
        ms: u64,
        /// Why no time is known.
        reason: String,
    },
}

/// `cannot await reference <n>` and why; the state type mismatch on its own. Written by
/// hand, not derived: the four texts on a reference share their opening (one write of it
/// and of the number, not one formatting call per variant).
impl std::fmt::Display for AwaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reference = match self {
            AwaitError::WrongState {
                continuation,
                expected,
                actual,
            } => {
                return write!(
                    f,
                    "the continuation `{continuation}` takes `&mut {expected}`, but the process state is `{actual}`"
                )
            }
            AwaitError::TooMany { reference, .. }
            | AwaitError::NoRuntime { reference }
            | AwaitError::NoSender { reference }
            | AwaitError::NoTime { reference, .. } => reference,
        };
        write!(f, "cannot await reference {reference}")?;
        match self {
            AwaitError::TooMany { limit, .. } => write!(
                f,
                ": {limit} waits are already pending (Config::max_pending)"
            ),
            AwaitError::NoRuntime { .. } => {
                f.write_str(": this context is not run by an aoxide Runtime")
            }
            AwaitError::NoSender { .. } => {
                f.write_str(": the message has no target; say who answers with Await::from")
            }
            AwaitError::NoTime { ms, reason, .. } => write!(f, " within {ms} ms: {reason}"),
            AwaitError::WrongState { .. } => Ok(()),
        }
    }
}

impl std::error::Error for AwaitError {}

impl<P> Pending<P> {
    /// No waits; at most `limit`.
    pub fn new(limit: usize) -> Self {
        Pending {
            list: ManuallyDrop::new(None),
            limit,
            engine: None,
        }
    }

    /// The wait engine, once a wait was ever registered.
    pub(crate) fn engine(&self) -> Option<Engine<P>> {
        self.engine
    }

    /// The waits, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Wait<P>> {
        self.waits().iter().map(|w| &**w)
    }

    /// The list, empty before the first wait.
    fn waits(&self) -> &[Rc<Wait<P>>] {
        match &*self.list {
            Some(list) => list,
            None => &[],
        }
    }

    /// How many waits are pending.
    pub fn len(&self) -> usize {
        self.waits().len()
    }

    /// True when nothing is awaited.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Registers a wait for the answer to `reference` from `target`.
    pub(crate) fn add(
        &mut self,
        kind: WaitKind,
        reference: u64,
        target: String,
        now: Result<u64, Error>,
        wait: Await<P>,
    ) -> Result<(), AwaitError>
    where
        P: 'static,
    {
        self.engine.get_or_insert(Engine {
            resume: resume::<P>,
            cancel: Pending::<P>::remove_reference,
            view: Pending::<P>::write_view,
            release: Pending::<P>::release,
        });
        if self.len() >= self.limit {
            return Err(AwaitError::TooMany {
                reference,
                limit: self.limit,
            });
        }
        let from = wait.from.unwrap_or(target);
        if from.is_empty() {
            return Err(AwaitError::NoSender { reference });
        }
        let deadline = match wait.within {
            None => None,
            Some(ms) => match now {
                Ok(now) => Some(now.saturating_add(ms)),
                // `Ctx::now`'s error has no code, so its message is all its text: no
                // formatting of the `Error` here.
                Err(e) => {
                    return Err(AwaitError::NoTime {
                        reference,
                        ms,
                        reason: e.message().to_owned(),
                    })
                }
            },
        };
        Rc::make_mut(self.list.get_or_insert_with(Rc::default)).push(Rc::new(Wait {
            info: WaitInfo {
                reference,
                kind,
                from,
                deadline,
                continuation: std::borrow::Cow::Borrowed(wait.name),
            },
            run: wait.run,
            on_timeout: wait.on_timeout,
        }));
        Ok(())
    }

    /// Removes the wait for `reference`; true when there was one.
    pub(crate) fn cancel(&mut self, reference: u64) -> bool {
        match self.engine {
            Some(engine) => (engine.cancel)(self, reference),
            None => false,
        }
    }

    /// Writes the waits as the state view's `pending` part: `[]` until a wait was ever
    /// registered, with no code for waits in a module that never awaits.
    pub(crate) fn view(&self, out: &mut Vec<u8>) {
        match self.engine {
            Some(engine) => (engine.view)(out, self),
            None => out.extend_from_slice(b"[]"),
        }
    }

    fn write_view(out: &mut Vec<u8>, pending: &Pending<P>) {
        crate::view::write_pending(out, pending.iter().map(|w| w.info()));
    }

    /// Removes and returns the wait at `i` (the list copied first when a rollback copy
    /// shares it): one copy of this in a module for the three ways a wait ends.
    #[inline(never)]
    fn remove_at(&mut self, i: usize) -> Option<Rc<Wait<P>>> {
        let list = self.list.as_mut()?;
        Some(Rc::make_mut(list).remove(i))
    }

    fn release(pending: &mut Pending<P>) {
        drop(ManuallyDrop::into_inner(std::mem::replace(
            &mut pending.list,
            ManuallyDrop::new(None),
        )));
    }

    fn remove_reference(&mut self, reference: u64) -> bool {
        let at = self
            .waits()
            .iter()
            .position(|w| w.info.reference == reference);
        at.and_then(|i| self.remove_at(i)).is_some()
    }

    /// Removes and returns the wait `msg` answers.
    pub(crate) fn take_answered(&mut self, own_id: &str, msg: &Message) -> Option<Rc<Wait<P>>> {
        let i = self.waits().iter().position(|w| w.answers(own_id, msg))?;
        self.remove_at(i)
    }

    /// Removes and returns the wait with the earliest deadline at or before `now` (the
    /// oldest of those on a tie). A linear scan, no sorting: waits are few and bounded, and
    /// this stays small in the module.
    pub(crate) fn take_expired(&mut self, now: u64) -> Option<Rc<Wait<P>>> {
        let mut earliest: Option<(usize, u64)> = None;
        for (i, w) in self.waits().iter().enumerate() {
            if let Some(d) = w.info.deadline.filter(|&d| d <= now) {
                if earliest.is_none_or(|(_, e)| d < e) {
                    earliest = Some((i, d));
                }
            }
        }
        let (i, _) = earliest?;
        self.remove_at(i)
    }
}

impl<P> Wait<P> {
    /// Runs the continuation with the answer.
    pub(crate) fn resume(
        &self,
        state: &mut P,
        ctx: &mut Ctx<'_>,
        msg: &Message,
    ) -> Result<(), Error> {
        (self.run)(state, ctx, msg)
    }

    /// Runs the timeout continuation, if any.
    pub(crate) fn expire(
        &self,
        state: &mut P,
        ctx: &mut Ctx<'_>,
        msg: &Message,
    ) -> Result<(), Error> {
        match &self.on_timeout {
            Some(f) => f(state, ctx, msg),
            None => Ok(()),
        }
    }
}

/// The id of the process a `Spawned` notice announces (its `Process` tag, else
/// `AO-Spawn-Success`).
pub fn spawned_process(notice: &Message) -> Option<&str> {
    notice
        .get("Process")
        .or_else(|| notice.get("AO-Spawn-Success"))
}

/// Expires and resumes the waits for one message; see [`resume`].
pub(crate) type ResumeFn<P> = StepFn<P, Resumed>;

/// What the pending waits did with a message.
pub(crate) struct Resumed {
    /// The message answered a wait, whose continuation ran: no handler sees it.
    pub(crate) answered: bool,
    /// A continuation (of a timeout) ran.
    pub(crate) changed: bool,
}

/// Expires the waits whose deadline the message's timestamp has reached (running their
/// timeout continuations), then resumes the wait the message answers, if any.
pub(crate) fn resume<P: 'static>(
    lent: &mut Lent<'_, P>,
    state: &mut P,
    info: &ProcessInfo,
    msg: &Message,
    outbox: &mut Outbox,
    reference: &mut u64,
) -> Result<Resumed, Failure> {
    let mut resumed = Resumed {
        answered: false,
        changed: false,
    };
    if lent.pending.is_empty() {
        return Ok(resumed);
    }
    if let Some(now) = msg.timestamp {
        while let Some(wait) = lent.pending.take_expired(now) {
            let mut ctx = lent.ctx(info, msg, outbox, reference);
            wait.expire(state, &mut ctx, msg).map_err(|e| {
                Failure::handling(msg.action(), Stage::Timeout(wait.info().reference), &e)
            })?;
            resumed.changed = true;
        }
    }
    if let Some(wait) = lent.pending.take_answered(&info.id, msg) {
        let mut ctx = lent.ctx(info, msg, outbox, reference);
        wait.resume(state, &mut ctx, msg).map_err(|e| {
            let stage = Stage::Continuation {
                name: &wait.info().continuation,
                reference: wait.info().reference,
            };
            Failure::handling(msg.action(), stage, &e)
        })?;
        resumed.answered = true;
        resumed.changed = true;
    }
    Ok(resumed)
}

#[cfg(test)]
mod tests;
