//! The handler context: who the process is, the message being handled, and the outbox.

use crate::message::Message;
use crate::outbox::{anchor_for, decimal, Assignment, OutMessage, Outbox, Spawn};
use crate::tags::{Tag, Tags};
use crate::trust::ProcessInfo;

/// What a handler uses to act: send, reply, spawn, assign, print.
///
/// Everything it collects is discarded when the handler (or any later handler for the same
/// message) fails, and the reference counter goes back with it.
pub struct Ctx<'a> {
    process: &'a ProcessInfo,
    msg: &'a Message,
    outbox: &'a mut Outbox,
    reference: &'a mut u64,
}

impl<'a> Ctx<'a> {
    /// A context over the given parts. The runtime builds these; tests rarely need to.
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
        }
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

    /// The message being handled.
    pub fn msg(&self) -> &'a Message {
        self.msg
    }

    /// The timestamp of the message being handled (0 when the host sent none).
    pub fn now(&self) -> u64 {
        self.msg.timestamp.unwrap_or(0)
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
    /// first and `Anchor` is the reference padded to 32 digits. Returns the reference.
    pub fn send(&mut self, msg: OutMessage) -> u64 {
        let reference = self.next_reference();
        let mut tags = Tags::with_capacity(msg.tags.len() + 4);
        tags.push(Tag::new("Data-Protocol", "ao"));
        tags.push(Tag::new("Variant", "ao.TN.1"));
        tags.push(Tag::new("Type", "Message"));
        tags.push(Tag::new("Reference", decimal(reference)));
        tags.extend(msg.tags.into_iter().filter(|t| {
            !matches!(
                t.name.as_str(),
                "Data-Protocol" | "Variant" | "Type" | "Reference"
            )
        }));
        self.outbox.push_message(OutMessage {
            target: msg.target,
            data: msg.data,
            anchor: anchor_for(reference),
            tags,
        });
        reference
    }

    /// Replies to `to` following AOS: the target is its `Reply-To` tag, else its sender; the
    /// reply carries `X-Reference` (the incoming `X-Reference`, else its `Reference`) and
    /// `X-Origin` when the incoming message had them.
    pub fn reply(&mut self, to: &Message, mut msg: OutMessage) -> u64 {
        let target = to.get("Reply-To").unwrap_or(&to.from).to_owned();
        msg.target = Some(target);
        if let Some(r) = to.get("X-Reference").or_else(|| to.get("Reference")) {
            msg.tags.set("X-Reference", r);
        }
        if let Some(o) = to.get("X-Origin") {
            msg.tags.set("X-Origin", o);
        }
        self.send(msg)
    }

    /// Replies to the message being handled.
    pub fn respond(&mut self, msg: OutMessage) -> u64 {
        let to = self.msg;
        self.reply(to, msg)
    }

    /// Spawns a process from `module`. Adds `Type=Process`, `From-Process`, `From-Module`,
    /// `Module` and `Reference` tags. Returns the reference.
    pub fn spawn(&mut self, module: impl Into<String>, spawn: Spawn) -> u64 {
        let reference = self.next_reference();
        let module = module.into();
        let mut tags = Tags::with_capacity(spawn.tags.len() + 7);
        tags.push(Tag::new("Data-Protocol", "ao"));
        tags.push(Tag::new("Variant", "ao.TN.1"));
        tags.push(Tag::new("Type", "Process"));
        tags.push(Tag::new("From-Process", self.process.id.clone()));
        if let Some(m) = &self.process.module {
            tags.push(Tag::new("From-Module", m.clone()));
        }
        tags.push(Tag::new("Module", module));
        tags.push(Tag::new("Reference", decimal(reference)));
        tags.extend(spawn.tags.into_iter().filter(|t| {
            !matches!(
                t.name.as_str(),
                "Data-Protocol"
                    | "Variant"
                    | "Type"
                    | "From-Process"
                    | "From-Module"
                    | "Module"
                    | "Reference"
            )
        }));
        self.outbox.push_spawn(Spawn {
            data: spawn.data,
            anchor: anchor_for(reference),
            tags,
        });
        reference
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

    /// What has been collected so far for this message.
    pub fn outbox(&self) -> &Outbox {
        self.outbox
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
        }
    }

    #[test]
    fn send_adds_aos_tags_and_counts_references() {
        let p = process();
        let m = Message::new("OWNER");
        let mut out = Outbox::default();
        let mut reference = 41;
        let mut ctx = Ctx::new(&p, &m, &mut out, &mut reference);
        assert_eq!(ctx.send(OutMessage::to("A").action("Ping")), 42);
        assert_eq!(ctx.send(OutMessage::to("B").tag("Type", "Spoofed")), 43);
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
