//! Replays a message sequence on the wasm backend (the `wasmi` interpreter, driven as
//! ao-loader drives a module) and writes, after every message, the SHA-256 of the whole
//! linear memory, its size and the raw JSON-1 result. `tests/conformance/determinism.test.mjs`
//! replays the same sequence under ao-loader and compares the memory hash after every
//! message.
//!
//! ```sh
//! cargo run -p aoxide-host --features wasm --example replay -- \
//!     <module.wasm> <in.jsonl> <out.jsonl> [--restore-at N]
//! ```
//!
//! Each input line is `{"msg": "<message JSON>", "env": "<env JSON>"}`, the exact strings
//! the host passes to `handle`. Each output line is `{"hash": "<hex>", "size": <bytes>,
//! "result": "<result JSON>"}`, or `"error"` instead of `"result"` when the call failed.
//! With `--restore-at N`, the process goes on from message `N` in a FRESH instance holding
//! a copy of the memory (a compute unit restoring a checkpoint).

use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};

use aoxide_host::wasm::WasmModule;
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
struct Step {
    msg: String,
    env: String,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (module, input, output) = match &args[..] {
        [m, i, o, ..] => (m, i, o),
        _ => {
            return Err(
                "usage: replay <module.wasm> <in.jsonl> <out.jsonl> [--restore-at N]".into(),
            )
        }
    };
    let restore_at: Option<usize> = match &args[3..] {
        [] => None,
        [flag, n] if flag == "--restore-at" => Some(n.parse()?),
        other => return Err(format!("unexpected arguments {other:?}").into()),
    };

    let module = WasmModule::new(&std::fs::read(module)?)?;
    let mut backend = module.instantiate()?;
    let mut out = BufWriter::new(File::create(output)?);
    for (i, line) in BufReader::new(File::open(input)?).lines().enumerate() {
        if restore_at == Some(i) {
            backend = module.restore(&backend.snapshot())?;
        }
        let step: Step = serde_json::from_str(&line?)?;
        let result = backend.handle_json(step.msg.as_bytes(), step.env.as_bytes());
        let memory = backend.snapshot();
        let mut row = serde_json::json!({
            "hash": hex(&Sha256::digest(&memory)),
            "size": memory.len(),
        });
        match result {
            Ok(bytes) => row["result"] = String::from_utf8(bytes)?.into(),
            Err(e) => row["error"] = e.into(),
        }
        writeln!(out, "{row}")?;
    }
    out.flush()?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
