//! The handler registry: an ordered list of dynamic entries with AOS semantics.
//!
//! Entries added by the macros at start-up and entries added at run time (for example by
//! Lua blueprints through `Handlers.add`) live in the same list and are walked in order.

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
    /// Which messages it takes.
    pub pattern: Pattern,
    /// Who may trigger it.
    pub caller: Caller,
    /// How many more runs it has.
    pub runs: Runs,
    /// True when the handler never changes state (`&self` handlers).
    pub read_only: bool,
    run: HandlerFn<P>,
    guard: Option<GuardFn<P>>,
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
            pattern,
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

/// The ordered list of handlers, plus the default handler.
///
/// The list is shared copy-on-write: the dispatcher keeps a copy for rollback and walks
/// another for every message, and both are O(1) until a handler list actually changes.
pub struct Registry<P> {
    list: Rc<Vec<Handler<P>>>,
    default: Option<HandlerFn<P>>,
}

impl<P> Clone for Registry<P> {
    fn clone(&self) -> Self {
        Registry {
            list: self.list.clone(),
            default: self.default.clone(),
        }
    }
}

impl<P> Default for Registry<P> {
    fn default() -> Self {
        Registry {
            list: Rc::new(Vec::new()),
            default: None,
        }
    }
}

impl<P> fmt::Debug for Registry<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.list.iter()).finish()
    }
}

impl<P> Registry<P> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn list_mut(&mut self) -> &mut Vec<Handler<P>> {
        Rc::make_mut(&mut self.list)
    }

    /// A copy of the handler list that shares storage until either side changes.
    pub(crate) fn shared_list(&self) -> Rc<Vec<Handler<P>>> {
        Rc::clone(&self.list)
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.list.iter().position(|h| h.name == name)
    }

    /// Adds at the end, or replaces in place a handler with the same name (AOS `add`/`append`).
    pub fn add(&mut self, handler: Handler<P>) -> &mut Self {
        match self.position(&handler.name) {
            Some(i) => self.list_mut()[i] = handler,
            None => self.list_mut().push(handler),
        }
        self
    }

    /// Same as [`Registry::add`].
    pub fn append(&mut self, handler: Handler<P>) -> &mut Self {
        self.add(handler)
    }

    /// Adds at the front, or replaces in place a handler with the same name.
    pub fn prepend(&mut self, handler: Handler<P>) -> &mut Self {
        match self.position(&handler.name) {
            Some(i) => self.list_mut()[i] = handler,
            None => self.list_mut().insert(0, handler),
        }
        self
    }

    /// Inserts before the handler called `name` (at the end when there is none).
    pub fn before(&mut self, name: &str, handler: Handler<P>) -> &mut Self {
        self.remove(&handler.name);
        let at = self.position(name).unwrap_or(self.list.len());
        self.list_mut().insert(at, handler);
        self
    }

    /// Inserts after the handler called `name` (at the end when there is none).
    pub fn after(&mut self, name: &str, handler: Handler<P>) -> &mut Self {
        self.remove(&handler.name);
        let at = self.position(name).map_or(self.list.len(), |i| i + 1);
        self.list_mut().insert(at, handler);
        self
    }

    /// Adds a handler that runs once.
    pub fn once(&mut self, handler: Handler<P>) -> &mut Self {
        self.add(handler.once())
    }

    /// Removes the handler called `name`; returns it.
    pub fn remove(&mut self, name: &str) -> Option<Handler<P>> {
        let i = self.position(name)?;
        Some(self.list_mut().remove(i))
    }

    /// Sets the default handler, run when no handler broke the walk. Without one, the
    /// runtime keeps such messages in the inbox.
    pub fn set_default(
        &mut self,
        run: impl Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error> + 'static,
    ) -> &mut Self {
        self.default = Some(Rc::new(run));
        self
    }

    /// The default handler.
    pub fn default_handler(&self) -> Option<&HandlerFn<P>> {
        self.default.as_ref()
    }

    /// The handler called `name`.
    pub fn get(&self, name: &str) -> Option<&Handler<P>> {
        self.list.iter().find(|h| h.name == name)
    }

    /// Handler names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|h| h.name.as_str())
    }

    /// The handlers in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Handler<P>> {
        self.list.iter()
    }

    /// The handler at `index`.
    pub fn at(&self, index: usize) -> Option<&Handler<P>> {
        self.list.get(index)
    }

    /// Number of handlers (not counting the default).
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when no handler is registered.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Registers handlers that work on one part of the process state: the way a blueprint
    /// (a token, a chat room) plugs into any process. `part` finds that part in the state.
    ///
    /// ```
    /// # use aoxide::{Ctx, Error, Message, Registry};
    /// struct Room { members: Vec<String> }
    /// struct Game { room: Room }
    ///
    /// fn join(room: &mut Room, _ctx: &mut Ctx<'_>, msg: &Message) -> Result<(), Error> {
    ///     room.members.push(msg.from.clone());
    ///     Ok(())
    /// }
    ///
    /// let mut registry = Registry::<Game>::new();
    /// registry.scoped(|g: &mut Game| &mut g.room).action("Join", join);
    /// assert_eq!(registry.names().collect::<Vec<_>>(), ["Join"]);
    /// ```
    pub fn scoped<S, F>(&mut self, part: F) -> Scoped<'_, P, F>
    where
        F: Fn(&mut P) -> &mut S + Clone + 'static,
    {
        Scoped {
            registry: self,
            part,
        }
    }

    /// Mounts the part `S` on one field of the process state: adds `S`'s handlers (see
    /// [`Mount::handlers`]), each named `"{name}.{handler}"`, running on the field `part`
    /// returns (`part_ref` is the same field, read-only, for state guards).
    /// `#[aoxide::handlers(mount(name = Type))]` calls it; by hand:
    /// `registry.mount::<Token>("token", |p| &mut p.token, |p| &p.token)`.
    pub fn mount<S: Mount>(
        &mut self,
        name: &str,
        part: fn(&mut P) -> &mut S,
        part_ref: fn(&P) -> &S,
    ) -> &mut Self
    where
        P: 'static,
    {
        for handler in S::handlers() {
            let run = handler.run;
            let guard = handler.guard.map(|g| -> GuardFn<P> {
                Rc::new(move |p: &P, msg: &Message| g(part_ref(p), msg))
            });
            self.add(Handler {
                name: format!("{name}.{}", handler.name),
                pattern: handler.pattern,
                caller: handler.caller,
                runs: handler.runs,
                read_only: handler.read_only,
                run: Rc::new(move |p: &mut P, ctx: &mut Ctx<'_>, msg: &Message| {
                    run(part(p), ctx, msg)
                }),
                guard,
            });
        }
        self
    }

    /// Counts one run of the handler called `name`; removes it when it has no runs left.
    pub(crate) fn count_run(&mut self, name: &str) {
        if let Some(i) = self.position(name) {
            if let Runs::Remaining(n) = self.list[i].runs {
                if n <= 1 {
                    self.list_mut().remove(i);
                } else {
                    self.list_mut()[i].runs = Runs::Remaining(n - 1);
                }
            }
        }
    }
}

