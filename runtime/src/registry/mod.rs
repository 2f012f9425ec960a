//! The handler registry: an ordered list of dynamic entries with AOS semantics.
//!
//! Entries added by the macros at start-up and entries added at run time (for example by
//! Lua blueprints through `Handlers.add`) live in the same list and are walked in order.
//! A handler placed next to one that is not there yet waits for it ([`Registry::place`]).

mod handler;
pub(crate) mod parts;
mod waiting;

use std::fmt;
use std::rc::Rc;

use crate::context::Ctx;
use crate::error::Error;
use crate::message::Message;

use self::waiting::{Placer, Waiting};
use crate::runtime::{run_default, DefaultRun};

pub use handler::{Caller, GuardFn, Handler, HandlerFn, PartFn, Runs};
pub use parts::{LiveMount, Mount, Scoped};

/// A function that may edit the registry after the state changed; see
/// [`Registry::add_sync`].
pub type SyncFn<P> = Rc<dyn Fn(&mut P, &mut Registry<P>)>;

/// A place next to another handler, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Right before the handler with this name.
    Before(String),
    /// Right after the handler with this name.
    After(String),
}

impl Position {
    /// The name of the handler it is next to.
    pub fn target(&self) -> &str {
        match self {
            Position::Before(n) | Position::After(n) => n,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Before(n) => write!(f, "before `{n}`"),
            Position::After(n) => write!(f, "after `{n}`"),
        }
    }
}

/// The ordered list of handlers, plus the default handler, the handlers waiting for the
/// one they are placed next to, and the syncs of the parts whose handlers change at run
/// time.
///
/// Everything is shared copy-on-write: the dispatcher keeps a copy for rollback and walks
/// another for every message, and both are O(1) until a handler list actually changes.
///
/// The handlers waiting to be placed are in a list of the same type as the handlers (one
/// copy and drop code for both), with their positions alongside, one for each.
pub struct Registry<P> {
    list: Rc<Vec<Handler<P>>>,
    default: Option<HandlerFn<P>>,
    waiting: Rc<Waiting<P>>,
    syncs: Rc<Vec<SyncFn<P>>>,
    /// The code that runs the syncs, set by the first [`Registry::add_sync`]: a process
    /// without a part whose handlers change at run time carries none of it.
    sync_run: Option<fn(&mut Registry<P>, &mut P)>,
    /// The code that runs the default handler, set with it by [`Registry::set_default`]: a
    /// process without one carries none of it.
    default_run: Option<DefaultRun<P>>,
    /// The code that works on waiting handlers, set by the first [`Registry::place`] that
    /// made one wait: a process that never places a handler next to a missing one carries
    /// none of it (see `waiting`).
    placer: Option<Placer<P>>,
}

impl<P> Clone for Registry<P> {
    fn clone(&self) -> Self {
        Registry {
            list: self.list.clone(),
            default: self.default.clone(),
            waiting: self.waiting.clone(),
            syncs: self.syncs.clone(),
            sync_run: self.sync_run,
            default_run: self.default_run,
            placer: self.placer,
        }
    }
}

