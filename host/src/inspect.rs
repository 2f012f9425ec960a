//! What tests read back from a network: results, replies, the journal, processes and
//! their state. Every asserting helper is `#[track_caller]`, so a failed assertion points
//! at the test line.

use aoxide::{Env, Outcome, Process, Runtime};

use crate::backend::{Backend, Native};
use crate::ids::{MessageId, ProcessId};
use crate::journal::{Delivery, Origin, Sent, Status, Undelivered};
use crate::net::Net;
use crate::processes::Proc;

impl Net {
    /// The outcome of message `id` at its first delivery (its target).
    ///
    /// # Panics
    /// When the message was not delivered, saying why (still queued, unknown target...).
    #[track_caller]
    pub fn result(&self, id: &MessageId) -> &Outcome {
        match self.try_result(id) {
            Some(o) => o,
            None => panic!("{}", self.why_no_result(id)),
        }
    }

    fn why_no_result(&self, id: &MessageId) -> String {
        match self.message(id) {
            None => format!("no message {id} on this network"),
            Some(sent) => match &sent.status {
                Status::Queued => format!(
                    "message {id} is still queued: call run_until_idle() before reading its result"
                ),
                Status::UnknownTarget => format!(
                    "message {id} was sent to {}, which is not a process on this network",
                    sent.target().unwrap_or("")
                ),
                Status::NoTarget => format!("message {id} has no target"),
                Status::ToWallet => format!(
                    "message {id} was sent to wallet {}: wallets run nothing",
                    self.describe_address(sent.target().unwrap_or(""))
                ),
                Status::Rejected(v) => format!("message {id} was rejected: {v}"),
                Status::Delivered => format!("message {id} has no recorded result"),
            },
        }
    }

    /// The outcome of message `id` at its first delivery, if it was delivered.
    pub fn try_result(&self, id: &MessageId) -> Option<&Outcome> {
        self.journal.try_result(id)
    }

    /// The outcome of message `id` at `process` (assignments deliver a message to several).
    pub fn result_at(&self, id: &MessageId, process: &ProcessId) -> Option<&Outcome> {
        self.journal.result_at(id, process)
    }

    /// The first message that handling `id` sent back to its sender (its `Reply-To` tag,
    /// else its `From`).
    pub fn reply_to(&self, id: &MessageId) -> Option<&Sent> {
        self.replies_to(id).next()
    }

