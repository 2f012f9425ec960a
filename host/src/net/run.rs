//! Running the scheduler: delivering the queue in order with everything it causes, and
//! ticking the clock for cron processes.

use aoxide::Message;

use super::{Net, Queued};
use crate::error::NetError;
use crate::ids::MessageId;
use crate::journal::{Delivery, Failure, Run, Status};

impl Net {
    /// Delivers queued messages in scheduler order (first assigned, first delivered), and
    /// everything they cause, until nothing is queued.
    ///
    /// Stops with [`NetError::TooManyMessages`] after
    /// [`NetConfig::max_messages_per_run`](crate::NetConfig::max_messages_per_run)
    /// deliveries (the rest stays queued), and with
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
    pub(super) fn deliver(&mut self, queued: Queued) -> Result<usize, NetError> {
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
}
