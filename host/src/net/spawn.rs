//! Spawning: the spawn message a wallet sends, the `Authority` tag, the cron schedule a
//! spawn asks for, and the process table entry with its env and backend.

use std::any::type_name;

use aoxide::protocol::{self, AUTHORITY, SCHEDULER};
use aoxide::{Env, EnvEntry, Message, Process, Tag, Tags};

use super::Net;
use crate::cron::parse_interval;
use crate::error::NetError;
use crate::ids::{ModuleId, ProcessId, Wallet};
use crate::journal::Origin;
use crate::msg::SpawnOptions;
use crate::processes::{CronSchedule, Proc};

impl Net {
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
}
