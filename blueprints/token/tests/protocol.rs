//! The token protocol beyond the recorded trace: bad input, Burn, the Balance lookup
//! rules, reply routing, spawn configuration and composition.

use aoxide::{Env, Message, Outcome, Runtime, Tags, U256};
use aoxide_token::{Token, TokenProcess};

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const AUTH: &str = "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI";
const BOB: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
const CAROL: &str = "jLbz8Sng1M-AIBayL1w_X_hIpd64BOtY2fBLoq7H8Rw";

fn env() -> Env {
    let mut env = Env::new(PID, OWNER);
    let mut tags = Tags::new();
    tags.add("Authority", AUTH);
    env.process.tags = tags;
    env
}

fn spawn_with(tags: &[(&str, &str)]) -> (Runtime<TokenProcess>, Outcome) {
    let mut rt = Runtime::new();
    let mut spawn = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
    for (k, v) in tags {
        spawn = spawn.with_tag(*k, *v);
    }
    let o = rt.handle(spawn, Some(&env()));
    (rt, o)
}

/// A token whose owner holds 1000 units (moved from the process).
fn funded() -> Runtime<TokenProcess> {
    let (mut rt, o) = spawn_with(&[]);
    assert!(!o.is_error());
    let o = rt.handle(
        from_process("fund")
            .with_action("Transfer")
            .with_tag("Recipient", OWNER)
            .with_tag("Quantity", "1000"),
        None,
    );
    assert!(!o.is_error(), "{:?}", o.error);
    rt
}

/// A message from the process itself, forwarded by the authority.
fn from_process(id: &str) -> Message {
    let mut m = Message::new(AUTH).with_id(id);
    m.from = PID.into();
    m
}

fn msg(from: &str, action: &str, tags: &[(&str, &str)]) -> Message {
    let mut m = Message::new(from).with_id("MSG-ID").with_action(action);
    for (k, v) in tags {
        m = m.with_tag(*k, *v);
    }
    m
}

fn token(rt: &Runtime<TokenProcess>) -> Token {
    rt.state().unwrap().clone()
}

fn u(n: u64) -> U256 {
    U256::from(n)
}

#[test]
fn bad_quantities_fail_the_message_and_change_nothing() {
    let mut rt = funded();
    let two_pow_256 =
        "115792089237316195423570985008687907853269984665640564039457584007913129639936";
    let eighty = "9".repeat(80);
    let bad = [
        "-5",
        "+5",
        "1.5",
        "1.0",
        "1e3",
        "007",
        "00",
        "0",
        " 5",
        "5 ",
        "",
        "abc",
        "0x10",
        two_pow_256,
        &eighty,
    ];
    for q in bad {
        let before = token(&rt);
        let reference = rt.reference();
        let o = rt.handle(
            msg(OWNER, "Transfer", &[("Recipient", CAROL), ("Quantity", q)]),
            None,
        );
        assert!(o.is_error(), "Quantity {q:?} should fail the message");
        assert!(o.messages.is_empty(), "no reply for {q:?}");
        assert_eq!(token(&rt), before, "state changed by {q:?}");
        assert_eq!(rt.reference(), reference);
    }
    let o = rt.handle(msg(OWNER, "Transfer", &[("Recipient", CAROL)]), None);
    assert!(o.error.unwrap().contains("tag `Quantity` is required"));
}

#[test]
fn bad_recipients_fail_the_message() {
    let mut rt = funded();
    let before = token(&rt);
    for r in [
        "",
        "not an address",
        "short",
        "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU0",
        "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUa!",
        "0x12",
    ] {
        let o = rt.handle(
            msg(OWNER, "Transfer", &[("Recipient", r), ("Quantity", "1")]),
            None,
        );
        assert!(o.is_error(), "Recipient {r:?}");
        assert!(o.messages.is_empty());
    }
    let o = rt.handle(msg(OWNER, "Transfer", &[("Quantity", "1")]), None);
    assert!(o.error.unwrap().contains("tag `Recipient` is required"));
    assert_eq!(token(&rt), before);
    // An Ethereum address is accepted.
    let eth = "0x52908400098527886E0F7030069857D2E4169EE7";
    let o = rt.handle(
        msg(OWNER, "Transfer", &[("Recipient", eth), ("Quantity", "1")]),
        None,
    );
    assert!(!o.is_error());
    assert_eq!(token(&rt).balance_of(eth), u(1));
}

