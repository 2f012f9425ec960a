//! [`LuaProcess`]: a process that is only Lua (AOS-style), for blueprints and tests.

use std::marker::PhantomData;

use aoxide::{Ctx, Error, LiveMount, Message, Process, Registry, Transactional};

use crate::mount::LuaMount;
use crate::part::{LuaPart, LuaSource};
use crate::vm::Limits;

/// The Lua files and limits of a [`LuaProcess`].
pub trait LuaFiles: 'static {
    /// Files run at boot, in order.
    const SOURCES: &'static [LuaSource];

    /// The VM's limits.
    fn limits() -> Limits {
        Limits::default()
    }
}

/// A process whose handlers are all Lua: the AOS environment with `F`'s files loaded at
/// spawn, owner-only `Eval`, unhandled messages in the Lua `Inbox`.
pub struct LuaProcess<F: LuaFiles> {
    /// The VM.
    pub lua: LuaPart,
    files: PhantomData<F>,
}

impl<F: LuaFiles> Transactional for LuaProcess<F> {
    type Savepoint = ();

    fn savepoint(&mut self) {
        self.lua.savepoint()
    }

    fn rollback(&mut self, sp: ()) {
        self.lua.rollback(sp)
    }

    fn commit(&mut self, sp: ()) {
        self.lua.commit(sp)
    }
}

impl<F: LuaFiles> LuaProcess<F> {
    fn mount() -> LuaMount<Self> {
        LuaMount::new(F::SOURCES).limits(F::limits())
    }
}

impl<F: LuaFiles> Process for LuaProcess<F> {
    fn init(ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error> {
        Ok(LuaProcess {
            lua: Self::mount().init_part(ctx, msg)?,
            files: PhantomData,
        })
    }

    fn register(registry: &mut Registry<Self>) {
        registry.mount_live(&Self::mount(), |p: &mut Self| &mut p.lua);
    }

    /// What `ao.addAssignable` named, as AOS.
    fn accepts_assignment(&self, msg: &Message) -> bool {
        self.lua.accepts_assignment(msg)
    }
}
