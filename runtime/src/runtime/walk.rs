//! Handlers run on one message: the walk of the registry ([`walk`], AOS semantics for
//! break/continue/skip and run counts), and [`Lent`], the runtime's parts a handler's
//! [`Ctx`] may reach while it runs.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::context::{Ctx, Parts};
use crate::failure::{Failure, Stage};
use crate::message::Message;
use crate::outbox::Outbox;
use crate::pattern::Match;
use crate::pending::Pending;
use crate::process::Process;
use crate::registry::Registry;
use crate::trust::ProcessInfo;

/// What the walk did: whether a handler took the message (broke the walk), whether any ran,
/// and whether any may have changed the state.
pub(super) struct Walked {
    pub(super) handled: bool,
    pub(super) ran_any: bool,
    pub(super) changed: bool,
}

/// Walks the registry in order: AOS semantics for break/continue/skip and run counts.
pub(super) fn walk<P: Process>(
    lent: &mut Lent<'_, P>,
    state: &mut P,
    info: &ProcessInfo,
    msg: &Message,
    outbox: &mut Outbox,
    reference: &mut u64,
) -> Result<Walked, Failure> {
    let mut walked = Walked {
        handled: false,
        ran_any: false,
        changed: false,
    };
    // A handler still waiting for the one it is placed next to cannot take the message.
    lent.registry.check_waiting(state, info, msg)?;
    // Entries may be removed (max runs) while walking: walk a snapshot of the list (a
    // shared copy: free unless the list changes).
    let snapshot = lent.registry.shared_list();
    for handler in snapshot.iter() {
        let decision = handler.evaluate_on(state, info, msg);
        if decision == Match::Skip {
            continue;
        }
        let mut ctx = lent.ctx(info, msg, outbox, reference);
        if let Err(e) = handler.call(state, &mut ctx, msg) {
            return Err(handler_failed(msg, &handler.name, &e));
        }
        walked.ran_any = true;
        walked.changed |= !handler.read_only;
        lent.registry.count_run(&handler.name);
        lent.registry.sync(state);
        if decision == Match::Break {
            walked.handled = true;
            break;
        }
    }
    Ok(walked)
}

/// The failure of handler `name` on `msg`: out of the walk's loop.
#[cold]
#[inline(never)]
fn handler_failed(msg: &Message, name: &str, error: &crate::Error) -> Failure {
    Failure::handling(msg.action(), Stage::Handler(name), error)
}

/// Runs the default handler (no handler broke the walk) with the syncs after it. Reached
/// only through [`Registry::default_run`], which [`Registry::set_default`] sets: a process
/// without a default handler has no code for running one.
pub(crate) fn run_default<P: 'static>(
    lent: &mut Lent<'_, P>,
    state: &mut P,
    info: &ProcessInfo,
    msg: &Message,
    outbox: &mut Outbox,
    reference: &mut u64,
) -> Result<(), Failure> {
    let Some(default) = lent.registry.default_handler().cloned() else {
        return Ok(());
    };
    let mut ctx = lent.ctx(info, msg, outbox, reference);
    default(state, &mut ctx, msg)
        .map_err(|e| Failure::handling(msg.action(), Stage::Default, &e))?;
    lent.registry.sync(state);
    Ok(())
}

/// A step of the dispatcher reached through a function pointer that the first use of its
/// feature sets (the default handler's run, the awaits' resumption), so a process that
/// never uses the feature carries no code for it: what [`walk`] is given, returning `R`.
pub(crate) type StepFn<P, R> = fn(
    &mut Lent<'_, P>,
    &mut P,
    &ProcessInfo,
    &Message,
    &mut Outbox,
    &mut u64,
) -> Result<R, Failure>;

/// What runs the default handler: [`run_default`] for the registry's process type.
pub(crate) type DefaultRun<P> = StepFn<P, ()>;

/// The runtime's parts a handler's [`Ctx`] may reach while a message is handled.
pub(crate) struct Lent<'s, P> {
    pub(super) registry: &'s mut Registry<P>,
    pub(crate) pending: &'s mut Pending<P>,
    pub(super) inbox: &'s VecDeque<Rc<Message>>,
    pub(super) clock: Option<u64>,
}

impl<P: 'static> Lent<'_, P> {
    pub(crate) fn ctx<'c>(
        &'c mut self,
        info: &'c ProcessInfo,
        msg: &'c Message,
        outbox: &'c mut Outbox,
        reference: &'c mut u64,
    ) -> Ctx<'c> {
        Ctx::new(info, msg, outbox, reference).with_parts(Parts {
            clock: self.clock,
            registry: Some(&mut *self.registry),
            pending: Some(&mut *self.pending),
            inbox: Some(self.inbox),
            state_type: std::any::type_name::<P>(),
        })
    }
}
