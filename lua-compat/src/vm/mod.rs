//! The Lua VM: C Lua 5.3 made deterministic and bounded, with the AOS environment loaded.
//!
//! [`Vm`] and its per-message life cycle are here; the rest by concept: `limits` (the
//! bounds and how an mlua error becomes a [`LuaError`]), `build` (the sandboxed state with
//! the AOS environment), `host` (the host functions Lua calls, `ao.send`, `print`, ...,
//! and the message context they write to), `text` (the byte tests the environment asks of
//! its texts), `message` (a message's view, pattern decisions and handler runs) and `eval`
//! (chunks run in the globals: sources, `Eval`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use aoxide::Ctx;
use mlua::{ffi, Function, Lua, Table};

use crate::error::LuaError;
use crate::libs::{self, random::Random};
use crate::value::{hint, push_text};

mod bounded;
mod build;
mod date;
mod edit;
mod eval;
mod host;
mod limits;
mod message;
mod metered;
pub(crate) mod pattern;
mod reads;
#[cfg(test)]
mod shown;
mod text;

pub(crate) use reads::{charge_from_registry, pay, READ_BYTES_PER_INSTRUCTION};

pub(crate) use eval::Named;
pub(crate) use limits::lua_error;
pub use limits::Limits;

/// Memory (bytes) kept free of the Lua heap in the module, for the rest of a message.
#[cfg(target_arch = "wasm32")]
const WASM_RESERVE: usize = 8 * 1024 * 1024;

/// Where a registry edit asked from Lua puts a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// At the end, or in place.
    Add,
    /// At the front, or in place.
    Prepend,
    /// Before the named handler.
    Before(String),
    /// After the named handler.
    After(String),
    /// Remove it.
    Remove,
}

/// A change to the handler list that Lua asked for (`Handlers.add`, ...), applied to the
/// process registry after the call that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) place: Place,
    pub(crate) name: String,
    /// 0 = unlimited.
    pub(crate) runs: u32,
}

struct Api {
    prepare: Function,
    matcher: Function,
    run: Function,
    eval: Function,
    commit: Function,
    rollback: Function,
    identity: Function,
    inbox: Function,
}

/// Which message's view is current (the view itself is in the Lua registry).
struct Current {
    ptr: usize,
    id: Option<String>,
}

/// One Lua state with the AOS environment.
pub(crate) struct Vm {
    pub(crate) lua: Lua,
    /// The allocator that charges the heap's growth to `budget` (`metered`).
    meter: metered::Meter,
    rust: Table,
    api: Api,
    limits: Limits,
    budget: Rc<Cell<u64>>,
    now: Rc<Cell<i64>>,
    random: Random,
    hosting: Rc<host::Hosting>,
    edits: Rc<RefCell<Vec<Edit>>>,
    current: RefCell<Option<Current>>,
    pattern_error: RefCell<Option<LuaError>>,
}

impl Drop for Vm {
    fn drop(&mut self) {
        self.meter.restore(&self.lua);
    }
}

impl Vm {
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The `Rust` table: the functions a mount exposes to Lua.
    pub(crate) fn rust_functions(&self) -> &Table {
        &self.rust
    }

    /// The VM with other limits (a prebuilt VM taken by a part, see [`crate::prebuilt`]).
    /// Fails when the heap already holds more than `limits.memory`: the part then builds
    /// its own VM, which fails as it always did.
    pub(crate) fn with_limits(mut self, limits: Limits) -> Result<Vm, LuaError> {
        if self.lua.used_memory() > limits.memory {
            return Err(LuaError::Memory {
                limit: limits.memory,
            });
        }
        self.meter
            .unmetered(&self.lua, || self.lua.set_memory_limit(limits.memory))
            .map_err(|e| lua_error(e, &limits))?;
        self.budget.set(limits.instructions);
        self.limits = limits;
        Ok(self)
    }

    /// Builds every library `require` offers ahead of its first `require`.
    pub(crate) fn build_libraries(&self) -> Result<(), LuaError> {
        let package: Table = self
            .lua
            .globals()
            .get("package")
            .map_err(|e| self.error(e))?;
        let preload: Table = package.get("preload").map_err(|e| self.error(e))?;
        libs::build_all(&self.lua, &preload).map_err(|e| self.error(e))
    }

    /// A full collection (twice: finalised objects go on the second).
    pub(crate) fn collect(&self) {
        let _ = self.lua.gc_collect();
        let _ = self.lua.gc_collect();
    }

    fn error(&self, e: mlua::Error) -> LuaError {
        lua_error(e, &self.limits)
    }

    /// Starts a message: a fresh instruction budget, no cached message table, and (in the
    /// module) a Lua heap limit the linear memory can still honour.
    pub(crate) fn begin(&self) {
        self.budget.set(self.limits.instructions);
        #[cfg(target_arch = "wasm32")]
        {
            // mlua aborts (a trap) when Rust's allocator cannot give it memory below its
            // limit, so the limit must never promise more than the memory the process may
            // still grow to. Best effort: without room the limit stays as it was.
            let cap = self.memory_cap();
            let _ = self
                .meter
                .unmetered(&self.lua, || self.lua.set_memory_limit(cap));
        }
        self.current.replace(None);
        self.pattern_error.replace(None);
    }

