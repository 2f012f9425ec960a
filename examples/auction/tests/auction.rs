//! The auction on an in-memory AO network, with the token blueprint as a second process.

use aoxide::U256;
use aoxide_host::{Msg, Net, ProcessId, SpawnOptions, Wallet};
use aoxide_token::TokenProcess;
use example_auction::{Auction, Phase, PAYOUT_TIMEOUT_MS};

struct World {
    net: Net,
    token: ProcessId,
    auction: ProcessId,
    seller: Wallet,
    bob: Wallet,
    carol: Wallet,
}

fn world() -> World {
    let mut net = Net::new();
    let issuer = net.wallet("issuer");
    let seller = net.wallet("seller");
    let bob = net.wallet("bob");
    let carol = net.wallet("carol");
    // The bidders are funded the way a token is funded on AO: at spawn.
    let allocations = format!(
        r#"{{"{}":"1000","{}":"1000"}}"#,
        bob.address(),
        carol.address()
    );
    let token = net
        .spawn::<TokenProcess>(
            &issuer,
            SpawnOptions::new()
                .name("coin")
                .tag("Ticker", "COIN")
                .tag("Initial-Allocations", allocations),
        )
        .unwrap();
    net.run_until_idle().unwrap();
    let auction = net
        .spawn::<Auction>(
            &seller,
            SpawnOptions::new()
                .tag("Token", token.as_str())
                .tag("Duration", 10_000u64)
                .tag("Reserve", 10u64)
                .cron("1-second"),
        )
        .unwrap();
    World {
        net,
        token,
        auction,
        seller,
        bob,
        carol,
    }
}

impl World {
    fn bid(&mut self, who: &Wallet, amount: u64) {
        let transfer = Msg::new()
            .action("Transfer")
            .tag("Recipient", self.auction.as_str())
            .tag("Quantity", amount);
        self.net.send(who, &self.token, transfer).unwrap();
        let run = self.net.run_until_idle().unwrap();
        assert!(run.is_clean(), "{:?}", run.failed);
    }

    fn balance(&self, address: &str) -> U256 {
        self.net
            .state::<TokenProcess>(&self.token)
            .balance_of(address)
    }

    fn auction(&self) -> aoxide_host::StateRef<'_, Auction> {
        self.net.state::<Auction>(&self.auction)
    }
}

#[test]
fn at_spawn_it_awaits_the_token_info() {
    let mut w = world();
    let waits = w.net.pending_waits(&w.auction);
    assert_eq!(waits.len(), 1);
    assert_eq!(waits[0].from, w.token.as_str());
    assert!(waits[0].continuation.ends_with("Auction::got_info"));
    w.net.run_until_idle().unwrap();
    assert_eq!(w.auction().ticker.as_deref(), Some("COIN"));
    assert!(w.net.pending_waits(&w.auction).is_empty());
}

#[test]
fn bids_refunds_and_a_cron_settlement() {
    let mut w = world();
    w.net.run_until_idle().unwrap();
    let (bob, carol) = (w.bob.address().to_owned(), w.carol.address().to_owned());

    w.bid(&w.bob.clone(), 50);
    assert_eq!(w.auction().best.as_ref().unwrap().bidder, bob);
    w.bid(&w.carol.clone(), 40);
    assert_eq!(
        w.balance(&carol),
        U256::from(1_000u64),
        "a low bid is refunded"
    );
    w.bid(&w.carol.clone(), 80);
    assert_eq!(w.auction().best.as_ref().unwrap().bidder, carol);
    assert_eq!(
        w.balance(&bob),
        U256::from(1_000u64),
        "the outbid bidder is refunded"
    );
    assert_eq!(w.balance(w.auction.as_str()), U256::from(80u64));
    assert_eq!(w.auction().refunds, 2);

    // A Credit-Notice that is not from the token changes nothing.
    let mallory = w.net.wallet("mallory");
    let forged = Msg::new()
        .action("Credit-Notice")
        .tag("Sender", mallory.address())
        .tag("Quantity", 1_000_000u64);
    w.net.send(&mallory, &w.auction, forged).unwrap();
    let run = w.net.run_until_idle().unwrap();
    assert!(
        run.failed[0].error.contains("not from the auction's token"),
        "{:?}",
        run.failed
    );
    assert_eq!(w.auction().best.as_ref().unwrap().bidder, carol);

    // Too early to settle.
    w.net
        .send(&w.bob, &w.auction, Msg::new().action("Settle"))
        .unwrap();
    let run = w.net.run_until_idle().unwrap();
    assert!(
        run.failed[0].error.contains("the auction runs until"),
        "{:?}",
        run.failed
    );

    // Cron settles once the end has passed: the payout is awaited and confirmed.
    let run = w.net.tick(10_000).unwrap();
    assert!(run.is_clean(), "{:?}", run.failed);
    assert_eq!(w.auction().phase, Phase::Paid);
    assert_eq!(w.balance(w.seller.address()), U256::from(80u64));
    assert_eq!(w.balance(w.auction.as_str()), U256::ZERO);
    let won: Vec<_> = w.net.messages_with_action("Auction-Won").collect();
    assert_eq!(won.len(), 1);
    assert_eq!(won[0].target(), Some(carol.as_str()));

    // A bid after the end is refunded.
    w.bid(&w.bob.clone(), 30);
    assert_eq!(w.balance(&bob), U256::from(1_000u64));
    assert_eq!(w.auction().phase, Phase::Paid);
}

