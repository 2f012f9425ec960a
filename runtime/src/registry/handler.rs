//! One entry of the registry: [`Handler`], who may trigger it ([`Caller`]) and how many
//! runs it has left ([`Runs`]).

use std::fmt;
use std::rc::Rc;

use crate::context::Ctx;
use crate::error::Error;
use crate::message::Message;
use crate::pattern::{Match, Pattern};
use crate::trust::ProcessInfo;

/// The function a handler runs.
pub type HandlerFn<P> = Rc<dyn Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error>>;

/// A match condition that reads the state (`when = self.method`, `from = self.field`).
pub type GuardFn<P> = Rc<dyn Fn(&P, &Message) -> bool>;

/// Who may trigger a handler. A message from anyone else does not match it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Caller {
    /// Any trusted sender.
    #[default]
    Anyone,
    /// Only the process owner.
    Owner,
    /// Only the process itself.
    Process,
    /// The owner or the process itself.
    OwnerOrProcess,
    /// Only senders forwarded by an authority (other processes).
    Authority,
    /// Only this address.
    Address(String),
    /// Only the address held in this state field (`from = self.token`), checked against
    /// the state when the message arrives.
    Field(String),
}

impl Caller {
    /// True if `msg` comes from an allowed caller.
    pub fn allows(&self, process: &ProcessInfo, msg: &Message) -> bool {
        match self {
            Caller::Anyone => true,
            Caller::Owner => process.is_owner(msg),
            Caller::Process => process.is_self(msg),
            Caller::OwnerOrProcess => process.is_owner(msg) || process.is_self(msg),
            Caller::Authority => process.authorities.contains(&msg.owner),
            Caller::Address(a) => msg.from == *a,
            // Checked by the handler's guard, which reads the state.
            Caller::Field(_) => true,
        }
    }
}

/// How many more times a handler may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Runs {
    /// No limit (AOS `"inf"`).
    #[default]
    Unlimited,
    /// This many more runs; the handler is removed when it reaches zero.
    Remaining(u32),
}

/// One entry of the registry.
pub struct Handler<P> {
    /// Unique name; adding a handler with an existing name replaces it in place.
    pub name: String,
    /// Which messages it takes; shared, so copying the handler list when it changes (the
    /// registry is copy-on-write) costs one reference count per pattern.
    pub pattern: Rc<Pattern>,
    /// Who may trigger it.
    pub caller: Caller,
    /// How many more runs it has.
    pub runs: Runs,
    /// True when the handler never changes state (`&self` handlers).
    pub read_only: bool,
    pub(crate) run: HandlerFn<P>,
    pub(crate) guard: Option<GuardFn<P>>,
}

impl<P> Clone for Handler<P> {
    fn clone(&self) -> Self {
        Handler {
            name: self.name.clone(),
            pattern: self.pattern.clone(),
            caller: self.caller.clone(),
            runs: self.runs,
            read_only: self.read_only,
            run: self.run.clone(),
            guard: self.guard.clone(),
        }
    }
}

impl<P> fmt::Debug for Handler<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handler")
            .field("name", &self.name)
            .field("pattern", &self.pattern)
            .field("caller", &self.caller)
            .field("runs", &self.runs)
            .finish()
    }
}

impl<P> Handler<P> {
    /// A handler called `name`.
    pub fn new(
        name: impl Into<String>,
        pattern: Pattern,
        run: impl Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error> + 'static,
    ) -> Self {
        Handler::with_fn(name.into(), pattern, Rc::new(run))
    }

    /// A handler running the function `run` (what `#[aoxide::handlers]` generates: one
    /// code path for every handler, so each costs little in a wasm module).
    pub fn from_fn(name: &str, pattern: Pattern, run: PartFn<P>) -> Self
    where
        P: 'static,
    {
        Handler::with_fn(name.to_owned(), pattern, Rc::new(run))
    }

    /// [`Handler::new`] without the generic parts.
    #[inline(never)]
    fn with_fn(name: String, pattern: Pattern, run: HandlerFn<P>) -> Self {
        Handler {
            name,
            pattern: Rc::new(pattern),
            caller: Caller::Anyone,
            runs: Runs::Unlimited,
            read_only: false,
            run,
            guard: None,
        }
    }

    /// A handler that takes `Action = action`, named after the action.
    pub fn action(
        action: &str,
        run: impl Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error> + 'static,
    ) -> Self {
        Handler::new(action, Pattern::action(action), run)
    }

    /// Restricts callers.
    pub fn from(mut self, caller: Caller) -> Self {
        self.caller = caller;
        self
    }

    /// Limits the number of runs.
    pub fn max_runs(mut self, n: u32) -> Self {
        self.runs = Runs::Remaining(n);
        self
    }

    /// Runs once, then removes itself.
    pub fn once(self) -> Self {
        self.max_runs(1)
    }

    /// Marks the handler read-only.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Adds a condition on the state and the message; when it is false the handler is
    /// skipped (the message falls through to later handlers, or the inbox).
    pub fn guard(mut self, guard: impl Fn(&P, &Message) -> bool + 'static) -> Self {
        self.guard = Some(Rc::new(guard));
        self
    }

    /// Decides whether this handler takes `msg`, without its state guard (see
    /// [`Handler::evaluate_on`]).
    pub fn evaluate(&self, process: &ProcessInfo, msg: &Message) -> Match {
        if !self.caller.allows(process, msg) {
            return Match::Skip;
        }
        self.pattern.evaluate(msg)
    }

    /// Decides whether this handler takes `msg` when the state is `state`: the caller,
    /// the guard, then the pattern.
    pub fn evaluate_on(&self, state: &P, process: &ProcessInfo, msg: &Message) -> Match {
        if !self.caller.allows(process, msg) {
            return Match::Skip;
        }
        if let Some(guard) = &self.guard {
            if !guard(state, msg) {
                return Match::Skip;
            }
        }
        self.pattern.evaluate(msg)
    }

    /// Runs the handler.
    pub fn call(&self, state: &mut P, ctx: &mut Ctx<'_>, msg: &Message) -> Result<(), Error> {
        (self.run)(state, ctx, msg)
    }
}

/// A handler over one part `S` of the process state.
pub type PartFn<S> = fn(&mut S, &mut Ctx<'_>, &Message) -> Result<(), Error>;
