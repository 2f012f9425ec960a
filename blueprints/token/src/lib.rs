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

use std::fmt;

use aoxide::state::Map;
use aoxide::{Address, Ctx, Error, FromTag, Message, OutMessage, TagValue, U256};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// `amount` in decimal, as its `Display` writes it; amounts below 2^64 (nearly all) are
/// written without `core::fmt`.
fn decimal(amount: &U256) -> String {
    let Ok(mut n) = u64::try_from(amount) else {
        return amount.to_string();
    };
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits: always UTF-8.
    std::str::from_utf8(&digits[at..])
        .map(str::to_owned)
        .unwrap_or_default()
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

/// Why a ledger operation was refused. The ledger is unchanged when one is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// The account holds less than the quantity.
    InsufficientBalance,
    /// The result would not fit in 256 bits.
    Overflow,
    /// The quantity is zero.
    ZeroQuantity,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            // The exact text AOS puts in the `Error` tag of a Transfer-Error.
            TokenError::InsufficientBalance => "Insufficient Balance!",
            TokenError::Overflow => "Amount does not fit in 256 bits",
            TokenError::ZeroQuantity => "Quantity must be greater than 0",
        })
    }
}

impl std::error::Error for TokenError {}

/// Stable codes, so a typed client ([`TokenClient`]) gives the variant back.
impl aoxide::ErrorCode for TokenError {
    fn code(&self) -> &'static str {
        match self {
            TokenError::InsufficientBalance => "insufficient-balance",
            TokenError::Overflow => "overflow",
            TokenError::ZeroQuantity => "zero-quantity",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "insufficient-balance" => TokenError::InsufficientBalance,
            "overflow" => TokenError::Overflow,
            "zero-quantity" => TokenError::ZeroQuantity,
            _ => return None,
        })
    }
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

/// `{"<address>": "<amount>", ...}`: every address valid, every amount a canonical decimal.
/// Read by aoxide's JSON reader ([`aoxide::json_value`]), so the module carries no
/// serde_json deserializer.
fn parse_allocations(text: &str) -> Result<Vec<(String, U256)>, Error> {
    let object = match aoxide::json_value(text) {
        Ok(Value::Object(object)) => object,
        Ok(other) => {
            return Err(Error::msg(format!(
                "Initial-Allocations must be a JSON object of address -> decimal amount, got {}",
                aoxide::json_text(&other)
            )))
        }
        Err(e) => {
            return Err(Error::msg(format!(
                "Initial-Allocations must be a JSON object of address -> decimal amount: {e}"
            )))
        }
    };
    let mut out = Vec::with_capacity(object.len());
    for (account, amount) in object {
        let address = Address::parse_tag("Initial-Allocations", &TagValue::Text(account))?;
        let amount = match amount {
            Value::String(s) => U256::parse_tag("Initial-Allocations", &TagValue::Text(s))?,
            other => {
                return Err(Error::msg(format!(
                    "Initial-Allocations amounts are decimal strings, got {}",
                    aoxide::json_text(&other)
                )))
            }
        };
        out.push((address.as_str().to_owned(), amount));
    }
    Ok(out)
}

