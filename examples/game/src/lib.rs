//! Example aoxide process: game.
//!
//! A dice game composed of three parts, each with its own piece of the state:
//!
//! - the token blueprint ([`aoxide_token`]): the game's currency, with every token action
//!   (`Transfer`, `Balance`, ...); the process itself is the treasury;
//! - the chat blueprint ([`aoxide_chat`]): the players' room (`Register`, `Broadcast`, ...);
//! - the game's own handlers:
//!
//! | Action | Accepts | Effect | Reply |
//! | --- | --- | --- | --- |
//! | `Join` | - | joins the room; the first time an address ever joins, the treasury pays a welcome bonus of [`WELCOME_BONUS`] units (while it can; leaving with `Unregister` and joining again pays nothing); the room hears about it | Data `Welcome!` (tag `Bonus`) or `Already joined.` |
//! | `Guess` | `Number` (1 to 6), `Stake` (units) | the stake goes to the treasury; a die is rolled from the message id; a right guess wins [`PAYOUT`] x the stake from the treasury and the room hears about it | `Action=Guess-Result`, tags `Roll`, `Won`, `Payout` |
//! | `Leaderboard` | - | - | Data = JSON list of `[player, wins]`, most wins first |
//!
//! A `Guess` from someone who has not joined, with a bad `Number` or `Stake`, or a stake
//! the player cannot pay, fails the message; a prize the treasury cannot pay fails it too,
//! and then the stake goes back with everything else (one message, one transaction).
//!
//! The parts are mounted with `#[aoxide::handlers(mount(token = Token, chat = Chat))]`:
//! their handlers are registered first (named `token.transfer`, `chat.register`, ...), the
//! token is built from the spawn tags by its own `#[init]`, and the token's `patch@1.0`
//! entries (the balances a message changed) go out after every message that changed them,
//! whichever part's handler did it.

#![warn(missing_docs)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use aoxide::state::Map;
use aoxide::{Ctx, Error, Message, OutMessage, U256};
use aoxide_chat::Chat;
use aoxide_token::{Token, TokenError};
use serde::{Deserialize, Serialize};

/// Units the treasury gives each new player.
pub const WELCOME_BONUS: u64 = 100;
/// A right guess wins this many times the stake.
pub const PAYOUT: u64 = 5;

/// The game process: token, chat and the game's own records.
#[aoxide::process]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Game {
    /// The currency.
    pub token: Token,
    /// The players' room.
    pub chat: Chat,
    /// Wins per player.
    pub wins: Map<String, u64>,
    /// Guesses played.
    pub rounds: u64,
    /// Every address that was ever paid the welcome bonus, with the bonus (leaving the room
    /// keeps it). A `U256` like the token's balances, so both maps share one B-tree's code
    /// (a `Map<String, ()>` was 6 KB more of the module).
    pub welcomed: Map<String, U256>,
}

/// The die roll for a message: 1 to 6, from its id and timestamp (FNV-1a). Deterministic,
/// so every node computing the process agrees. Not secret: whoever picks the message id
/// can predict it, which is fine for an example and wrong for real stakes.
pub fn roll(msg: &Message) -> u8 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let id = msg.id.as_deref().unwrap_or("");
    let ts = msg.timestamp.unwrap_or(0).to_le_bytes();
    for b in id.bytes().chain(ts) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % 6) as u8 + 1
}

#[aoxide::handlers(mount(token = Token, chat = Chat))]
impl Game {
    /// The token comes from the spawn tags (its own `#[init]`); the rest starts empty.
    #[init]
    fn init(token: Token) -> Self {
        Game {
            token,
            chat: Chat::new(),
            wins: Map::new(),
            rounds: 0,
            welcomed: Map::new(),
        }
    }