#[test]
fn duplicated_tags_fail_the_message() {
    let mut rt = funded();
    let before = token(&rt);
    for tags in [
        [("Recipient", CAROL), ("Quantity", "1"), ("Quantity", "900")],
        [("Recipient", CAROL), ("Recipient", BOB), ("Quantity", "1")],
        [("Recipient", CAROL), ("Quantity", "1"), ("Quantity", "1")],
    ] {
        let o = rt.handle(msg(OWNER, "Transfer", &tags), None);
        assert!(o.is_error(), "{tags:?}");
        assert!(o.error.unwrap().contains("only once"));
    }
    assert_eq!(token(&rt), before);
}

#[test]
fn insufficient_balance_replies_and_changes_nothing() {
    let mut rt = funded();
    let before = token(&rt);
    let o = rt.handle(
        msg(BOB, "Transfer", &[("Recipient", CAROL), ("Quantity", "5")]),
        None,
    );
    assert!(!o.is_error());
    assert_eq!(o.messages.len(), 1);
    let m = &o.messages[0];
    assert_eq!(m.target.as_deref(), Some(BOB));
    assert_eq!(m.get("Action"), Some("Transfer-Error"));
    assert_eq!(m.get("Message-Id"), Some("MSG-ID"));
    assert_eq!(m.get("Error"), Some("Insufficient Balance!"));
    assert_eq!(token(&rt), before, "no zero entries are created");
    assert!(!token(&rt).balances.contains_key(BOB));
    assert!(!token(&rt).balances.contains_key(CAROL));

    let o = rt.handle(
        msg(
            OWNER,
            "Transfer",
            &[("Recipient", CAROL), ("Quantity", "1001")],
        ),
        None,
    );
    assert_eq!(o.messages[0].get("Action"), Some("Transfer-Error"));
    assert_eq!(token(&rt), before);
}

#[test]
fn transfer_notices_replies_and_x_tags() {
    let mut rt = funded();
    let m = msg(
        OWNER,
        "Transfer",
        &[
            ("Recipient", CAROL),
            ("Quantity", "10"),
            ("Reply-To", BOB),
            ("Reference", "77"),
            ("X-Origin", "ORIGIN"),
            ("X-Note", "first"),
            ("X-Note", "second"),
        ],
    );
    let o = rt.handle(m, None);
    assert_eq!(o.messages.len(), 3);
    let debit = &o.messages[0];
    assert_eq!(
        debit.target.as_deref(),
        Some(BOB),
        "a reply follows Reply-To"
    );
    assert_eq!(debit.get("Action"), Some("Debit-Notice"));
    assert_eq!(debit.get("X-Reference"), Some("77"));
    assert_eq!(debit.get("X-Origin"), Some("ORIGIN"));
    assert_eq!(debit.get("X-Note"), Some("first"));
    assert_eq!(debit.tags.get_all("X-Note").count(), 1);
    let credit = &o.messages[1];
    assert_eq!(credit.target.as_deref(), Some(CAROL));
    assert_eq!(credit.get("Action"), Some("Credit-Notice"));
    assert_eq!(credit.get("Sender"), Some(OWNER));
    assert_eq!(credit.get("X-Note"), Some("first"));
    assert_eq!(credit.get("X-Origin"), Some("ORIGIN"));
    let patch = &o.messages[2];
    assert_eq!(patch.target, None);
    assert_eq!(patch.get("device"), Some("patch@1.0"));
    assert_eq!(token(&rt).balance_of(OWNER), u(990));
    assert_eq!(token(&rt).balance_of(CAROL), u(10));

    // Cast: no notices (any value, as in AOS), only the patch.
    let o = rt.handle(
        msg(
            OWNER,
            "Transfer",
            &[("Recipient", CAROL), ("Quantity", "1"), ("Cast", "false")],
        ),
        None,
    );
    assert_eq!(o.messages.len(), 1);
    assert_eq!(o.messages[0].get("device"), Some("patch@1.0"));
}

