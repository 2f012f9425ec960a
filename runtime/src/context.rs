//! The handler context: who the process is, the message being handled, and the outbox.
//!
//! ## Time
//!
//! [`Ctx::now`] is the time of the message being handled, in milliseconds: its
//! `Timestamp`, else the latest `Timestamp` the process saw on an earlier message it
//! handled (time never goes back and is never invented), else an error, [`NoTime`]: the
//! first messages a process gets from HyperBEAM's json-iface carry no `Timestamp`, and a
//! handler that needs the time must say what to do then (fail, or skip a deadline check)
//! instead of silently reading 0. [`Ctx::timestamp`] is the message's own `Timestamp`
//! only. Dry-runs read the time like any message but never advance what the process saw.
//!
//! ## The spawn protocol
//!
//! [`Ctx::spawn`] emits a spawn request with the tags `Data-Protocol: ao`,
//! `Variant: ao.TN.1`, `Type: Process`, `From-Process` (this process), `From-Module` (its
//! module, when the host told it), `Module` (what to spawn) and `Reference` (the spawn's
//! reference), then the caller's tags (the reserved ones above cannot be overridden). The
//! messenger unit turns it into the child's spawn message (the child's id is the id of that
//! message; the child's owner is this process, from `From-Process`), and then sends this
//! process a `Spawned` notice: the spawn's tags (so `Reference` is the spawn's reference),
//! `Action: Spawned`, `Process: <child id>` and `AO-Spawn-Success: <child id>`, from
//! `From-Process` (this process) and signed by the messenger's authority. Awaiting it:
//! `ctx.spawn(module, spawn).on_reply(f)` (see [`crate::pending`]);
//! [`spawned_process`](crate::pending::spawned_process) reads the child's id.
//!
//! A process learns its own module id only from the env (`Module.Id`, sent by ao-loader and
//! compute units). HyperBEAM's json-iface sends no module, so there a process cannot spawn
//! a copy of itself: [`Ctx::spawn_self`] returns [`SpawnError::ModuleUnknown`] instead of
//! spawning from an empty module id; pass the module id in a tag or the state and use
//! [`Ctx::spawn`].

use std::any::Any;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::error::Error;
use crate::message::Message;
use crate::outbox::{anchor_for, decimal, Assignment, OutMessage, Outbox, Spawn};
use crate::pending::{Await, AwaitError, Pending, WaitKind};
use crate::protocol;
use crate::registry::Registry;
use crate::tags::{Tag, Tags};
use crate::trust::ProcessInfo;

/// No time is known: the message has no `Timestamp` and the process has seen none before.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no time is known: the message has no Timestamp (HyperBEAM's json-iface sends none) and the process has handled no message with one")]
pub struct NoTime;

/// A spawn that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpawnError {
    /// The host never said which module this process runs.
    #[error("cannot spawn a copy of process {process}: its module id is unknown (the host's env has no Module; HyperBEAM's json-iface sends none): pass the module id explicitly to Ctx::spawn")]
    ModuleUnknown {
        /// This process.
        process: String,
    },
}

/// What the runtime lends a handler beyond the message: the registry, the pending waits,
/// the inbox and the last known time. A `Ctx` built with [`Ctx::new`] has none of them.
#[derive(Default)]
pub(crate) struct Parts<'a> {
    /// The latest timestamp of an earlier message.
    pub(crate) clock: Option<u64>,
    /// The process' `Registry<P>`.
    pub(crate) registry: Option<&'a mut (dyn Any + 'static)>,
    /// The process' `Pending<P>`.
    pub(crate) pending: Option<&'a mut dyn Waits>,
    /// The inbox.
    pub(crate) inbox: Option<&'a VecDeque<Rc<Message>>>,
    /// The name of the state type, for errors.
    pub(crate) state_type: &'static str,
}

/// The pending waits without their state type.
pub(crate) trait Waits {
    fn cancel(&mut self, reference: u64) -> bool;
    fn as_any(&mut self) -> &mut dyn Any;
}

