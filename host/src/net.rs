//! The network: the owned value that ties the rooms together. It holds the module registry
//! (`modules`), the process table (`processes`), the clock (`clock`), the scheduler's queue
//! and the journal ([`crate::journal`]), and does what the scheduler does: stamp and
//! deliver. The messenger (routing what a delivery produced) is `messenger`; what tests
//! read back is in `inspect`.

use std::any::{type_name, TypeId};
use std::collections::VecDeque;
use std::fmt;

use aoxide::protocol::{self, AUTHORITY, SCHEDULER};
use aoxide::{Env, EnvEntry, Message, Outcome, Process, Tag, Tags};

use crate::backend::{Backend, Native};
use crate::clock::Clock;
use crate::config::NetConfig;
use crate::cron::parse_interval;
use crate::error::NetError;
use crate::ids::{derive, MessageId, ModuleId, ProcessId, Wallet};
use crate::journal::{Delivery, Failure, Journal, Origin, Reason, Run, Status, Undelivered};
use crate::modules::{Factory, Modules};
use crate::msg::{Msg, SpawnOptions};
use crate::processes::{CronSchedule, Proc, Processes};

/// A message on the scheduler's queue.
pub(crate) struct Queued {
    /// The process' place in the table.
    process: usize,
    message: Message,
    /// Its place in the journal (`None` for cron messages).
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
    pub(crate) config: NetConfig,
    pub(crate) authority: String,
    pub(crate) scheduler: String,
    pub(crate) module_owner: String,
    counter: u64,
    dry_runs: u64,
    pub(crate) clock: Clock,
    pub(crate) modules: Modules,
    pub(crate) procs: Processes,
    pub(crate) wallet_names: std::collections::BTreeMap<String, String>,
    pub(crate) queue: VecDeque<Queued>,
    pub(crate) journal: Journal,
}

