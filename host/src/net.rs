//! The network: processes, a scheduler, a messenger and a clock, all in one owned value.

use std::any::{type_name, TypeId};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use aoxide::protocol::{self, AUTHORITY, SCHEDULER};
use aoxide::{Env, EnvEntry, Message, Outcome, Process, Runtime, Spawn, Tag, Tags};

use crate::backend::{Backend, Native};
use crate::cron::parse_interval;
use crate::error::NetError;
use crate::ids::{derive, MessageId, ModuleId, ProcessId, Wallet};
use crate::limits::{Limits, Violation};
use crate::msg::{Msg, SpawnOptions};

/// How a network behaves. [`NetConfig::default`] mirrors the real network's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetConfig {
    /// Mixed into every id: networks with different seeds hand out different ids.
    pub seed: u64,
    /// The clock at creation, in milliseconds since the epoch.
    pub genesis_timestamp: u64,
    /// The block height at creation.
    pub genesis_block_height: u64,
    /// Milliseconds per block: the height grows by one each time the clock passes this.
    pub block_time_ms: u64,
    /// How far the clock moves each time the scheduler assigns a message (0 keeps it still).
    pub ms_per_message: u64,
    /// Most messages one [`Net::run_until_idle`] or [`Net::tick`] delivers before it stops
    /// with [`NetError::TooManyMessages`].
    pub max_messages_per_run: usize,
    /// Limits every message must meet.
    pub limits: Limits,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            seed: 0,
            genesis_timestamp: 1_700_000_000_000,
            genesis_block_height: 1_300_000,
            block_time_ms: 120_000,
            ms_per_message: 1,
            max_messages_per_run: 10_000,
            limits: Limits::default(),
        }
    }
}

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
    /// Its target is a wallet made with [`Net::wallet`]: it arrived (wallets have no inbox
    /// to run).
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
    /// The error.
    pub error: String,
}

/// What one [`Net::run_until_idle`] or [`Net::tick`] did.
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

struct ModuleEntry {
    id: ModuleId,
    name: String,
    tags: Tags,
    owner: String,
    type_id: Option<TypeId>,
    factory: Box<dyn Fn() -> Box<dyn Backend>>,
}

struct Cron {
    interval_ms: u64,
    tags: Tags,
    next_due: u64,
}

struct Proc {
    id: ProcessId,
    owner: String,
    module: usize,
    parent: Option<ProcessId>,
    env: Env,
    backend: Box<dyn Backend>,
    nonce: u64,
    cron: Option<Cron>,
}

struct Queued {
    process: usize,
    message: Message,
    sent: Option<usize>,
}

/// An in-memory AO network: register modules, make wallets, spawn processes, send messages,
/// run the scheduler, tick the clock, dry-run, and inspect everything that happened.
///
/// Everything is deterministic: ids come from a seed and counters, the clock moves only as
/// messages are scheduled and as [`Net::tick`] says, and nothing depends on hash order.
///
/// Process messages are delivered as on AO: signed by the network's messenger
/// ([`Net::authority`], which every process lists in its `Authority` tag) with `From` set to
/// the sending process through a `From-Process` tag.
pub struct Net {
    config: NetConfig,
    authority: String,
    scheduler: String,
    module_owner: String,
    counter: u64,
    dry_runs: u64,
    now: u64,
    modules: Vec<ModuleEntry>,
    module_index: BTreeMap<String, usize>,
    module_by_type: BTreeMap<TypeId, usize>,
    procs: Vec<Proc>,
    proc_index: BTreeMap<String, usize>,
    wallet_names: BTreeMap<String, String>,
    queue: VecDeque<Queued>,
    sent: Vec<Sent>,
    sent_index: BTreeMap<String, usize>,
    deliveries: Vec<Delivery>,
    results: BTreeMap<String, Vec<usize>>,
    undelivered: Vec<Undelivered>,
}

impl Default for Net {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Net")
            .field("now", &self.now)
            .field("modules", &self.modules.len())
            .field("processes", &self.procs.len())
            .field("queued", &self.queue.len())
            .field("messages", &self.sent.len())
            .field("deliveries", &self.deliveries.len())
            .finish()
    }
}

