//! The Lua token (`blueprints/lua/token.lua`) on aoxide's Lua layer, natively: one
//! `Transfer` (Lua handler, bint arithmetic, three messages out) and one `Balance`, and the
//! Lua heap after 10,000 accounts (printed).

use aoxide::{Env, Message, Runtime};
use aoxide_lua::{lua_source, LuaFiles, LuaProcess, LuaSource};
use criterion::{criterion_group, criterion_main, Criterion};

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";

struct Token;
impl LuaFiles for Token {
    const SOURCES: &'static [LuaSource] = &[lua_source!("../../blueprints/lua/token.lua")];
}

fn account(i: u32) -> String {
    format!("{i:0>43}")
}

fn transfer(to: &str) -> Message {
    Message::new(OWNER)
        .with_action("Transfer")
        .with_tag("Recipient", to)
        .with_tag("Quantity", "1")
}

fn token() -> Runtime<LuaProcess<Token>> {
    let mut rt = Runtime::new();
    rt.handle(
        Message::new(OWNER).with_id(PID),
        Some(&Env::new(PID, OWNER)),
    );
    let mut fund = Message::new(PID)
        .with_action("Transfer")
        .with_tag("Recipient", OWNER)
        .with_tag("Quantity", "1000000000000000");
    fund.owner = PID.into();
    assert!(rt.handle(fund, None).error.is_none());
    rt
}

fn bench(c: &mut Criterion) {
    let mut rt = token();
    for i in 0..10_000 {
        assert!(rt.handle(transfer(&account(i)), None).error.is_none());
    }
    let lua = &rt.state().unwrap().lua;
    lua.lua().gc_collect().unwrap();
    println!(
        "Lua heap after 10,000 accounts: {} bytes",
        rt.state().unwrap().lua.used_memory()
    );

    let mut i = 0u32;
    c.bench_function("lua token Transfer (native)", |b| {
        b.iter(|| {
            i = (i + 1) % 10_000;
            rt.handle(transfer(&account(i)), None)
        })
    });
    c.bench_function("lua token Balance (native)", |b| {
        b.iter(|| rt.handle(Message::new(OWNER).with_action("Balance"), None))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
