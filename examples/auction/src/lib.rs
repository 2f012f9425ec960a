//! An English auction paid in a token, written with the await form.
//!
//! Spawn it with tags `Token` (the token process bids are paid in), `Duration` (ms from the
//! spawn's timestamp until bidding closes) and optionally `Reserve` (the lowest first bid).
//! The spawner is the seller.
//!
//! - A bid is a token transfer to the auction: the token's `Credit-Notice` (only from the
//!   token process; anyone else claiming one fails and changes nothing). A bid above the
//!   best (and at least the reserve) becomes the best, and the previous best bidder is
//!   refunded; any other bid, and every bid after the end, is refunded at once.
//! - After the end, `Settle` (anyone) or a cron tick pays the best bid to the seller: the
//!   auction sends the token a `Transfer` and **awaits its answer**: a `Debit-Notice` from
//!   the token marks the auction paid, a `Transfer-Error` or no answer within
//!   [`PAYOUT_TIMEOUT_MS`] reopens settlement so it can be tried again.
//! - At spawn it asks the token for its `Info` and awaits the reply to learn the ticker.
//! - `Auction-Info` replies with the state as JSON.
//!
//! A bid arriving when no time is known (a host that sends no `Timestamp`, before any
//! message had one) is refunded: the auction cannot tell whether it is still open.

use aoxide::{fail, Await, Ctx, Message, OutMessage, Result, U256};
use serde::Serialize;

/// How long settlement waits for the token to confirm the payout.
pub const PAYOUT_TIMEOUT_MS: u64 = 60_000;

/// A bid: who and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bid {
    /// The bidder (the `Sender` of the token's `Credit-Notice`).
    pub bidder: String,
    /// The amount, in the token's smallest unit.
    pub amount: U256,
}

/// Where the auction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Phase {
    /// Taking bids (until `ends_at`), or ended and not yet settled.
    #[default]
    Open,
    /// The payout is sent; awaiting the token's answer.
    Paying,
    /// The seller was paid.
    Paid,
    /// Ended without a bid.
    NoSale,
}

aoxide::transactional_by_clone!(Bid, Phase);

/// The auction state.
#[aoxide::process]
#[derive(Debug, Default, Serialize)]
pub struct Auction {
    /// The token process bids are paid in.
    pub token: String,
    /// The token's ticker, once it answered `Info`.
    pub ticker: Option<String>,
    /// Who is paid: the spawner.
    pub seller: String,
    /// Bidding closes at this timestamp (ms).
    pub ends_at: u64,
    /// The lowest acceptable bid.
    pub reserve: U256,
    /// The best bid so far.
    pub best: Option<Bid>,
    /// Where the auction is.
    pub phase: Phase,
    /// Refunds sent so far.
    pub refunds: u64,
}

#[aoxide::handlers]
impl Auction {
    #[init]
    fn init(ctx: &mut Ctx, token: String, duration: u64, reserve: Option<U256>) -> Result<Self> {
        let ends_at = ctx.now()?.saturating_add(duration);
        ctx.send(OutMessage::to(token.as_str()).action("Info"))
            .on_reply(Auction::got_info)?;
        Ok(Auction {
            seller: ctx.owner().to_owned(),
            token,
            ends_at,
            reserve: reserve.unwrap_or(U256::from(1u8)),
            ticker: None,
            best: None,
            phase: Phase::Open,
            refunds: 0,
        })
    }

