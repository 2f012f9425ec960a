//! [`LuaMount`]: how a process plugs its [`LuaPart`] into the one registry.

use std::cell::RefCell;
use std::rc::Rc;

use aoxide::{Caller, Ctx, Error, Handler, Message, Pattern, Registry};
use mlua::{FromLuaMulti, IntoLuaMulti, Lua, MultiValue};

use crate::error::LuaError;
use crate::part::LuaPart;
use crate::vm::{Place, Vm};

type Exposed<P> = Rc<dyn Fn(&mut P, &Lua, MultiValue) -> mlua::Result<MultiValue>>;

/// Mounts a [`LuaPart`] (found in the state by `part`) into a process registry, and the
/// Rust functions Lua may call (under the global table `Rust`).
///
/// - [`LuaMount::register`] (in `Process::register`) adds the owner-only `Eval` handler and
///   the default handler (unhandled messages go to the Lua `Inbox`, with AOS's notice).
/// - [`LuaMount::sync`] (in `Process::edit_registry`) turns `Handlers.add`/`prepend`/
///   `before`/`after`/`once`/`remove` calls made by Lua into registry entries, so Lua and
///   Rust handlers are one ordered list: a Lua `Handlers.prepend` goes in front of Rust
///   handlers, a Rust handler added with `before`/`after` may name a Lua handler, and a
///   Lua handler with the name of a Rust one replaces it (AOS's rule for names).
pub struct LuaMount<P> {
    part: Rc<dyn Fn(&mut P) -> &mut LuaPart>,
    functions: Vec<(String, Exposed<P>)>,
}

impl<P> Clone for LuaMount<P> {
    fn clone(&self) -> Self {
        LuaMount {
            part: self.part.clone(),
            functions: self.functions.clone(),
        }
    }
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
    /// A mount for the part `part` finds in the state.
    pub fn new(part: impl Fn(&mut P) -> &mut LuaPart + 'static) -> Self {
        LuaMount {
            part: Rc::new(part),
            functions: Vec::new(),
        }
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

    /// Runs `body` on the VM with the host functions bound to `ctx` and the exposed Rust
    /// functions bound to `state`.
    pub(crate) fn call<R>(
        &self,
        state: &mut P,
        ctx: &mut Ctx<'_>,
        body: impl FnOnce(&Vm) -> Result<R, LuaError>,
    ) -> Result<R, LuaError> {
        let vm = (self.part)(state).vm.clone();
        let state = RefCell::new(state);
        let ctx = RefCell::new(ctx);
        let state = &state;
        let ran = vm.hosted(
            &ctx,
            |scope, table| {
                for (name, f) in &self.functions {
                    let f = f.clone();
                    table.raw_set(
                        name.as_str(),
                        scope.create_function(move |lua, args: MultiValue| {
                            let mut p = state.try_borrow_mut().map_err(|_| {
                                mlua::Error::runtime("a Rust function may not call itself back")
                            })?;
                            f(&mut p, lua, args)
                        })?,
                    )?;
                }
                Ok(())
            },
            || Ok(body(&vm)),
        );
        ran.map_err(|e| crate::vm::lua_error(e, vm.limits()))?
    }

    /// Runs `code` as the owner's `Eval` would (for Rust code that loads Lua at run time).
    pub fn eval(&self, state: &mut P, ctx: &mut Ctx<'_>, code: &str) -> Result<(), LuaError> {
        self.call(state, ctx, |vm| vm.eval(code, "aos"))
    }

    /// Registers the owner-only `Eval` handler and the default handler.
    pub fn register(&self, registry: &mut Registry<P>) {
        let mount = self.clone();
        registry.add(
            Handler::action("Eval", move |p: &mut P, ctx, msg: &Message| {
                mount
                    .call(p, ctx, |vm| {
                        vm.message(msg)
                            .map_err(|e| crate::vm::lua_error(e, vm.limits()))?;
                        vm.eval(&msg.data, "aos")
                    })
                    .map_err(handler_error)
            })
            .from(Caller::Owner),
        );
        let mount = self.clone();
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
            mount
                .call(p, ctx, |vm| vm.keep_in_inbox(msg))
                .map_err(handler_error)
        });
    }

    /// Applies the handler edits Lua made since the last call; true when there were any.
    /// Call it from `Process::edit_registry`; it costs one check when Lua changed nothing.
    pub fn sync(&self, state: &mut P, registry: &mut Registry<P>) -> bool {
        let vm = (self.part)(state).vm.clone();
        if !vm.has_edits() {
            return false;
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
        true
    }

    /// The registry entry of the Lua handler `name`.
    fn entry(&self, vm: &Rc<Vm>, name: &str, runs: u32) -> Handler<P> {
        let matcher = vm.clone();
        let pattern_name = name.to_owned();
        let pattern = Pattern::Test(Rc::new(move |msg: &Message| {
            matcher.decide(&pattern_name, msg)
        }));
        let mount = self.clone();
        let run_name = name.to_owned();
        let handler = Handler::new(name, pattern, move |p: &mut P, ctx, msg: &Message| {
            mount
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