#[test]
fn transfer_to_self_and_emptying_an_account() {
    let mut rt = funded();
    let o = rt.handle(
        msg(
            OWNER,
            "Transfer",
            &[("Recipient", OWNER), ("Quantity", "1000")],
        ),
        None,
    );
    assert!(!o.is_error());
    assert_eq!(token(&rt).balance_of(OWNER), u(1000));
    rt.handle(
        msg(
            OWNER,
            "Transfer",
            &[("Recipient", CAROL), ("Quantity", "1000")],
        ),
        None,
    );
    assert_eq!(
        token(&rt).balances.get(OWNER),
        Some(&U256::ZERO),
        "kept as 0"
    );
    let o = rt.handle(msg(CAROL, "Balances", &[]), None);
    let data = o.messages[0].data.clone().unwrap();
    assert!(data.contains(&format!("\"{OWNER}\":\"0\"")), "{data}");
}

#[test]
fn balance_lookup_rules() {
    let mut rt = funded();
    let balance = |rt: &mut Runtime<TokenProcess>, from: &str, tags: &[(&str, &str)]| {
        let o = rt.handle(msg(from, "Balance", tags), None);
        let m = o.messages[0].clone();
        assert_eq!(m.get("Ticker"), Some("PNTS"));
        assert_eq!(m.data.as_deref(), m.get("Balance"));
        (
            m.get("Balance").unwrap().to_owned(),
            m.get("Account").unwrap().to_owned(),
        )
    };
    assert_eq!(balance(&mut rt, OWNER, &[]), ("1000".into(), OWNER.into()));
    assert_eq!(
        balance(&mut rt, OWNER, &[("Recipient", BOB)]),
        ("0".into(), BOB.into())
    );
    // Target tag: used when that account has an entry, else the sender.
    assert_eq!(
        balance(&mut rt, BOB, &[("Target", OWNER)]),
        ("1000".into(), OWNER.into())
    );
    assert_eq!(
        balance(&mut rt, OWNER, &[("Target", BOB)]),
        ("1000".into(), OWNER.into())
    );
    // Recipient wins over Target.
    assert_eq!(
        balance(&mut rt, BOB, &[("Recipient", CAROL), ("Target", OWNER)]),
        ("0".into(), CAROL.into())
    );
}

#[test]
fn info_and_total_supply() {
    let mut rt = funded();
    let o = rt.handle(msg(BOB, "Info", &[]), None);
    let m = &o.messages[0];
    assert_eq!(m.get("name"), Some("aos"));
    assert_eq!(m.get("ticker"), Some("PNTS"));
    assert_eq!(m.get("logo"), Some(aoxide_token::DEFAULT_LOGO));
    assert_eq!(m.get("denomination"), Some("12"));
    assert_eq!(m.get("supply"), Some("10000000000000000"));
    assert_eq!(m.data, None);

    let o = rt.handle(msg(BOB, "Total-Supply", &[]), None);
    assert_eq!(o.messages[0].get("Action"), Some("Total-Supply"));
    assert_eq!(o.messages[0].data.as_deref(), Some("10000000000000000"));
    let o = rt.handle(from_process("ts").with_action("Total-Supply"), None);
    assert!(o.is_error(), "the process may not ask itself");
}

#[test]
fn mint_rules() {
    let mut rt = funded();
    let before = token(&rt);
    let o = rt.handle(msg(OWNER, "Mint", &[("Quantity", "5")]), None);
    assert_eq!(o.messages[0].get("Action"), Some("Mint-Error"));
    assert_eq!(
        o.messages[0].get("Error"),
        Some("Only the Process Id can mint new PNTS tokens!")
    );
    assert_eq!(token(&rt), before);
    for q in ["0", "-1", "x", ""] {
        let o = rt.handle(msg(BOB, "Mint", &[("Quantity", q)]), None);
        assert!(o.is_error(), "quantity is checked first: {q:?}");
    }
    assert!(rt.handle(msg(BOB, "Mint", &[]), None).is_error());

    let o = rt.handle(
        from_process("m1")
            .with_action("Mint")
            .with_tag("Quantity", "5"),
        None,
    );
    assert_eq!(
        o.messages[0].data.as_deref(),
        Some("\x1b[90mSuccessfully minted \x1b[34m5\x1b[0m")
    );
    assert_eq!(token(&rt).total_supply, before.total_supply + u(5));

    // Past 2^256 - 1: the message fails.
    let room = U256::MAX - token(&rt).total_supply;
    let o = rt.handle(
        from_process("m2")
            .with_action("Mint")
            .with_tag("Quantity", (room + u(1)).to_string()),
        None,
    );
    assert!(o.is_error());
    let o = rt.handle(
        from_process("m3")
            .with_action("Mint")
            .with_tag("Quantity", room.to_string()),
        None,
    );
    assert!(!o.is_error());
    assert_eq!(token(&rt).total_supply, U256::MAX);
}

