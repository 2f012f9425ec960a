//! The token blueprint natively and as its built module (`target/ao/token.wasm`, which
//! `fuzz/run.sh` builds first; run by aoxide-host's wasm backend): every message of a
//! sequence gives the same result bytes on both, and the module never traps. What differs
//! between wasm32 and a 64-bit host (`usize` widths, the allocator, the panic path, the
//! module's ABI) would show here first.
#![no_main]
use std::sync::OnceLock;

use aoxide_fuzz::differential::{compare, load};
use aoxide_fuzz::{FuzzMessage, TOKEN_ACTIONS, TOKEN_TAGS};
use aoxide_host::wasm::WasmModule;
use aoxide_token::TokenProcess;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|messages: Vec<FuzzMessage>| {
    static MODULE: OnceLock<WasmModule> = OnceLock::new();
    let module = MODULE.get_or_init(|| load("token"));
    compare::<TokenProcess>(module, &messages, TOKEN_ACTIONS, TOKEN_TAGS);
});
