//! Example aoxide process: the Lua token blueprint as an AO module.
//!
//! A [`LuaProcess`] with `blueprints/lua/token.lua` loaded at spawn: the AOS token protocol
//! (`Info`, `Balance`, `Balances`, `Transfer`, `Mint`, `Total-Supply`) run by C Lua 5.3 in
//! the module, with the AOS environment of `aoxide-lua` (owner-only `Eval`, `Inbox`, ...).
//! It is the same Lua file the benchmark loads into the real AOS module with `Eval`, so the
//! two run the same token (`benches/`), and it replays the AOS token trace
//! (`tests/conformance/lua-module.test.mjs`). `build.rs` precompiles it into a binary chunk
//! (`aoxide-lua-build`), so a spawn does not parse it.

#![warn(missing_docs)]

use aoxide_lua::{lua_chunk, LuaFiles, LuaProcess, LuaSource};

/// The Lua files of the token process.
pub struct TokenFiles;

impl LuaFiles for TokenFiles {
    const SOURCES: &'static [LuaSource] = &[lua_chunk!("token")];
}

/// The process: the Lua token, nothing else.
pub type LuaToken = LuaProcess<TokenFiles>;

aoxide::export!(LuaToken);

#[cfg(test)]
mod tests {
    use aoxide::{Env, Message, Runtime};

    use super::LuaToken;

    /// Booted from the precompiled chunk: the token answers, and a Lua error names the
    /// file as the text would have.
    #[test]
    fn the_precompiled_token_answers_and_its_errors_name_the_file() {
        let mut rt: Runtime<LuaToken> = Runtime::new();
        let out = rt.handle(
            Message::new("OWNER")
                .with_id("PID")
                .with_tag("Type", "Process"),
            Some(&Env::new("PID", "OWNER")),
        );
        assert!(out.error.is_none(), "{:?}", out.error);
        let out = rt.handle(
            Message::new("OWNER")
                .with_action("Balance")
                .with_tag("Target", "PID"),
            None,
        );
        assert_eq!(out.messages[0].get("Balance"), Some("10000000000000000"));
        let out = rt.handle(
            Message::new("OWNER")
                .with_action("Transfer")
                .with_tag("Recipient", "BOB"),
            None,
        );
        let err = out.error.expect("no Quantity").to_string();
        assert!(
            err.contains(r#"[string "../../../blueprints/lua/token.lua"]:"#),
            "{err}"
        );
    }
}