    /// `Join`: enters the room; the first join of an address ever is paid the bonus.
    #[handler(action = "Join")]
    fn join(&mut self, ctx: &mut Ctx, msg: &Message) -> Result<OutMessage, Error> {
        let player = msg.from.as_str();
        if !self.chat.join(player) {
            return Ok(OutMessage::untargeted().data("Already joined."));
        }
        let treasury = ctx.id().to_owned();
        let bonus = U256::from(WELCOME_BONUS);
        let paid = if self.welcomed.contains_key(player) {
            U256::ZERO
        } else {
            match self.token.transfer(&treasury, player, bonus) {
                Ok(()) => {
                    self.welcomed.insert(player.to_owned(), bonus);
                    bonus
                }
                Err(TokenError::InsufficientBalance) => U256::ZERO,
                Err(e) => return Err(Error::msg(e)),
            }
        };
        self.chat
            .broadcast(ctx, &treasury, &format!("{player} joined the game"));
        Ok(OutMessage::untargeted().tag("Bonus", paid).data("Welcome!"))
    }

    /// `Guess`: `Number` (1 to 6) and `Stake` (units paid to the treasury).
    #[handler(action = "Guess")]
    fn guess(
        &mut self,
        ctx: &mut Ctx,
        msg: &Message,
        number: u8,
        stake: U256,
    ) -> Result<OutMessage, Error> {
        let player = msg.from.as_str();
        if !self.chat.is_member(player) {
            return Err(Error::msg("Join the game first"));
        }
        if !(1..=6).contains(&number) {
            return Err(Error::msg(format!("Number must be 1 to 6, got {number}")));
        }
        let treasury = ctx.id().to_owned();
        self.token
            .transfer(player, &treasury, stake)
            .map_err(|e| Error::msg(format!("Stake refused: {e}")))?;
        self.rounds += 1;
        let rolled = roll(msg);
        let won = rolled == number;
        let mut payout = U256::ZERO;
        if won {
            payout = stake
                .checked_mul(U256::from(PAYOUT))
                .ok_or_else(|| Error::msg(TokenError::Overflow))?;
            self.token
                .transfer(&treasury, player, payout)
                .map_err(|e| Error::msg(format!("The treasury cannot pay the prize: {e}")))?;
            *self.wins.entry_or_insert_with(player.to_owned(), || 0) += 1;
            self.chat.broadcast(
                ctx,
                &treasury,
                &format!("{player} rolled {rolled} and won {payout}"),
            );
        }
        Ok(OutMessage::untargeted()
            .action("Guess-Result")
            .tag("Roll", rolled)
            .tag("Won", won)
            .tag("Payout", payout)
            .data(if won {
                "You won!"
            } else {
                "Better luck next time."
            }))
    }

    /// `Leaderboard`: Data = JSON list of `[player, wins]`, most wins first.
    #[handler(action = "Leaderboard", name = "leaderboard")]
    fn on_leaderboard(&self) -> OutMessage {
        OutMessage::untargeted().json(&self.leaderboard())
    }
}

impl Game {
    /// Players by wins, most first (ties by address).
    pub fn leaderboard(&self) -> Vec<(String, u64)> {
        // A heap's sort, not `sort_by`: the slice sorts' code is 4.8 KB of the module.
        let heap: BinaryHeap<(Reverse<u64>, &String)> =
            self.wins.iter().map(|(k, v)| (Reverse(*v), k)).collect();
        heap.into_sorted_vec()
            .into_iter()
            .map(|(Reverse(wins), player)| (player.clone(), wins))
            .collect()
    }
}

#[cfg(target_arch = "wasm32")]
aoxide::export!(Game);

#[cfg(test)]
mod tests {
    use super::*;
    use aoxide::{Env, Outcome, Runtime};

    const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
    const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
    const BOB: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
    const CAROL: &str = "jLbz8Sng1M-AIBayL1w_X_hIpd64BOtY2fBLoq7H8Rw";

    fn game(supply: &str) -> Runtime<Game> {
        let mut rt = Runtime::new();
        let spawn = Message::new(OWNER)
            .with_id(PID)
            .with_tag("Type", "Process")
            .with_tag("Ticker", "DICE")
            .with_tag("Initial-Supply", supply);
        assert!(!rt.handle(spawn, Some(&Env::new(PID, OWNER))).is_error());
        rt
    }

    fn send(rt: &mut Runtime<Game>, m: Message) -> Outcome {
        rt.handle(m, None)
    }