    /// The Lua heap limit for the next message in the module: [`Limits::memory`], lowered
    /// to what linear memory can still hold under the process' memory limit, after the
    /// rest of the heap (a quarter more for what the allocator cannot reuse) and
    /// [`WASM_RESERVE`] for the rest of the message (its result, Rust handlers).
    #[cfg(target_arch = "wasm32")]
    fn memory_cap(&self) -> usize {
        use aoxide::abi::heap;
        let lua = self.lua.used_memory();
        let others = heap::HEAP.in_use().saturating_sub(lua);
        let taken = heap::heap_base()
            .saturating_add(others.saturating_mul(5) / 4)
            .saturating_add(WASM_RESERVE);
        let room = heap::memory_limit().saturating_sub(taken);
        // Lua's own blocks need room for the allocator's overhead too.
        self.limits.memory.min(room / 5 * 4).max(lua)
    }

    /// Ends a message. A failed one also restores `Handlers.list` and drops the edits it
    /// had queued (the registry itself is restored by the runtime).
    pub(crate) fn end(&self, committed: bool) {
        self.current.replace(None);
        self.pattern_error.replace(None);
        // Committing or rolling back is the host's bookkeeping, not the message's work: a
        // fresh budget, so that the hook, which may fall anywhere in it, cannot stop it half
        // done after a message spent its own.
        self.budget.set(self.limits.instructions);
        let f = if committed {
            &self.api.commit
        } else {
            self.edits.borrow_mut().clear();
            // What a failed message allocated (a runaway loop's tables) goes now, not
            // when the collector next gets round to it.
            let _ = self.lua.gc_collect();
            &self.api.rollback
        };
        // Restoring a Lua table cannot fail short of memory; if it does, the next
        // message still runs on a consistent registry.
        let _ = self.call_end(f);
    }

    /// Takes the registry edits queued since the last call.
    pub(crate) fn take_edits(&self) -> Vec<Edit> {
        std::mem::take(&mut *self.edits.borrow_mut())
    }

    /// True when Lua queued registry edits.
    pub(crate) fn has_edits(&self) -> bool {
        !self.edits.borrow().is_empty()
    }

    /// Sets `ao.id`, `ao.env`, `Owner`, `Name`, the authorities and the random seed.
    pub(crate) fn identity(&self, ctx: &Ctx<'_>) -> Result<(), LuaError> {
        let p = ctx.process();
        self.random.seed_text(&p.id);
        // SAFETY: `call_raw` runs the closure as a protected C function with `A.identity`
        // at index 1 and LUA_MINSTACK (20) free slots; it pushes six arguments (three
        // slots at most for a list, a record and a field) and calls it, which leaves
        // nothing. A Lua error (memory, the budget: nothing else can fail before any
        // process code has run) returns to `exec_raw` past the closure, which owns
        // nothing to drop (it borrows `p`).
        unsafe {
            self.call_raw(&self.api.identity, &mut |state| {
                push_text(state, &p.id);
                push_text(state, &p.owner);
                push_text(state, &p.name);
                match &p.module {
                    Some(module) => push_text(state, module),
                    None => ffi::lua_pushnil(state),
                }
                ffi::lua_createtable(state, hint(p.authorities.len()), 0);
                for (at, authority) in p.authorities.iter().enumerate() {
                    push_text(state, authority);
                    ffi::lua_rawseti(state, -2, at as ffi::lua_Integer + 1);
                }
                // The spawn's tags (text values), as `{ name =, value = }` records.
                ffi::lua_createtable(state, hint(p.tags.len()), 0);
                let texts = p
                    .tags
                    .iter()
                    .filter_map(|t| Some((&t.name, t.value.as_str()?)));
                for (at, (name, value)) in texts.enumerate() {
                    ffi::lua_createtable(state, 0, 2);
                    push_text(state, name);
                    ffi::lua_setfield(state, -2, c"name".as_ptr());
                    push_text(state, value);
                    ffi::lua_setfield(state, -2, c"value".as_ptr());
                    ffi::lua_rawseti(state, -2, at as ffi::lua_Integer + 1);
                }
                ffi::lua_call(state, 6, 0);
            })
        }
        .map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::BUDGET_MARK;

    #[test]
    fn a_heap_limit_below_the_environment_is_a_setup_error_not_an_abort() {
        let e = match Vm::new(Limits {
            instructions: 1_000,
            memory: 1024,
        }) {
            Err(e) => e,
            Ok(_) => panic!("a 1 KiB heap cannot hold the environment"),
        };
        assert!(
            matches!(&e, LuaError::Setup(text) if text.contains("(1024 bytes) is below")),
            "{e:?}"
        );
    }

    #[test]
    fn budget_reaches_coroutines() {
        let vm = Vm::new(Limits {
            instructions: 100_000,
            memory: 1 << 24,
        })
        .unwrap();
        vm.begin();
        let r: mlua::Result<()> = vm.lua.load("while true do end").exec();
        assert!(r.unwrap_err().to_string().contains(BUDGET_MARK));
        vm.begin();
        // Spent: coroutine.resume (like pcall) passes the error on.
        let r = vm
            .lua
            .load("coroutine.resume(coroutine.create(function() while true do end end)) return 1")
            .exec();
        assert!(r.unwrap_err().to_string().contains(BUDGET_MARK));
    }
}
