//! The journal: every message that entered the network, every delivery and what it
//! produced, and what could not be delivered; and the questions tests ask of it.

use std::collections::BTreeMap;

use aoxide::{protocol, Message, Outcome};

use crate::ids::{MessageId, ProcessId};
use crate::limits::Violation;

/// Who put a message on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A wallet, by address.
    Wallet(String),
    /// A process (its outbox, or its spawns).
    Process(ProcessId),
    /// The messenger unit itself (the `Spawned` notice after a process spawns another).
    Messenger,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Scheduled, not yet delivered.
    Queued,
    /// Delivered (at least once).
    Delivered,
    /// Its target is a wallet made with [`Net::wallet`](crate::Net::wallet): it arrived
    /// (wallets have no inbox to run).
    ToWallet,
    /// Its target is not a process or a known wallet: recorded, not delivered.
    UnknownTarget,
    /// It has no target (nothing to deliver to).
    NoTarget,
    /// It broke a limit and never entered the network.
    Rejected(Violation),
}

/// A message that entered the network: sent by a wallet, by a process, or by the messenger.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The message as signed and pushed (no scheduler fields: see [`Delivery::message`]).
    pub message: Message,
    /// Who sent it.
    pub origin: Origin,
    /// The message whose handling produced it (`None` for wallet messages and for what a
    /// cron tick produced).
    pub cause: Option<MessageId>,
    /// What became of it.
    pub status: Status,
}

impl Sent {
    /// The message id.
    pub fn id(&self) -> MessageId {
        MessageId::new(self.message.id.clone().unwrap_or_default())
    }

    /// The first value of tag `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.message.get(name)
    }

    /// The `Action` tag.
    pub fn action(&self) -> Option<&str> {
        self.message.action()
    }

    /// The data.
    pub fn data(&self) -> &str {
        &self.message.data
    }

    /// The target.
    pub fn target(&self) -> Option<&str> {
        self.message.target.as_deref()
    }

    /// The sender as processes see it (`From`).
    pub fn from(&self) -> &str {
        &self.message.from
    }
}

/// One message handed to one process, and what it produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The process that handled it.
    pub process: ProcessId,
    /// The message as delivered, with `Nonce`, `Timestamp`, `Block-Height` and `Module`.
    pub message: Message,
    /// What the process returned.
    pub outcome: Outcome,
    /// Ids of the messages (and spawns) this delivery put on the network.
    pub produced: Vec<MessageId>,
}

/// Why something could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// No process with the target id.
    UnknownProcess,
    /// An assignment named a message the network never saw.
    UnknownMessage,
}

/// A message (or assignment) that was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    /// The message id.
    pub message: MessageId,
    /// Where it was going.
    pub target: String,
    /// Why it was not delivered.
    pub reason: Reason,
}

/// A delivery whose outcome was an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The process.
    pub process: ProcessId,
    /// The message (`None` for cron messages).
    pub message: Option<MessageId>,
    /// Its `Action` tag.
    pub action: Option<String>,
    /// The failure: handler, action, code and message (its text is the `Error` string).
    pub error: aoxide::Failure,
}

/// What one [`Net::run_until_idle`](crate::Net::run_until_idle) or
/// [`Net::tick`](crate::Net::tick) did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Run {
    /// Messages delivered.
    pub delivered: usize,
    /// Deliveries whose outcome was an error (state rolled back), in order.
    pub failed: Vec<Failure>,
}

impl Run {
    /// True when no delivery failed.
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty()
    }
}

/// What happened on a network, in order. Indexes are by typed id.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    sent: Vec<Sent>,
    sent_index: BTreeMap<MessageId, usize>,
    deliveries: Vec<Delivery>,
    results: BTreeMap<MessageId, Vec<usize>>,
    undelivered: Vec<Undelivered>,
}

impl Journal {
    /// Records a message that entered the network; returns its place.
    pub(crate) fn record(
        &mut self,
        message: Message,
        origin: Origin,
        cause: Option<MessageId>,
    ) -> usize {
        let idx = self.sent.len();
        if let Some(id) = &message.id {
            self.sent_index.insert(MessageId::new(id.clone()), idx);
        }
        self.sent.push(Sent {
            message,
            origin,
            cause,
            status: Status::Queued,
        });
        idx
    }

    /// The message at place `idx`.
    pub(crate) fn sent(&self, idx: usize) -> &Sent {
        &self.sent[idx]
    }

    /// Sets the status of the message at place `idx`.
    pub(crate) fn set_status(&mut self, idx: usize, status: Status) {
        self.sent[idx].status = status;
    }

    /// The place of message `id`.
    pub(crate) fn place_of(&self, id: &str) -> Option<usize> {
        self.sent_index.get(id).copied()
    }

    /// Records a delivery; returns its place.
    pub(crate) fn deliver(&mut self, delivery: Delivery) -> usize {
        let d = self.deliveries.len();
        if let Some(id) = &delivery.message.id {
            self.results
                .entry(MessageId::new(id.clone()))
                .or_default()
                .push(d);
        }
        self.deliveries.push(delivery);
        d
    }

    /// The delivery at place `d`.
    pub(crate) fn delivery(&self, d: usize) -> &Delivery {
        &self.deliveries[d]
    }

    /// Notes that delivery `d` produced message `id`.
    pub(crate) fn produced(&mut self, d: usize, id: MessageId) {
        self.deliveries[d].produced.push(id);
    }

    /// Records an undelivered message.
    pub(crate) fn undeliverable(&mut self, u: Undelivered) {
        self.undelivered.push(u);
    }

    /// How many deliveries so far.
    pub(crate) fn delivery_count(&self) -> usize {
        self.deliveries.len()
    }

    pub(crate) fn message(&self, id: &MessageId) -> Option<&Sent> {
        self.place_of(id.as_str()).map(|i| &self.sent[i])
    }

    pub(crate) fn messages(&self) -> &[Sent] {
        &self.sent
    }

    pub(crate) fn deliveries(&self) -> &[Delivery] {
        &self.deliveries
    }

    pub(crate) fn undelivered(&self) -> &[Undelivered] {
        &self.undelivered
    }

    pub(crate) fn try_result(&self, id: &MessageId) -> Option<&Outcome> {
        let &d = self.results.get(id)?.first()?;
        Some(&self.deliveries[d].outcome)
    }

    pub(crate) fn result_at(&self, id: &MessageId, process: &ProcessId) -> Option<&Outcome> {
        self.results
            .get(id)?
            .iter()
            .map(|&d| &self.deliveries[d])
            .find(|d| d.process == *process)
            .map(|d| &d.outcome)
    }

    pub(crate) fn replies_to<'a>(&'a self, id: &MessageId) -> impl Iterator<Item = &'a Sent> + 'a {
        let delivery = self
            .results
            .get(id)
            .and_then(|ds| ds.first())
            .map(|&d| &self.deliveries[d]);
        let back = delivery.map(|d| protocol::reply_target(&d.message).to_owned());
        delivery
            .into_iter()
            .flat_map(|d| d.produced.iter())
            .filter_map(move |m| self.message(m))
            .filter(move |s| s.target().is_some() && s.target() == back.as_deref())
    }
}
