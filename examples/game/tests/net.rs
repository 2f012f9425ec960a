//! The game on the test network, driven through the typed clients: its own (`GameClient`)
//! and the mounted token's (`TokenClient` talks to the game process, whose token actions
//! are the token's).

use aoxide::U256;
use aoxide_chat::ChatClient;
use aoxide_host::{Net, SpawnOptions};
use aoxide_token::TokenClient;
use example_game::{Game, GameClient, WELCOME_BONUS};

#[test]
fn the_welcome_bonus_is_paid_once_even_after_unregister() {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let mallory = net.wallet("mallory");
    let game = net
        .spawn::<Game>(
            &owner,
            SpawnOptions::new()
                .tag("Ticker", "DICE")
                .tag("Initial-Supply", "1000"),
        )
        .unwrap();
    net.run_until_idle().unwrap();

    for round in 0..5 {
        let reply = GameClient::new(&mut net, &game).join(&mallory).unwrap();
        assert_eq!(reply.data(), Some("Welcome!"), "round {round}");
        let paid = if round == 0 { "100" } else { "0" };
        assert_eq!(reply.get("Bonus"), Some(paid), "round {round}");
        let left = ChatClient::new(&mut net, &game)
            .unregister(&mallory)
            .unwrap();
        assert_eq!(left.data(), Some("Unregistered"));
    }
    let mut token = TokenClient::new(&mut net, &game);
    let balance = token.balance(&mallory, None::<String>).unwrap();
    assert_eq!(balance.data(), Some(WELCOME_BONUS.to_string().as_str()));
    assert_eq!(
        net.state::<Game>(&game).token.balance_of(game.as_str()),
        U256::from(1000 - WELCOME_BONUS)
    );
}

#[test]
fn a_guess_needs_a_join_and_a_valid_number() {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let bob = net.wallet("bob");
    let game = net
        .spawn::<Game>(&owner, SpawnOptions::new().tag("Initial-Supply", "1000"))
        .unwrap();
    net.run_until_idle().unwrap();
    let mut client = GameClient::new(&mut net, &game);
    let err = client.guess(&bob, 3u8, U256::from(1u64)).unwrap_err();
    assert!(err.to_string().contains("Join the game first"), "{err}");
    client.join(&bob).unwrap();
    assert!(client.guess(&bob, 7u8, U256::from(1u64)).is_err());
    let reply = client.guess(&bob, 3u8, U256::from(10u64)).unwrap();
    assert_eq!(reply.get("Action"), Some("Guess-Result"));
    let board = client.leaderboard(&bob).unwrap();
    assert!(board.data().unwrap().starts_with('['));
}
