//! Building a [`Vm`]: the sandboxed C Lua state, the instruction budget's hook, the heap
//! limit and the AOS environment.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use mlua::{HookTriggers, Lua, LuaOptions, StdLib, Table, Value, VmState};

use super::eval::Named;
use super::{Api, Limits, Vm};
use crate::error::{LuaError, BUDGET_MARK};
use crate::libs::{self, random::Random};

/// The AOS environment, precompiled by the build (`build/bytecode.rs`: Lua 5.3 binary
/// chunks with their debug information, so tracebacks read as from the text), which spares
/// every spawn parsing it; the text where the build could not precompile it.
#[cfg(aoxide_lua_bytecode)]
const AOS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/aos.luac"));
#[cfg(aoxide_lua_bytecode)]
const UTILS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/utils.luac"));
#[cfg(not(aoxide_lua_bytecode))]
const AOS: &[u8] = include_bytes!("../lua/aos.lua");
#[cfg(not(aoxide_lua_bytecode))]
const UTILS: &[u8] = include_bytes!("../lua/utils.lua");

/// How the environment's chunks load: binary when precompiled.
#[cfg(aoxide_lua_bytecode)]
const ENV_MODE: mlua::chunk::ChunkMode = mlua::chunk::ChunkMode::Binary;
#[cfg(not(aoxide_lua_bytecode))]
const ENV_MODE: mlua::chunk::ChunkMode = mlua::chunk::ChunkMode::Text;

/// Instructions between two checks of the budget.
const HOOK_STEP: u32 = 1000;

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

        // The budget, which the library functions that loop in C and the pattern functions
        // are charged against, and those functions, before the environment keeps any of them.
        let budget = Rc::new(Cell::new(limits.instructions));
        // SAFETY: the cell lives in the `Vm` (and in the hook below) as long as the state.
        unsafe {
            super::bounded::install(&lua, Rc::as_ptr(&budget))?;
            super::pattern::install(&lua, Rc::as_ptr(&budget))?;
            super::reads::install(&lua, Rc::as_ptr(&budget))?;
        }

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
        super::date::install(&lua, &os)?;
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
        libs::install(&lua, &preload, &budget)?;
        let utils_loader = lua
            .load(Named::new("=.utils", UTILS, ENV_MODE))
            .into_function()?;
        let utils: Table = utils_loader.call(())?;
        let loader = libs::constant(&lua, &utils)?;
        preload.set(".utils", loader.clone())?;
        preload.set("utils", loader)?;

        let host = lua.create_table()?;
        let edits = Rc::new(RefCell::new(Vec::new()));
        super::edit::install(&lua, &host, &edits)?;
        let hosting = super::host::install(&lua, &host)?;
        super::text::install(&lua, &host)?;
        let rust = lua.create_table()?;
        globals.set("Rust", rust.clone())?;
        let spent = budget.clone();
        host.set(
            "exhausted",
            lua.create_function(move |_, ()| Ok(spent.get() == 0))?,
        )?;
        host.set("BUDGET", BUDGET_MARK)?;
        host.set(
            "caught",
            lua.create_function(|lua, error: Value| match error {
                Value::Error(e) => lua
                    .create_string(super::limits::caught_text(&e))
                    .map(Value::String),
                other => Ok(other),
            })?,
        )?;

        let api = lua.create_table()?;
        lua.load(Named::new("=aos", AOS, ENV_MODE))
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
                if super::limits::spend(&left, u64::from(HOOK_STEP)) {
                    Ok(VmState::Continue)
                } else {
                    Err(mlua::Error::runtime(BUDGET_MARK))
                }
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
        // SAFETY: the budget lives in the `Vm`, whose drop restores mlua's allocator before
        // the state closes.
        let meter = unsafe { super::metered::Meter::install(&lua, Rc::as_ptr(&budget)) };

        Ok(Vm {
            lua,
            meter,
            rust,
            api,
            limits,
            budget,
            now,
            random,
            hosting,
            edits,
            current: RefCell::new(None),
            pattern_error: RefCell::new(None),
        })
    }
}
