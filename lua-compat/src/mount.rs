//! [`LuaMount`]: how a process mounts its [`LuaPart`] into the one registry.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use aoxide::{Caller, Ctx, Error, Handler, LiveMount, Message, Pattern, Registry};
use mlua::{FromLuaMulti, IntoLuaMulti, Lua, MultiValue};

use crate::error::LuaError;
use crate::lent::Lent;
use crate::part::{LuaPart, LuaSource};
use crate::vm::{Limits, Place, Vm};

type Exposed<P> = Rc<dyn Fn(&mut P, &Lua, MultiValue) -> mlua::Result<MultiValue>>;

/// How a process mounts a [`LuaPart`]: the Lua files run at spawn, the VM's limits, and
/// the Rust functions Lua may call (under the global table `Rust`).
///
/// It is an [`aoxide::LiveMount`]: a process returns it from a function and mounts it on
/// the field holding the part, as it mounts a blueprint. Here a Rust handler runs in front
/// of a Lua one, and Lua calls Rust:
///
/// ```
/// use aoxide::{Env, Message, Runtime};
/// use aoxide_lua::{LuaMount, LuaPart, LuaSource};
///
/// const LUA: &[LuaSource] = &[LuaSource::new(
///     "greet.lua",
///     r#"Handlers.add("Greet", "Greet", function(msg)
///          msg.reply({ Data = "Hello, visitor " .. Rust.count() })
///        end)"#,
/// )];
///
/// #[aoxide::process]
/// struct Greeter {
///     lua: LuaPart,
///     greeted: u64,
/// }
///
/// #[aoxide::handlers(mount(lua = Self::lua()))]
/// impl Greeter {
///     /// `lua` is booted from the spawn: the files run in order.
///     #[init]
///     fn init(lua: LuaPart) -> Self {
///         Greeter { lua, greeted: 0 }
///     }
///
///     /// The Lua files, and the Rust functions Lua may call (`Rust.count()`).
///     fn lua() -> LuaMount<Self> {
///         LuaMount::new(LUA).function("count", |p: &mut Greeter, (): ()| Ok(p.greeted))
///     }
///
///     /// Counts, then lets the Lua `Greet` answer. `Greet` is added by Lua at spawn: this
///     /// handler waits for it, then goes in right in front of it.
///     #[handler(action = "Greet", before = "Greet", continue)]
///     fn count(&mut self) {
///         self.greeted += 1;
///     }
/// }
///
/// let mut rt = Runtime::<Greeter>::new();
/// rt.handle(Message::new("OWNER").with_id("PID"), Some(&Env::new("PID", "OWNER")));
/// let names: Vec<_> = rt.registry().names().collect();
/// assert_eq!(names, ["Eval", "count", "Greet"]);
/// let out = rt.handle(Message::new("ALICE").with_action("Greet"), None);
/// assert_eq!(out.messages[0].data.as_deref(), Some("Hello, visitor 1"));
/// ```
///
/// - The VM boots from the spawn message ([`LuaPart::boot`]) in the process' init.
/// - The owner-only `Eval` handler and the default handler (unhandled messages go to the
///   Lua `Inbox`, with AOS's notice) are registered with the process' handlers.
/// - Lua's `Handlers.add`/`prepend`/`before`/`after`/`once`/`remove` calls become registry
///   entries after every handler (an [`aoxide::Registry::add_sync`]), so Lua and Rust
///   handlers are one ordered list: a Lua `Handlers.prepend` goes in front of Rust
///   handlers, a Rust handler with `before`/`after` may name a Lua handler (it waits for
///   it: [`aoxide::Registry::place`]), and a Lua handler with the name of a Rust one
///   replaces it (AOS's rule for names). Lua handlers keep their Lua names.
pub struct LuaMount<P> {
    sources: &'static [LuaSource],
    limits: Limits,
    functions: Vec<(String, Exposed<P>)>,
}

/// A [`LuaMount`] on its field: what the Lua handlers run with.
struct Mounted<P> {
    part: fn(&mut P) -> &mut LuaPart,
    functions: Vec<(String, Exposed<P>)>,
    /// The process state the exposed functions get: a `RefCell<&mut P>` lent by
    /// [`Mounted::call`] while a Lua handler runs.
    state: Rc<Lent>,
    /// The VM the exposed functions were made in (once per VM, in its `Rust` table).
    installed: RefCell<Weak<Vm>>,
}

/// A Lua error as a handler error: the message, then the Lua traceback.
pub fn handler_error(e: LuaError) -> Error {
    match e.traceback() {
        Some(tb) if !tb.is_empty() => Error::msg(format!("{e}\n{tb}")),
        _ => Error::msg(e),
    }
}

fn short(address: &str) -> String {
    if address.len() > 8 && address.is_ascii() {
        format!("{}...{}", &address[..3], &address[address.len() - 3..])
    } else {
        address.to_owned()
    }
}

impl<P: 'static> LuaMount<P> {
    /// A mount running `sources` in order at spawn (see [`lua_source!`](crate::lua_source)),
    /// with the default [`Limits`].
    pub fn new(sources: &'static [LuaSource]) -> Self {
        LuaMount {
            sources,
            limits: Limits::default(),
            functions: Vec::new(),
        }
    }

    /// The VM's limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Exposes `f` to Lua as `Rust.<name>(...)`, with typed arguments and results. It gets
    /// the whole process state (a Rust token's balances, say); an `Err` is a Lua error.
    pub fn function<A, R>(
        mut self,
        name: &str,
        f: impl Fn(&mut P, A) -> Result<R, Error> + 'static,
    ) -> Self
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
    {
        let exposed: Exposed<P> = Rc::new(move |p: &mut P, lua: &Lua, args: MultiValue| {
            let a = A::from_lua_multi(args, lua)?;
            let r = f(p, a).map_err(|e| mlua::Error::runtime(e.to_string()))?;
            r.into_lua_multi(lua)
        });
        self.functions.push((name.to_owned(), exposed));
        self
    }
}

