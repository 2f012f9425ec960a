//! The game on the test network, driven through the typed clients: its own (`GameClient`)
//! and the mounted token's (`TokenClient` talks to the game process, whose token actions
//! are the token's); and one scenario, unchanged, natively and on the built module.

use std::path::Path;

use aoxide::U256;
use aoxide_chat::ChatClient;
use aoxide_host::wasm::WasmModule;
use aoxide_host::{native, Module, Net, ProcessId, SpawnOptions};
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

fn built_game() -> WasmModule {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    WasmModule::new(&aoxide_build::ensure_built_bytes(&root, "example-game")).unwrap()
}

fn spawn(module: impl Module) -> (Net, ProcessId) {
    let mut net = Net::new();
    let game = net.register("game", module);
    let owner = net.wallet("owner");
    let options = SpawnOptions::new()
        .tag("Ticker", "DICE")
        .tag("Initial-Supply", "1000");
    let pid = net.spawn_module(&owner, &game, options).unwrap();
    assert!(net.run_until_idle().unwrap().is_clean());
    (net, pid)
}

/// Two players join and guess (bob each number once), tokens move, one leaves the room.
/// Returns how many guesses bob won.
fn scenario(net: &mut Net, pid: &ProcessId) -> u64 {
    let [bob, carol] = ["bob", "carol"].map(|n| net.wallet(n));
    let mut game = GameClient::new(net, pid);
    game.join(&bob).unwrap();
    game.join(&carol).unwrap();
    let mut won = 0;
    for number in 1..=6u8 {
        let reply = game.guess(&bob, number, U256::from(2u64)).unwrap();
        won += u64::from(reply.get("Won") == Some("true"));
    }
    game.guess(&carol, 4u8, U256::from(1u64)).unwrap();
    game.leaderboard(&carol).unwrap();
    TokenClient::new(net, pid)
        .transfer(&carol, &bob, 7u64)
        .unwrap();
    ChatClient::new(net, pid).unregister(&carol).unwrap();
    won
}

#[test]
fn the_same_game_scenario_ends_in_the_same_state_on_both_backends() {
    let (mut native_net, n) = spawn(native::<Game>());
    let native_won = scenario(&mut native_net, &n);
    let (mut wasm_net, w) = spawn(built_game());
    let won = scenario(&mut wasm_net, &w);
    // The rolls follow from the message ids, which follow from the network's seed.
    assert_eq!(won, native_won);
    assert!(
        won > 0,
        "this seed rolls a win for bob (the wins map is not empty)"
    );

    let bob = native_net.wallet("bob");
    let wasm_state = wasm_net.state::<Game>(&w);
    assert_eq!(*wasm_state, *native_net.state::<Game>(&n));
    assert_eq!(wasm_state.rounds, 7);
    assert_eq!(wasm_state.wins.get(bob.address()), Some(&won));
    assert_eq!(wasm_state.chat.members(), [bob.address()]);
    assert_eq!(wasm_state.token.ticker, "DICE");
    let supply = wasm_state
        .token
        .balances
        .values()
        .fold(U256::ZERO, |a, b| a + *b);
    assert_eq!(supply, U256::from(1000u64));
    assert_eq!(
        wasm_net.state_json(&w).unwrap(),
        native_net.state_json(&n).unwrap()
    );
    let outcomes =
        |net: &Net| -> Vec<_> { net.deliveries().iter().map(|d| d.outcome.clone()).collect() };
    assert_eq!(outcomes(&wasm_net), outcomes(&native_net));
}
