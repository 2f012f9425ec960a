//! The Lua VM: C Lua 5.3 made deterministic and bounded, with the AOS environment loaded.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use aoxide::{Ctx, Match, Message, OutMessage, Spawn};
use mlua::{Function, HookTriggers, Lua, LuaOptions, StdLib, Table, Value, VmState};

use crate::error::{LuaError, BUDGET_MARK};
use crate::libs::{self, random::Random};
use crate::value::{message_table, tags_from_lua};

/// The AOS environment, precompiled by the build (`build/bytecode.rs`: Lua 5.3 binary
/// chunks with their debug information, so tracebacks read as from the text), which spares
/// every spawn parsing it; the text where the build could not precompile it.
#[cfg(aoxide_lua_bytecode)]
const AOS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/aos.luac"));
#[cfg(aoxide_lua_bytecode)]
const UTILS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/utils.luac"));
#[cfg(not(aoxide_lua_bytecode))]
const AOS: &[u8] = include_bytes!("lua/aos.lua");
#[cfg(not(aoxide_lua_bytecode))]
const UTILS: &[u8] = include_bytes!("lua/utils.lua");

/// How the environment's chunks load: binary when precompiled.
#[cfg(aoxide_lua_bytecode)]
const ENV_MODE: mlua::chunk::ChunkMode = mlua::chunk::ChunkMode::Binary;
#[cfg(not(aoxide_lua_bytecode))]
const ENV_MODE: mlua::chunk::ChunkMode = mlua::chunk::ChunkMode::Text;

/// Memory (bytes) kept free of the Lua heap in the module, for the rest of a message.
#[cfg(target_arch = "wasm32")]
const WASM_RESERVE: usize = 8 * 1024 * 1024;

/// Instructions between two checks of the budget.
const HOOK_STEP: u32 = 1000;

/// Bounds on what one message may make the VM do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Lua VM instructions one message may run (all its handlers together).
    pub instructions: u64,
    /// Bytes the Lua heap may hold.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            instructions: 200_000_000,
            memory: 256 * 1024 * 1024,
        }
    }
}

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

struct Current {
    ptr: usize,
    id: Option<String>,
    table: Table,
}

/// One Lua state with the AOS environment.
pub(crate) struct Vm {
    pub(crate) lua: Lua,
    host: Table,
    rust: Table,
    api: Api,
    limits: Limits,
    budget: Rc<Cell<u64>>,
    now: Rc<Cell<i64>>,
    random: Random,
    edits: Rc<RefCell<Vec<Edit>>>,
    current: RefCell<Option<Current>>,
    pattern_error: RefCell<Option<LuaError>>,
}

/// Turns an mlua error into the layer's typed error.
pub(crate) fn lua_error(e: mlua::Error, limits: &Limits) -> LuaError {
    match e {
        mlua::Error::MemoryError(_) => LuaError::Memory {
            limit: limits.memory,
        },
        mlua::Error::SyntaxError { message, .. } => LuaError::Syntax { message },
        mlua::Error::CallbackError { traceback, cause } => {
            match lua_error((*cause).clone(), limits) {
                LuaError::Runtime { message, .. } => LuaError::Runtime { message, traceback },
                other => other,
            }
        }
        mlua::Error::RuntimeError(message) => classify(message, String::new(), limits),
        other => classify(other.to_string(), String::new(), limits),
    }
}

fn classify(message: String, traceback: String, limits: &Limits) -> LuaError {
    if message.contains(BUDGET_MARK) {
        LuaError::Budget {
            limit: limits.instructions,
        }
    } else if message.contains("not enough memory") {
        LuaError::Memory {
            limit: limits.memory,
        }
    } else {
        LuaError::Runtime { message, traceback }
    }
}

impl Vm {
    /// A fresh VM with the AOS environment.
    pub(crate) fn new(limits: Limits) -> Result<Vm, LuaError> {
        Self::build(limits).map_err(|e| LuaError::Setup(e.to_string()))
    }