/// A set of handlers over a state type that other processes can mount on one of their
/// fields (a blueprint). `#[aoxide::handlers]` implements it for every type it implements
/// [`crate::Process`] for, so any process is also a part: see [`Registry::mount`].
pub trait Mount: crate::state::Transactional + crate::snapshot::Schema + Sized + 'static {
    /// The part's `"part": "handlers"` interface record (one line of JSON).
    const HANDLERS_JSON: &'static str;

    /// Builds the part from the spawn message (the part's `#[init]`, else `Default`).
    fn init_part(ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error>;

    /// The part's handlers in registration order, named as in the part's own process.
    fn handlers() -> Vec<Handler<Self>>;
}

/// Registration of handlers on one part of the state; see [`Registry::scoped`].
pub struct Scoped<'r, P, F> {
    registry: &'r mut Registry<P>,
    part: F,
}

/// A handler over one part `S` of the process state.
pub type PartFn<S> = fn(&mut S, &mut Ctx<'_>, &Message) -> Result<(), Error>;

impl<P: 'static, F> Scoped<'_, P, F> {
    /// Adds `handler` (see [`Registry::add`]) whose function runs on the part. A state
    /// guard ([`Handler::guard`]) needs read access to the part: use [`Registry::mount`];
    /// here a guarded handler is refused (never registered, so it never runs unguarded).
    pub fn handler<S: 'static>(&mut self, handler: Handler<S>) -> &mut Self
    where
        F: Fn(&mut P) -> &mut S + Clone + 'static,
    {
        if handler.guard.is_some() {
            return self;
        }
        let part = self.part.clone();
        let run = handler.run;
        self.registry.add(Handler {
            name: handler.name,
            pattern: handler.pattern,
            caller: handler.caller,
            runs: handler.runs,
            read_only: handler.read_only,
            run: Rc::new(move |p: &mut P, ctx: &mut Ctx<'_>, msg: &Message| run(part(p), ctx, msg)),
            guard: None,
        });
        self
    }

    /// Adds a handler for `Action = action` running `run` on the part.
    pub fn action<S: 'static>(&mut self, action: &str, run: PartFn<S>) -> &mut Self
    where
        F: Fn(&mut P) -> &mut S + Clone + 'static,
    {
        self.handler(Handler::action(action, run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &str) -> Handler<()> {
        Handler::action(name, |_, _, _| Ok(()))
    }

    fn names(r: &Registry<()>) -> Vec<&str> {
        r.names().collect()
    }

    #[test]
    fn ordering_operations() {
        let mut r = Registry::new();
        r.add(h("b")).add(h("d"));
        r.prepend(h("a"));
        r.before("d", h("c"));
        r.after("d", h("e"));
        assert_eq!(names(&r), ["a", "b", "c", "d", "e"]);
        r.add(h("c"));
        assert_eq!(
            names(&r),
            ["a", "b", "c", "d", "e"],
            "re-adding replaces in place"
        );
        r.after("a", h("e"));
        assert_eq!(
            names(&r),
            ["a", "e", "b", "c", "d"],
            "after moves an existing name"
        );
        assert!(r.remove("b").is_some());
        assert!(r.remove("missing").is_none());
        assert_eq!(names(&r), ["a", "e", "c", "d"]);
    }

    #[test]
    fn runs_are_counted_and_exhausted_handlers_removed() {
        let mut r = Registry::new();
        r.add(h("twice").max_runs(2)).once(h("one"));
        r.count_run("twice");
        assert_eq!(r.get("twice").unwrap().runs, Runs::Remaining(1));
        r.count_run("twice");
        r.count_run("one");
        assert!(r.is_empty());
    }

    #[test]
    fn scoped_handlers_run_on_their_part() {
        #[derive(Default)]
        struct Whole {
            left: u32,
            right: u32,
        }
        fn bump(n: &mut u32, _: &mut Ctx<'_>, _: &Message) -> Result<(), Error> {
            *n += 1;
            Ok(())
        }
        let mut r = Registry::<Whole>::new();
        r.scoped(|w: &mut Whole| &mut w.left).action("L", bump);
        r.scoped(|w: &mut Whole| &mut w.right)
            .handler(Handler::action("R", bump).max_runs(2));
        assert_eq!(r.get("R").unwrap().runs, Runs::Remaining(2));
        let p = ProcessInfo::default();
        let m = Message::new("x");
        let mut out = crate::Outbox::default();
        let mut reference = 0;
        let mut w = Whole::default();
        for name in ["L", "R", "R"] {
            let mut ctx = Ctx::new(&p, &m, &mut out, &mut reference);
            r.get(name).unwrap().call(&mut w, &mut ctx, &m).unwrap();
        }
        assert_eq!((w.left, w.right), (1, 2));
    }

    #[test]
    fn callers() {
        let p = ProcessInfo {
            id: "PID".into(),
            owner: "OWNER".into(),
            authorities: vec!["AUTH".into()],
            ..ProcessInfo::default()
        };
        let owner = Message::new("OWNER").with_action("X");
        let stranger = Message::new("STRANGER").with_action("X");
        let mut from_self = Message::new("AUTH").with_action("X");
        from_self.from = "PID".into();
        let only_owner = h("X").from(Caller::Owner);
        assert_eq!(only_owner.evaluate(&p, &owner), Match::Break);
        assert_eq!(only_owner.evaluate(&p, &stranger), Match::Skip);
        let only_self = h("X").from(Caller::Process);
        assert_eq!(only_self.evaluate(&p, &from_self), Match::Break);
        assert_eq!(only_self.evaluate(&p, &owner), Match::Skip);
        assert_eq!(
            h("X").from(Caller::Authority).evaluate(&p, &from_self),
            Match::Break
        );
        let addr = h("X").from(Caller::Address("STRANGER".into()));
        assert_eq!(addr.evaluate(&p, &stranger), Match::Break);
    }
}
