//! The AOS token protocol as an aoxide blueprint.
//!
//! A [`Token`] is a ledger (`account -> U256`), a total supply and the token's metadata. It
//! speaks the protocol of the current AOS token blueprint, message for message (the
//! recorded AOS trace in `tests/trace.rs` is the reference):
//!
//! | Action | Reply |
//! | --- | --- |
//! | `Info` | tags `name`, `ticker`, `logo`, `denomination`, `supply` |
//! | `Balance` | tags `Balance`, `Ticker`, `Account`; Data = the balance |
//! | `Balances` | Data = JSON object `account -> decimal string` |
//! | `Transfer` | `Debit-Notice` to the sender, `Credit-Notice` to the recipient, then a `patch@1.0` message |
//! | `Mint` | text reply (only from the process itself, else `Mint-Error`), then a `patch@1.0` message |
//! | `Total-Supply` | `Action=Total-Supply`, `Ticker`, Data = the supply |
//! | `Burn` | `Burn-Notice` (aoxide extension, see [`handlers::burn`]), then a `patch@1.0` message |
//!
//! Use it alone (it is a process: [`TokenProcess`] is the same type), or mount it on a
//! field of a larger process; its handlers, `#[init]` (from the spawn tags) and
//! `patch@1.0` entries come along:
//!
//! ```
//! use aoxide_token::Token;
//!
//! #[aoxide::process]
//! #[derive(Default)]
//! struct Shop {
//!     token: Token,
//!     sales: u64,
//! }
//!
//! #[aoxide::handlers(mount(token = Token))]
//! impl Shop {
//!     /// Sells one item for 10 units paid to the shop (the process itself).
//!     #[handler(action = "Buy")]
//!     fn buy(&mut self, ctx: &aoxide::Ctx, msg: &aoxide::Message) -> aoxide::Result<String> {
//!         let shop = ctx.id().to_owned();
//!         self.token.transfer(&msg.from, &shop, aoxide::U256::from(10u64))?;
//!         self.sales += 1;
//!         Ok("Sold.".into())
//!     }
//! }
//!
//! let interface = Shop::interface();
//! assert!(interface.action("Transfer").is_some());
//! assert_eq!(interface.part("token").unwrap().handlers.name, "Token");
//! ```
//!
//! Amounts are [`U256`] and travel as canonical decimal strings. Quantities are read
//! strictly: anything but digits without leading zeros, below 2^256, fails the message.
//!
//! Built for wasm32 with the default `export` feature, this crate is an AO module running
//! [`TokenProcess`]. Crates that compose [`Token`] into their own process depend on it with
//! `default-features = false`.

#![warn(missing_docs)]

mod amounts;
mod error;
pub mod handlers;

use aoxide::state::Map;
use aoxide::{Address, Ctx, Error, Message, U256};
use serde::{Deserialize, Serialize};

use amounts::{amount_json, parse_allocations};
pub use error::TokenError;

/// The ticker AOS gives a token when none is set.
pub const DEFAULT_TICKER: &str = "PNTS";
/// The logo (an Arweave transaction id) AOS gives a token when none is set.
pub const DEFAULT_LOGO: &str = "SBCCXwwecBlDqRLUjb8dYABExTJXLieawf7m2aBJ-KY";
/// The denomination (decimal places) AOS gives a token when none is set.
pub const DEFAULT_DENOMINATION: u8 = 12;
/// The name AOS uses when the process has no `Name` tag.
pub const DEFAULT_NAME: &str = "aos";

/// The supply AOS mints to the process itself: 10^4 whole tokens of 10^12 units.
pub fn default_supply() -> U256 {
    U256::from(10_000_000_000_000_000u64)
}

/// The ANSI colours AOS puts in notice texts (reproduced byte for byte).
pub mod colors {
    /// Grey.
    pub const GRAY: &str = "\x1b[90m";
    /// Blue.
    pub const BLUE: &str = "\x1b[34m";
    /// Green.
    pub const GREEN: &str = "\x1b[32m";
    /// Back to the default colour.
    pub const RESET: &str = "\x1b[0m";
}