    fn build(limits: Limits) -> mlua::Result<Vm> {
        let libs = StdLib::COROUTINE
            | StdLib::TABLE
            | StdLib::STRING
            | StdLib::UTF8
            | StdLib::MATH
            | StdLib::PACKAGE
            | StdLib::DEBUG;
        // SAFETY: the debug library is trimmed to `traceback` and `getinfo` below, before
        // any user code runs; no C modules can be loaded (the C searchers are removed).
        let lua = unsafe { Lua::unsafe_new_with(libs, LuaOptions::default()) };
        let globals = lua.globals();

        // bit32 (Lua 5.3 with LUA_COMPAT_5_2, as AOS has it).
        // SAFETY: luaopen_bit32 is a lua_CFunction of the linked Lua.
        let open_bit32 = unsafe { lua.create_c_function(mlua::ffi::luaopen_bit32)? };
        let bit32: Table = open_bit32.call(())?;
        globals.set("bit32", bit32)?;

        // No file system, no clock, no processes.
        globals.set("dofile", Value::Nil)?;
        globals.set("loadfile", Value::Nil)?;
        let debug: Table = globals.get("debug")?;
        let trimmed = lua.create_table()?;
        trimmed.set("traceback", debug.get::<Value>("traceback")?)?;
        trimmed.set("getinfo", debug.get::<Value>("getinfo")?)?;
        globals.set("debug", trimmed)?;
        let package: Table = globals.get("package")?;
        let searchers: Table = package.get("searchers")?;
        let preload_searcher: Value = searchers.get(1)?;
        let only = lua.create_table()?;
        only.set(1, preload_searcher)?;
        package.set("searchers", only)?;
        package.set("path", "")?;
        package.set("cpath", "")?;
        package.set("loadlib", Value::Nil)?;

        let now = Rc::new(Cell::new(0i64));
        let os = lua.create_table()?;
        let clock = now.clone();
        os.set(
            "time",
            lua.create_function(move |_, t: Option<Table>| match t {
                None => Ok(clock.get()),
                Some(_) => Err(mlua::Error::runtime(
                    "os.time(table) is not available (no time zones in a process)",
                )),
            })?,
        )?;
        os.set("clock", lua.create_function(|_, ()| Ok(0.0))?)?;
        os.set(
            "difftime",
            lua.create_function(|_, (a, b): (f64, Option<f64>)| Ok(a - b.unwrap_or(0.0)))?,
        )?;
        globals.set("os", os.clone())?;
        // `require` returns what `package.loaded` holds: the trimmed libraries, not the
        // C ones (whose `os.execute`, `os.remove` and `debug.sethook` would undo the
        // sandbox and the instruction budget).
        let loaded: Table = package.get("loaded")?;
        loaded.set("os", os)?;
        loaded.set("debug", globals.get::<Table>("debug")?)?;

        let random = Random::default();
        let math: Table = globals.get("math")?;
        random.install(&lua, &math)?;

        let preload: Table = package.get("preload")?;
        libs::install(&lua, &preload)?;
        let utils_loader = lua
            .load(UTILS)
            .set_name("=.utils")
            .set_mode(ENV_MODE)
            .into_function()?;
        let utils: Table = utils_loader.call(())?;
        let utils_value = utils.clone();
        let loader = lua.create_function(move |_, _: mlua::MultiValue| Ok(utils_value.clone()))?;
        preload.set(".utils", loader.clone())?;
        preload.set("utils", loader)?;

        let host = lua.create_table()?;
        let edits = Rc::new(RefCell::new(Vec::new()));
        let queue = edits.clone();
        host.set(
            "edit",
            lua.create_function(
                move |_, (op, name, anchor, runs): (String, String, Option<String>, u32)| {
                    let place = match (op.as_str(), anchor) {
                        ("add" | "append", _) => Place::Add,
                        ("prepend", _) => Place::Prepend,
                        ("before", Some(a)) => Place::Before(a),
                        ("after", Some(a)) => Place::After(a),
                        ("remove", _) => Place::Remove,
                        (other, _) => {
                            return Err(mlua::Error::runtime(format!(
                                "unknown handler placement {other}"
                            )))
                        }
                    };
                    queue.borrow_mut().push(Edit { place, name, runs });
                    Ok(())
                },
            )?,
        )?;
        let rust = lua.create_table()?;
        globals.set("Rust", rust.clone())?;
        let budget = Rc::new(Cell::new(limits.instructions));
        let spent = budget.clone();
        host.set(
            "exhausted",
            lua.create_function(move |_, ()| Ok(spent.get() == 0))?,
        )?;
        host.set("BUDGET", BUDGET_MARK)?;

        let api = lua.create_table()?;
        lua.load(AOS)
            .set_name("=aos")
            .set_mode(ENV_MODE)
            .call::<()>((host.clone(), api.clone()))?;
        let api = Api {
            prepare: api.get("prepare")?,
            matcher: api.get("match")?,
            run: api.get("run")?,
            eval: api.get("eval")?,
            commit: api.get("commit")?,
            rollback: api.get("rollback")?,
            identity: api.get("identity")?,
            inbox: api.get("inbox")?,
        };

        let left = budget.clone();
        // Global: coroutines (every handler runs in one) share the hook.
        lua.set_global_hook(
            HookTriggers::new().every_nth_instruction(HOOK_STEP),
            move |_, _| {
                let remaining = left.get();
                if remaining < u64::from(HOOK_STEP) {
                    left.set(0);
                    return Err(mlua::Error::runtime(BUDGET_MARK));
                }
                left.set(remaining - u64::from(HOOK_STEP));
                Ok(VmState::Continue)
            },
        )?;
        // Below what the environment already holds, every later allocation would fail,
        // even the ones dropping the VM needs (an abort outside a protected call).
        let needed = lua.used_memory();
        if needed > limits.memory {
            return Err(mlua::Error::runtime(format!(
                "the Lua heap limit ({} bytes) is below what the AOS environment alone takes \
                 ({needed} bytes)",
                limits.memory
            )));
        }
        lua.set_memory_limit(limits.memory)?;

        Ok(Vm {
            lua,
            host,
            rust,
            api,
            limits,
            budget,
            now,
            random,
            edits,
            current: RefCell::new(None),
            pattern_error: RefCell::new(None),
        })
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
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
        self.lua
            .set_memory_limit(limits.memory)
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
        libs::build_all(&preload).map_err(|e| self.error(e))
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
            let _ = self.lua.set_memory_limit(self.memory_cap());
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
        let _ = f.call::<()>(());
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
        let authorities = self
            .lua
            .create_sequence_from(p.authorities.iter().map(String::as_str))
            .map_err(|e| self.error(e))?;
        self.api
            .identity
            .call::<()>((
                p.id.as_str(),
                p.owner.as_str(),
                p.name.as_str(),
                p.module.as_deref(),
                authorities,
            ))
            .map_err(|e| self.error(e))
    }