impl Default for Net {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Net")
            .field("now", &self.clock.now())
            .field("modules", &self.modules.len())
            .field("processes", &self.procs.len())
            .field("queued", &self.queue.len())
            .field("messages", &self.journal.messages().len())
            .field("deliveries", &self.journal.delivery_count())
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
            clock: Clock::new(
                config.genesis_timestamp,
                config.genesis_block_height,
                config.block_time_ms,
            ),
            config,
            counter: 0,
            dry_runs: 0,
            modules: Modules::default(),
            procs: Processes::default(),
            wallet_names: Default::default(),
            queue: VecDeque::new(),
            journal: Journal::default(),
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
        self.clock.now()
    }

    /// The block height at the current clock.
    pub fn block_height(&self) -> u64 {
        self.clock.block_height()
    }

    /// The wallet called `name`: the same name always gives the same address on networks
    /// with the same seed.
    pub fn wallet(&mut self, name: &str) -> Wallet {
        let wallet = Wallet::derive(name, self.config.seed);
        self.wallet_names
            .insert(wallet.address().to_owned(), name.to_owned());
        wallet
    }

    pub(crate) fn next_id(&mut self, domain: &str) -> String {
        self.counter += 1;
        derive(domain, self.config.seed, &[&self.counter.to_be_bytes()])
    }

    // ----- modules -----

    /// Registers the Rust process `P` as module `name` and returns its id (derived from the
    /// name). Registering the same type under the same name again returns the same id.
    ///
    /// # Panics
    /// When `name` is already registered for another type.
    #[track_caller]
    pub fn register_module<P: Process>(&mut self, name: &str) -> ModuleId {
        let type_id = TypeId::of::<Native<P>>();
        if let Some(i) = self.modules.by_name(name) {
            let entry = self.modules.get(i);
            assert!(
                entry.type_id == Some(type_id),
                "module name {name:?} is already registered for another process type"
            );
            return entry.id.clone();
        }
        self.add_module(
            name,
            Some(type_id),
            Box::new(|| Box::new(Native::<P>::new())),
        )
    }

    /// Registers a module run by any [`Backend`] (for example a built `.wasm`): `factory`
    /// makes one fresh instance per spawned process.
    ///
    /// # Panics
    /// When `name` is already registered.
    #[track_caller]
    pub fn register_backend(
        &mut self,
        name: &str,
        factory: impl Fn() -> Box<dyn Backend> + 'static,
    ) -> ModuleId {
        assert!(
            self.modules.by_name(name).is_none(),
            "module name {name:?} is already registered"
        );
        self.add_module(name, None, Box::new(factory))
    }

    /// Registers `module` as module `name`, whichever backend runs it: a native process
    /// ([`crate::native`]`::<P>()`) or, with the `wasm` feature, a built module
    /// (`WasmModule`). One call for both, so a scenario written against the returned id runs
    /// unchanged on either.
    ///
    /// # Panics
    /// When `name` is already registered (for a native module: for another type).
    #[track_caller]
    pub fn register(&mut self, name: &str, module: impl crate::Module) -> ModuleId {
        module.register(self, name)
    }

    fn add_module(&mut self, name: &str, type_id: Option<TypeId>, factory: Factory) -> ModuleId {
        let id = ModuleId::new(derive("module", self.config.seed, &[name.as_bytes()]));
        self.modules
            .add(id.clone(), name, &self.module_owner, type_id, factory);
        id
    }

    /// The module id `P` is registered under, if it is.
    pub fn module_of<P: Process>(&self) -> Option<ModuleId> {
        self.modules
            .by_type(TypeId::of::<Native<P>>())
            .map(|i| self.modules.get(i).id.clone())
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
        let Some(module_idx) = self.modules.by_id(module.as_str()) else {
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
        let sent = self.journal.record(
            msg.clone(),
            Origin::Wallet(owner.address().to_owned()),
            None,
        );
        let pid = ProcessId::new(pid);
        let idx = self.create_process(&pid, owner.address(), module_idx, &msg.tags, None, cron);
        let queued = self.stamp(idx, msg, Some(sent));
        let d = self.deliver(queued)?;
        match &self.journal.delivery(d).outcome.error {
            Some(error) => Err(NetError::SpawnFailed {
                process: pid,
                error: error.clone(),
            }),
            None => Ok(pid),
        }
    }

    pub(crate) fn add_authority(&self, tags: &mut Tags) {
        let listed = tags
            .get_all(AUTHORITY)
            .flat_map(|v| v.split(','))
            .any(|a| a.trim() == self.authority);
        if !listed {
            tags.add(AUTHORITY, self.authority.clone());
        }
    }

    /// Reads the cron schedule from a spawn's tags (before anything is recorded).
    pub(crate) fn parse_cron(
        &self,
        pid: &str,
        tags: &Tags,
    ) -> Result<Option<CronSchedule>, NetError> {
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
        Ok(Some(CronSchedule {
            interval_ms,
            tags: cron_tags,
            next_due: self.clock.now().saturating_add(interval_ms),
        }))
    }

    pub(crate) fn create_process(
        &mut self,
        pid: &ProcessId,
        owner: &str,
        module: usize,
        tags: &Tags,
        parent: Option<ProcessId>,
        cron: Option<CronSchedule>,
    ) -> usize {
        let entry = self.modules.get(module);
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
        self.procs.add(Proc {
            id: pid.clone(),
            owner: owner.to_owned(),
            module,
            parent,
            env,
            backend,
            nonce: 0,
            cron,
        })
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
        let sent = self.journal.record(
            message.clone(),
            Origin::Wallet(from.address().to_owned()),
            None,
        );
        match self.procs.place_of(to.as_str()) {
            Some(idx) => {
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
        let idx = self
            .procs
            .place_of(to.as_str())
            .ok_or_else(|| NetError::UnknownProcess(to.clone()))?;
        match self.journal.place_of(message.as_str()) {
            Some(s) => {
                let m = self.journal.sent(s).message.clone();
                let queued = self.stamp(idx, m, Some(s));
                self.queue.push_back(queued);
            }
            None => self.journal.undeliverable(Undelivered {
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

    pub(crate) fn mark_unknown(&mut self, sent: usize, target: &str) {
        if self.wallet_names.contains_key(target) {
            self.journal.set_status(sent, Status::ToWallet);
            return;
        }
        self.journal.set_status(sent, Status::UnknownTarget);
        let message = self.journal.sent(sent).id();
        self.journal.undeliverable(Undelivered {
            message,
            target: target.to_owned(),
            reason: Reason::UnknownProcess,
        });
    }

    pub(crate) fn check_limits(
        &self,
        msg: &Message,
        what: impl FnOnce() -> String,
    ) -> Result<(), NetError> {
        self.config
            .limits
            .check(msg)
            .map_err(|violation| NetError::Limit {
                what: what(),
                violation,
            })
    }

    /// Gives `msg` its place on `process`' schedule: nonce, timestamp, block height.
    pub(crate) fn stamp(
        &mut self,
        process: usize,
        mut msg: Message,
        sent: Option<usize>,
    ) -> Queued {
        let height = self.clock.block_height();
        let p = self.procs.get_mut(process);
        msg.nonce = Some(p.nonce);
        p.nonce += 1;
        msg.timestamp = Some(self.clock.now());
        msg.block_height = Some(height);
        msg.epoch = Some(0);
        msg.module = Some(self.modules.get(p.module).id.to_string());
        self.clock.advance(self.config.ms_per_message);
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
                let count = self.journal.delivery_count();
                return Err(NetError::TooManyMessages {
                    limit: self.config.max_messages_per_run,
                    pending: self.queue.len(),
                    recent: (count.saturating_sub(6)..count)
                        .map(|d| self.describe_delivery(d))
                        .collect(),
                });
            }
            *budget -= 1;
            let d = self.deliver(queued)?;
            run.delivered += 1;
            let delivery = self.journal.delivery(d);
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
        let proc = self.procs.get_mut(queued.process);
        let outcome = proc.backend.handle(queued.message.clone(), &proc.env);
        let process = proc.id.clone();
        if let Some(s) = queued.sent {
            self.journal.set_status(s, Status::Delivered);
        }
        let ok = outcome.error.is_none();
        let d = self.journal.deliver(Delivery {
            process,
            message: queued.message,
            outcome,
            produced: Vec::new(),
        });
        if ok {
            self.route(queued.process, d)?;
        }
        Ok(d)
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
        let until = self.clock.now().saturating_add(ms);
        while let Some((due, idx)) = self.procs.next_cron(until) {
            self.clock.advance_to(due);
            let height = self.clock.block_height();
            let now = self.clock.now();
            let p = self.procs.get_mut(idx);
            let module = p.module;
            let cron = p
                .cron
                .as_mut()
                .expect("next_cron picks processes with cron");
            cron.next_due = cron.next_due.saturating_add(cron.interval_ms);
            let msg = Message {
                owner: p.owner.clone(),
                from: p.owner.clone(),
                target: Some(p.id.to_string()),
                tags: cron.tags.clone(),
                timestamp: Some(now),
                block_height: Some(height),
                module: Some(self.modules.get(module).id.to_string()),
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
        self.clock.advance_to(until);
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
        let idx = self
            .procs
            .place_of(process.as_str())
            .ok_or_else(|| NetError::UnknownProcess(process.clone()))?;
        self.dry_runs += 1;
        let id = derive("dry-run", self.config.seed, &[&self.dry_runs.to_be_bytes()]);
        let mut message = self.wallet_message(from, process, msg.into(), id);
        message.read_only = true;
        message.timestamp = Some(self.clock.now());
        message.block_height = Some(self.clock.block_height());
        message.module = Some(self.modules.get(self.procs.get(idx).module).id.to_string());
        self.check_limits(&message, || {
            format!("the dry-run {} sends to {process}", from.name())
        })?;
        let p = self.procs.get_mut(idx);
        Ok(p.backend.handle(message, &p.env))
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