/// A fungible token: balances, total supply and metadata.
///
/// Invariant kept by every operation: the balances add up to `total_supply`.
///
/// After a message that changed balances, the `patch@1.0` message carries `balances` (the
/// accounts the message changed, decimal strings) and `token-info` (name, ticker, logo,
/// denomination, supply).
///
/// The serde form (the built module's state view, which `aoxide-host`'s `Net::state` reads
/// back, so a test runs the same on the native and the wasm backend) is the struct's fields
/// with amounts as decimal strings: `{"balances": {"<account>": "<amount>", ...},
/// "total_supply": "<amount>", "name", "ticker", "logo", "denomination": <number>}`.
#[aoxide::process(patch("token-info" = Token::info_json))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// Balances by account. An account appears once it has been credited or debited; an
    /// emptied account keeps a `0` entry, as in AOS.
    #[patch(with = amount_json)]
    pub balances: Map<String, U256>,
    /// The sum of all balances.
    pub total_supply: U256,
    /// Token name (`Info` tag `name`).
    pub name: String,
    /// Ticker (`Info` tag `ticker`).
    pub ticker: String,
    /// Logo: an Arweave transaction id (`Info` tag `logo`).
    pub logo: String,
    /// Decimal places of one whole token (`Info` tag `denomination`).
    pub denomination: u8,
}

/// A process that is only a token: the AOS token blueprint as a module of its own.
pub type TokenProcess = Token;

impl Default for Token {
    fn default() -> Self {
        Token::new(DEFAULT_NAME)
    }
}

impl Token {
    /// A token called `name` with the AOS defaults for ticker, logo and denomination, no
    /// balances and no supply.
    pub fn new(name: impl Into<String>) -> Self {
        Token {
            balances: Map::new(),
            total_supply: U256::ZERO,
            name: name.into(),
            ticker: DEFAULT_TICKER.to_owned(),
            logo: DEFAULT_LOGO.to_owned(),
            denomination: DEFAULT_DENOMINATION,
        }
    }

    /// The token AOS starts with: the AOS defaults and [`default_supply`] held by
    /// `process_id`.
    pub fn aos(process_id: &str, name: impl Into<String>) -> Self {
        Token::new(name).with_balance(process_id, default_supply())
    }

    /// Builder: sets the ticker.
    pub fn ticker(mut self, ticker: impl Into<String>) -> Self {
        self.ticker = ticker.into();
        self
    }

    /// Builder: sets the logo.
    pub fn logo(mut self, logo: impl Into<String>) -> Self {
        self.logo = logo.into();
        self
    }

    /// Builder: sets the denomination.
    pub fn denomination(mut self, denomination: u8) -> Self {
        self.denomination = denomination;
        self
    }

    /// Builder: mints `amount` to `account` (saturating at 2^256 - 1 in total supply).
    pub fn with_balance(mut self, account: &str, amount: U256) -> Self {
        let amount = amount.min(U256::MAX - self.total_supply);
        // Cannot fail: the amount was capped to what fits.
        let _ = self.mint(account, amount);
        self
    }

    /// Builder: mints each `(account, amount)` of `allocations` (see
    /// [`Token::with_balance`]).
    pub fn with_allocations<'a>(
        mut self,
        allocations: impl IntoIterator<Item = (&'a str, U256)>,
    ) -> Self {
        for (account, amount) in allocations {
            self = self.with_balance(account, amount);
        }
        self
    }

