//! The process table: every spawned process, its env, backend, schedule position and cron.

use std::collections::BTreeMap;

use aoxide::{Env, Tags};

use crate::backend::Backend;
use crate::ids::ProcessId;

/// A process' cron schedule.
pub(crate) struct CronSchedule {
    pub(crate) interval_ms: u64,
    /// The tags each cron message carries (from `Cron-Tag-<name>`).
    pub(crate) tags: Tags,
    pub(crate) next_due: u64,
}

/// One process.
pub(crate) struct Proc {
    pub(crate) id: ProcessId,
    /// A wallet address, or the parent process id.
    pub(crate) owner: String,
    /// Its module's place in the registry.
    pub(crate) module: usize,
    pub(crate) parent: Option<ProcessId>,
    pub(crate) env: Env,
    pub(crate) backend: Box<dyn Backend>,
    /// The next nonce on its schedule.
    pub(crate) nonce: u64,
    pub(crate) cron: Option<CronSchedule>,
}

/// The processes, in spawn order, with an index by id.
#[derive(Default)]
pub(crate) struct Processes {
    procs: Vec<Proc>,
    index: BTreeMap<ProcessId, usize>,
}

impl Processes {
    /// Adds a process; returns its place.
    pub(crate) fn add(&mut self, proc: Proc) -> usize {
        let idx = self.procs.len();
        self.index.insert(proc.id.clone(), idx);
        self.procs.push(proc);
        idx
    }

    /// The place of the process with id `id`.
    pub(crate) fn place_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub(crate) fn get(&self, idx: usize) -> &Proc {
        &self.procs[idx]
    }

    pub(crate) fn get_mut(&mut self, idx: usize) -> &mut Proc {
        &mut self.procs[idx]
    }

    pub(crate) fn by_id(&self, id: &ProcessId) -> Option<&Proc> {
        self.place_of(id.as_str()).map(|i| &self.procs[i])
    }

    pub(crate) fn by_id_mut(&mut self, id: &ProcessId) -> Option<&mut Proc> {
        let i = self.place_of(id.as_str())?;
        Some(&mut self.procs[i])
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Proc> {
        self.procs.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.procs.len()
    }

    /// The earliest cron tick due at or before `until`: (due, place); ties in spawn order.
    pub(crate) fn next_cron(&self, until: u64) -> Option<(u64, usize)> {
        self.procs
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.cron.as_ref().map(|c| (c.next_due, i)))
            .filter(|&(due, _)| due <= until)
            .min()
    }
}