    /// Every message that handling `id` sent back to its sender, in order.
    pub fn replies_to<'a>(&'a self, id: &MessageId) -> impl Iterator<Item = &'a Sent> + 'a {
        self.journal.replies_to(id)
    }

    /// The message with id `id`.
    pub fn message(&self, id: &MessageId) -> Option<&Sent> {
        self.journal.message(id)
    }

    /// Every message that entered the network, in order.
    pub fn messages(&self) -> &[Sent] {
        self.journal.messages()
    }

    /// Messages with `Action = action`, in order.
    pub fn messages_with_action<'a>(
        &'a self,
        action: &'a str,
    ) -> impl Iterator<Item = &'a Sent> + 'a {
        self.journal
            .messages()
            .iter()
            .filter(move |s| s.action() == Some(action))
    }

    /// Messages (and spawns) `process` sent, in order.
    pub fn outbox<'a>(&'a self, process: &'a ProcessId) -> impl Iterator<Item = &'a Sent> + 'a {
        self.journal
            .messages()
            .iter()
            .filter(move |s| matches!(&s.origin, Origin::Process(p) if p == process))
    }

    /// Every delivery, in order.
    pub fn deliveries(&self) -> &[Delivery] {
        self.journal.deliveries()
    }

    /// Deliveries to `process`, in order (its schedule, cron messages included).
    pub fn deliveries_to<'a>(
        &'a self,
        process: &'a ProcessId,
    ) -> impl Iterator<Item = &'a Delivery> + 'a {
        self.journal
            .deliveries()
            .iter()
            .filter(move |d| d.process == *process)
    }

    /// Deliveries whose outcome was an error, in order.
    pub fn errors(&self) -> impl Iterator<Item = &Delivery> {
        self.journal
            .deliveries()
            .iter()
            .filter(|d| d.outcome.is_error())
    }

    /// Messages and assignments that could not be delivered.
    pub fn undelivered(&self) -> &[Undelivered] {
        self.journal.undelivered()
    }

    /// Process ids, in spawn order.
    pub fn processes(&self) -> impl Iterator<Item = &ProcessId> {
        self.procs.iter().map(|p| &p.id)
    }

    /// True if `process` is on this network.
    pub fn has_process(&self, process: &ProcessId) -> bool {
        self.procs.place_of(process.as_str()).is_some()
    }

    /// Processes spawned by `process`, in spawn order.
    pub fn children(&self, process: &ProcessId) -> Vec<ProcessId> {
        self.procs
            .iter()
            .filter(|p| p.parent.as_ref() == Some(process))
            .map(|p| p.id.clone())
            .collect()
    }

    /// The owner of `process` (a wallet address, or the parent process id).
    pub fn owner_of(&self, process: &ProcessId) -> Option<&str> {
        self.proc(process).map(|p| p.owner.as_str())
    }

    /// The name of the module `process` runs.
    pub fn module_name_of(&self, process: &ProcessId) -> Option<&str> {
        self.proc(process)
            .map(|p| self.modules.get(p.module).name.as_str())
    }

    /// The env the network passes to `process`.
    pub fn env(&self, process: &ProcessId) -> Option<&Env> {
        self.proc(process).map(|p| &p.env)
    }

    fn proc(&self, process: &ProcessId) -> Option<&Proc> {
        self.procs.by_id(process)
    }

    fn proc_mut(&mut self, process: &ProcessId) -> Option<&mut Proc> {
        self.procs.by_id_mut(process)
    }

    /// The backend running `process`.
    pub fn backend(&self, process: &ProcessId) -> Option<&dyn Backend> {
        self.proc(process).map(|p| &*p.backend)
    }

    /// The runtime of `process` when it is a native process of type `P`.
    pub fn runtime<P: Process>(&self, process: &ProcessId) -> Option<&Runtime<P>> {
        self.proc(process)?
            .backend
            .as_any()
            .downcast_ref::<Native<P>>()
            .map(Native::runtime)
    }

    /// The runtime of `process`, mutably.
    pub fn runtime_mut<P: Process>(&mut self, process: &ProcessId) -> Option<&mut Runtime<P>> {
        self.proc_mut(process)?
            .backend
            .as_any_mut()
            .downcast_mut::<Native<P>>()
            .map(Native::runtime_mut)
    }

    /// The state of `process`, mutably (outside any message: no rollback applies).
    pub fn state_mut<P: Process>(&mut self, process: &ProcessId) -> Option<&mut P> {
        self.runtime_mut::<P>(process)?.state_mut()
    }

    /// The name of the wallet with `address`, when it was made with [`Net::wallet`].
    pub fn wallet_name(&self, address: &str) -> Option<&str> {
        self.wallet_names.get(address).map(String::as_str)
    }

    pub(crate) fn describe_address(&self, address: &str) -> String {
        if let Some(name) = self.wallet_name(address) {
            return format!("wallet {name}");
        }
        if let Some(p) = self.procs.place_of(address) {
            let p = self.procs.get(p);
            return format!(
                "process {} ({})",
                short(p.id.as_str()),
                self.modules.get(p.module).name
            );
        }
        if address == self.authority {
            return "the messenger".to_owned();
        }
        short(address)
    }

    pub(crate) fn describe_delivery(&self, d: usize) -> String {
        let d = self.journal.delivery(d);
        format!(
            "{} -> {}: Action = {}",
            self.describe_address(&d.message.from),
            self.describe_address(d.process.as_str()),
            d.message
                .action()
                .unwrap_or(if d.message.cron { "(cron)" } else { "(none)" })
        )
    }
}

fn short(id: &str) -> String {
    if id.len() > 10 && id.is_ascii() {
        format!("{}..{}", &id[..4], &id[id.len() - 4..])
    } else {
        id.to_owned()
    }
}