    /// The token described by the spawn message's tags, with AOS defaults for what is
    /// absent: `Name` (the process name, else `aos`), `Ticker` (`PNTS`), `Logo`,
    /// `Denomination` (`12`), and the initial supply (see the crate README, "Funding"):
    ///
    /// - `Initial-Supply`: units minted at spawn (10^16 by default);
    /// - `Initial-Allocations`: a JSON object `{"<address>": "<amount>", ...}` paid out of
    ///   that supply at spawn;
    /// - `Initial-Holder`: who holds the rest, `process` (the default, as AOS) or `owner`.
    ///
    /// When `msg` is not the spawn message (a host that never delivers it) the defaults are
    /// used. A tag that does not parse, or allocations above the supply, are an error.
    pub fn from_spawn(ctx: &Ctx<'_>, msg: &Message) -> Result<Self, Error> {
        let mut token = Token::new(ctx.process().name.clone());
        let mut supply = default_supply();
        let mut holder = ctx.id().to_owned();
        let mut allocations: Vec<(String, U256)> = Vec::new();
        if msg.is_spawn_of(ctx.id()) {
            if let Some(t) = msg.get("Ticker") {
                token.ticker = t.to_owned();
            }
            if let Some(l) = msg.get("Logo") {
                token.logo = l.to_owned();
            }
            if let Some(d) = msg.tag::<Option<u8>>("Denomination")? {
                token.denomination = d;
            }
            if let Some(s) = msg.tag::<Option<U256>>("Initial-Supply")? {
                supply = s;
            }
            match msg.get("Initial-Holder") {
                None | Some("process") => {}
                Some("owner") => holder = ctx.process().owner.clone(),
                Some(other) => {
                    // Quoted as JSON, not with `{:?}` (whose escaping costs a module 5 KB).
                    let mut got = String::new();
                    aoxide::push_json_string(&mut got, other);
                    return Err(Error::msg(format!(
                        "Initial-Holder must be `process` or `owner`, got {got}"
                    )));
                }
            }
            if let Some(text) = msg.get("Initial-Allocations") {
                allocations = parse_allocations(text)?;
            }
        }
        let mut rest = supply;
        for (account, amount) in &allocations {
            rest = rest.checked_sub(*amount).ok_or_else(|| {
                Error::msg(format!(
                    "Initial-Allocations add up to more than the Initial-Supply {supply}"
                ))
            })?;
            token = token.with_balance(account, *amount);
        }
        Ok(token.with_balance(&holder, rest))
    }

    /// The balance of `account` (zero when it has none).
    pub fn balance_of(&self, account: &str) -> U256 {
        self.balances.get(account).copied().unwrap_or(U256::ZERO)
    }

    /// Moves `quantity` from `from` to `to`. Moving to oneself leaves the balance as it was.
    /// On error nothing changes.
    pub fn transfer(&mut self, from: &str, to: &str, quantity: U256) -> Result<(), TokenError> {
        self.transfer_balances(from, to, quantity).map(|_| ())
    }

    /// [`Token::transfer`], returning the new balances of `from` and `to`.
    fn transfer_balances(
        &mut self,
        from: &str,
        to: &str,
        quantity: U256,
    ) -> Result<(U256, U256), TokenError> {
        if quantity.is_zero() {
            return Err(TokenError::ZeroQuantity);
        }
        let debited = self
            .balance_of(from)
            .checked_sub(quantity)
            .ok_or(TokenError::InsufficientBalance)?;
        if from == to {
            // Touch the entry, as AOS does (it writes both sides).
            let balance = debited + quantity;
            self.balances.insert(from.to_owned(), balance);
            return Ok((balance, balance));
        }
        let credited = self
            .balance_of(to)
            .checked_add(quantity)
            .ok_or(TokenError::Overflow)?;
        self.balances.insert(from.to_owned(), debited);
        self.balances.insert(to.to_owned(), credited);
        Ok((debited, credited))
    }

    /// Creates `quantity` new units for `to`. On error nothing changes.
    pub fn mint(&mut self, to: &str, quantity: U256) -> Result<(), TokenError> {
        let supply = self
            .total_supply
            .checked_add(quantity)
            .ok_or(TokenError::Overflow)?;
        let balance = self
            .balance_of(to)
            .checked_add(quantity)
            .ok_or(TokenError::Overflow)?;
        self.balances.insert(to.to_owned(), balance);
        self.total_supply = supply;
        Ok(())
    }