impl<P: 'static> Waits for Pending<P> {
    fn cancel(&mut self, reference: u64) -> bool {
        Pending::cancel(self, reference)
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
}

/// What a handler uses to act: send, reply, spawn, assign, print.
///
/// Everything it collects is discarded when the handler (or any later handler for the same
/// message) fails, and the reference counter goes back with it.
pub struct Ctx<'a> {
    process: &'a ProcessInfo,
    msg: &'a Message,
    outbox: &'a mut Outbox,
    reference: &'a mut u64,
    parts: Parts<'a>,
}

/// A message (or spawn) just sent: its reference, and a way to await its answer.
pub struct Sending<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    reference: u64,
    kind: WaitKind,
}

impl Sending<'_, '_> {
    /// The reference the runtime gave the message.
    pub fn reference(&self) -> u64 {
        self.reference
    }

    /// Awaits the answer with continuation `f` (see [`crate::pending`] for the rules):
    /// for a message, the reply from its target carrying `X-Reference` = its reference; for
    /// a spawn, the `Spawned` notice. Returns the reference.
    pub fn on_reply<P: 'static, F>(self, f: F) -> Result<u64, Error>
    where
        F: Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error> + 'static,
    {
        self.then(Await::new(f))
    }

    /// Awaits the answer as `wait` says (another sender, a deadline, a timeout
    /// continuation). Returns the reference.
    pub fn then<P: 'static>(self, wait: Await<P>) -> Result<u64, Error> {
        let reference = self.reference;
        // Who answers: the target of what was just sent (the last entry of the outbox, as
        // `Sending` borrows the context until now), or the process itself for a spawn.
        let target = match self.kind {
            WaitKind::Reply => self
                .ctx
                .outbox
                .messages
                .last()
                .and_then(|m| m.target.clone())
                .unwrap_or_default(),
            WaitKind::Spawn => self.ctx.process.id.clone(),
        };
        let now = self.ctx.now();
        let state_type = self.ctx.parts.state_type;
        let Some(waits) = self.ctx.parts.pending.as_deref_mut() else {
            return Err(Error::msg(AwaitError::NoRuntime { reference }));
        };
        let Some(pending) = waits.as_any().downcast_mut::<Pending<P>>() else {
            return Err(Error::msg(AwaitError::WrongState {
                continuation: wait.name(),
                expected: std::any::type_name::<P>(),
                actual: state_type,
            }));
        };
        pending
            .add(self.kind, reference, target, now, wait)
            .map_err(Error::msg)?;
        Ok(reference)
    }
}

impl<'a> Ctx<'a> {
    /// A context over the given parts. The runtime builds these; tests rarely need to.
    /// Such a context knows no earlier time, registry, waits or inbox.
    pub fn new(
        process: &'a ProcessInfo,
        msg: &'a Message,
        outbox: &'a mut Outbox,
        reference: &'a mut u64,
    ) -> Self {
        Ctx {
            process,
            msg,
            outbox,
            reference,
            parts: Parts::default(),
        }
    }

    /// Lends the context the runtime's parts.
    pub(crate) fn with_parts(mut self, parts: Parts<'a>) -> Self {
        self.parts = parts;
        self
    }

    /// The process id.
    pub fn id(&self) -> &str {
        &self.process.id
    }

    /// The process owner.
    pub fn owner(&self) -> &str {
        &self.process.owner
    }

    /// The process identity.
    pub fn process(&self) -> &ProcessInfo {
        self.process
    }

    /// The tags the process was spawned with (AOS `ao.env.Process.Tags`), as the host's
    /// env gave them.
    pub fn process_tags(&self) -> &Tags {
        &self.process.tags
    }

