//! Matching that sees the state: `when = self.method` (`fn(&self, &Message) -> bool`) and
//! `from = self.field` (a field holding an address). A non-match falls through to later
//! handlers, or to the inbox, like any other non-match; it is not an error.

use aoxide::{Env, Message, Runtime};

#[aoxide::process]
#[derive(Debug, Default)]
pub struct Auction {
    /// The token process whose Credit-Notices are bids.
    token: String,
    open: bool,
    bids: u64,
    refused: u64,
}

#[aoxide::handlers]
impl Auction {
    #[init]
    fn init(token: String) -> Self {
        Auction {
            token,
            open: true,
            ..Auction::default()
        }
    }

    fn is_open(&self, _msg: &Message) -> bool {
        self.open
    }

    /// A bid: only from the token process, only while open.
    #[handler(action = "Credit-Notice", from = self.token, when = self.is_open)]
    fn bid(&mut self) -> &'static str {
        self.bids += 1;
        "bid taken"
    }

    /// Every other Credit-Notice (a forged one, or one after the close) lands here.
    #[handler(action = "Credit-Notice", after = "bid")]
    fn not_a_bid(&mut self) -> &'static str {
        self.refused += 1;
        "not a bid"
    }

    #[handler(action = "Close", from = owner)]
    fn close(&mut self) {
        self.open = false;
    }
}

/// Only `from = self.field`, no fallback: a non-match goes to the inbox.
#[aoxide::process]
#[derive(Debug, Default)]
pub struct Vault {
    guardian: Option<String>,
    opened: u64,
}

#[aoxide::handlers]
impl Vault {
    #[init]
    fn init(guardian: Option<String>) -> Self {
        Vault {
            guardian,
            opened: 0,
        }
    }

    #[handler(action = "Open", from = self.guardian)]
    fn open(&mut self) {
        self.opened += 1;
    }
}

fn spawn<P: aoxide::Process>(tags: &[(&str, &str)]) -> Runtime<P> {
    let mut rt = Runtime::<P>::new();
    let mut m = Message::new("OWNER").with_id("PID");
    for (k, v) in tags {
        m = m.with_tag(*k, *v);
    }
    let out = rt.handle(m, Some(&Env::new("PID", "OWNER")));
    assert!(!out.is_error(), "{:?}", out.error);
    rt
}

fn reply(rt: &mut Runtime<Auction>, from: &str, action: &str) -> Option<String> {
    let o = rt.handle(Message::new(from).with_action(action), None);
    assert!(!o.is_error(), "{:?}", o.error);
    o.message_to(from).and_then(|m| m.data.clone())
}

#[test]
fn from_a_field_and_when_over_self_fall_through_on_a_non_match() {
    let mut rt = spawn::<Auction>(&[("Token", "TOKEN")]);
    assert_eq!(
        reply(&mut rt, "TOKEN", "Credit-Notice").as_deref(),
        Some("bid taken")
    );
    assert_eq!(
        reply(&mut rt, "FORGER", "Credit-Notice").as_deref(),
        Some("not a bid"),
        "a Credit-Notice from anyone but the token falls through"
    );
    reply(&mut rt, "OWNER", "Close");
    assert_eq!(
        reply(&mut rt, "TOKEN", "Credit-Notice").as_deref(),
        Some("not a bid"),
        "closed: the predicate over the state is false"
    );
    let s = rt.state().unwrap();
    assert_eq!((s.bids, s.refused), (1, 2));
}

#[test]
fn a_field_guard_without_fallback_leaves_the_message_in_the_inbox() {
    let mut rt = spawn::<Vault>(&[("Guardian", "GUARD")]);
    rt.handle(Message::new("THIEF").with_action("Open"), None);
    assert_eq!(rt.state().unwrap().opened, 0);
    assert_eq!(rt.inbox().len(), 1);
    rt.handle(Message::new("GUARD").with_action("Open"), None);
    assert_eq!(rt.state().unwrap().opened, 1);

    // No guardian: nobody matches.
    let mut rt = spawn::<Vault>(&[]);
    rt.handle(Message::new("GUARD").with_action("Open"), None);
    assert_eq!(rt.state().unwrap().opened, 0);
}

#[test]
fn the_interface_shows_the_state_conditions() {
    let i = Auction::interface();
    let bid = i.handler("bid").unwrap();
    assert_eq!(bid.from, aoxide::Caller::Field("token".into()));
    assert_eq!(bid.when.as_deref(), Some("self.is_open"));
}

/// A part's guard reads the part's own field when mounted.
#[aoxide::process]
#[derive(Debug, Default)]
pub struct Bank {
    vault: Vault,
}

#[aoxide::handlers(mount(vault = Vault))]
impl Bank {}

#[test]
fn a_mounted_parts_guard_reads_the_part() {
    let mut rt = spawn::<Bank>(&[("Guardian", "GUARD")]);
    rt.handle(Message::new("THIEF").with_action("Open"), None);
    assert_eq!(rt.state().unwrap().vault.opened, 0);
    rt.handle(Message::new("GUARD").with_action("Open"), None);
    assert_eq!(rt.state().unwrap().vault.opened, 1);
}
