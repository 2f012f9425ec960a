//! The handler bodies, one function per action, usable on their own.

use aoxide::{Address, Ctx, Error, FromTag, Message, OutMessage, TagValue, U256};

use crate::{colors, Token, TokenError};

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
    let value = single(msg, "Recipient")?.ok_or_else(|| Error::msg("Recipient is required!"))?;
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
            .data(token.total_supply.to_decimal()),
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
    let balance = token.balance_of(account).to_decimal();
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
        let q = quantity.to_decimal();
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
    token
        .mint(&msg.from, quantity)
        .map_err(|e| Error::with_code(aoxide::ErrorCode::code(&e), format!("Mint refused: {e}")))?;
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
    let q = quantity.to_decimal();
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

/// The pieces joined, in one allocation. Not std's `[&str]::concat`: its generic `Join`
/// makes `token.wasm` 280 bytes larger (136,473 -> 136,753, measured).
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