impl<P> Default for Registry<P> {
    fn default() -> Self {
        Registry {
            list: Rc::new(Vec::new()),
            default: None,
            waiting: Rc::new(Waiting::default()),
            syncs: Rc::new(Vec::new()),
            sync_run: None,
            default_run: None,
            placer: None,
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

    /// Inserts `handler` at `at` (its name is new to the list), then, once a handler ever
    /// waited, places the handlers waiting for it.
    fn insert_new(&mut self, at: usize, handler: Handler<P>) {
        match self.placer {
            None => self.list_mut().insert(at, handler),
            Some(placer) => (placer.insert)(self, at, handler),
        }
    }

    /// Adds at the end, or replaces in place a handler with the same name (AOS `add`/`append`).
    pub fn add(&mut self, handler: Handler<P>) -> &mut Self {
        match self.position(&handler.name) {
            Some(i) => self.list_mut()[i] = handler,
            None => self.insert_new(self.list.len(), handler),
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
            None => self.insert_new(0, handler),
        }
        self
    }

    /// Inserts before the handler called `name` (at the end when there is none).
    pub fn before(&mut self, name: &str, handler: Handler<P>) -> &mut Self {
        self.remove(&handler.name);
        let at = self.position(name).unwrap_or(self.list.len());
        self.insert_new(at, handler);
        self
    }

    /// Inserts after the handler called `name` (at the end when there is none).
    pub fn after(&mut self, name: &str, handler: Handler<P>) -> &mut Self {
        self.remove(&handler.name);
        let at = self.position(name).map_or(self.list.len(), |i| i + 1);
        self.insert_new(at, handler);
        self
    }

    /// Places `handler` before or after the handler `position` names. When there is no
    /// such handler yet, `handler` waits (it is not in the list, and runs for no message)
    /// and goes in when a handler with that name is added: one that a part adds at run
    /// time, such as a Lua handler. Placing is done once, as AOS's `Handlers.before(name)`
    /// does: the handler then stays where it went, whatever happens to the other later.
    ///
    /// A message that a waiting handler would take fails, with an error naming the
    /// handler and the one it waits for, rather than skip it silently (a fee that must
    /// run before a broadcast, say). `#[handler(before = "..")]` naming a handler outside
    /// its own impl calls this. [`Registry::waiting`] lists the handlers still waiting;
    /// [`Registry::remove`] removes one, and a handler added under the same name replaces
    /// it (the rule for names).
    ///
    /// ```
    /// # use aoxide::{Handler, Registry};
    /// # use aoxide::registry::Position;
    /// let mut r = Registry::<()>::new();
    /// r.add(Handler::action("Join", |_, _, _| Ok(())));
    /// r.place(Position::Before("Broadcast".into()), Handler::action("Fee", |_, _, _| Ok(())));
    /// assert_eq!(r.waiting().count(), 1);
    /// r.add(Handler::action("Broadcast", |_, _, _| Ok(())));
    /// assert_eq!(r.names().collect::<Vec<_>>(), ["Join", "Fee", "Broadcast"]);
    /// assert_eq!(r.waiting().count(), 0);
    /// ```
    pub fn place(&mut self, position: Position, handler: Handler<P>) -> &mut Self {
        if self.position(position.target()).is_some() {
            match &position {
                Position::Before(name) => self.before(name, handler),
                Position::After(name) => self.after(name, handler),
            };
            return self;
        }
        self.remove(&handler.name);
        self.placer.get_or_insert_with(Placer::new);
        let waiting = Rc::make_mut(&mut self.waiting);
        waiting.handlers.push(handler);
        waiting.positions.push(position);
        self
    }

    /// The handlers waiting for the handler they are placed next to (see
    /// [`Registry::place`]), in the order they were placed.
    pub fn waiting(&self) -> impl Iterator<Item = (&Handler<P>, &Position)> {
        self.waiting.handlers.iter().zip(&self.waiting.positions)
    }

    /// Adds a handler that runs once.
    pub fn once(&mut self, handler: Handler<P>) -> &mut Self {
        self.add(handler.once())
    }

    /// Removes the handler called `name` (from the list, or from the handlers waiting to
    /// be placed); returns it.
    pub fn remove(&mut self, name: &str) -> Option<Handler<P>> {
        if let Some(i) = self.position(name) {
            return Some(self.list_mut().remove(i));
        }
        (self.placer?.remove)(self, name)
    }

    /// Adds a sync: a function the runtime runs after the state is made and after every
    /// handler (and the default handler) that succeeded, which may edit the registry. It
    /// is how a part whose handlers change at run time ([`LiveMount`]) turns what its
    /// code did (a Lua `Handlers.add`) into entries. Edits made for a message that then
    /// fails are rolled back with the registry. A sync should cost one check when its part
    /// changed nothing: it runs after every handler.
    pub fn add_sync(&mut self, sync: impl Fn(&mut P, &mut Registry<P>) + 'static) -> &mut Self {
        Rc::make_mut(&mut self.syncs).push(Rc::new(sync));
        self.sync_run = Some(Registry::run_syncs);
        self
    }

    /// Runs the syncs (see [`Registry::add_sync`]), once there are any.
    pub(crate) fn sync(&mut self, state: &mut P) {
        if let Some(run) = self.sync_run {
            run(self, state);
        }
    }

    fn run_syncs(&mut self, state: &mut P) {
        let syncs = Rc::clone(&self.syncs);
        for sync in syncs.iter() {
            sync(state, self);
        }
    }

    /// Sets the default handler, run when no handler broke the walk. Without one, the
    /// runtime keeps such messages in the inbox.
    pub fn set_default(
        &mut self,
        run: impl Fn(&mut P, &mut Ctx<'_>, &Message) -> Result<(), Error> + 'static,
    ) -> &mut Self
    where
        P: 'static,
    {
        self.default = Some(Rc::new(run));
        self.default_run = Some(run_default::<P>);
        self
    }

    /// The default handler.
    pub fn default_handler(&self) -> Option<&HandlerFn<P>> {
        self.default.as_ref()
    }

    /// What runs the default handler, once one was set.
    pub(crate) fn default_run(&self) -> Option<DefaultRun<P>> {
        self.default_run
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::Match;
    use crate::trust::ProcessInfo;

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

    fn waiting(r: &Registry<()>) -> Vec<(&str, &str)> {
        r.waiting()
            .map(|(h, p)| (h.name.as_str(), p.target()))
            .collect()
    }

    #[test]
    fn a_placed_handler_waits_for_its_target_and_goes_in_when_it_is_added() {
        let mut r = Registry::new();
        r.add(h("a"));
        r.place(Position::Before("t".into()), h("fee"));
        r.place(Position::After("t".into()), h("log"));
        assert_eq!(names(&r), ["a"], "waiting handlers are not in the list");
        assert_eq!(waiting(&r), [("fee", "t"), ("log", "t")]);
        r.add(h("z"));
        assert_eq!(waiting(&r).len(), 2, "another name places nothing");
        r.add(h("t"));
        assert_eq!(names(&r), ["a", "z", "fee", "t", "log"]);
        assert!(waiting(&r).is_empty());

        // Placed once: the handler stays where it went when its target moves.
        r.remove("t");
        r.prepend(h("t"));
        assert_eq!(names(&r), ["t", "a", "z", "fee", "log"]);
    }

    #[test]
    fn a_target_that_exists_places_at_once_and_every_insertion_places() {
        let mut r = Registry::new();
        r.add(h("t"));
        r.place(Position::After("t".into()), h("x"));
        assert_eq!(names(&r), ["t", "x"]);

        for insert in 0..3 {
            let mut r = Registry::new();
            r.add(h("a")).add(h("b"));
            r.place(Position::Before("t".into()), h("fee"));
            match insert {
                0 => r.prepend(h("t")),
                1 => r.before("b", h("t")),
                _ => r.after("a", h("t")),
            };
            let at = names(&r).iter().position(|n| *n == "t").unwrap();
            assert_eq!(names(&r)[at - 1], "fee", "{:?}", names(&r));
        }
    }

    #[test]
    fn waiting_handlers_chain_and_follow_the_rule_for_names() {
        let mut r = Registry::new();
        r.place(Position::Before("t".into()), h("fee"));
        r.place(Position::After("fee".into()), h("audit"));
        r.add(h("t"));
        assert_eq!(
            names(&r),
            ["fee", "audit", "t"],
            "placing one places what waits for it"
        );

        let mut r = Registry::new();
        r.place(Position::Before("t".into()), h("fee"));
        r.add(h("fee"));
        assert!(
            waiting(&r).is_empty(),
            "a handler with the same name replaces it"
        );
        r.place(Position::Before("u".into()), h("gone"));
        assert_eq!(r.remove("gone").map(|h| h.name), Some("gone".to_owned()));
        assert!(waiting(&r).is_empty());
        let snapshot = r.clone();
        r.place(Position::Before("v".into()), h("later"));
        assert!(waiting(&snapshot).is_empty(), "clones do not share edits");
    }
}