    fn balance(rt: &Runtime<Game>, who: &str) -> U256 {
        rt.state().unwrap().token.balance_of(who)
    }

    /// A message id whose roll is `want`.
    fn id_rolling(want: u8) -> String {
        (0..)
            .map(|i| format!("guess-{i}"))
            .find(|id| roll(&Message::new(BOB).with_id(id.clone())) == want)
            .unwrap()
    }

    fn guess(from: &str, id: &str, number: &str, stake: &str) -> Message {
        Message::new(from)
            .with_id(id)
            .with_action("Guess")
            .with_tag("Number", number)
            .with_tag("Stake", stake)
    }

    #[test]
    fn join_pays_the_bonus_once_and_tells_the_room() {
        let mut rt = game("1000");
        let o = send(&mut rt, Message::new(BOB).with_action("Join"));
        let reply = o
            .messages
            .iter()
            .find(|m| m.get("Action").is_none())
            .unwrap();
        assert_eq!(reply.target.as_deref(), Some(BOB));
        assert_eq!(reply.data.as_deref(), Some("Welcome!"));
        assert_eq!(reply.get("Bonus"), Some("100"));
        assert_eq!(o.messages_with_action("Broadcast-Notice").count(), 1);
        let o = send(&mut rt, Message::new(CAROL).with_action("Join"));
        let notices: Vec<_> = o.messages_with_action("Broadcast-Notice").collect();
        assert_eq!(notices.len(), 2, "both members hear about Carol");
        assert_eq!(balance(&rt, BOB), U256::from(100));
        let o = send(&mut rt, Message::new(BOB).with_action("Join"));
        assert_eq!(o.messages[0].data.as_deref(), Some("Already joined."));
        assert_eq!(balance(&rt, BOB), U256::from(100));
        assert_eq!(balance(&rt, PID), U256::from(800));
        assert_eq!(rt.state().unwrap().chat.members(), [BOB, CAROL]);
    }

    #[test]
    fn leaving_and_joining_again_pays_no_second_bonus() {
        // The attack: Join (bonus), Unregister (a chat action), Join again, five rounds.
        let mut rt = game("1000");
        for round in 0..5 {
            let o = send(&mut rt, Message::new(BOB).with_action("Join"));
            let reply = o
                .messages
                .iter()
                .find(|m| m.target.as_deref() == Some(BOB) && m.get("Action").is_none())
                .unwrap();
            assert_eq!(reply.data.as_deref(), Some("Welcome!"), "round {round}");
            let bonus = if round == 0 { "100" } else { "0" };
            assert_eq!(reply.get("Bonus"), Some(bonus), "round {round}");
            assert_eq!(
                o.messages
                    .iter()
                    .any(|m| m.get("device") == Some("patch@1.0")),
                round == 0,
                "a patch only when balances changed"
            );
            let o = send(&mut rt, Message::new(BOB).with_action("Unregister"));
            assert_eq!(
                o.message_to(BOB).unwrap().data.as_deref(),
                Some("Unregistered")
            );
        }
        assert_eq!(balance(&rt, BOB), U256::from(WELCOME_BONUS));
        assert_eq!(balance(&rt, PID), U256::from(900));
    }

    #[test]
    fn guesses_win_and_lose() {
        let mut rt = game("1000");
        send(&mut rt, Message::new(BOB).with_action("Join"));
        send(&mut rt, Message::new(CAROL).with_action("Join"));

        let lose = id_rolling(3);
        let o = send(&mut rt, guess(BOB, &lose, "4", "10"));
        let r = o.message_to(BOB).unwrap();
        assert_eq!(r.get("Action"), Some("Guess-Result"));
        assert_eq!(
            (r.get("Roll"), r.get("Won"), r.get("Payout")),
            (Some("3"), Some("false"), Some("0"))
        );
        assert_eq!(balance(&rt, BOB), U256::from(90));

        let win = id_rolling(6);
        let o = send(&mut rt, guess(BOB, &win, "6", "20"));
        let r = o.messages_with_action("Guess-Result").next().unwrap();
        assert_eq!(r.get("Won"), Some("true"));
        assert_eq!(r.get("Payout"), Some("100"));
        assert_eq!(o.messages_with_action("Broadcast-Notice").count(), 2);
        assert_eq!(balance(&rt, BOB), U256::from(90 - 20 + 100));

        let g = rt.state().unwrap();
        assert_eq!(g.rounds, 2);
        assert_eq!(g.leaderboard(), vec![(BOB.to_owned(), 1)]);
        let sum = g.token.balances.values().fold(U256::ZERO, |a, b| a + *b);
        assert_eq!(sum, g.token.total_supply);

        let o = send(&mut rt, Message::new(CAROL).with_action("Leaderboard"));
        assert_eq!(
            o.messages[0].data.as_deref(),
            Some(format!("[[\"{BOB}\",1]]").as_str())
        );
    }

