//! Example aoxide process: an AOS-style Lua process as an AO module.
//!
//! A [`LuaProcess`] with no Lua file of its own: the AOS environment of `aoxide-lua`
//! (`Handlers`, `ao`, `Send`, `Inbox`, the libraries) and the owner's `Eval`, which loads
//! blueprints at run time as on AOS. The conformance suite loads `blueprints/lua/*.lua`
//! into it message by message and compares every answer with the real AOS module's
//! (`tests/conformance/lua-module.test.mjs`), and runs the Lua 5.3 probe in it.

#![warn(missing_docs)]

use aoxide_lua::{LuaFiles, LuaProcess, LuaSource};

/// No Lua files: everything comes through `Eval` (or an `On-Boot = Data` spawn).
pub struct NoFiles;

impl LuaFiles for NoFiles {
    const SOURCES: &'static [LuaSource] = &[];
}

/// The process: the AOS environment and nothing else.
pub type LuaAos = LuaProcess<NoFiles>;

aoxide::export!(LuaAos);