    /// Destroys `quantity` units held by `from`. On error nothing changes.
    pub fn burn(&mut self, from: &str, quantity: U256) -> Result<(), TokenError> {
        if quantity.is_zero() {
            return Err(TokenError::ZeroQuantity);
        }
        let balance = self
            .balance_of(from)
            .checked_sub(quantity)
            .ok_or(TokenError::InsufficientBalance)?;
        // The supply is the sum of balances, so it is at least `quantity`.
        let supply = self
            .total_supply
            .checked_sub(quantity)
            .ok_or(TokenError::InsufficientBalance)?;
        self.balances.insert(from.to_owned(), balance);
        self.total_supply = supply;
        Ok(())
    }
}

/// The handlers: the AOS token protocol, one method per action. Failures that are
/// [`TokenError`]s carry its code (`[zero-quantity] ...`), so [`TokenClient`] gives the
/// variant back.
#[aoxide::handlers(error = TokenError)]
impl Token {
    /// The token described by the spawn tags (see [`Token::from_spawn`]).
    #[init]
    fn init(ctx: &Ctx, msg: &Message) -> Result<Self, Error> {
        Token::from_spawn(ctx, msg)
    }

    /// `Info`: replies with tags `name`, `ticker`, `logo`, `denomination`, `supply`.
    #[handler(action = "Info", name = "info")]
    fn on_info(&self, ctx: &mut Ctx) {
        handlers::info(self, ctx);
    }

    /// `Total-Supply`: replies `Action=Total-Supply`, `Ticker`, Data = the supply.
    #[handler(action = "Total-Supply", name = "total_supply")]
    fn on_total_supply(&self, ctx: &mut Ctx, msg: &Message) -> Result<(), Error> {
        handlers::total_supply(self, ctx, msg)
    }

    /// `Balance`: the balance of `Recipient`, else `Target`, else the sender.
    #[handler(action = "Balance", name = "balance")]
    fn on_balance(&self, ctx: &mut Ctx, msg: &Message, recipient: Option<String>) {
        let _ = recipient; // read by `handlers::balance`, listed for the interface
        handlers::balance(self, ctx, msg);
    }

    /// `Balances`: Data = JSON object of every balance.
    #[handler(action = "Balances", name = "balances")]
    fn on_balances(&self) -> String {
        self.balances_json()
    }

    /// `Transfer`: moves `Quantity` from the sender to `Recipient`.
    #[handler(action = "Transfer", name = "transfer")]
    fn on_transfer(
        &mut self,
        ctx: &mut Ctx,
        msg: &Message,
        recipient: Address,
        quantity: U256,
    ) -> Result<(), Error> {
        handlers::transfer(self, ctx, msg, recipient, quantity)
    }

    /// `Mint`: only the process itself may mint.
    #[handler(action = "Mint", name = "mint")]
    fn on_mint(&mut self, ctx: &mut Ctx, msg: &Message, quantity: U256) -> Result<(), Error> {
        handlers::mint(self, ctx, msg, quantity)
    }

    /// `Allocate` (aoxide extension, owner only): moves `Quantity` out of the process's
    /// own balance (the treasury) to `Recipient`; `Allocate-Notice` to the owner,
    /// `Credit-Notice` to the recipient.
    #[handler(action = "Allocate", name = "allocate", from = owner)]
    fn on_allocate(
        &mut self,
        ctx: &mut Ctx,
        msg: &Message,
        recipient: Address,
        quantity: U256,
    ) -> Result<(), Error> {
        handlers::allocate(self, ctx, msg, recipient, quantity)
    }

    /// `Burn`: destroys `Quantity` units of the sender's balance.
    #[handler(action = "Burn", name = "burn")]
    fn on_burn(&mut self, ctx: &mut Ctx, msg: &Message, quantity: U256) -> Result<(), Error> {
        handlers::burn(self, ctx, msg, quantity)
    }
}

// The AO module entry points. `aoxide::export!` is provided by runtime/src/export.rs.
#[cfg(all(target_arch = "wasm32", feature = "export"))]
aoxide::export!(Token);