impl<P: 'static> LiveMount<P> for LuaMount<P> {
    type Part = LuaPart;

    fn init_part(&self, ctx: &mut Ctx<'_>, msg: &Message) -> Result<LuaPart, Error> {
        LuaPart::boot(self.limits, ctx, msg, self.sources).map_err(handler_error)
    }

    fn mount(&self, part: fn(&mut P) -> &mut LuaPart, registry: &mut Registry<P>) {
        let mounted = Rc::new(Mounted {
            part,
            functions: self.functions.clone(),
            state: Rc::new(Lent::new()),
            installed: RefCell::new(Weak::new()),
        });
        mounted.register(registry);
        registry.add_sync(move |state: &mut P, registry: &mut Registry<P>| {
            mounted.sync(state, registry);
        });
    }
}

impl<P: 'static> Mounted<P> {
    /// Runs `body` on the VM with the host functions writing to `ctx` and the exposed Rust
    /// functions reaching `state`.
    fn call<R>(
        &self,
        state: &mut P,
        ctx: &mut Ctx<'_>,
        body: impl FnOnce(&Vm) -> Result<R, LuaError>,
    ) -> Result<R, LuaError> {
        let vm = (self.part)(state).vm.clone();
        self.install(&vm)
            .map_err(|e| crate::vm::lua_error(e, vm.limits()))?;
        let state = RefCell::new(state);
        let ctx = RefCell::new(ctx);
        let ran = self
            .state
            .lend(&state, || vm.hosted(&ctx, || Ok(body(&vm))));
        ran.map_err(|e| crate::vm::lua_error(e, vm.limits()))?
    }

    /// Makes the exposed functions into `vm`'s `Rust` table, once per VM.
    fn install(&self, vm: &Rc<Vm>) -> mlua::Result<()> {
        if self.installed.borrow().as_ptr() == Rc::as_ptr(vm) {
            return Ok(());
        }
        for (name, f) in &self.functions {
            let f = f.clone();
            let lent = self.state.clone();
            let function = vm.lua.create_function(move |lua, args: MultiValue| {
                // SAFETY: only `Mounted::call` lends this slot, a `RefCell<&mut P>`; the
                // reference is dropped before this call returns.
                let Some(state) = (unsafe { lent.get::<RefCell<&mut P>>() }) else {
                    return Err(mlua::Error::runtime(
                        "Rust functions are only available while a handler runs",
                    ));
                };
                let mut p = state.try_borrow_mut().map_err(|_| {
                    mlua::Error::runtime("a Rust function may not call itself back")
                })?;
                f(&mut p, lua, args)
            })?;
            vm.rust_functions().raw_set(name.as_str(), function)?;
        }
        *self.installed.borrow_mut() = Rc::downgrade(vm);
        Ok(())
    }

    /// Registers the owner-only `Eval` handler and the default handler.
    fn register(self: &Rc<Self>, registry: &mut Registry<P>) {
        let mounted = Rc::clone(self);
        registry.add(
            Handler::action("Eval", move |p: &mut P, ctx, msg: &Message| {
                mounted
                    .call(p, ctx, |vm| {
                        vm.message(msg)
                            .map_err(|e| crate::vm::lua_error(e, vm.limits()))?;
                        vm.eval(&msg.data, "aos")
                    })
                    .map_err(handler_error)
            })
            .from(Caller::Owner),
        );
        let mounted = Rc::clone(self);
        registry.set_default(move |p: &mut P, ctx, msg: &Message| {
            if msg.cron {
                return Ok(());
            }
            ctx.print(format!(
                "New Message From {}: Action = {}",
                short(&msg.from),
                msg.action().unwrap_or("")
            ));
            if msg.read_only {
                return Ok(());
            }
            mounted
                .call(p, ctx, |vm| vm.keep_in_inbox(msg))
                .map_err(handler_error)
        });
    }

    /// Applies the handler edits Lua made since the last call; it costs one check when
    /// Lua changed nothing.
    fn sync(self: &Rc<Self>, state: &mut P, registry: &mut Registry<P>) {
        let vm = (self.part)(state).vm.clone();
        if !vm.has_edits() {
            return;
        }
        for edit in vm.take_edits() {
            if edit.place == Place::Remove {
                registry.remove(&edit.name);
                continue;
            }
            let entry = self.entry(&vm, &edit.name, edit.runs);
            match &edit.place {
                Place::Add => registry.add(entry),
                Place::Prepend => registry.prepend(entry),
                Place::Before(anchor) => registry.before(anchor, entry),
                Place::After(anchor) => registry.after(anchor, entry),
                Place::Remove => unreachable!("handled above"),
            };
        }
    }

    /// The registry entry of the Lua handler `name`.
    fn entry(self: &Rc<Self>, vm: &Rc<Vm>, name: &str, runs: u32) -> Handler<P> {
        let matcher = vm.clone();
        let pattern_name = name.to_owned();
        let pattern = Pattern::Test(Rc::new(move |msg: &Message| {
            matcher.decide(&pattern_name, msg)
        }));
        let mounted = Rc::clone(self);
        let run_name = name.to_owned();
        let handler = Handler::new(name, pattern, move |p: &mut P, ctx, msg: &Message| {
            mounted
                .call(p, ctx, |vm| vm.run_handler(&run_name, msg))
                .map_err(handler_error)
        });
        if runs > 0 {
            handler.max_runs(runs)
        } else {
            handler
        }
    }
}
