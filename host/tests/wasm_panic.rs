//! A panic in a wasm call: the module's panic hook records its text in linear memory before
//! the abort, and the backend reads it before rolling the memory back, so the error of the
//! trapped message (the `Outcome`, what `Net` records, what the console prints) says which
//! panic it was and where.

#![cfg(feature = "wasm")]

mod common;
use common::built;

use aoxide::module_abi::{PANIC_RECORD_MAGIC, PANIC_RECORD_TEXT};
use aoxide_host::wasm::{panic_text, WasmModule};
use aoxide_host::{Msg, Net, SpawnOptions};

fn ping() -> Vec<u8> {
    built::module_bytes("example-ping")
}

/// A record at `at`: the marker, the length, the text.
fn record(memory: &mut [u8], at: usize, len: u32, text: &[u8]) {
    memory[at..at + 16].copy_from_slice(&PANIC_RECORD_MAGIC);
    memory[at + 16..at + 20].copy_from_slice(&len.to_le_bytes());
    memory[at + 20..at + 20 + text.len()].copy_from_slice(text);
}

#[test]
fn the_record_is_found_only_when_a_panic_wrote_one() {
    let mut memory = vec![0u8; 4096];
    assert_eq!(panic_text(&memory), None, "no marker");
    // A marker with length 0: the hook is installed, nothing panicked since the call began.
    record(&mut memory, 64, 0, b"");
    assert_eq!(panic_text(&memory), None);
    record(&mut memory, 64, 5, b"boom!");
    assert_eq!(panic_text(&memory).as_deref(), Some("boom!"));
    // A length past the record's room is no record (stray bytes that look like a marker).
    let mut stray = vec![0u8; 4096];
    record(&mut stray, 128, PANIC_RECORD_TEXT as u32 + 1, b"");
    assert_eq!(panic_text(&stray), None);
    // Not 4-aligned: the record is a `repr(C)` static with a u32 in it, so it never is.
    let mut odd = vec![0u8; 4096];
    record(&mut odd, 66, 3, b"odd");
    assert_eq!(panic_text(&odd), None);
    // A record cut by the end of memory is no record.
    let mut cut = vec![0u8; 40];
    record(&mut cut, 16, 3, b"abc");
    cut.truncate(38);
    assert_eq!(panic_text(&cut), None);
}

#[test]
fn a_panicking_message_fails_with_the_panic_text_and_the_process_goes_on() {
    let mut net = Net::new();
    let module = net.register("ping", WasmModule::new(&ping()).unwrap());
    let alice = net.wallet("alice");
    let p = net
        .spawn_module(&alice, &module, SpawnOptions::new())
        .unwrap();
    net.run_until_idle().unwrap();

    let id = net.send(&alice, &p, Msg::new().action("Panic")).unwrap();
    let run = net.run_until_idle().unwrap();
    assert_eq!(run.failed.len(), 1, "{run:?}");
    let error = net.result(&id).error.clone().unwrap();
    assert!(error.starts_with("wasm trap in handle"), "{error}");
    assert!(
        error.contains("panicked at examples/ping/src/lib.rs:")
            && error.ends_with(": Panic always panics"),
        "{error}"
    );

    // The trapped call is undone (the memory from before it), and the next call does not
    // report the panic again: the record went with the trapped call's memory.
    let count = net.send(&alice, &p, Msg::new().action("Count")).unwrap();
    assert!(net.run_until_idle().unwrap().is_clean());
    let out = net.result(&count);
    assert!(!out.is_error(), "{out:?}");
    assert!(!out.output.data.contains("trapped"), "{out:?}");
    assert_eq!(out.messages[0].data.as_deref(), Some("0"), "{out:?}");
}