#[test]
fn a_failed_payout_reopens_settlement() {
    let mut w = world();
    w.net.run_until_idle().unwrap();
    w.bid(&w.bob.clone(), 50);
    // The auction's funds disappear before it settles (a fault no message can cause, so
    // it is written into the ledger): the token answers Transfer-Error.
    let (auction, token) = (w.auction.clone(), w.token.clone());
    let ledger = &mut w.net.state_mut::<TokenProcess>(&token).unwrap();
    ledger
        .transfer(auction.as_str(), token.as_str(), U256::from(50u64))
        .unwrap();
    w.net.tick(10_000).unwrap();
    assert_eq!(
        w.auction().phase,
        Phase::Open,
        "Transfer-Error resumed the wait"
    );
    // Carol refills the auction with a Transfer carrying `Cast` (no notices, so it is
    // not a bid), through the token's protocol.
    let refill = Msg::new()
        .action("Transfer")
        .tag("Recipient", auction.as_str())
        .tag("Quantity", 50u64)
        .tag("Cast", "true");
    w.net.send(&w.carol, &token, refill).unwrap();
    assert!(w.net.run_until_idle().unwrap().is_clean());
    w.net
        .send(&w.bob, &w.auction, Msg::new().action("Settle"))
        .unwrap();
    assert!(w.net.run_until_idle().unwrap().is_clean());
    assert_eq!(w.auction().phase, Phase::Paid);
    assert_eq!(w.balance(w.seller.address()), U256::from(50u64));
}

/// A "token" that is a wallet: it never answers, and it can send notices by hand.
#[test]
fn an_unanswered_payout_times_out_and_a_forged_answer_is_ignored() {
    let mut net = Net::new();
    let seller = net.wallet("seller");
    let fake = net.wallet("fake-token");
    let mallory = net.wallet("mallory");
    let options = SpawnOptions::new()
        .tag("Token", fake.address())
        .tag("Duration", 1_000u64)
        .cron("1-second");
    let auction = net.spawn::<Auction>(&seller, options).unwrap();
    net.run_until_idle().unwrap();
    let credit = Msg::new()
        .action("Credit-Notice")
        .tag("Sender", mallory.address())
        .tag("Quantity", 5u64);
    net.send(&fake, &auction, credit).unwrap();
    net.tick(1_000).unwrap();
    assert_eq!(net.state::<Auction>(&auction).phase, Phase::Paying);
    let waits = net.pending_waits(&auction);
    let payout = waits
        .iter()
        .find(|w| w.continuation.ends_with("Auction::paid"))
        .expect("the payout is awaited")
        .clone();
    assert_eq!(payout.from, fake.address());
    assert!(payout.deadline.is_some());

    let answer = |reference: u64| {
        Msg::new()
            .action("Debit-Notice")
            .tag("X-Reference", reference)
    };
    net.send(&mallory, &auction, answer(payout.reference))
        .unwrap();
    net.run_until_idle().unwrap();
    assert_eq!(
        net.state::<Auction>(&auction).phase,
        Phase::Paying,
        "a forgery resumes nothing"
    );

    net.tick(PAYOUT_TIMEOUT_MS).unwrap();
    let state = net.state::<Auction>(&auction);
    assert_ne!(state.phase, Phase::Paid, "timed out, then retried by cron");
    let retry = net
        .pending_waits(&auction)
        .into_iter()
        .find(|w| w.continuation.ends_with("Auction::paid"))
        .expect("cron sent the payout again");
    assert!(retry.reference > payout.reference);

    net.send(&fake, &auction, answer(retry.reference)).unwrap();
    net.run_until_idle().unwrap();
    assert_eq!(net.state::<Auction>(&auction).phase, Phase::Paid);
}
