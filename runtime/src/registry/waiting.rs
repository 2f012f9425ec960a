//! Handlers waiting for the one they are placed next to ([`Registry::place`]): placing
//! them when it is added, removing one, and failing a message one of them would take.
//!
//! The runtime reaches this code only through a [`Placer`], which the first
//! [`Registry::place`] that makes a handler wait sets: until then no handler waits, so a
//! process that never places a handler next to a missing one (most of them) carries none
//! of it in its module (measured: about 1.2 KB of every module).

use std::rc::Rc;

use super::{Handler, Position, Registry};
use crate::error::Error;
use crate::failure::{Failure, Stage};
use crate::message::Message;
use crate::pattern::Match;
use crate::trust::ProcessInfo;

/// The handlers waiting to be placed, with their positions alongside, one for each: in one
/// `Rc` with the registry, so that copying a registry (for every message's rollback) is a
/// reference count, with no code for copying positions in a module that never places.
pub(super) struct Waiting<P> {
    pub(super) handlers: Vec<Handler<P>>,
    pub(super) positions: Vec<Position>,
}

impl<P> Default for Waiting<P> {
    fn default() -> Self {
        Waiting {
            handlers: Vec::new(),
            positions: Vec::new(),
        }
    }
}

impl<P> Clone for Waiting<P> {
    fn clone(&self) -> Self {
        Waiting {
            handlers: self.handlers.clone(),
            positions: self.positions.clone(),
        }
    }
}

/// The waiting handlers' code, as function pointers (see the module's text).
pub(super) struct Placer<P> {
    /// Inserts a handler whose name is new to the list, then places those waiting for it.
    pub(super) insert: fn(&mut Registry<P>, usize, Handler<P>),
    /// Removes the waiting handler with this name.
    pub(super) remove: fn(&mut Registry<P>, &str) -> Option<Handler<P>>,
    /// Fails a message a waiting handler would take.
    check: fn(&Registry<P>, &P, &ProcessInfo, &Message) -> Result<(), Failure>,
}

impl<P> Clone for Placer<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Placer<P> {}

impl<P> Placer<P> {
    pub(super) fn new() -> Self {
        Placer {
            insert: Registry::insert_placing,
            remove: Registry::remove_waiting_named,
            check: Registry::check_waiting_with,
        }
    }
}

impl<P> Registry<P> {
    /// Fails `msg` when a handler still waiting to be placed would take it, naming the
    /// handler and the one it waits for (the walk calls this before any handler runs).
    pub(crate) fn check_waiting(
        &self,
        state: &P,
        info: &ProcessInfo,
        msg: &Message,
    ) -> Result<(), Failure> {
        match self.placer {
            None => Ok(()),
            Some(placer) => (placer.check)(self, state, info, msg),
        }
    }

    fn check_waiting_with(
        &self,
        state: &P,
        info: &ProcessInfo,
        msg: &Message,
    ) -> Result<(), Failure> {
        let Some((handler, position)) = self
            .waiting()
            .find(|(h, _)| h.evaluate_on(state, info, msg) != Match::Skip)
        else {
            return Ok(());
        };
        let error = Error::msg(format!(
            "it is placed {position} and would take this message, but the process has no handler `{}` (yet): it goes in when one is added",
            position.target()
        ));
        Err(Failure::handling(
            msg.action(),
            Stage::Handler(&handler.name),
            &error,
        ))
    }

    /// Inserts `handler` at `at` (its name is new to the list): one waiting under the same
    /// name is replaced (the rule for names, as [`Registry::add`] replaces in place), and
    /// the handlers waiting for it are placed.
    fn insert_placing(&mut self, at: usize, handler: Handler<P>) {
        if let Some(i) = self.waiting_position(&handler.name) {
            self.remove_waiting(i);
        }
        let name = (!self.waiting.handlers.is_empty()).then(|| handler.name.clone());
        self.list_mut().insert(at, handler);
        if let Some(name) = name {
            self.place_waiting_for(name);
        }
    }

    fn remove_waiting_named(&mut self, name: &str) -> Option<Handler<P>> {
        let i = self.waiting_position(name)?;
        Some(self.remove_waiting(i).0)
    }

    fn waiting_position(&self, name: &str) -> Option<usize> {
        self.waiting.handlers.iter().position(|h| h.name == name)
    }

    /// Removes the waiting handler at `i` with its position.
    fn remove_waiting(&mut self, i: usize) -> (Handler<P>, Position) {
        let waiting = Rc::make_mut(&mut self.waiting);
        (waiting.handlers.remove(i), waiting.positions.remove(i))
    }

    /// Places every handler waiting for `name` (just added), in the order they were
    /// placed, as [`Registry::before`]/[`Registry::after`] would have then; each one
    /// placed may in turn be what others wait for.
    fn place_waiting_for(&mut self, name: String) {
        let mut added = vec![name];
        while let Some(name) = added.pop() {
            while let Some(at) = self.position(&name) {
                let positions = &self.waiting.positions;
                let Some(i) = positions.iter().position(|p| p.target() == name) else {
                    break;
                };
                let (handler, position) = self.remove_waiting(i);
                let at = match position {
                    Position::Before(_) => at,
                    Position::After(_) => at + 1,
                };
                added.push(handler.name.clone());
                self.list_mut().insert(at, handler);
            }
        }
    }
}
