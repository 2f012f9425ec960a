//! The token through its typed client on the test network: typed calls, `TokenError`
//! variants given back without reading error text, and the funding paths (spawn tags and
//! the owner's `Allocate`).

use aoxide::client::CallError;
use aoxide::U256;
use aoxide_host::{Net, ProcessId, SpawnOptions, Wallet};
use aoxide_token::{Token, TokenClient, TokenError};

fn spawn(net: &mut Net, owner: &Wallet, options: SpawnOptions) -> ProcessId {
    let pid = net.spawn::<Token>(owner, options).unwrap();
    net.run_until_idle().unwrap();
    pid
}

fn balance(net: &Net, pid: &ProcessId, who: &str) -> U256 {
    net.state::<Token>(pid).balance_of(who)
}

#[test]
fn typed_transfer_and_balance() {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let bob = net.wallet("bob");
    let pid = spawn(
        &mut net,
        &owner,
        SpawnOptions::new().tag("Initial-Supply", "1000").tag(
            "Initial-Allocations",
            format!(r#"{{"{}":"300"}}"#, alice.address()),
        ),
    );
    let mut token = TokenClient::new(&mut net, &pid);
    let reply = token.transfer(&alice, &bob, 5u64).unwrap();
    let debit = reply.reply().unwrap();
    assert_eq!(debit.get("Action"), Some("Debit-Notice"));
    assert_eq!(debit.get("Quantity"), Some("5"));
    assert_eq!(reply.with_action("Credit-Notice").count(), 1);

    let reply = token.balance(&bob, &bob).unwrap();
    assert_eq!(reply.data(), Some("5"));
    assert_eq!(reply.get("Account"), Some(bob.address()));
    let reply = token.balance(&alice, None::<String>).unwrap();
    assert_eq!(reply.data(), Some("295"));
    assert_eq!(balance(&net, &pid, pid.as_str()), U256::from(700u64));
}

#[test]
fn token_errors_come_back_as_variants() {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let bob = net.wallet("bob");
    let pid = spawn(
        &mut net,
        &owner,
        SpawnOptions::new()
            .tag("Initial-Supply", "10")
            .tag("Initial-Holder", "owner"),
    );
    let mut token = TokenClient::new(&mut net, &pid);
    let err = token.transfer(&owner, &bob, U256::ZERO).unwrap_err();
    assert_eq!(err.error(), Some(&TokenError::ZeroQuantity));
    assert_eq!(err.code(), Some("zero-quantity"));
    // The failure's parts, read back from the wire's `Error` string by the codec.
    let failure = err.failure().expect("the process handled it");
    assert_eq!(failure.action(), Some("Transfer"));
    assert_eq!(failure.handler(), Some("transfer"));
    assert_eq!(failure.message(), TokenError::ZeroQuantity.to_string());
    assert!(matches!(err, CallError::Failed(_)));
    let err = token.burn(&owner, U256::ZERO).unwrap_err();
    assert_eq!(err.error(), Some(&TokenError::ZeroQuantity));
    let err = token.mint(&owner, U256::ZERO).unwrap_err();
    assert_eq!(err.error(), Some(&TokenError::ZeroQuantity));
    // The owner's treasury path: the process holds nothing here.
    let err = token
        .allocate(&owner, &alice, U256::from(1u64))
        .unwrap_err();
    assert_eq!(err.error(), Some(&TokenError::InsufficientBalance));
    // A failure without a code has no variant, but still the text.
    let err = token
        .transfer(&owner, "not an address", U256::from(1u64))
        .unwrap_err();
    assert_eq!(err.error(), None);
    assert!(matches!(&err, CallError::Failed(f) if f.failure.code().is_none()));
    assert_eq!(balance(&net, &pid, owner.address()), U256::from(10u64));
}

#[test]
fn spawn_tags_fund_the_owner_or_a_list() {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let bob = net.wallet("bob");
    let allocations = format!(r#"{{"{}":"30","{}":"20"}}"#, alice.address(), bob.address());
    let pid = spawn(
        &mut net,
        &owner,
        SpawnOptions::new()
            .tag("Initial-Supply", "100")
            .tag("Initial-Allocations", allocations)
            .tag("Initial-Holder", "owner"),
    );
    assert_eq!(balance(&net, &pid, alice.address()), U256::from(30u64));
    assert_eq!(balance(&net, &pid, bob.address()), U256::from(20u64));
    assert_eq!(balance(&net, &pid, owner.address()), U256::from(50u64));
    assert_eq!(balance(&net, &pid, pid.as_str()), U256::ZERO);
    assert_eq!(net.state::<Token>(&pid).total_supply, U256::from(100u64));

    // Allocations above the supply, or a bad holder, fail the spawn.
    for bad in [
        SpawnOptions::new().tag("Initial-Supply", "10").tag(
            "Initial-Allocations",
            format!(r#"{{"{}":"11"}}"#, alice.address()),
        ),
        SpawnOptions::new().tag("Initial-Holder", "alice"),
        SpawnOptions::new().tag("Initial-Allocations", r#"{"short":"1"}"#),
        SpawnOptions::new().tag("Initial-Allocations", r#"{"x":1}"#),
    ] {
        let err = net.spawn::<Token>(&owner, bad).unwrap_err();
        assert!(err.to_string().contains("Initial-"), "{err}");
    }
}

#[test]
fn the_owner_allocates_from_the_treasury_and_no_one_else_can() {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let pid = spawn(
        &mut net,
        &owner,
        SpawnOptions::new().tag("Initial-Supply", "100"),
    );
    let mut token = TokenClient::new(&mut net, &pid);
    let reply = token.allocate(&owner, &alice, U256::from(40u64)).unwrap();
    assert_eq!(
        reply.reply().unwrap().get("Action"),
        Some("Allocate-Notice")
    );
    let credit = reply.with_action("Credit-Notice").next().unwrap();
    assert_eq!(credit.target.as_deref(), Some(alice.address()));
    assert_eq!(credit.get("Sender"), Some(pid.as_str()));
    // A stranger's Allocate matches no handler: nothing moves.
    let reply = token.allocate(&alice, &alice, U256::from(40u64)).unwrap();
    assert!(reply.reply().is_none());
    assert_eq!(balance(&net, &pid, alice.address()), U256::from(40u64));
    assert_eq!(balance(&net, &pid, pid.as_str()), U256::from(60u64));
    // Alice's own Transfer keeps the AOS protocol.
    let mut token = TokenClient::new(&mut net, &pid);
    token.transfer(&alice, &owner, U256::from(15u64)).unwrap();
    assert_eq!(balance(&net, &pid, owner.address()), U256::from(15u64));
}

#[test]
fn the_builder_funds_a_list() {
    let token = Token::new("t")
        .with_allocations([("a", U256::from(1u64)), ("b", U256::from(2u64))])
        .with_balance("owner", U256::from(7u64));
    assert_eq!(token.total_supply, U256::from(10u64));
    assert_eq!(token.balance_of("b"), U256::from(2u64));
}