    /// The AOS view of `msg`, built once per message.
    pub(crate) fn message(&self, msg: &Message) -> mlua::Result<Table> {
        let ptr = msg as *const Message as usize;
        if let Some(c) = &*self.current.borrow() {
            if c.ptr == ptr && c.id == msg.id {
                return Ok(c.table.clone());
            }
        }
        if let Some(ts) = msg.timestamp {
            self.now.set(ts as i64);
        }
        let raw = message_table(&self.lua, msg)?;
        let table: Table = self.api.prepare.call(raw)?;
        self.current.replace(Some(Current {
            ptr,
            id: msg.id.clone(),
            table: table.clone(),
        }));
        Ok(table)
    }

    /// Decides whether the Lua handler `name` takes `msg`. A Lua error in the pattern is
    /// kept and reported by the handler's run (so the message fails with it).
    pub(crate) fn decide(&self, name: &str, msg: &Message) -> Match {
        let decided = self
            .message(msg)
            .and_then(|m| self.api.matcher.call::<i64>((name, m)));
        match decided {
            Ok(-1) => Match::Break,
            Ok(1) => Match::Continue,
            Ok(_) => Match::Skip,
            Err(e) => {
                let e = match self.error(e) {
                    LuaError::Runtime { message, traceback } => LuaError::Runtime {
                        message: format!("pattern of handler '{name}': {message}"),
                        traceback,
                    },
                    other => other,
                };
                self.pattern_error.replace(Some(e));
                Match::Break
            }
        }
    }