/// An amount as the decimal string AO uses.
fn amount_json(amount: &U256) -> Value {
    Value::String(decimal(amount))
}

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

    /// The balances as the JSON object AOS replies to `Balances` with.
    pub fn balances_json(&self) -> String {
        // Written directly: the map is ordered by account, as a JSON object's keys are.
        let mut out = String::with_capacity(2 + self.balances.len() * 64);
        out.push('{');
        for (i, (k, v)) in self.balances.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            aoxide::push_json_string(&mut out, k);
            out.push_str(":\"");
            out.push_str(&decimal(v));
            out.push('"');
        }
        out.push('}');
        out
    }

    /// The `token-info` object of the `patch@1.0` message.
    pub fn info_json(&self) -> Value {
        let mut object = serde_json::Map::new();
        object.insert("name".into(), Value::String(self.name.clone()));
        object.insert("ticker".into(), Value::String(self.ticker.clone()));
        object.insert("logo".into(), Value::String(self.logo.clone()));
        object.insert(
            "denomination".into(),
            Value::String(decimal(&U256::from(self.denomination))),
        );
        object.insert("supply".into(), Value::String(decimal(&self.total_supply)));
        Value::Object(object)
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

/// The handler bodies, one function per action, usable on their own.
pub mod handlers {
    use super::*;

    /// The only value of tag `name`; a tag given twice is refused so that no reader can
    /// see a different value than the one the ledger used.
    fn single<'m>(msg: &'m Message, name: &str) -> Result<Option<&'m TagValue>, Error> {
        let mut found = msg.tags.iter().filter(|t| t.name == name);
        let first = found.next().map(|t| &t.value);
        if found.next().is_some() {
            return Err(Error::msg(format!("{name} must be given only once")));
        }
        Ok(first)
    }

    /// Refuses a tag given more than once.
    fn once(msg: &Message, name: &str) -> Result<(), Error> {
        single(msg, name).map(|_| ())
    }

    /// Reads `Quantity`: required, once, a canonical decimal below 2^256, above zero.
    pub fn quantity(msg: &Message, zero_error: &str) -> Result<U256, Error> {
        let value = single(msg, "Quantity")?.ok_or_else(|| Error::msg("Quantity is required!"))?;
        let quantity = U256::parse_tag("Quantity", value)?;
        if quantity.is_zero() {
            return Err(Error::msg(zero_error));
        }
        Ok(quantity)
    }

    /// Reads `Recipient`: required, once, an address.
    pub fn recipient(msg: &Message) -> Result<Address, Error> {
        let value =
            single(msg, "Recipient")?.ok_or_else(|| Error::msg("Recipient is required!"))?;
        Ok(Address::parse_tag("Recipient", value)?)
    }

    /// `Info`: replies with tags `name`, `ticker`, `logo`, `denomination`, `supply`.
    pub fn info(token: &Token, ctx: &mut Ctx<'_>) {
        ctx.respond(
            OutMessage::untargeted()
                .tag("name", token.name.as_str())
                .tag("ticker", token.ticker.as_str())
                .tag("logo", token.logo.as_str())
                .tag("denomination", token.denomination.to_string())
                .tag("supply", token.total_supply),
        );
    }

    /// `Total-Supply`: replies `Action=Total-Supply`, `Ticker`, Data = the supply. The
    /// process may not ask itself (as in AOS: the message fails).
    pub fn total_supply(token: &Token, ctx: &mut Ctx<'_>, msg: &Message) -> Result<(), Error> {
        if msg.from == ctx.id() {
            return Err(Error::msg(
                "Cannot call Total-Supply from the same process!",
            ));
        }
        ctx.respond(
            OutMessage::untargeted()
                .action("Total-Supply")
                .tag("Ticker", token.ticker.as_str())
                .data(token.total_supply.to_string()),
        );
        Ok(())
    }

    /// `Balance`: the balance of the `Recipient` tag's account, else of the `Target` tag's
    /// account when it has an entry, else of the sender. Replies tags `Balance`, `Ticker`,
    /// `Account`, Data = the balance ("0" for an unknown account).
    pub fn balance(token: &Token, ctx: &mut Ctx<'_>, msg: &Message) {
        let account = match msg.get("Recipient") {
            Some(r) => r,
            None => match msg.get("Target") {
                Some(t) if token.balances.contains_key(t) => t,
                _ => msg.from.as_str(),
            },
        };
        let balance = decimal(&token.balance_of(account));
        ctx.respond(
            OutMessage::untargeted()
                .tag("Balance", balance.as_str())
                .tag("Ticker", token.ticker.as_str())
                .tag("Account", account)
                .data(balance),
        );
    }

    /// Copies every `X-*` tag of `msg` (first value of each name) onto `out`.
    fn forward_x_tags(msg: &Message, mut out: OutMessage) -> OutMessage {
        for tag in msg.tags.iter() {
            if tag.name.starts_with("X-") && !out.tags.contains(&tag.name) {
                if let Some(first) = msg.tags.find(&tag.name) {
                    out = out.tag(tag.name.clone(), first.clone());
                }
            }
        }
        out
    }

    /// `Transfer`: moves `Quantity` from the sender to `Recipient`.
    ///
    /// Missing or invalid `Recipient`/`Quantity` fail the message (no reply, nothing
    /// changes). A balance too low gets `Action=Transfer-Error` with `Message-Id` and
    /// `Error=Insufficient Balance!`. Otherwise the sender gets a `Debit-Notice` (a reply)
    /// and the recipient a `Credit-Notice`, each carrying every `X-*` tag, unless the
    /// message has a `Cast` tag; then the `patch@1.0` message follows (sent by the
    /// dispatcher after the message, from the balances it changed).
    pub fn transfer(
        token: &mut Token,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        recipient: Address,
        quantity: U256,
    ) -> Result<(), Error> {
        once(msg, "Recipient")?;
        once(msg, "Quantity")?;
        if quantity.is_zero() {
            return Err(Error::coded(TokenError::ZeroQuantity));
        }
        let from = msg.from.as_str();
        match token.transfer_balances(from, recipient.as_str(), quantity) {
            Ok(_) => {}
            Err(TokenError::InsufficientBalance) => {
                error_reply(ctx, msg, "Transfer-Error", "Insufficient Balance!");
                return Ok(());
            }
            Err(e) => return Err(Error::coded(e)),
        }
        if !msg.tags.contains("Cast") {
            let q = decimal(&quantity);
            let debit = OutMessage::untargeted()
                .action("Debit-Notice")
                .tag("Recipient", recipient.as_str())
                .tag("Quantity", q.as_str())
                .data(concat(&[
                    colors::GRAY,
                    "You transferred ",
                    colors::BLUE,
                    &q,
                    colors::GRAY,
                    " to ",
                    colors::GREEN,
                    recipient.as_str(),
                    colors::RESET,
                ]));
            let credit = OutMessage::to(recipient.as_str())
                .action("Credit-Notice")
                .tag("Sender", from)
                .tag("Quantity", q.as_str())
                .data(concat(&[
                    colors::GRAY,
                    "You received ",
                    colors::BLUE,
                    &q,
                    colors::GRAY,
                    " from ",
                    colors::GREEN,
                    from,
                    colors::RESET,
                ]));
            ctx.respond(forward_x_tags(msg, debit));
            ctx.send(forward_x_tags(msg, credit));
        }
        Ok(())
    }

    /// `Mint`: only the process itself may mint; it receives the new units. Anyone else
    /// gets `Action=Mint-Error`. An invalid `Quantity` fails the message, as does a supply
    /// that would pass 2^256 - 1.
    pub fn mint(
        token: &mut Token,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        quantity: U256,
    ) -> Result<(), Error> {
        once(msg, "Quantity")?;
        if quantity.is_zero() {
            return Err(Error::with_code(
                aoxide::ErrorCode::code(&TokenError::ZeroQuantity),
                "Quantity must be greater than zero!",
            ));
        }
        if msg.from != ctx.id() {
            let text = format!("Only the Process Id can mint new {} tokens!", token.ticker);
            error_reply(ctx, msg, "Mint-Error", &text);
            return Ok(());
        }
        token.mint(&msg.from, quantity).map_err(|e| {
            Error::with_code(aoxide::ErrorCode::code(&e), format!("Mint refused: {e}"))
        })?;
        ctx.respond(OutMessage::untargeted().data(format!(
            "{}Successfully minted {}{quantity}{}",
            colors::GRAY,
            colors::BLUE,
            colors::RESET
        )));
        Ok(())
    }

    /// `Burn` (aoxide extension; the AOS blueprint has none): destroys `Quantity` units of
    /// the sender's own balance and lowers the supply. An invalid `Quantity` fails the
    /// message; a balance too low gets `Action=Burn-Error` with `Message-Id` and
    /// `Error=Insufficient Balance!`. On success the sender gets `Action=Burn-Notice` with
    /// `Quantity` (and every `X-*` tag), then the `patch@1.0` message follows.
    pub fn burn(
        token: &mut Token,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        quantity: U256,
    ) -> Result<(), Error> {
        once(msg, "Quantity")?;
        if quantity.is_zero() {
            return Err(Error::coded(TokenError::ZeroQuantity));
        }
        match token.burn(&msg.from, quantity) {
            Ok(()) => {}
            Err(TokenError::InsufficientBalance) => {
                error_reply(ctx, msg, "Burn-Error", "Insufficient Balance!");
                return Ok(());
            }
            Err(e) => return Err(Error::coded(e)),
        }
        let notice = OutMessage::untargeted()
            .action("Burn-Notice")
            .tag("Quantity", quantity)
            .data(format!(
                "{}Successfully burned {}{quantity}{}",
                colors::GRAY,
                colors::BLUE,
                colors::RESET
            ));
        ctx.respond(forward_x_tags(msg, notice));
        Ok(())
    }

    /// `Allocate` (owner only, see [`Token::from_spawn`] for funding at spawn): moves
    /// `Quantity` from the process's own balance to `Recipient`. An invalid or zero
    /// `Quantity` fails the message; a treasury too low fails it with
    /// [`TokenError::InsufficientBalance`]'s code. The owner gets `Action=Allocate-Notice`
    /// (tags `Recipient`, `Quantity`), the recipient a `Credit-Notice` whose `Sender` is
    /// the process, as a Transfer from the process would send.
    pub fn allocate(
        token: &mut Token,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        recipient: Address,
        quantity: U256,
    ) -> Result<(), Error> {
        once(msg, "Recipient")?;
        once(msg, "Quantity")?;
        let treasury = ctx.id().to_owned();
        token
            .transfer(&treasury, recipient.as_str(), quantity)
            .map_err(Error::coded)?;
        let q = decimal(&quantity);
        ctx.respond(
            OutMessage::untargeted()
                .action("Allocate-Notice")
                .tag("Recipient", recipient.as_str())
                .tag("Quantity", q.as_str()),
        );
        ctx.send(
            OutMessage::to(recipient.as_str())
                .action("Credit-Notice")
                .tag("Sender", treasury.as_str())
                .tag("Quantity", q.as_str())
                .data(format!("You received {q} from {treasury}")),
        );
        Ok(())
    }

    /// The pieces joined, in one allocation.
    fn concat(pieces: &[&str]) -> String {
        let mut text = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
        for piece in pieces {
            text.push_str(piece);
        }
        text
    }

    /// Replies `Action=<action>`, `Message-Id` (when the message has an id), `Error=<text>`.
    fn error_reply(ctx: &mut Ctx<'_>, msg: &Message, action: &str, text: &str) {
        let mut reply = OutMessage::untargeted().action(action);
        if let Some(id) = &msg.id {
            reply = reply.tag("Message-Id", id.as_str());
        }
        ctx.respond(reply.tag("Error", text));
    }
}

