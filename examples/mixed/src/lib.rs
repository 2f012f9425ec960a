//! Example aoxide process: a Rust token and a Lua chatroom in one registry.
//!
//! - The Rust token blueprint ([`aoxide_token`]) with every token action.
//! - The Lua chatroom blueprint (`blueprints/lua/chatroom.lua`, `Register`, `Unregister`,
//!   `Broadcast`) and `lua/tips.lua`: an `Audit` handler that Lua *prepends* in front of
//!   the Rust handlers, `Rich-List` (members with their Rust token balances) and `Tip` (a
//!   transfer in the Rust token made from Lua).
//! - A Rust handler, `Broadcast-Fee`, placed *before* the Lua `Broadcast`: a broadcast costs
//!   the sender [`BROADCAST_FEE`] units, paid to the process; one who cannot pay fails the
//!   message, and the Lua broadcast never runs.
//!
//! Lua calls Rust through `Rust.balance(account)` and `Rust.transfer(from, to, quantity)`.
//! A failing handler, Lua or Rust, fails the whole message: the token, the registry and
//! what was sent go back (Lua globals keep what the failed handler wrote; see
//! [`aoxide_lua::LuaPart`]).
//!
//! Built as an AO module (`scripts/build-wasm.sh example-mixed`, C Lua compiled into it by
//! aoxide-lua's build), it runs under ao-loader (`tests/conformance/lua-module.test.mjs`).

#![warn(missing_docs)]

use aoxide::{
    Ctx, Error, Handler, Match, Message, Pattern, Process, Registry, Transactional, U256,
};
use aoxide_lua::{handler_error, lua_source, Limits, LuaMount, LuaPart, LuaSource};
use aoxide_token::Token;

/// Units a `Broadcast` costs its sender.
pub const BROADCAST_FEE: u64 = 1;

/// The Lua files, run in order at spawn.
pub const LUA: &[LuaSource] = &[
    lua_source!("../../../blueprints/lua/chatroom.lua"),
    lua_source!("../lua/tips.lua"),
];

/// The process: a Rust token and a Lua VM (rolled back field by field).
#[derive(Transactional)]
pub struct Mixed {
    /// The currency (Rust).
    pub token: Token,
    /// The chatroom and the tips (Lua).
    pub lua: LuaPart,
}

fn quantity(text: &str) -> Result<U256, Error> {
    U256::from_str_radix(text, 10).map_err(|_| Error::msg(format!("bad quantity `{text}`")))
}

impl Mixed {
    /// The Lua mount, with the Rust functions Lua may call.
    pub fn lua_mount() -> LuaMount<Mixed> {
        LuaMount::new(|p: &mut Mixed| &mut p.lua)
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

    fn broadcast_fee() -> Handler<Mixed> {
        let pattern = Pattern::test(|m: &Message| {
            if m.action() == Some("Broadcast") {
                Match::Continue
            } else {
                Match::Skip
            }
        });
        Handler::new("Broadcast-Fee", pattern, |p: &mut Mixed, ctx, msg| {
            p.token
                .transfer(&msg.from, ctx.id(), U256::from(BROADCAST_FEE))
                .map_err(|e| Error::msg(format!("the broadcast fee: {e}")))
        })
    }
}

impl Process for Mixed {
    fn init(ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error> {
        Ok(Mixed {
            token: Token::from_spawn(ctx, msg)?,
            lua: LuaPart::boot(Limits::default(), ctx, msg, LUA).map_err(handler_error)?,
        })
    }

    fn register(registry: &mut Registry<Self>) {
        registry.mount("token", |p: &mut Mixed| &mut p.token, |p: &Mixed| &p.token);
        Self::lua_mount().register(registry);
    }

    fn edit_registry(&mut self, registry: &mut Registry<Self>) {
        if Self::lua_mount().sync(self, registry)
            && registry.get("Broadcast").is_some()
            && registry.get("Broadcast-Fee").is_none()
        {
            // The Lua chatroom is in: the fee goes right in front of its Broadcast.
            registry.before("Broadcast", Self::broadcast_fee());
        }
    }
}

// The AO module entry points (on wasm32; nothing on other targets).
aoxide::export!(Mixed);
