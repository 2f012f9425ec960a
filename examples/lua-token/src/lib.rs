//! Example aoxide process: the Lua token blueprint as an AO module.
//!
//! A [`LuaProcess`] with `blueprints/lua/token.lua` loaded at spawn: the AOS token protocol
//! (`Info`, `Balance`, `Balances`, `Transfer`, `Mint`, `Total-Supply`) run by C Lua 5.3 in
//! the module, with the AOS environment of `aoxide-lua` (owner-only `Eval`, `Inbox`, ...).
//! It is the same Lua file the benchmark loads into the real AOS module with `Eval`, so the
//! two run the same token (`benches/`), and it replays the AOS token trace
//! (`tests/conformance/lua-module.test.mjs`).

#![warn(missing_docs)]

use aoxide_lua::{lua_source, LuaFiles, LuaProcess, LuaSource};

/// The Lua files of the token process.
pub struct TokenFiles;

impl LuaFiles for TokenFiles {
    const SOURCES: &'static [LuaSource] = &[lua_source!("../../../blueprints/lua/token.lua")];
}

/// The process: the Lua token, nothing else.
pub type LuaToken = LuaProcess<TokenFiles>;

aoxide::export!(LuaToken);