#[cfg(test)]
mod decimal_tests {
    use super::*;

    #[test]
    fn decimal_is_display() {
        for n in [
            0u64,
            1,
            9,
            10,
            12,
            999,
            1000,
            10u64.pow(16),
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(decimal(&U256::from(n)), n.to_string());
        }
        for v in [U256::from(u64::MAX) + U256::from(1u8), U256::MAX] {
            assert_eq!(decimal(&v), v.to_string());
        }
    }

    #[test]
    fn balances_json_is_the_object_serde_json_writes() {
        let mut token = Token::new("T");
        for (account, amount) in [
            ("b-acc", U256::from(5u8)),
            ("a\"quoted\"", U256::MAX),
            ("Zed", U256::ZERO),
            ("é", U256::from(u64::MAX)),
        ] {
            token.balances.insert(account.to_owned(), amount);
        }
        let mut object = serde_json::Map::new();
        for (k, v) in token.balances.iter() {
            object.insert(k.clone(), Value::String(v.to_string()));
        }
        assert_eq!(
            token.balances_json(),
            serde_json::to_string(&Value::Object(object)).unwrap()
        );
        assert_eq!(Token::new("T").balances_json(), "{}");
    }

    #[test]
    fn allocations_are_read_as_serde_json_reads_them() {
        let a = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
        let b = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
        let text = format!(r#" {{ "{b}" : "7", "{a}":"1", "{b}": "2" }} "#);
        assert_eq!(
            parse_allocations(&text).unwrap(),
            vec![
                (a.to_owned(), U256::from(1u8)),
                (b.to_owned(), U256::from(2u8))
            ],
            "sorted, the last duplicate wins"
        );
        for bad in [
            "".to_owned(),
            "[]".to_owned(),
            format!(r#"{{"{a}":1}}"#),
            format!(r#"{{"{a}":"01"}}"#),
            r#"{"short":"1"}"#.to_owned(),
            format!(r#"{{"{a}":"1"}} x"#),
        ] {
            assert!(parse_allocations(&bad).is_err(), "{bad}");
        }
    }
}

// The AO module entry points. `aoxide::export!` is provided by runtime/src/export.rs.
#[cfg(all(target_arch = "wasm32", feature = "export"))]
aoxide::export!(Token);
