//! The Lua blueprints (`blueprints/lua`): chatroom, and token + staking + voting together.
mod common;
use aoxide::{Message, Runtime};
use aoxide_lua::{LuaFiles, LuaProcess, LuaSource};
use common::*;

struct Room;
impl LuaFiles for Room {
    const SOURCES: &'static [LuaSource] =
        &[aoxide_lua::lua_source!("../../blueprints/lua/chatroom.lua")];
}

struct Dao;
impl LuaFiles for Dao {
    const SOURCES: &'static [LuaSource] = &[
        aoxide_lua::lua_source!("../../blueprints/lua/token.lua"),
        aoxide_lua::lua_source!("../../blueprints/lua/staking.lua"),
        aoxide_lua::lua_source!("../../blueprints/lua/voting.lua"),
    ];
}

fn data(rt: &mut Runtime<impl aoxide::Process>, m: Message) -> String {
    let out = rt.handle(m, None);
    assert!(out.error.is_none(), "{:?}", out.error);
    out.messages[0].data.clone().unwrap_or_default()
}

fn at(m: Message, height: u64) -> Message {
    let mut m = m;
    m.block_height = Some(height);
    m
}

#[test]
fn chatroom_protocol() {
    let mut rt = spawn::<LuaProcess<Room>>();
    assert_eq!(data(&mut rt, msg(ALICE, "Register", &[])), "Registered.");
    assert_eq!(
        data(&mut rt, msg(ALICE, "Register", &[])),
        "Already registered."
    );
    assert_eq!(data(&mut rt, msg(BOB, "Register", &[])), "Registered.");
    let out = rt.handle(msg(ALICE, "Broadcast", &[]).with_data("hello"), None);
    let targets: Vec<_> = out
        .messages
        .iter()
        .map(|m| m.target.clone().unwrap())
        .collect();
    assert_eq!(targets, [ALICE, BOB, ALICE]);
    assert_eq!(out.messages[0].get("Action"), Some("Broadcast-Notice"));
    assert_eq!(out.messages[1].data.as_deref(), Some("hello"));
    assert_eq!(out.messages[2].data.as_deref(), Some("Broadcasted."));
    assert_eq!(data(&mut rt, msg(BOB, "Unregister", &[])), "Unregistered");
    assert_eq!(data(&mut rt, msg(BOB, "Unregister", &[])), "Not registered");
}

#[test]
fn staking_and_voting_over_the_lua_token() {
    let mut rt = spawn::<LuaProcess<Dao>>();
    // The process pays Alice 100 and Bob 50 (messages the process signed itself).
    for (who, q) in [(ALICE, "100"), (BOB, "50")] {
        let mut m = msg(PID, "Transfer", &[("Recipient", who), ("Quantity", q)]);
        m.owner = PID.into();
        rt.handle(m, None);
    }
    let out = rt.handle(at(msg(ALICE, "Stake", &[("Quantity", "60")]), 100), None);
    assert_eq!(out.messages[0].get("Staked"), Some("60"));
    let out = rt.handle(at(msg(BOB, "Stake", &[("Quantity", "80")]), 100), None);
    assert_eq!(out.messages[0].get("Action"), Some("Stake-Error"));
    rt.handle(at(msg(BOB, "Stake", &[("Quantity", "20")]), 100), None);

    // Alice proposes p1, open until block 110.
    let propose = msg(ALICE, "Propose", &[("Proposal", "p1"), ("Duration", "10")]);
    let out = rt.handle(at(propose, 100), None);
    assert_eq!(out.messages[0].get("Deadline"), Some("110"));
    let vote = |who, side| msg(who, "Vote", &[("Proposal", "p1"), ("Side", side)]);
    let out = rt.handle(at(vote(ALICE, "yay"), 101), None);
    assert_eq!(out.messages[0].get("Weight"), Some("60"));
    rt.handle(at(vote(BOB, "nay"), 101), None);
    let out = rt.handle(at(vote(BOB, "yay"), 102), None);
    assert_eq!(out.messages[0].get("Error"), Some("Already voted"));
    let out = rt.handle(at(vote(BOB, "maybe"), 102), None);
    assert_eq!(
        out.messages[0].get("Error"),
        Some("Side must be yay or nay")
    );
    let out = rt.handle(at(msg(BOB, "Proposal", &[("Proposal", "p1")]), 103), None);
    let tally = ["Yay", "Nay", "Status"].map(|t| out.messages[0].get(t));
    assert_eq!(tally, [Some("60"), Some("20"), Some("Open")]);
    // Past the deadline, the next message settles p1 and tells the proposer.
    let out = rt.handle(at(msg(BOB, "Balance", &[]), 111), None);
    assert_eq!(out.messages[0].target.as_deref(), Some(ALICE));
    assert_eq!(out.messages[0].get("Action"), Some("Proposal-Result"));
    assert_eq!(out.messages[0].get("Outcome"), Some("Passed"));

    // An unstake waits UnstakeDelay (5) blocks; the first message after releases it.
    let out = rt.handle(at(msg(ALICE, "Unstake", &[("Quantity", "60")]), 200), None);
    assert_eq!(out.messages[0].get("Release-At"), Some("205"));
    let early = rt.handle(at(msg(BOB, "Stake-Of", &[]), 204), None);
    assert_eq!(
        early.messages.len(),
        1,
        "no release yet: {:?}",
        early.messages
    );
    let out = rt.handle(at(msg(ALICE, "Balance", &[]), 205), None);
    assert_eq!(out.messages[0].get("Action"), Some("Release-Notice"));
    assert_eq!(out.messages[1].data.as_deref(), Some("100"));
    assert_eq!(data(&mut rt, msg(BOB, "Balance", &[])), "30");
}