    #[test]
    fn the_leaderboard_is_most_wins_first_then_by_address() {
        let mut wins = Map::new();
        for (player, n) in [("d", 2), ("b", 7), ("a", 2), ("c", 7), ("e", 1), ("f", 2)] {
            wins.insert(player.to_owned(), n);
        }
        let g = Game {
            token: Token::new("T"),
            chat: Chat::new(),
            wins,
            rounds: 0,
            welcomed: Map::new(),
        };
        let board = g.leaderboard();
        let board: Vec<(&str, u64)> = board.iter().map(|(p, n)| (p.as_str(), *n)).collect();
        assert_eq!(
            board,
            [("b", 7), ("c", 7), ("a", 2), ("d", 2), ("f", 2), ("e", 1)]
        );
        let empty = Game {
            wins: Map::new(),
            ..g
        };
        assert!(empty.leaderboard().is_empty());
    }

    #[test]
    fn a_failed_guess_rolls_back_every_part() {
        // The treasury has 200 after two bonuses: a winning stake of 100 cannot be paid.
        let mut rt = game("400");
        send(&mut rt, Message::new(BOB).with_action("Join"));
        send(&mut rt, Message::new(CAROL).with_action("Join"));
        send(
            &mut rt,
            Message::new(CAROL)
                .with_action("Transfer")
                .with_tag("Recipient", BOB)
                .with_tag("Quantity", "100"),
        );
        let before = rt.state().unwrap().clone();
        let win = id_rolling(2);
        let o = send(&mut rt, guess(BOB, &win, "2", "100"));
        assert!(o.is_error(), "the treasury cannot pay 500");
        assert!(o.messages.is_empty());
        assert_eq!(
            rt.state().unwrap(),
            &before,
            "stake, wins and rounds rolled back"
        );

        for bad in [
            guess(BOB, "g1", "7", "1"),
            guess(BOB, "g2", "0", "1"),
            guess(BOB, "g3", "3", "0"),
            guess(BOB, "g4", "3", "-1"),
            guess(BOB, "g5", "3", "201"),
            guess(OWNER, "g6", "3", "1"),
            Message::new(BOB)
                .with_id("g7")
                .with_action("Guess")
                .with_tag("Stake", "1"),
        ] {
            assert!(send(&mut rt, bad).is_error());
            assert_eq!(rt.state().unwrap(), &before);
        }
    }

    #[test]
    fn blueprint_actions_work_in_the_composed_process() {
        let mut rt = game("1000");
        send(&mut rt, Message::new(BOB).with_action("Join"));
        let o = send(&mut rt, Message::new(BOB).with_action("Info"));
        assert_eq!(o.messages[0].get("ticker"), Some("DICE"));
        let o = send(
            &mut rt,
            Message::new(BOB).with_action("Broadcast").with_data("gg"),
        );
        assert_eq!(o.messages_with_action("Broadcast-Notice").count(), 1);
        let o = send(
            &mut rt,
            Message::new(BOB)
                .with_action("Burn")
                .with_tag("Quantity", "40"),
        );
        assert_eq!(o.messages[0].get("Action"), Some("Burn-Notice"));
        assert_eq!(rt.state().unwrap().token.total_supply, U256::from(960));
        let names: Vec<_> = rt.registry().names().collect();
        assert!(
            names.contains(&"token.transfer")
                && names.contains(&"chat.register")
                && names.contains(&"guess")
        );
    }
}