impl Net {
    /// A network with the default configuration.
    pub fn new() -> Self {
        Self::with_config(NetConfig::default())
    }

    /// A network with `config`.
    pub fn with_config(config: NetConfig) -> Self {
        Net {
            authority: derive("authority", config.seed, &[]),
            scheduler: derive("scheduler", config.seed, &[]),
            module_owner: derive("module-owner", config.seed, &[]),
            now: config.genesis_timestamp,
            config,
            counter: 0,
            dry_runs: 0,
            modules: Vec::new(),
            module_index: BTreeMap::new(),
            module_by_type: BTreeMap::new(),
            procs: Vec::new(),
            proc_index: BTreeMap::new(),
            wallet_names: BTreeMap::new(),
            queue: VecDeque::new(),
            sent: Vec::new(),
            sent_index: BTreeMap::new(),
            deliveries: Vec::new(),
            results: BTreeMap::new(),
            undelivered: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// The messenger's address: it signs every message a process sends, and every process
    /// lists it in its `Authority` tag.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The scheduler's address (the `Scheduler` tag of spawns).
    pub fn scheduler(&self) -> &str {
        &self.scheduler
    }

    /// The clock, in milliseconds since the epoch.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The block height at the current clock.
    pub fn block_height(&self) -> u64 {
        let elapsed = self.now.saturating_sub(self.config.genesis_timestamp);
        self.config.genesis_block_height + elapsed / self.config.block_time_ms.max(1)
    }

    /// The wallet called `name`: the same name always gives the same address on networks
    /// with the same seed.
    pub fn wallet(&mut self, name: &str) -> Wallet {
        let wallet = Wallet::derive(name, self.config.seed);
        self.wallet_names
            .insert(wallet.address().to_owned(), name.to_owned());
        wallet
    }

    fn next_id(&mut self, domain: &str) -> String {
        self.counter += 1;
        derive(domain, self.config.seed, &[&self.counter.to_be_bytes()])
    }

    // ----- modules -----

    /// Registers the Rust process `P` as module `name` and returns its id (derived from the
    /// name). Registering the same type under the same name again returns the same id.
    ///
    /// # Panics
    /// When `name` is already registered for another type.
    pub fn register_module<P: Process>(&mut self, name: &str) -> ModuleId {
        let type_id = TypeId::of::<Native<P>>();
        if let Some(&i) = self.module_index.get(name) {
            let entry = &self.modules[i];
            assert!(
                entry.type_id == Some(type_id),
                "module name {name:?} is already registered for another process type"
            );
            return entry.id.clone();
        }
        let id = self.add_module(
            name,
            Some(type_id),
            Box::new(|| Box::new(Native::<P>::new())),
        );
        self.module_by_type
            .entry(type_id)
            .or_insert(self.module_index[name]);
        id
    }

    /// Registers a module run by any [`Backend`] (for example a built `.wasm`): `factory`
    /// makes one fresh instance per spawned process.
    ///
    /// # Panics
    /// When `name` is already registered.
    pub fn register_backend(
        &mut self,
        name: &str,
        factory: impl Fn() -> Box<dyn Backend> + 'static,
    ) -> ModuleId {
        assert!(
            !self.module_index.contains_key(name),
            "module name {name:?} is already registered"
        );
        self.add_module(name, None, Box::new(factory))
    }

    fn add_module(
        &mut self,
        name: &str,
        type_id: Option<TypeId>,
        factory: Box<dyn Fn() -> Box<dyn Backend>>,
    ) -> ModuleId {
        let id = ModuleId::new(derive("module", self.config.seed, &[name.as_bytes()]));
        let mut tags = Tags::new();
        protocol::push_protocol_tags(&mut tags, protocol::TYPE_MODULE);
        for (k, v) in [
            ("Module-Format", "wasm32-unknown-emscripten4"),
            ("Input-Encoding", "JSON-1"),
            ("Output-Encoding", "JSON-1"),
            ("Memory-Limit", "1-gb"),
            ("Compute-Limit", "9000000000000"),
            ("Content-Type", "application/wasm"),
        ] {
            tags.add(k, v);
        }
        tags.add("Name", name);
        self.module_index
            .insert(name.to_owned(), self.modules.len());
        self.modules.push(ModuleEntry {
            id: id.clone(),
            name: name.to_owned(),
            tags,
            owner: self.module_owner.clone(),
            type_id,
            factory,
        });
        id
    }

    /// The module id `P` is registered under, if it is.
    pub fn module_of<P: Process>(&self) -> Option<ModuleId> {
        self.module_by_type
            .get(&TypeId::of::<Native<P>>())
            .map(|&i| self.modules[i].id.clone())
    }

    fn module_by_id(&self, id: &str) -> Option<usize> {
        self.modules.iter().position(|m| m.id == id)
    }

    // ----- spawning -----

    /// Spawns a process of type `P` owned by `owner`, registering `P` (under its type name)
    /// first if needed. The spawn message (`Type: Process`, `Module`, `Scheduler`,
    /// `Authority`, then the options' tags; its id is the process id) is delivered at once
    /// through the runtime; what `init` sends is queued.
    pub fn spawn<P: Process>(
        &mut self,
        owner: &Wallet,
        options: SpawnOptions,
    ) -> Result<ProcessId, NetError> {
        let module = match self.module_of::<P>() {
            Some(m) => m,
            None => self.register_module::<P>(type_name::<P>()),
        };
        self.spawn_module(owner, &module, options)
    }

    /// Spawns a process from a registered module id.
    pub fn spawn_module(
        &mut self,
        owner: &Wallet,
        module: &ModuleId,
        options: SpawnOptions,
    ) -> Result<ProcessId, NetError> {
        let Some(module_idx) = self.module_by_id(module.as_str()) else {
            return Err(NetError::UnknownModule {
                module: module.to_string(),
                spawner: self.describe_address(owner.address()),
            });
        };
        let (user_tags, data) = options.into_parts();
        let pid = self.next_id("process");
        let mut tags = Tags::with_capacity(user_tags.len() + 6);
        protocol::push_protocol_tags(&mut tags, protocol::TYPE_PROCESS);
        tags.add(protocol::MODULE, module.as_str());
        tags.add(SCHEDULER, self.scheduler.clone());
        // What a wallet's spawn may not set: the protocol tags, the module and scheduler.
        const SET_BY_THE_NETWORK: &[&str] = &[
            protocol::DATA_PROTOCOL,
            protocol::VARIANT,
            protocol::TYPE,
            protocol::MODULE,
            SCHEDULER,
        ];
        tags.extend(
            user_tags
                .into_iter()
                .filter(|t| !protocol::is_reserved(&t.name, SET_BY_THE_NETWORK)),
        );
        self.add_authority(&mut tags);
        let msg = Message {
            id: Some(pid.clone()),
            owner: owner.address().to_owned(),
            from: owner.address().to_owned(),
            tags,
            data,
            ..Message::default()
        };
        self.check_limits(&msg, || format!("the spawn message of {}", owner.name()))?;
        let cron = self.parse_cron(&pid, &msg.tags)?;
        let sent = self.record(
            msg.clone(),
            Origin::Wallet(owner.address().to_owned()),
            None,
        );
        let pid = ProcessId::new(pid);
        let idx = self.create_process(&pid, owner.address(), module_idx, &msg.tags, None, cron);
        let queued = self.stamp(idx, msg, Some(sent));
        let d = self.deliver(queued)?;
        match &self.deliveries[d].outcome.error {
            Some(error) => Err(NetError::SpawnFailed {
                process: pid,
                error: error.clone(),
            }),
            None => Ok(pid),
        }
    }

    fn add_authority(&self, tags: &mut Tags) {
        let listed = tags
            .get_all(AUTHORITY)
            .flat_map(|v| v.split(','))
            .any(|a| a.trim() == self.authority);
        if !listed {
            tags.add(AUTHORITY, self.authority.clone());
        }
    }

    /// Reads the cron schedule from a spawn's tags (before anything is recorded).
    fn parse_cron(&self, pid: &str, tags: &Tags) -> Result<Option<Cron>, NetError> {
        let Some(text) = tags.get("Cron-Interval") else {
            return Ok(None);
        };
        let interval_ms = parse_interval(text, self.config.block_time_ms)
            .map_err(|e| NetError::InvalidCron(format!("process {pid}: {e}")))?;
        let cron_tags = tags
            .iter()
            .filter_map(|t| {
                t.name
                    .strip_prefix("Cron-Tag-")
                    .filter(|n| !n.is_empty())
                    .map(|n| Tag::new(n, t.value.clone()))
            })
            .collect();
        Ok(Some(Cron {
            interval_ms,
            tags: cron_tags,
            next_due: self.now.saturating_add(interval_ms),
        }))
    }

    fn create_process(
        &mut self,
        pid: &ProcessId,
        owner: &str,
        module: usize,
        tags: &Tags,
        parent: Option<ProcessId>,
        cron: Option<Cron>,
    ) -> usize {
        let entry = &self.modules[module];
        let env = Env {
            process: EnvEntry {
                id: pid.to_string(),
                owner: owner.to_owned(),
                tags: tags.clone(),
            },
            module: Some(EnvEntry {
                id: entry.id.to_string(),
                owner: entry.owner.clone(),
                tags: entry.tags.clone(),
            }),
        };
        let backend = (entry.factory)();
        let idx = self.procs.len();
        self.procs.push(Proc {
            id: pid.clone(),
            owner: owner.to_owned(),
            module,
            parent,
            env,
            backend,
            nonce: 0,
            cron,
        });
        self.proc_index.insert(pid.to_string(), idx);
        idx
    }

    // ----- sending -----

    fn wallet_message(&self, from: &Wallet, target: &ProcessId, msg: Msg, id: String) -> Message {
        let (user_tags, data, anchor) = msg.into_parts();
        let mut tags = user_tags;
        protocol::add_missing_protocol_tags(&mut tags, protocol::TYPE_MESSAGE);
        // As every host does: `From` is the `From-Process` tag when there is one. A wallet
        // that sets it claims to be a process; the runtime's trust check decides.
        let from_address = protocol::sender(None, &tags, from.address());
        Message {
            id: Some(id),
            owner: from.address().to_owned(),
            from: from_address,
            target: Some(target.to_string()),
            anchor,
            tags,
            data,
            ..Message::default()
        }
    }

    /// Sends `msg` from `from` to `to` and schedules it; nothing runs until
    /// [`Net::run_until_idle`]. A message to an unknown process is recorded with
    /// [`Status::UnknownTarget`], not delivered. A message that breaks a limit is refused.
    pub fn send(
        &mut self,
        from: &Wallet,
        to: &ProcessId,
        msg: impl Into<Msg>,
    ) -> Result<MessageId, NetError> {
        let id = self.next_id("message");
        let message = self.wallet_message(from, to, msg.into(), id.clone());
        self.check_limits(&message, || {
            format!("the message {} sends to {to}", from.name())
        })?;
        let sent = self.record(
            message.clone(),
            Origin::Wallet(from.address().to_owned()),
            None,
        );
        match self.proc_index.get(to.as_str()) {
            Some(&idx) => {
                let queued = self.stamp(idx, message, Some(sent));
                self.queue.push_back(queued);
            }
            None => self.mark_unknown(sent, to.as_str()),
        }
        Ok(MessageId::new(id))
    }

    /// [`Net::send`], then [`Net::run_until_idle`].
    pub fn send_and_run(
        &mut self,
        from: &Wallet,
        to: &ProcessId,
        msg: impl Into<Msg>,
    ) -> Result<MessageId, NetError> {
        let id = self.send(from, to, msg)?;
        self.run_until_idle()?;
        Ok(id)
    }

    /// Assigns an existing message to another process, as an `Assignment` does.
    pub fn assign(&mut self, message: &MessageId, to: &ProcessId) -> Result<(), NetError> {
        let &idx = self
            .proc_index
            .get(to.as_str())
            .ok_or_else(|| NetError::UnknownProcess(to.clone()))?;
        match self.sent_index.get(message.as_str()) {
            Some(&s) => {
                let m = self.sent[s].message.clone();
                let queued = self.stamp(idx, m, Some(s));
                self.queue.push_back(queued);
            }
            None => self.undelivered.push(Undelivered {
                message: message.clone(),
                target: to.to_string(),
                reason: Reason::UnknownMessage,
            }),
        }
        Ok(())
    }

    /// Messages scheduled and not yet delivered.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    fn record(&mut self, message: Message, origin: Origin, cause: Option<MessageId>) -> usize {
        let idx = self.sent.len();
        if let Some(id) = &message.id {
            self.sent_index.insert(id.clone(), idx);
        }
        self.sent.push(Sent {
            message,
            origin,
            cause,
            status: Status::Queued,
        });
        idx
    }

    fn mark_unknown(&mut self, sent: usize, target: &str) {
        if self.wallet_names.contains_key(target) {
            self.sent[sent].status = Status::ToWallet;
            return;
        }
        self.sent[sent].status = Status::UnknownTarget;
        self.undelivered.push(Undelivered {
            message: self.sent[sent].id(),
            target: target.to_owned(),
            reason: Reason::UnknownProcess,
        });
    }

    fn check_limits(&self, msg: &Message, what: impl FnOnce() -> String) -> Result<(), NetError> {
        self.config
            .limits
            .check(msg)
            .map_err(|violation| NetError::Limit {
                what: what(),
                violation,
            })
    }

    /// Gives `msg` its place on `process`' schedule: nonce, timestamp, block height.
    fn stamp(&mut self, process: usize, mut msg: Message, sent: Option<usize>) -> Queued {
        let height = self.block_height();
        let p = &mut self.procs[process];
        msg.nonce = Some(p.nonce);
        p.nonce += 1;
        msg.timestamp = Some(self.now);
        msg.block_height = Some(height);
        msg.epoch = Some(0);
        msg.module = Some(self.modules[p.module].id.to_string());
        self.now += self.config.ms_per_message;
        Queued {
            process,
            message: msg,
            sent,
        }
    }

    // ----- running -----

    /// Delivers queued messages in scheduler order (first assigned, first delivered), and
    /// everything they cause, until nothing is queued.
    ///
    /// Stops with [`NetError::TooManyMessages`] after
    /// [`NetConfig::max_messages_per_run`] deliveries (the rest stays queued), and with
    /// [`NetError::Limit`] when a process sends a message the network would reject.
    pub fn run_until_idle(&mut self) -> Result<Run, NetError> {
        let mut run = Run::default();
        let mut budget = self.config.max_messages_per_run;
        self.drain(&mut run, &mut budget)?;
        Ok(run)
    }

    fn drain(&mut self, run: &mut Run, budget: &mut usize) -> Result<(), NetError> {
        while let Some(queued) = self.queue.pop_front() {
            if *budget == 0 {
                self.queue.push_front(queued);
                let start = self.deliveries.len().saturating_sub(6);
                return Err(NetError::TooManyMessages {
                    limit: self.config.max_messages_per_run,
                    pending: self.queue.len(),
                    recent: (start..self.deliveries.len())
                        .map(|d| self.describe_delivery(d))
                        .collect(),
                });
            }
            *budget -= 1;
            let d = self.deliver(queued)?;
            run.delivered += 1;
            let delivery = &self.deliveries[d];
            if let Some(error) = &delivery.outcome.error {
                run.failed.push(Failure {
                    process: delivery.process.clone(),
                    message: delivery.message.id.clone().map(MessageId::new),
                    action: delivery.message.action().map(str::to_owned),
                    error: error.clone(),
                });
            }
        }
        Ok(())
    }

    /// Hands one message to its process and routes what came out. Returns the delivery.
    fn deliver(&mut self, queued: Queued) -> Result<usize, NetError> {
        let proc = &mut self.procs[queued.process];
        let outcome = proc.backend.handle(queued.message.clone(), &proc.env);
        let d = self.deliveries.len();
        if let Some(s) = queued.sent {
            self.sent[s].status = Status::Delivered;
        }
        if let Some(id) = &queued.message.id {
            self.results.entry(id.clone()).or_default().push(d);
        }
        let ok = outcome.error.is_none();
        self.deliveries.push(Delivery {
            process: proc.id.clone(),
            message: queued.message,
            outcome,
            produced: Vec::new(),
        });
        if ok {
            self.route(queued.process, d)?;
        }
        Ok(d)
    }

    /// Pushes what delivery `d` produced: messages, spawns, assignments.
    fn route(&mut self, sender: usize, d: usize) -> Result<(), NetError> {
        let outcome = self.deliveries[d].outcome.clone();
        let cause = self.deliveries[d].message.id.clone().map(MessageId::new);
        let sender_id = self.procs[sender].id.clone();
        let sender_module = self.modules[self.procs[sender].module].id.clone();
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
            let s = self.record(message, Origin::Process(sender_id.clone()), cause.clone());
            self.deliveries[d].produced.push(MessageId::new(id));
            if let Err(violation) = checked {
                self.sent[s].status = Status::Rejected(violation.clone());
                return Err(NetError::Limit {
                    what: format!(
                        "a message from process {sender_id} (Action = {})",
                        self.sent[s].action().unwrap_or("none")
                    ),
                    violation,
                });
            }
            let target = self.sent[s].message.target.clone();
            match target {
                None => self.sent[s].status = Status::NoTarget,
                Some(t) => match self.proc_index.get(t.as_str()) {
                    Some(&idx) => {
                        let m = self.sent[s].message.clone();
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
            let source = self.sent_index.get(a.message.as_str()).copied();
            for target in a.processes {
                let (Some(s), Some(&idx)) = (source, self.proc_index.get(target.as_str())) else {
                    self.undelivered.push(Undelivered {
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
                let m = self.sent[s].message.clone();
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
        let parent_id = self.procs[parent].id.clone();
        let module = spawn.get(protocol::MODULE).unwrap_or_default().to_owned();
        let Some(module_idx) = self.module_by_id(&module) else {
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
        let s = self.record(
            msg.clone(),
            Origin::Process(parent_id.clone()),
            cause.clone(),
        );
        self.deliveries[d]
            .produced
            .push(MessageId::new(pid.clone()));
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
        let mut note_tags: Tags = spawn
            .tags
            .iter()
            .filter(|t| {
                !protocol::is_reserved(
                    &t.name,
                    &[protocol::DATA_PROTOCOL, protocol::VARIANT, protocol::TYPE],
                )
            })
            .cloned()
            .collect();
        note_tags.add(protocol::DATA_PROTOCOL, protocol::AO);
        note_tags.add(protocol::VARIANT, protocol::AO_VARIANT);
        note_tags.add(protocol::TYPE, protocol::TYPE_MESSAGE);
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
        let s = self.record(note.clone(), Origin::Messenger, cause);
        let queued = self.stamp(parent, note, Some(s));
        self.queue.push_back(queued);
        Ok(())
    }

    /// Runs what is queued, then moves the clock `ms` forward, delivering a cron message to
    /// every process with a `Cron-Interval` each time its interval comes round (earliest
    /// first; ties in spawn order), each followed by everything it causes.
    ///
    /// A cron message has `Cron: true`, no `Id`, comes from the process owner, and carries
    /// the process' `Cron-Tag-<name>` tags as `<name>`. Cron messages are only delivered
    /// during `tick`.
    pub fn tick(&mut self, ms: u64) -> Result<Run, NetError> {
        let mut run = Run::default();
        let mut budget = self.config.max_messages_per_run;
        self.drain(&mut run, &mut budget)?;
        let until = self.now.saturating_add(ms);
        loop {
            let due = self
                .procs
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.cron.as_ref().map(|c| (c.next_due, i)))
                .filter(|&(due, _)| due <= until)
                .min();
            let Some((due, idx)) = due else { break };
            self.now = self.now.max(due);
            let height = self.block_height();
            let p = &mut self.procs[idx];
            let cron = p.cron.as_mut().expect("filtered on cron");
            cron.next_due = cron.next_due.saturating_add(cron.interval_ms);
            let msg = Message {
                owner: p.owner.clone(),
                from: p.owner.clone(),
                target: Some(p.id.to_string()),
                tags: cron.tags.clone(),
                timestamp: Some(self.now),
                block_height: Some(height),
                module: Some(self.modules[p.module].id.to_string()),
                cron: true,
                ..Message::default()
            };
            self.queue.push_back(Queued {
                process: idx,
                message: msg,
                sent: None,
            });
            self.drain(&mut run, &mut budget)?;
        }
        self.now = self.now.max(until);
        Ok(run)
    }

    /// Evaluates `msg` against `process` as a dry-run (`Read-Only: true`), from an
    /// anonymous wallet. Nothing persists: the runtime rolls the state back, nothing is
    /// scheduled, and the network's clock and counters do not move.
    pub fn dry_run(
        &mut self,
        process: &ProcessId,
        msg: impl Into<Msg>,
    ) -> Result<Outcome, NetError> {
        let anonymous = Wallet::derive("dry-run", self.config.seed);
        self.dry_run_as(&anonymous, process, msg)
    }

    /// [`Net::dry_run`] from a given wallet.
    pub fn dry_run_as(
        &mut self,
        from: &Wallet,
        process: &ProcessId,
        msg: impl Into<Msg>,
    ) -> Result<Outcome, NetError> {
        let &idx = self
            .proc_index
            .get(process.as_str())
            .ok_or_else(|| NetError::UnknownProcess(process.clone()))?;
        self.dry_runs += 1;
        let id = derive("dry-run", self.config.seed, &[&self.dry_runs.to_be_bytes()]);
        let mut message = self.wallet_message(from, process, msg.into(), id);
        message.read_only = true;
        message.timestamp = Some(self.now);
        message.block_height = Some(self.block_height());
        message.module = Some(self.modules[self.procs[idx].module].id.to_string());
        self.check_limits(&message, || {
            format!("the dry-run {} sends to {process}", from.name())
        })?;
        let p = &mut self.procs[idx];
        Ok(p.backend.handle(message, &p.env))
    }

    // ----- inspecting -----

    /// The outcome of message `id` at its first delivery (its target).
    ///
    /// # Panics
    /// When the message was not delivered, saying why (still queued, unknown target...).
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
        let &d = self.results.get(id.as_str())?.first()?;
        Some(&self.deliveries[d].outcome)
    }

    /// The outcome of message `id` at `process` (assignments deliver a message to several).
    pub fn result_at(&self, id: &MessageId, process: &ProcessId) -> Option<&Outcome> {
        self.results
            .get(id.as_str())?
            .iter()
            .map(|&d| &self.deliveries[d])
            .find(|d| d.process == *process)
            .map(|d| &d.outcome)
    }

    /// The first message that handling `id` sent back to its sender (its `Reply-To` tag,
    /// else its `From`).
    pub fn reply_to(&self, id: &MessageId) -> Option<&Sent> {
        self.replies_to(id).next()
    }

    /// Every message that handling `id` sent back to its sender, in order.
    pub fn replies_to<'a>(&'a self, id: &MessageId) -> impl Iterator<Item = &'a Sent> + 'a {
        let delivery = self
            .results
            .get(id.as_str())
            .and_then(|ds| ds.first())
            .map(|&d| &self.deliveries[d]);
        let back = delivery.map(|d| protocol::reply_target(&d.message).to_owned());
        delivery
            .into_iter()
            .flat_map(|d| d.produced.iter())
            .filter_map(move |m| self.message(m))
            .filter(move |s| s.target().is_some() && s.target() == back.as_deref())
    }

    /// The message with id `id`.
    pub fn message(&self, id: &MessageId) -> Option<&Sent> {
        self.sent_index.get(id.as_str()).map(|&i| &self.sent[i])
    }

    /// Every message that entered the network, in order.
    pub fn messages(&self) -> &[Sent] {
        &self.sent
    }

    /// Messages with `Action = action`, in order.
    pub fn messages_with_action<'a>(
        &'a self,
        action: &'a str,
    ) -> impl Iterator<Item = &'a Sent> + 'a {
        self.sent.iter().filter(move |s| s.action() == Some(action))
    }

    /// Messages (and spawns) `process` sent, in order.
    pub fn outbox<'a>(&'a self, process: &'a ProcessId) -> impl Iterator<Item = &'a Sent> + 'a {
        self.sent
            .iter()
            .filter(move |s| matches!(&s.origin, Origin::Process(p) if p == process))
    }

    /// Every delivery, in order.
    pub fn deliveries(&self) -> &[Delivery] {
        &self.deliveries
    }

    /// Deliveries to `process`, in order (its schedule, cron messages included).
    pub fn deliveries_to<'a>(
        &'a self,
        process: &'a ProcessId,
    ) -> impl Iterator<Item = &'a Delivery> + 'a {
        self.deliveries
            .iter()
            .filter(move |d| d.process == *process)
    }

    /// Deliveries whose outcome was an error, in order.
    pub fn errors(&self) -> impl Iterator<Item = &Delivery> {
        self.deliveries.iter().filter(|d| d.outcome.is_error())
    }

    /// Messages and assignments that could not be delivered.
    pub fn undelivered(&self) -> &[Undelivered] {
        &self.undelivered
    }

    /// Process ids, in spawn order.
    pub fn processes(&self) -> impl Iterator<Item = &ProcessId> {
        self.procs.iter().map(|p| &p.id)
    }

    /// True if `process` is on this network.
    pub fn has_process(&self, process: &ProcessId) -> bool {
        self.proc_index.contains_key(process.as_str())
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
            .map(|p| self.modules[p.module].name.as_str())
    }

    /// The env the network passes to `process`.
    pub fn env(&self, process: &ProcessId) -> Option<&Env> {
        self.proc(process).map(|p| &p.env)
    }

    fn proc(&self, process: &ProcessId) -> Option<&Proc> {
        self.proc_index
            .get(process.as_str())
            .map(|&i| &self.procs[i])
    }

    fn proc_mut(&mut self, process: &ProcessId) -> Option<&mut Proc> {
        let &i = self.proc_index.get(process.as_str())?;
        Some(&mut self.procs[i])
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

    /// The state of `process`, if it is a native `P` with its state made.
    pub fn try_state<P: Process>(&self, process: &ProcessId) -> Option<&P> {
        self.runtime::<P>(process)?.state()
    }

    /// The state of `process` as a `P`.
    ///
    /// # Panics
    /// When there is no such process, it is not a native `P`, or its state was never made.
    pub fn state<P: Process>(&self, process: &ProcessId) -> &P {
        let Some(p) = self.proc(process) else {
            panic!("no process {process} on this network");
        };
        let Some(native) = p.backend.as_any().downcast_ref::<Native<P>>() else {
            panic!(
                "process {process} runs module {:?}, not a native {}",
                self.modules[p.module].name,
                type_name::<P>()
            );
        };
        match native.runtime().state() {
            Some(s) => s,
            None => panic!("process {process} has no state: its spawn message failed"),
        }
    }

    /// The state of `process`, mutably (outside any message: no rollback applies).
    pub fn state_mut<P: Process>(&mut self, process: &ProcessId) -> Option<&mut P> {
        self.runtime_mut::<P>(process)?.state_mut()
    }

    /// The messages no handler of `process` took, oldest first.
    pub fn inbox(&self, process: &ProcessId) -> Vec<Message> {
        self.proc(process)
            .map(|p| p.backend.inbox())
            .unwrap_or_default()
    }

    /// The name of the wallet with `address`, when it was made with [`Net::wallet`].
    pub fn wallet_name(&self, address: &str) -> Option<&str> {
        self.wallet_names.get(address).map(String::as_str)
    }

    fn describe_address(&self, address: &str) -> String {
        if let Some(name) = self.wallet_name(address) {
            return format!("wallet {name}");
        }
        if let Some(p) = self.proc_index.get(address) {
            let p = &self.procs[*p];
            return format!(
                "process {} ({})",
                short(p.id.as_str()),
                self.modules[p.module].name
            );
        }
        if address == self.authority {
            return "the messenger".to_owned();
        }
        short(address)
    }

    fn describe_delivery(&self, d: usize) -> String {
        let d = &self.deliveries[d];
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_height_follows_the_clock() {
        let mut net = Net::new();
        let h = net.block_height();
        net.tick(120_000).unwrap();
        assert_eq!(net.block_height(), h + 1);
    }
}
