//! A process natively and as its built module under aoxide-host's wasm backend (wasmi),
//! message by message: the same result bytes, and no trap.

use std::path::Path;

use aoxide::{Process, Runtime};
use aoxide_host::wasm::{built_module, WasmBackend, WasmModule};

use crate::{env, spawn, to_json, FuzzMessage};

/// The built module `name` (`target/ao/<name>.wasm`), loaded. It is not built here: a
/// cargo build started from a fuzz target inherits the fuzzer's toolchain and sanitizer
/// flags; `fuzz/run.sh` builds it first.
pub fn load(name: &str) -> WasmModule {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/ has a parent");
    let (found, candidates) = built_module(root, name);
    let path = found.unwrap_or_else(|| {
        panic!("no {name} module at {candidates:?}: build it first (fuzz/run.sh does)")
    });
    let bytes = std::fs::read(&path).expect("the module is readable");
    WasmModule::new(&bytes).expect("the module loads")
}

/// One message on both: the same result bytes, and no trap. Bytes with a NUL cannot reach
/// a module (hosts pass C strings): the backend refuses them, and the native process is
/// not asked.
fn both<P: Process>(native: &mut Runtime<P>, wasm: &mut WasmBackend, msg: &[u8], env: &[u8]) {
    if msg.contains(&0) {
        let refused = wasm
            .handle_json(msg, env)
            .expect_err("a NUL byte is refused");
        assert!(
            refused.starts_with("the message has a NUL byte"),
            "{refused}"
        );
        return;
    }
    let expected = native.handle_bytes(msg, env).to_json();
    let got = wasm
        .handle_json(msg, env)
        .unwrap_or_else(|trap| panic!("the module trapped: {trap}"));
    assert!(
        got == expected,
        "the module and the native process disagree\n native: {}\n   wasm: {}",
        String::from_utf8_lossy(&expected),
        String::from_utf8_lossy(&got)
    );
}

/// Spawns `P` natively and `module` in a fresh instance, then runs the sequence on both.
pub fn compare<P: Process>(
    module: &WasmModule,
    messages: &[FuzzMessage],
    actions: &[&str],
    tag_names: &[&str],
) {
    let mut native = Runtime::<P>::new();
    let mut wasm = module.instantiate().expect("the module instantiates");
    let env = env();
    both(&mut native, &mut wasm, &spawn(), &env);
    for (n, m) in messages.iter().take(32).enumerate() {
        both(
            &mut native,
            &mut wasm,
            &to_json(m, actions, tag_names, n),
            &env,
        );
    }
}