    /// The message being handled.
    pub fn msg(&self) -> &'a Message {
        self.msg
    }

    /// The time in ms: the message's `Timestamp`, else the latest one the process saw
    /// before, else [`NoTime`] (see the module docs; never a made-up 0).
    pub fn now(&self) -> Result<u64, Error> {
        self.msg
            .timestamp
            .or(self.parts.clock)
            .ok_or_else(|| Error::msg(NoTime))
    }

    /// The message's own `Timestamp`, with no fallback.
    pub fn timestamp(&self) -> Option<u64> {
        self.msg.timestamp
    }

    /// How many messages the process has sent since spawn.
    pub fn reference(&self) -> u64 {
        *self.reference
    }

    fn next_reference(&mut self) -> u64 {
        *self.reference += 1;
        *self.reference
    }

    /// Sends a message. The AOS tags `Data-Protocol`, `Variant`, `Type`, `Reference` are put
    /// first and `Anchor` is the reference padded to 32 digits. The result gives the
    /// reference and can await the reply ([`Sending::on_reply`]).
    pub fn send(&mut self, msg: OutMessage) -> Sending<'_, 'a> {
        let reference = self.next_reference();
        let mut tags = Tags::with_capacity(msg.tags.len() + 4);
        protocol::push_protocol_tags(&mut tags, protocol::TYPE_MESSAGE);
        tags.push(Tag::new(protocol::REFERENCE, decimal(reference)));
        tags.extend(
            msg.tags
                .into_iter()
                .filter(|t| !protocol::is_reserved(&t.name, protocol::RESERVED_ON_SEND)),
        );
        self.outbox.push_message(OutMessage {
            target: msg.target,
            data: msg.data,
            anchor: anchor_for(reference),
            tags,
        });
        Sending {
            ctx: self,
            reference,
            kind: WaitKind::Reply,
        }
    }

    /// Replies to `to` following AOS: the target is its `Reply-To` tag, else its sender; the
    /// reply carries `X-Reference` (the incoming `X-Reference`, else its `Reference`) and
    /// `X-Origin` when the incoming message had them.
    pub fn reply(&mut self, to: &Message, mut msg: OutMessage) -> Sending<'_, 'a> {
        let target = protocol::reply_target(to).to_owned();
        msg.target = Some(target);
        if let Some(r) = to
            .get(protocol::X_REFERENCE)
            .or_else(|| to.get(protocol::REFERENCE))
        {
            msg.tags.set(protocol::X_REFERENCE, r);
        }
        if let Some(o) = to.get(protocol::X_ORIGIN) {
            msg.tags.set(protocol::X_ORIGIN, o);
        }
        self.send(msg)
    }

    /// Replies to the message being handled.
    pub fn respond(&mut self, msg: OutMessage) -> Sending<'_, 'a> {
        let to = self.msg;
        self.reply(to, msg)
    }

    /// Forwards the message being handled to `target` (AOS `msg.forward`): its data and
    /// tags (without the protocol and routing tags `Data-Protocol`, `Variant`, `Type`,
    /// `Reference`, `From-Process`, `From-Module`, `Pushed-For`), then `extra`'s tags (which
    /// replace tags of the same name) and data (when set), and `X-Reference` (the incoming
    /// `X-Reference`, else its `Reference`) and `X-Origin` (the incoming `X-Origin`, else its
    /// sender), so the final recipient can answer the original sender.
    pub fn forward(&mut self, target: impl Into<String>, extra: OutMessage) -> Sending<'_, 'a> {
        let msg = self.msg;
        let mut out = OutMessage::to(target);
        out.data = extra
            .data
            .or_else(|| (!msg.data.is_empty()).then(|| msg.data.clone()));
        out.tags = msg
            .tags
            .iter()
            .filter(|t| !protocol::is_reserved(&t.name, protocol::DROPPED_ON_FORWARD))
            .cloned()
            .collect();
        for tag in extra.tags {
            out.tags.set(tag.name, tag.value);
        }
        if let Some(r) = msg
            .get(protocol::X_REFERENCE)
            .or_else(|| msg.get(protocol::REFERENCE))
        {
            out.tags.set(protocol::X_REFERENCE, r);
        }
        out.tags.set(
            protocol::X_ORIGIN,
            msg.get(protocol::X_ORIGIN).unwrap_or(&msg.from),
        );
        self.send(out)
    }

    /// Spawns a process from `module`. Adds `Type=Process`, `From-Process`, `From-Module`,
    /// `Module` and `Reference` tags (see "The spawn protocol" in the module docs). The
    /// result gives the reference and can await the `Spawned` notice.
    pub fn spawn(&mut self, module: impl Into<String>, spawn: Spawn) -> Sending<'_, 'a> {
        let reference = self.next_reference();
        let module = module.into();
        let mut tags = Tags::with_capacity(spawn.tags.len() + 7);
        protocol::push_protocol_tags(&mut tags, protocol::TYPE_PROCESS);
        tags.push(Tag::new(protocol::FROM_PROCESS, self.process.id.clone()));
        if let Some(m) = &self.process.module {
            tags.push(Tag::new(protocol::FROM_MODULE, m.clone()));
        }
        tags.push(Tag::new(protocol::MODULE, module));
        tags.push(Tag::new(protocol::REFERENCE, decimal(reference)));
        tags.extend(
            spawn
                .tags
                .into_iter()
                .filter(|t| !protocol::is_reserved(&t.name, protocol::RESERVED_ON_SPAWN)),
        );
        self.outbox.push_spawn(Spawn {
            data: spawn.data,
            anchor: anchor_for(reference),
            tags,
        });
        Sending {
            ctx: self,
            reference,
            kind: WaitKind::Spawn,
        }
    }

    /// Spawns another process from this process' own module: [`SpawnError::ModuleUnknown`]
    /// when the host never said which module that is (HyperBEAM).
    pub fn spawn_self(&mut self, spawn: Spawn) -> Result<Sending<'_, 'a>, Error> {
        let Some(module) = self.process.module.clone().filter(|m| !m.is_empty()) else {
            return Err(Error::msg(SpawnError::ModuleUnknown {
                process: self.process.id.clone(),
            }));
        };
        Ok(self.spawn(module, spawn))
    }

    /// Assigns message `message` to `processes`.
    pub fn assign(&mut self, processes: Vec<String>, message: impl Into<String>) {
        self.outbox.push_assignment(Assignment {
            processes,
            message: message.into(),
        });
    }

    /// Appends a line to the output (`Output.data`).
    pub fn print(&mut self, text: impl std::fmt::Display) {
        self.outbox.print(&text.to_string());
    }

    /// Logs a line: like [`Ctx::print`], kept for AOS' `ao.log`.
    pub fn log(&mut self, text: impl std::fmt::Display) {
        self.print(text)
    }

    /// Forgets the messages, spawns and assignments this message has sent so far (AOS'
    /// `ao.clearOutbox()`): they are not in the result. Printed output stays, and so does
    /// the reference counter (the next message sent gets the next reference, as in AOS),
    /// and any wait for a reply registered with them.
    pub fn clear_outbox(&mut self) {
        self.outbox.clear_sent();
    }

    /// What has been collected so far for this message.
    pub fn outbox(&self) -> &Outbox {
        self.outbox
    }

    /// The messages no handler took, oldest first (AOS `Inbox`), as they were before this
    /// message. Empty in a context not run by a runtime.
    pub fn inbox(&self) -> impl Iterator<Item = &'a Message> + 'a {
        self.parts.inbox.into_iter().flatten().map(|m| &**m)
    }

    /// The process' handler registry, to add or remove handlers from inside a handler (AOS
    /// `Handlers.add`/`Handlers.remove`). Changes take effect from the next message and are
    /// rolled back with the message if it fails. `P` is the process state type.
    pub fn handlers<P: 'static>(&mut self) -> Result<&mut Registry<P>, Error> {
        let state_type = self.parts.state_type;
        let Some(registry) = self.parts.registry.as_deref_mut() else {
            return Err(Error::msg(
                "the handler registry is not available: this context is not run by an aoxide Runtime",
            ));
        };
        registry.downcast_mut::<Registry<P>>().ok_or_else(|| {
            Error::msg(format!(
                "the registry holds handlers of `{state_type}`, not of `{}`",
                std::any::type_name::<P>()
            ))
        })
    }

    /// Cancels the wait for the answer to `reference`; true when there was one.
    pub fn cancel_wait(&mut self, reference: u64) -> bool {
        self.parts
            .pending
            .as_deref_mut()
            .is_some_and(|w| w.cancel(reference))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process() -> ProcessInfo {
        ProcessInfo {
            id: "PID".into(),
            owner: "OWNER".into(),
            name: "aos".into(),
            module: Some("MOD".into()),
            authorities: vec![],
            tags: Tags::new(),
        }
    }

    #[test]
    fn send_adds_aos_tags_and_counts_references() {
        let p = process();
        let m = Message::new("OWNER");
        let mut out = Outbox::default();
        let mut reference = 41;
        let mut ctx = Ctx::new(&p, &m, &mut out, &mut reference);
        assert_eq!(ctx.send(OutMessage::to("A").action("Ping")).reference(), 42);
        assert_eq!(
            ctx.send(OutMessage::to("B").tag("Type", "Spoofed"))
                .reference(),
            43
        );
        let first = &out.messages[0];
        assert_eq!(first.anchor, "00000000000000000000000000000042");
        let names: Vec<_> = first.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["Data-Protocol", "Variant", "Type", "Reference", "Action"]
        );
        assert_eq!(out.messages[1].get("Type"), Some("Message"));
        assert_eq!(reference, 43);
    }

    #[test]
    fn reply_rules() {
        let p = process();
        let incoming = Message::new("SENDER")
            .with_tag("Reference", "7")
            .with_tag("X-Origin", "ORIGIN");
        let mut out = Outbox::default();
        let mut reference = 0;
        let mut ctx = Ctx::new(&p, &incoming, &mut out, &mut reference);
        ctx.reply(&incoming, OutMessage::untargeted().data("hi"));
        let via_reply_to = Message::new("SENDER")
            .with_tag("Reply-To", "ELSEWHERE")
            .with_tag("X-Reference", "3")
            .with_tag("Reference", "9");
        ctx.reply(&via_reply_to, OutMessage::untargeted());
        let plain = Message::new("SENDER");
        ctx.reply(&plain, OutMessage::untargeted());

        assert_eq!(out.messages[0].target.as_deref(), Some("SENDER"));
        assert_eq!(out.messages[0].get("X-Reference"), Some("7"));
        assert_eq!(out.messages[0].get("X-Origin"), Some("ORIGIN"));
        assert_eq!(out.messages[1].target.as_deref(), Some("ELSEWHERE"));
        assert_eq!(out.messages[1].get("X-Reference"), Some("3"));
        assert_eq!(out.messages[2].get("X-Reference"), None);
        assert_eq!(out.messages[2].get("X-Origin"), None);
    }

    #[test]
    fn spawn_and_assign() {
        let p = process();
        let m = Message::new("OWNER");
        let mut out = Outbox::default();
        let mut reference = 0;
        let mut ctx = Ctx::new(&p, &m, &mut out, &mut reference);
        ctx.send(OutMessage::to("A"));
        ctx.spawn("CHILD_MOD", Spawn::new().tag("Name", "child").data("boot"));
        ctx.assign(vec!["P1".into()], "MSG");
        ctx.print("one");
        ctx.print("two");
        let s = &out.spawns[0];
        assert_eq!(s.get("Type"), Some("Process"));
        assert_eq!(s.get("From-Process"), Some("PID"));
        assert_eq!(s.get("From-Module"), Some("MOD"));
        assert_eq!(s.get("Module"), Some("CHILD_MOD"));
        assert_eq!(s.get("Reference"), Some("2"));
        assert_eq!(s.get("Name"), Some("child"));
        assert_eq!(out.assignments[0].message, "MSG");
        assert_eq!(out.output, "one\ntwo");
    }
}
