//! The messenger: routes what a delivery produced. Messages are signed by the network's
//! authority and forwarded with `From-Process` / `From-Module`; spawns create processes
//! and the parent gets the `Spawned` notice; assignments schedule existing messages.

use aoxide::protocol::{self, SCHEDULER};
use aoxide::{Message, Spawn, Tags};

use crate::error::NetError;
use crate::ids::{MessageId, ProcessId};
use crate::journal::{Origin, Reason, Status, Undelivered};
use crate::net::Net;

impl Net {
    /// The messenger: pushes what delivery `d` produced (messages, spawns, assignments).
    pub(crate) fn route(&mut self, sender: usize, d: usize) -> Result<(), NetError> {
        let outcome = self.journal.delivery(d).outcome.clone();
        let cause = self
            .journal
            .delivery(d)
            .message
            .id
            .clone()
            .map(MessageId::new);
        let sender_id = self.procs.get(sender).id.clone();
        let sender_module = self.modules.get(self.procs.get(sender).module).id.clone();
        for out in outcome.messages {
            let id = self.next_id("message");
            let tags =
                protocol::forwarded_tags(out.tags, sender_id.as_str(), sender_module.as_str());
            let message = Message {
                id: Some(id.clone()),
                owner: self.authority.clone(),
                from: sender_id.to_string(),
                target: out.target,
                anchor: (!out.anchor.is_empty()).then_some(out.anchor),
                tags,
                data: out.data.unwrap_or_default(),
                ..Message::default()
            };
            let checked = self.config.limits.check(&message);
            let s = self
                .journal
                .record(message, Origin::Process(sender_id.clone()), cause.clone());
            self.journal.produced(d, MessageId::new(id));
            if let Err(violation) = checked {
                self.journal
                    .set_status(s, Status::Rejected(violation.clone()));
                return Err(NetError::Limit {
                    what: format!(
                        "a message from process {sender_id} (Action = {})",
                        self.journal.sent(s).action().unwrap_or("none")
                    ),
                    violation,
                });
            }
            let target = self.journal.sent(s).message.target.clone();
            match target {
                None => self.journal.set_status(s, Status::NoTarget),
                Some(t) => match self.procs.place_of(&t) {
                    Some(idx) => {
                        let m = self.journal.sent(s).message.clone();
                        let queued = self.stamp(idx, m, Some(s));
                        self.queue.push_back(queued);
                    }
                    None => self.mark_unknown(s, &t),
                },
            }
        }
        for spawn in &outcome.spawns {
            self.spawn_from_process(sender, d, spawn, cause.clone())?;
        }
        for a in outcome.assignments {
            let source = self.journal.place_of(&a.message);
            for target in a.processes {
                let (Some(s), Some(idx)) = (source, self.procs.place_of(&target)) else {
                    self.journal.undeliverable(Undelivered {
                        message: MessageId::new(a.message.clone()),
                        target,
                        reason: if source.is_none() {
                            Reason::UnknownMessage
                        } else {
                            Reason::UnknownProcess
                        },
                    });
                    continue;
                };
                let m = self.journal.sent(s).message.clone();
                let queued = self.stamp(idx, m, Some(s));
                self.queue.push_back(queued);
            }
        }
        Ok(())
    }

    fn spawn_from_process(
        &mut self,
        parent: usize,
        d: usize,
        spawn: &Spawn,
        cause: Option<MessageId>,
    ) -> Result<(), NetError> {
        let parent_id = self.procs.get(parent).id.clone();
        let module = spawn.get(protocol::MODULE).unwrap_or_default().to_owned();
        let Some(module_idx) = self.modules.by_id(&module) else {
            return Err(NetError::UnknownModule {
                module,
                spawner: format!("process {parent_id}"),
            });
        };
        let pid = self.next_id("process");
        let mut tags = spawn.tags.clone();
        self.add_authority(&mut tags);
        if !tags.contains(SCHEDULER) {
            tags.add(SCHEDULER, self.scheduler.clone());
        }
        let msg = Message {
            id: Some(pid.clone()),
            owner: self.authority.clone(),
            from: parent_id.to_string(),
            anchor: (!spawn.anchor.is_empty()).then(|| spawn.anchor.clone()),
            tags,
            data: spawn.data.clone().unwrap_or_default(),
            ..Message::default()
        };
        self.check_limits(&msg, || {
            format!("a spawn from process {parent_id} (module {module})")
        })?;
        let cron = self.parse_cron(&pid, &msg.tags)?;
        let s = self.journal.record(
            msg.clone(),
            Origin::Process(parent_id.clone()),
            cause.clone(),
        );
        self.journal.produced(d, MessageId::new(pid.clone()));
        let child = ProcessId::new(pid);
        let idx = self.create_process(
            &child,
            parent_id.as_str(),
            module_idx,
            &msg.tags,
            Some(parent_id.clone()),
            cron,
        );
        let queued = self.stamp(idx, msg, Some(s));
        self.queue.push_back(queued);

        // The messenger tells the parent, as AO's does: the spawn's tags, then the protocol
        // tags, `Process`, `Action: Spawned` and `AO-Spawn-Success`.
        const PROTOCOL_TAGS: &[&str] =
            &[protocol::DATA_PROTOCOL, protocol::VARIANT, protocol::TYPE];
        let mut note_tags: Tags = spawn
            .tags
            .iter()
            .filter(|t| !protocol::is_reserved(&t.name, PROTOCOL_TAGS))
            .cloned()
            .collect();
        protocol::push_protocol_tags(&mut note_tags, protocol::TYPE_MESSAGE);
        note_tags.add("Process", child.as_str());
        note_tags.add("Action", "Spawned");
        note_tags.add("AO-Spawn-Success", child.as_str());
        let note_id = self.next_id("message");
        let note = Message {
            id: Some(note_id),
            owner: self.authority.clone(),
            from: protocol::sender(None, &note_tags, parent_id.as_str()),
            target: Some(parent_id.to_string()),
            tags: note_tags,
            ..Message::default()
        };
        let s = self.journal.record(note.clone(), Origin::Messenger, cause);
        let queued = self.stamp(parent, note, Some(s));
        self.queue.push_back(queued);
        Ok(())
    }
}
