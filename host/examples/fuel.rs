//! The fuel (wasmi's count of executed wasm instructions, about one unit each) of a token
//! module's `Transfer` and `Balance`, the messages of the benchmark (`benches/node/feed.mjs`
//! builds the same shapes). Unlike a timing, the machine's load does not change it, so it
//! compares two builds of the module (a new allocator, a size cut) exactly.
//!
//! ```sh
//! cargo run -p aoxide-host --features wasm --example fuel -- <token.wasm> [transfers]
//! ```
//!
//! The process is spawned, funds the owner, and the owner sends `transfers` (default 1,000)
//! Transfers, each to a new account (so the ledger grows as in the benchmark), each followed
//! by a `Balance` of that account. Prints the fuel of the spawn, the mean and median of each
//! kind, and the memory size at the end.

use std::error::Error;

use aoxide_host::wasm::{WasmBackend, WasmModule};
use serde_json::{json, Value};

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const AUTHORITY: &str = "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI";
const MODULE_ID: &str = "ISShJH1ij-hPPt9St5UFFr_8Ys3Kj5cyg7zrMGt7H9s";

fn tag(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

fn process_tags() -> Value {
    json!([
        tag("Data-Protocol", "ao"),
        tag("Variant", "ao.TN.1"),
        tag("Type", "Process"),
        tag("Module", MODULE_ID),
        tag("Content-Type", "text/plain"),
        tag("Authority", AUTHORITY),
    ])
}

fn env() -> String {
    json!({
        "Process": { "Id": PID, "Owner": OWNER, "Tags": process_tags() },
        "Module": { "Id": MODULE_ID, "Tags": [
            tag("Type", "Module"),
            tag("Module-Format", "wasm32-unknown-emscripten4"),
            tag("Memory-Limit", "1-gb"),
        ] },
    })
    .to_string()
}

/// The messages, numbered so that ids and timestamps differ as in a real sequence.
struct Feed {
    seq: u64,
}

impl Feed {
    fn base(&mut self, id: String, from: &str, owner: &str, tags: Value) -> String {
        self.seq += 1;
        json!({
            "Id": id, "Target": PID, "Owner": owner, "From": from, "Data": "",
            "Block-Height": (1000 + self.seq / 100).to_string(),
            "Timestamp": (1_700_000_000_000 + self.seq * 1000).to_string(),
            "Module": MODULE_ID, "Cron": false, "Tags": tags,
        })
        .to_string()
    }

    fn spawn(&mut self) -> String {
        self.base(PID.into(), OWNER, OWNER, process_tags())
    }

    fn message(&mut self, action: &str, from_process: bool, extra: &[Value]) -> String {
        let mut tags = vec![
            tag("Data-Protocol", "ao"),
            tag("Variant", "ao.TN.1"),
            tag("Type", "Message"),
        ];
        if from_process {
            tags.push(tag("From-Process", PID));
        }
        tags.push(tag("Action", action));
        tags.extend_from_slice(extra);
        let id = account(1_000_000 + self.seq);
        let (from, owner) = if from_process {
            (PID, AUTHORITY)
        } else {
            (OWNER, OWNER)
        };
        self.base(id, from, owner, Value::Array(tags))
    }
}

/// A 43-character address, different for every `n`.
fn account(n: u64) -> String {
    format!("{n:0>43}")
}

fn run(backend: &mut WasmBackend, msg: &str, env: &str) -> Result<u64, Box<dyn Error>> {
    let out = backend.handle_json(msg.as_bytes(), env.as_bytes())?;
    let out: Value = serde_json::from_slice(&out)?;
    if out.get("Error").is_some_and(|e| !e.is_null()) {
        return Err(format!("the module failed: {out}").into());
    }
    backend
        .last_call_fuel()
        .ok_or_else(|| "no fuel reading".into())
}

fn summary(name: &str, mut fuel: Vec<u64>) {
    fuel.sort_unstable();
    let mean = fuel.iter().sum::<u64>() / fuel.len() as u64;
    println!(
        "{name:<9} mean {mean:>7}  median {:>7}  min {:>7}  max {:>7}",
        fuel[fuel.len() / 2],
        fuel[0],
        fuel[fuel.len() - 1]
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        return Err("usage: fuel <token.wasm> [transfers]".into());
    };
    let transfers: u64 = args.get(1).map_or(Ok(1000), |n| n.parse())?;
    let module = WasmModule::new(&std::fs::read(path)?)?;
    let mut backend = module.instantiate()?;
    let env = env();
    let mut feed = Feed { seq: 0 };

    let spawn = run(&mut backend, &feed.spawn(), &env)?;
    let fund = feed.message(
        "Transfer",
        true,
        &[tag("Recipient", OWNER), tag("Quantity", "1000000000000000")],
    );
    run(&mut backend, &fund, &env)?;
    let (mut transfer, mut balance) = (Vec::new(), Vec::new());
    for i in 0..transfers {
        let to = account(i);
        let msg = feed.message(
            "Transfer",
            false,
            &[tag("Recipient", &to), tag("Quantity", "7")],
        );
        transfer.push(run(&mut backend, &msg, &env)?);
        let msg = feed.message("Balance", false, &[tag("Recipient", &to)]);
        balance.push(run(&mut backend, &msg, &env)?);
    }
    println!("spawn     {spawn}");
    summary("Transfer", transfer);
    summary("Balance", balance);
    println!("memory    {} bytes", backend.memory_size());
    Ok(())
}
