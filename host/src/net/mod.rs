//! The network: the owned value that ties the rooms together. It holds the module registry
//! (`modules`), the process table (`processes`), the clock (`clock`), the scheduler's queue
//! and the journal ([`crate::journal`]), and does what the scheduler does: stamp and
//! deliver. Spawning is `spawn`, delivering the queue and ticking the clock `run`; the
//! messenger (routing what a delivery produced) is `messenger`; what tests read back is in
//! `inspect`.

use std::any::TypeId;
use std::collections::VecDeque;
use std::fmt;

use aoxide::protocol;
use aoxide::{Message, Outcome, Process};

use crate::backend::{Backend, Native};
use crate::clock::Clock;
use crate::config::NetConfig;
use crate::error::NetError;
use crate::ids::{derive, MessageId, ModuleId, ProcessId, Wallet};
use crate::journal::{Journal, Origin, Reason, Status, Undelivered};
use crate::modules::{Factory, Modules};
use crate::msg::Msg;
use crate::processes::Processes;

mod run;
mod spawn;

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

    // ----- dry-runs -----

    /// Evaluates `msg` against `process` as a dry-run (`Read-Only: true`), from an
    /// anonymous wallet. Nothing persists: the runtime rolls the state back, nothing is
    /// scheduled, and the network's clock and counters do not move. A module under
    /// ao-loader (one with aoxide's Lua layer) runs it in memory that is then dropped, as a
    /// compute unit does. The one exception is a native process with the Lua layer: its Lua
    /// VM is not copied per message, so Lua globals keep what a dry-run's handlers wrote
    /// (`lua-compat/README.md`); register its module instead to check dry-runs as AO
    /// runs them.
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
