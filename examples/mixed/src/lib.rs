//! Example aoxide process: a Rust token and a Lua chatroom in one registry.
//!
//! - The Rust token blueprint ([`aoxide_token`]) with every token action, mounted on the
//!   field `token` (its handlers are `token.transfer`, `token.balance`, ...).
//! - A Lua VM mounted on the field `lua` ([`Mixed::lua`]): the Lua chatroom blueprint
//!   (`blueprints/lua/chatroom.lua`, `Register`, `Unregister`, `Broadcast`) and
//!   `lua/tips.lua`: an `Audit` handler that Lua *prepends* in front of the Rust handlers,
//!   `Rich-List` (members with their Rust token balances) and `Tip` (a transfer in the
//!   Rust token made from Lua). Lua handlers keep their Lua names.
//! - A Rust handler, `Broadcast-Fee`, placed *before* the Lua `Broadcast`: a broadcast costs
//!   the sender [`BROADCAST_FEE`] units, paid to the process; one who cannot pay fails the
//!   message, and the Lua broadcast never runs. `Broadcast` is added by Lua at spawn, so
//!   the fee waits for it and goes in right in front of it then.
//!
//! Lua calls Rust through `Rust.balance(account)` and `Rust.transfer(from, to, quantity)`.
//! A failing handler, Lua or Rust, fails the whole message: the token, the registry and
//! what was sent go back (Lua globals keep what the failed handler wrote; see
//! [`aoxide_lua::LuaPart`]). After a message that changed state, the token's
//! `patch@1.0` entries go out as in any process mounting it.
//!
//! Built as an AO module (`scripts/build-wasm.sh example-mixed`, C Lua compiled into it by
//! aoxide-lua's build), it runs under ao-loader (`tests/conformance/lua-module.test.mjs`).

#![warn(missing_docs)]

use aoxide::{Ctx, Error, Message, Result, U256};
use aoxide_lua::{lua_source, LuaMount, LuaPart, LuaSource};
use aoxide_token::Token;

/// Units a `Broadcast` costs its sender.
pub const BROADCAST_FEE: u64 = 1;

/// The Lua files, run in order at spawn.
pub const LUA: &[LuaSource] = &[
    lua_source!("../../../blueprints/lua/chatroom.lua"),
    lua_source!("../lua/tips.lua"),
];

/// The process: a Rust token and a Lua VM (rolled back field by field).
#[aoxide::process]
pub struct Mixed {
    /// The currency (Rust).
    pub token: Token,
    /// The chatroom and the tips (Lua).
    pub lua: LuaPart,
}

fn quantity(text: &str) -> Result<U256> {
    U256::from_str_radix(text, 10).map_err(|_| Error::msg(format!("bad quantity `{text}`")))
}

#[aoxide::handlers(mount(token = Token, lua = Self::lua()))]
impl Mixed {
    /// The token from the spawn tags (its own `#[init]`), the Lua VM booted with [`LUA`].
    #[init]
    fn init(token: Token, lua: LuaPart) -> Self {
        Mixed { token, lua }
    }

    /// The Lua part: its files, and the Rust functions Lua may call.
    pub fn lua() -> LuaMount<Self> {
        LuaMount::new(LUA)
            .function("balance", |p: &mut Mixed, account: String| {
                Ok(p.token.balance_of(&account).to_string())
            })
            .function(
                "transfer",
                |p: &mut Mixed, (from, to, amount): (String, String, String)| {
                    p.token.transfer(&from, &to, quantity(&amount)?)?;
                    Ok(())
                },
            )
    }

    /// A broadcast costs its sender [`BROADCAST_FEE`] units, paid to the process; then the
    /// Lua `Broadcast` runs.
    #[handler(
        name = "Broadcast-Fee",
        action = "Broadcast",
        before = "Broadcast",
        continue
    )]
    fn broadcast_fee(&mut self, ctx: &Ctx, msg: &Message) -> Result<()> {
        self.token
            .transfer(&msg.from, ctx.id(), U256::from(BROADCAST_FEE))
            .map_err(|e| Error::msg(format!("the broadcast fee: {e}")))
    }
}

// The AO module entry points (on wasm32; nothing on other targets).
aoxide::export!(Mixed);
