//! Whole-process dispatch of the Lua token (`blueprints/lua/token.lua` in a `LuaProcess`,
//! natively: the same C Lua 5.3 and AOS environment the module runs): never panics, results
//! are valid JSON, and until the owner's `Eval` has run code of its own, the balances are
//! decimal strings adding up to `TotalSupply` and a failed message leaves them unchanged
//! (the token checks before it changes; Lua globals are not rolled back by the runtime,
//! lua-compat/README.md). A stranger's `Eval` is not run (it goes to the `Inbox`, as in
//! AOS), so it changes no balance, and neither does an assignment (no `ao.addAssignable`
//! but the owner's `Eval` could add one). A read-only message may change Lua globals (documented),
//! so it is not checked for that. After the sequence, the process still answers `Balance`.
#![no_main]
use aoxide::{Message, Runtime, U256};
use aoxide_fuzz::{
    check_result, env, spawn, to_json, FuzzMessage, SENDERS, TOKEN_ACTIONS, TOKEN_TAGS,
};
use aoxide_lua::mlua;
use example_lua_token::LuaToken;
use libfuzzer_sys::fuzz_target;

/// The balances (sorted) and the supply, checked: every balance a decimal string, their
/// sum the supply.
fn ledger(p: &LuaToken) -> String {
    let lua = p.lua.lua();
    let balances: mlua::Table = lua.globals().get("Balances").expect("Balances is a table");
    let supply: String = lua
        .globals()
        .get("TotalSupply")
        .expect("TotalSupply is text");
    let mut entries = Vec::new();
    let mut sum = U256::ZERO;
    for pair in balances.pairs::<String, mlua::Value>() {
        let (account, value) = pair.expect("an account is text");
        let mlua::Value::String(text) = value else {
            panic!("the balance of {account} is not a string: {value:?}");
        };
        let text = text.to_str().expect("a balance is UTF-8").to_string();
        let amount = U256::from_decimal(&text)
            .unwrap_or_else(|| panic!("the balance of {account} is not decimal: {text}"));
        sum = sum.checked_add(amount).expect("balances overflow");
        entries.push(format!("{account}={text}"));
    }
    assert_eq!(
        Some(sum),
        U256::from_decimal(&supply),
        "balances do not add up to the supply"
    );
    entries.sort();
    format!("{supply}|{}", entries.join(","))
}

fuzz_target!(|messages: Vec<FuzzMessage>| {
    let mut rt = Runtime::<LuaToken>::new();
    let env = env();
    let out = rt.handle_bytes(&spawn(), &env);
    assert!(out.error.is_none(), "spawn failed: {:?}", out.error);
    // Whether the owner's `Eval` has run: from then on any global may hold anything.
    let mut evaluated = false;
    for (n, m) in messages.iter().take(64).enumerate() {
        let bytes = to_json(m, TOKEN_ACTIONS, TOKEN_TAGS, n);
        let before = (!evaluated).then(|| ledger(rt.state().expect("booted")));
        let handled = rt.messages_handled();
        let out = rt.handle_bytes(&bytes, &env);
        check_result(&out);
        // Read from the bytes sent, so that raw input counts too. A dry-run `Eval` runs as
        // well (and what it writes to globals stays).
        let (eval, from_owner) = Message::from_json(&bytes).map_or((false, false), |sent| {
            (sent.action() == Some("Eval"), sent.from == SENDERS[0])
        });
        if out.error.is_some() {
            assert_eq!(rt.messages_handled(), handled);
        }
        evaluated |= eval && from_owner;
        if evaluated {
            continue;
        }
        let after = ledger(rt.state().expect("booted"));
        if out.error.is_some() || (eval && !from_owner) || m.is_assignment() {
            assert_eq!(
                Some(after),
                before,
                "a failed message, a stranger's Eval or an assignment changed the balances"
            );
        }
    }
    // The process still answers after whatever came.
    let balance = FuzzMessage::new(3, 1, "") /* a stranger's Balance */;
    let out = rt.handle_bytes(&to_json(&balance, TOKEN_ACTIONS, TOKEN_TAGS, 64), &env);
    check_result(&out);
    if !evaluated {
        assert!(out.error.is_none(), "Balance failed: {:?}", out.error);
        assert_eq!(out.messages.len(), 1, "Balance has one reply");
    }
});
