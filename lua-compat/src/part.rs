//! [`LuaPart`]: a Lua VM with the AOS environment, as a field of a process state.

use std::cell::RefCell;
use std::rc::Rc;

use aoxide::{Ctx, Message, Transactional};
use mlua::FromLua;

use crate::error::LuaError;
use crate::vm::{Limits, Vm};

/// A Lua file embedded in the process: its text ([`lua_source!`](crate::lua_source)), or
/// a binary chunk precompiled by the crate's build script
/// ([`lua_chunk!`](crate::lua_chunk), made with `aoxide-lua-build`), which the VM loads
/// without parsing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LuaSource {
    /// The chunk name (in tracebacks) of a text; the key of a precompiled chunk (whose
    /// chunk name is inside it).
    pub name: &'static str,
    /// The Lua text (empty for a precompiled chunk).
    pub code: &'static str,
    /// The binary chunk, when precompiled.
    pub chunk: Option<&'static [u8]>,
}

impl LuaSource {
    /// A source named `name`.
    pub const fn new(name: &'static str, code: &'static str) -> Self {
        LuaSource {
            name,
            code,
            chunk: None,
        }
    }

    /// A Lua 5.3 binary chunk made by `aoxide_lua_build::Chunks::compile` for this target.
    pub const fn precompiled(name: &'static str, chunk: &'static [u8]) -> Self {
        LuaSource {
            name,
            code: "",
            chunk: Some(chunk),
        }
    }
}

/// Embeds a Lua file at build time: `lua_source!("blueprints/chatroom.lua")` (the path is
/// relative to the file that names it, as with `include_str!`).
#[macro_export]
macro_rules! lua_source {
    ($path:literal) => {
        $crate::LuaSource::new($path, include_str!($path))
    };
}

/// Embeds the binary chunk the crate's build script made with
/// `aoxide_lua_build::Chunks::compile(key, ...)`: `lua_chunk!("token")` reads
/// `OUT_DIR/token.luac`. Booting from it skips parsing the file at every spawn.
#[macro_export]
macro_rules! lua_chunk {
    ($key:literal) => {
        $crate::LuaSource::precompiled(
            $key,
            include_bytes!(concat!(env!("OUT_DIR"), "/", $key, ".luac")),
        )
    };
}

/// The Lua side of a process: one VM with the AOS environment, whose globals persist
/// between messages.
///
/// Put it in a process state and mount it with [`LuaMount`](crate::LuaMount): its handlers
/// (`Handlers.add` and friends) become entries of the process registry, in order with the
/// Rust handlers.
///
/// As [`Transactional`] state, a failed message (or a dry-run) restores the Lua handler
/// list and drops the registry edits it made; the Rust state and registry roll back as
/// always. **Lua globals keep what the failed message wrote before its error** (the VM
/// heap is not copied per message: that would cost the whole heap every message), which
/// is how AOS behaves on HyperBEAM; write handlers that check before they change.
pub struct LuaPart {
    pub(crate) vm: Rc<Vm>,
}

impl std::fmt::Debug for LuaPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LuaPart")
            .field("used_memory", &self.used_memory())
            .finish()
    }
}

impl LuaPart {
    /// A VM with the AOS environment, not booted yet: the one the module's build made
    /// ahead of time ([`preinit`](crate::preinit)) if no part has taken it, else a new one.
    pub fn new(limits: Limits) -> Result<Self, LuaError> {
        let vm = match crate::prebuilt::take(limits) {
            Some(vm) => vm,
            None => Vm::new(limits)?,
        };
        Ok(LuaPart { vm: Rc::new(vm) })
    }

    /// Boots from the spawn message: sets the identity (`ao.id`, `ao.env`, `Owner`, `Name`,
    /// authorities, the random seed), runs `sources` in order, then the spawn's Data when
    /// it has `On-Boot = Data`. Runs in `Process::init`; there are no Rust functions to
    /// call yet (see [`LuaMount::function`](crate::LuaMount::function)).
    pub fn boot(
        limits: Limits,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        sources: &[LuaSource],
    ) -> Result<Self, LuaError> {
        let part = LuaPart::new(limits)?;
        part.vm.begin();
        part.vm.identity(ctx)?;
        let booted = part.run_sources(ctx, msg, sources);
        part.vm.end(booted.is_ok());
        booted?;
        Ok(part)
    }

    fn run_sources(
        &self,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        sources: &[LuaSource],
    ) -> Result<(), LuaError> {
        let vm = &self.vm;
        let cell = RefCell::new(ctx);
        let ran = vm.hosted(&cell, || {
            vm.message(msg)?;
            for source in sources {
                if let Err(e) = vm.run_source(source) {
                    return Ok(Err(e));
                }
            }
            if msg.get("On-Boot") == Some("Data") && !msg.data.is_empty() {
                return Ok(vm.eval(&msg.data, "On-Boot"));
            }
            Ok(Ok(()))
        });
        ran.map_err(|e| crate::vm::lua_error(e, vm.limits()))?
    }

    /// Reads a global (for tests and Rust code that looks at Lua state).
    pub fn global<T: FromLua>(&self, name: &str) -> Result<T, LuaError> {
        self.vm
            .lua
            .globals()
            .get(name)
            .map_err(|e| crate::vm::lua_error(e, self.vm.limits()))
    }

    /// Evaluates an expression (for tests): `part.value::<i64>("#Members")`.
    pub fn value<T: FromLua>(&self, expression: &str) -> Result<T, LuaError> {
        self.vm
            .lua
            .load(format!("return {expression}"))
            .set_name("=value")
            .eval()
            .map_err(|e| crate::vm::lua_error(e, self.vm.limits()))
    }

    /// Whether the Lua side takes `msg`, an assignment: one of `ao.assignables`
    /// (`ao.addAssignable`) matches it, as AOS decides. A pattern that fails takes nothing.
    pub fn accepts_assignment(&self, msg: &aoxide::Message) -> bool {
        self.vm.assignable(msg)
    }

    /// Bytes the Lua heap holds.
    pub fn used_memory(&self) -> usize {
        self.vm.lua.used_memory()
    }

    /// The limits the VM enforces.
    pub fn limits(&self) -> Limits {
        *self.vm.limits()
    }

    /// The underlying mlua state (an escape hatch: what it changes is not rolled back).
    pub fn lua(&self) -> &mlua::Lua {
        &self.vm.lua
    }
}

impl Transactional for LuaPart {
    type Savepoint = ();

    fn savepoint(&mut self) {
        self.vm.begin();
    }

    fn rollback(&mut self, _: ()) {
        self.vm.end(false);
    }

    fn commit(&mut self, _: ()) {
        self.vm.end(true);
    }
}
