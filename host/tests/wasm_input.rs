//! What the wasm backend hands a module: the message and the env as C strings, as the
//! loader's `ccall` does. Bytes a C string cannot carry are refused with a clear error, not
//! cut at the NUL (the module would read a shorter, different message), and the process
//! goes on. Found by the `wasm_vs_native` fuzz target (fuzz/README.md): raw input with a
//! NUL got a different error from the module than from the native process.

#![cfg(feature = "wasm")]

mod common;
use common::built;

use aoxide_host::wasm::WasmBackend;
use serde_json::{json, Value};

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";

fn env() -> Vec<u8> {
    json!({
        "Process": {"Id": PID, "Owner": OWNER, "Tags": []},
        "Module": {"Id": "MODULE", "Owner": OWNER, "Tags": []},
    })
    .to_string()
    .into_bytes()
}

fn message(id: &str, action: &str) -> Vec<u8> {
    json!({
        "Id": id, "Owner": OWNER, "From": OWNER, "Target": PID,
        "Tags": [{"name": "Action", "value": action}], "Data": "",
    })
    .to_string()
    .into_bytes()
}

/// The messages the module sent in its result.
fn sent(result: &[u8]) -> Vec<Value> {
    let value: Value = serde_json::from_slice(result).expect("the result is JSON");
    value["response"]["Messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_message_or_env_with_a_nul_byte_is_refused_and_the_process_goes_on() {
    let mut wasm = WasmBackend::new(&built::module_bytes("example-ping")).unwrap();
    let spawn = json!({
        "Id": PID, "Owner": OWNER, "From": OWNER, "Target": PID,
        "Tags": [{"name": "Type", "value": "Process"}], "Data": "",
    })
    .to_string();
    wasm.handle_json(spawn.as_bytes(), &env()).unwrap();

    // A complete message before the NUL: cut there, the module would run it.
    let mut cut = message("m1", "Increment");
    let at = cut.len();
    cut.extend_from_slice(b"\0trailing");
    let err = wasm.handle_json(&cut, &env()).unwrap_err();
    assert_eq!(
        err,
        format!(
            "the message has a NUL byte at offset {at}: the module reads it as a C string, \
             which would end there"
        )
    );
    let mut bad_env = env();
    bad_env.insert(1, 0);
    let err = wasm
        .handle_json(&message("m2", "Increment"), &bad_env)
        .unwrap_err();
    assert!(
        err.starts_with("the env has a NUL byte at offset 1:"),
        "{err}"
    );
    assert!(wasm.fault().is_none(), "a refusal is not a fault");

    // Neither reached the module: the next Increment is the first one counted.
    let incremented = wasm
        .handle_json(&message("m3", "Increment"), &env())
        .unwrap();
    assert_eq!(sent(&incremented)[0]["Data"], "1");
}