#[test]
fn burn() {
    let mut rt = funded();
    let supply = token(&rt).total_supply;
    let o = rt.handle(
        msg(
            OWNER,
            "Burn",
            &[("Quantity", "400"), ("X-Why", "deflation")],
        ),
        None,
    );
    assert_eq!(o.messages.len(), 2);
    let notice = &o.messages[0];
    assert_eq!(notice.target.as_deref(), Some(OWNER));
    assert_eq!(notice.get("Action"), Some("Burn-Notice"));
    assert_eq!(notice.get("Quantity"), Some("400"));
    assert_eq!(notice.get("X-Why"), Some("deflation"));
    assert_eq!(o.messages[1].get("device"), Some("patch@1.0"));
    assert_eq!(token(&rt).balance_of(OWNER), u(600));
    assert_eq!(token(&rt).total_supply, supply - u(400));

    let before = token(&rt);
    let o = rt.handle(msg(OWNER, "Burn", &[("Quantity", "601")]), None);
    assert_eq!(o.messages.len(), 1);
    assert_eq!(o.messages[0].get("Action"), Some("Burn-Error"));
    assert_eq!(o.messages[0].get("Error"), Some("Insufficient Balance!"));
    assert_eq!(o.messages[0].get("Message-Id"), Some("MSG-ID"));
    assert_eq!(token(&rt), before);
    for q in ["0", "-1", "1.5", ""] {
        assert!(rt
            .handle(msg(OWNER, "Burn", &[("Quantity", q)]), None)
            .is_error());
    }
    let o = rt.handle(msg(BOB, "Burn", &[("Quantity", "1")]), None);
    assert_eq!(o.messages[0].get("Action"), Some("Burn-Error"));
    assert_eq!(token(&rt), before);
}

#[test]
fn spawn_tags_configure_the_token() {
    let (rt, o) = spawn_with(&[
        ("Name", "Gold"),
        ("Ticker", "GLD"),
        ("Logo", "LOGO"),
        ("Denomination", "6"),
        ("Initial-Supply", "5000000"),
    ]);
    assert!(!o.is_error());
    let t = token(&rt);
    assert_eq!(
        (
            t.name.as_str(),
            t.ticker.as_str(),
            t.logo.as_str(),
            t.denomination
        ),
        ("Gold", "GLD", "LOGO", 6)
    );
    assert_eq!(t.balance_of(PID), u(5_000_000));
    assert_eq!(t.total_supply, u(5_000_000));

    let (_, o) = spawn_with(&[("Denomination", "twelve")]);
    assert!(o.is_error());
    let (_, o) = spawn_with(&[("Initial-Supply", "-1")]);
    assert!(o.is_error());
}

#[test]
fn untrusted_and_unknown_messages() {
    let mut rt = funded();
    let before = token(&rt);
    let mut spoofed = msg(BOB, "Transfer", &[("Recipient", BOB), ("Quantity", "1")]);
    spoofed.from = OWNER.into();
    let o = rt.handle(spoofed, None);
    assert!(o.messages.is_empty());
    assert!(o.output.data.starts_with("Message is not trusted!"));
    let o = rt.handle(msg(BOB, "Does-Not-Exist", &[]), None);
    assert!(o.messages.is_empty());
    assert_eq!(
        o.output.data,
        "New Message From LPk...3xE: Action = Does-Not-Exist"
    );
    assert_eq!(token(&rt), before);
}

#[test]
fn json_form_round_trip() {
    let (mut rt, _) = spawn_with(&[]);
    let m = br#"{"Id":"x","Owner":"IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o","Tags":[{"name":"Action","value":"Balance"}]}"#;
    let out = rt.handle_json(
        m,
        br#"{"Process":{"Id":"KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU"}}"#,
    );
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["response"]["Messages"][0]["Data"], "0");
}