    /// Runs `body` with the host functions (`ao.send`, `print`, ...) bound to `ctx`, and
    /// whatever `more` binds into the `Rust` table.
    pub(crate) fn hosted<'env, 'a: 'env, R>(
        &self,
        ctx: &'env RefCell<&'env mut Ctx<'a>>,
        more: impl for<'s> FnOnce(&'s mlua::Scope<'s, 'env>, &Table) -> mlua::Result<()>,
        body: impl FnOnce() -> mlua::Result<R>,
    ) -> mlua::Result<R> {
        self.lua.scope(|scope| {
            let h = &self.host;
            h.raw_set(
                "send",
                scope.create_function(
                    move |_,
                          (target, data, tags): (
                        Option<String>,
                        Option<mlua::LuaString>,
                        Table,
                    )| {
                        let mut out = match target {
                            Some(t) => OutMessage::to(t),
                            None => OutMessage::untargeted(),
                        };
                        out.tags = tags_from_lua(&tags)?;
                        out.data = data.map(|d| d.to_string_lossy());
                        Ok(ctx.borrow_mut().send(out).reference() as i64)
                    },
                )?,
            )?;
            h.raw_set(
                "spawn",
                scope.create_function(
                    move |_, (module, data, tags): (String, Option<mlua::LuaString>, Table)| {
                        let mut spawn = Spawn::new();
                        spawn.tags = tags_from_lua(&tags)?;
                        spawn.data = data.map(|d| d.to_string_lossy());
                        Ok(ctx.borrow_mut().spawn(module, spawn).reference() as i64)
                    },
                )?,
            )?;
            h.raw_set(
                "assign",
                scope.create_function(move |_, (processes, message): (Vec<String>, String)| {
                    ctx.borrow_mut().assign(processes, message);
                    Ok(())
                })?,
            )?;
            h.raw_set(
                "print",
                scope.create_function(move |_, text: mlua::LuaString| {
                    ctx.borrow_mut().print(text.to_string_lossy());
                    Ok(())
                })?,
            )?;
            h.raw_set(
                "log",
                scope.create_function(move |_, text: mlua::LuaString| {
                    ctx.borrow_mut().log(text.to_string_lossy());
                    Ok(())
                })?,
            )?;
            h.raw_set(
                "clear",
                scope.create_function(move |_, ()| {
                    ctx.borrow_mut().clear_outbox();
                    Ok(())
                })?,
            )?;
            more(scope, &self.rust)?;
            body()
        })
    }

    /// Runs the Lua handler `name` on `msg` (inside `hosted`).
    pub(crate) fn run_handler(&self, name: &str, msg: &Message) -> Result<(), LuaError> {
        if let Some(e) = self.pattern_error.take() {
            return Err(e);
        }
        let m = self.message(msg).map_err(|e| self.error(e))?;
        let (ok, text, traceback): (bool, Option<String>, Option<String>) = self
            .api
            .run
            .call((name, m, Value::Nil))
            .map_err(|e| self.error(e))?;
        if ok {
            return Ok(());
        }
        Err(classify(
            text.unwrap_or_default(),
            traceback.unwrap_or_default(),
            &self.limits,
        ))
    }

    /// Runs an embedded source (inside `hosted`): its text as [`Vm::eval`] does, or its
    /// precompiled chunk the same way without parsing.
    pub(crate) fn run_source(&self, source: &crate::LuaSource) -> Result<(), LuaError> {
        let Some(chunk) = source.chunk else {
            return self.eval(source.code, source.name);
        };
        let function = self
            .lua
            .load(chunk)
            .set_name(source.name)
            .set_mode(mlua::chunk::ChunkMode::Binary)
            .into_function()
            .map_err(|e| self.error(e))?;
        self.run_eval(Value::Function(function), source.name)
    }

    /// Runs `code` as a chunk named `name` in the globals (inside `hosted`).
    pub(crate) fn eval(&self, code: &str, name: &str) -> Result<(), LuaError> {
        let code = self.lua.create_string(code).map_err(|e| self.error(e))?;
        self.run_eval(Value::String(code), name)
    }

    /// `A.eval` on a text or a loaded function.
    fn run_eval(&self, code: Value, name: &str) -> Result<(), LuaError> {
        let (ok, text, traceback): (bool, Option<String>, Option<String>) = self
            .api
            .eval
            .call((code, name))
            .map_err(|e| self.error(e))?;
        if ok {
            return Ok(());
        }
        let text = text.unwrap_or_default();
        if traceback.as_deref() == Some("") {
            return Err(LuaError::Syntax { message: text });
        }
        Err(classify(text, traceback.unwrap_or_default(), &self.limits))
    }

    /// Keeps `msg` in the Lua `Inbox` (inside `hosted`).
    pub(crate) fn keep_in_inbox(&self, msg: &Message) -> Result<(), LuaError> {
        let m = self.message(msg).map_err(|e| self.error(e))?;
        self.api.inbox.call::<()>(m).map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