    /// A bid: the token says `sender` transferred `quantity` to the auction.
    #[handler(action = "Credit-Notice")]
    fn credit(
        &mut self,
        ctx: &mut Ctx,
        msg: &Message,
        sender: String,
        quantity: U256,
    ) -> Result<()> {
        if msg.from != self.token {
            fail!(
                "a Credit-Notice from {}, not from the auction's token {}",
                msg.from,
                self.token
            );
        }
        let open = matches!(ctx.now(), Ok(now) if now < self.ends_at) && self.phase == Phase::Open;
        let floor = self
            .best
            .as_ref()
            .map_or(self.reserve, |b| b.amount + U256::from(1u8));
        if !open {
            return self.refund(ctx, &sender, quantity, "the auction is closed");
        }
        if quantity < floor {
            return self.refund(
                ctx,
                &sender,
                quantity,
                &format!("the lowest bid now is {floor}"),
            );
        }
        let bid = Bid {
            bidder: sender.clone(),
            amount: quantity,
        };
        if let Some(previous) = self.best.replace(bid) {
            self.refund(ctx, &previous.bidder, previous.amount, "outbid")?;
        }
        ctx.send(Auction::notice(&sender, "Bid-Accepted", quantity));
        Ok(())
    }

    /// Pays the seller once bidding is over.
    #[handler(action = "Settle")]
    fn settle(&mut self, ctx: &mut Ctx) -> Result<String> {
        let now = ctx.now()?;
        if now < self.ends_at {
            fail!("the auction runs until {}; it is {now}", self.ends_at);
        }
        self.close(ctx)?;
        Ok(format!("{:?}", self.phase))
    }

    /// Cron: settles as soon as the end has passed.
    #[cron]
    fn tick(&mut self, ctx: &mut Ctx) -> Result<()> {
        if ctx.now().is_ok_and(|now| now >= self.ends_at) {
            self.close(ctx)?;
        }
        Ok(())
    }

    #[handler(action = "Auction-Info")]
    fn auction_info(&self) -> aoxide::Json<&Self> {
        aoxide::Json(self)
    }

    fn close(&mut self, ctx: &mut Ctx) -> Result<()> {
        if self.phase != Phase::Open {
            return Ok(());
        }
        let Some(amount) = self.best.as_ref().map(|b| b.amount) else {
            self.phase = Phase::NoSale;
            return Ok(());
        };
        let payout = self.transfer(&self.seller, amount);
        let wait = Await::new(Auction::paid)
            .within(PAYOUT_TIMEOUT_MS)
            .on_timeout(|a: &mut Auction, _: &mut Ctx<'_>, _: &Message| {
                a.phase = Phase::Open;
                Ok(())
            });
        ctx.send(payout).then(wait)?;
        self.phase = Phase::Paying;
        Ok(())
    }

    /// The token's answer to the payout.
    fn paid(&mut self, ctx: &mut Ctx<'_>, answer: &Message) -> Result<()> {
        if answer.action() != Some("Debit-Notice") {
            self.phase = Phase::Open;
            ctx.print(format!(
                "payout failed: {}",
                answer.get("Error").unwrap_or("unknown")
            ));
            return Ok(());
        }
        self.phase = Phase::Paid;
        if let Some(best) = &self.best {
            ctx.send(Auction::notice(&best.bidder, "Auction-Won", best.amount));
        }
        Ok(())
    }

    /// The token's answer to `Info`.
    fn got_info(&mut self, _ctx: &mut Ctx<'_>, reply: &Message) -> Result<()> {
        self.ticker = reply
            .get("ticker")
            .or(reply.get("Ticker"))
            .map(str::to_owned);
        Ok(())
    }

    /// A message to `to` with `action` and a `Quantity` of `amount`: the bidders' notices.
    fn notice(to: &str, action: &str, amount: U256) -> OutMessage {
        OutMessage::to(to)
            .action(action)
            .tag("Quantity", amount.to_decimal())
    }

    /// A token `Transfer` of `amount` from the auction to `to`: the payout and the refunds.
    fn transfer(&self, to: &str, amount: U256) -> OutMessage {
        OutMessage::to(self.token.as_str())
            .action("Transfer")
            .tag("Recipient", to)
            .tag("Quantity", amount.to_decimal())
    }

    fn refund(&mut self, ctx: &mut Ctx, to: &str, amount: U256, reason: &str) -> Result<()> {
        self.refunds += 1;
        let refund = self.transfer(to, amount).tag("X-Refund-Reason", reason);
        ctx.send(refund);
        Ok(())
    }
}

aoxide::export!(Auction);
