//! A process booted from the VM `aoxide_lua::preinit` built ahead of time (what the module's
//! build bakes into its data) answers message by message as one that built its own VM, and
//! gets its own limits.

mod common;
use common::*;

use aoxide::{Outcome, Runtime};
use aoxide_lua::{lua_source, Limits, LuaFiles, LuaProcess, LuaSource};

struct TokenFiles;
impl LuaFiles for TokenFiles {
    const SOURCES: &'static [LuaSource] = &[lua_source!("../../blueprints/lua/token.lua")];
}

type Token = LuaProcess<TokenFiles>;

/// Runs the script on a fresh thread (the prebuilt VM is per thread natively, one per
/// module in wasm), after `aoxide_lua::preinit` when `prebuilt`.
fn run(prebuilt: bool) -> Vec<Outcome> {
    std::thread::spawn(move || {
        if prebuilt {
            aoxide_lua::preinit().expect("preinit");
        }
        let mut rt: Runtime<Token> = spawn();
        let script = [
            msg(OWNER, "Balance", &[]),
            msg(
                OWNER,
                "Transfer",
                &[("Recipient", ALICE), ("Quantity", "250")],
            ),
            msg(
                ALICE,
                "Transfer",
                &[("Recipient", BOB), ("Quantity", "not a number")],
            ),
            msg(
                ALICE,
                "Transfer",
                &[("Recipient", BOB), ("Quantity", "100")],
            ),
            msg(BOB, "Balances", &[]),
            msg(OWNER, "Eval", &[]).with_data(
                "local names = {} for k in pairs(package.loaded) do names[#names + 1] = k end \
                 table.sort(names) print(table.concat(names, ',')) \
                 print(tostring(require('.bint')(256)('12345678901234567890') * 3)) \
                 print(require('json').encode({ a = { 1, 2 } }), require('.base64').encode('ao'))",
            ),
            msg(ALICE, "Unknown", &[]),
        ];
        script.into_iter().map(|m| rt.handle(m, None)).collect()
    })
    .join()
    .expect("the script panicked")
}

#[test]
fn a_process_booted_from_the_prebuilt_vm_answers_as_one_that_built_its_own() {
    let own = run(false);
    let prebuilt = run(true);
    assert!(own[1].error.is_none(), "{:?}", own[1].error);
    assert!(own[2].error.is_some(), "a bad quantity must fail");
    assert!(
        own[5].output.data.contains("37037036703703703670"),
        "{}",
        own[5].output.data
    );
    for (i, (a, b)) in own.iter().zip(&prebuilt).enumerate() {
        assert_eq!(
            String::from_utf8_lossy(&a.to_json()),
            String::from_utf8_lossy(&b.to_json()),
            "message {i}"
        );
    }
}

/// Like [`Small`] (5 million instructions), with a file.
struct Tight;
impl LuaFiles for Tight {
    const SOURCES: &'static [LuaSource] = &[LuaSource::new("tight.lua", "Loaded = true")];
    fn limits() -> Limits {
        Limits {
            instructions: 5_000_000,
            memory: 32 * 1024 * 1024,
        }
    }
}

#[test]
fn the_prebuilt_vm_takes_the_limits_of_the_process_that_takes_it() {
    std::thread::spawn(|| {
        aoxide_lua::preinit().expect("preinit");
        let mut rt: Runtime<LuaProcess<Tight>> = spawn();
        assert_eq!(rt.state().unwrap().lua.limits(), Tight::limits());
        let out = rt.handle(msg(OWNER, "Eval", &[]).with_data("while true do end"), None);
        let error = out.error.expect("the loop must run out of instructions");
        assert!(error.to_string().contains("5000000"), "{error}");
        // The next process of this thread builds its own VM, with its own limits.
        let rt: Runtime<Bare_> = spawn();
        assert_eq!(rt.state().unwrap().lua.limits(), Limits::default());
    })
    .join()
    .expect("the test panicked");
}
