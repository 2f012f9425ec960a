//! Parts of the state with their own handlers: a blueprint ([`Mount`], its handlers fixed
//! at compile time), a part whose handlers come and go at run time ([`LiveMount`], a Lua
//! VM), and handlers written on one part by hand ([`Registry::scoped`]).

use std::marker::PhantomData;
use std::rc::Rc;

use super::handler::{GuardFn, Handler, PartFn};
use super::Registry;
use crate::context::Ctx;
use crate::error::Error;
use crate::message::Message;
use crate::state::Transactional;

/// A set of handlers over a state type that other processes can mount on one of their
/// fields (a blueprint). `#[aoxide::handlers]` implements it for every type it implements
/// [`crate::Process`] for, so any process is also a part: see [`Registry::mount`].
pub trait Mount: Transactional + crate::snapshot::Schema + Sized + 'static {
    /// The part's `"part": "handlers"` interface record (one line of JSON).
    const HANDLERS_JSON: &'static str;

    /// Builds the part from the spawn message (the part's `#[init]`, else `Default`).
    fn init_part(ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error>;

    /// The part's handlers in registration order, named as in the part's own process.
    fn handlers() -> Vec<Handler<Self>>;
}

/// How a part whose handlers change at run time (a Lua VM, whose code calls
/// `Handlers.add`: `aoxide_lua::LuaMount`) plugs into a process `P`, on one field of its
/// state, like a blueprint.
///
/// The value is what the part needs from the process (for Lua: its files, limits and the
/// Rust functions it may call). `#[aoxide::handlers(mount(lua = Self::lua()))]` mounts it
/// on the field `lua`, where `Self::lua()` returns the mount: the runtime calls
/// [`LiveMount::mount`] once when it starts and [`LiveMount::init_part`] for the spawn (an
/// `#[init]` parameter named after the field gets the part). The part's handlers keep the
/// names its code gives them, in one ordered list with the Rust handlers; a Rust handler
/// may be placed `before`/`after` one of them ([`Registry::place`] waits for it).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the mount of a part whose handlers change at run time",
    label = "`mount(field = ..)` takes a blueprint type, or a call returning a live mount",
    note = "mount a blueprint by its type (`mount(token = Token)`); for a Lua part, return the mount from a function: `fn lua() -> aoxide_lua::LuaMount<Self>` and `mount(lua = Self::lua())`"
)]
pub trait LiveMount<P: 'static>: Sized + 'static {
    /// The type of the field holding the part.
    type Part: Transactional + 'static;

    /// Builds the part from the spawn message (in the process' init).
    fn init_part(&self, ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self::Part, Error>;

    /// Adds the part's fixed handlers to `registry`, and a sync ([`Registry::add_sync`])
    /// that turns what the part's code does to its handlers into registry edits; `part`
    /// finds the part in the state. Runs once, when the runtime starts.
    fn mount(&self, part: fn(&mut P) -> &mut Self::Part, registry: &mut Registry<P>);
}

/// How the generated code reaches a live mount: [`check_live`] asks for the bound once,
/// and the calls through `(&&LiveOf(mount))` compile whatever the type is (they do
/// nothing when it is no [`LiveMount`]), so a wrong type is one error, at the check.
#[doc(hidden)]
pub struct LiveOf<P, M>(pub M, pub PhantomData<fn(&mut P)>);

/// Asks for `M: LiveMount<P>` (see [`LiveOf`]).
#[doc(hidden)]
pub fn check_live<P: 'static, M: LiveMount<P>>(_: &M) {}

/// The calls on a [`LiveMount`] (see [`LiveOf`]).
#[doc(hidden)]
pub trait ViaLive<P> {
    /// The part.
    type Part;
    /// [`LiveMount::init_part`].
    fn live_init(&self, ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self::Part, Error>;
    /// [`LiveMount::mount`].
    fn live_mount(&self, part: fn(&mut P) -> &mut Self::Part, registry: &mut Registry<P>);
}

impl<P: 'static, M: LiveMount<P>> ViaLive<P> for &LiveOf<P, M> {
    type Part = M::Part;
    fn live_init(&self, ctx: &mut Ctx<'_>, msg: &Message) -> Result<M::Part, Error> {
        self.0.init_part(ctx, msg)
    }
    fn live_mount(&self, part: fn(&mut P) -> &mut M::Part, registry: &mut Registry<P>) {
        self.0.mount(part, registry);
    }
}

/// What the generated code calls when the type is no [`LiveMount`] (then [`check_live`]
/// has reported it; this only keeps the rest compiling).
#[doc(hidden)]
pub trait NotLive<P> {
    /// Never called in a program that compiles.
    fn live_init<T>(&self, _: &mut Ctx<'_>, _: &Message) -> Result<T, Error> {
        Err(Error::msg("not a live mount"))
    }
    /// Never called in a program that compiles.
    fn live_mount<T>(&self, _: fn(&mut P) -> &mut T, _: &mut Registry<P>) {}
}

impl<P, M> NotLive<P> for LiveOf<P, M> {}

impl<P: 'static> Registry<P> {
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
    ) -> &mut Self {
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

    /// Mounts a part whose handlers change at run time on the field `part` finds (see
    /// [`LiveMount`]); what `#[aoxide::handlers(mount(lua = Self::lua()))]` calls.
    pub fn mount_live<M: LiveMount<P>>(
        &mut self,
        mount: &M,
        part: fn(&mut P) -> &mut M::Part,
    ) -> &mut Self {
        mount.mount(part, self);
        self
    }
}

/// Registration of handlers on one part of the state; see [`Registry::scoped`].
pub struct Scoped<'r, P, F> {
    registry: &'r mut Registry<P>,
    part: F,
}

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
