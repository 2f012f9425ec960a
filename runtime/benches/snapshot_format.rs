//! Measures the candidate snapshot encodings on a token-like state: 10 000 accounts of
//! 43-character addresses mapped to decimal-string balances, plus a few scalars.
//!
//! Run with `cargo bench -p aoxide --bench snapshot_format`. The numbers and the choice are
//! recorded in `src/snapshot.rs`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Token {
    name: String,
    ticker: String,
    denomination: u8,
    total_supply: String,
    balances: BTreeMap<String, String>,
    nonces: BTreeMap<String, u64>,
}

fn address(i: u64) -> String {
    // Deterministic 43-character base64url-looking addresses.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..43)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % 64) as usize] as char
        })
        .collect()
}

fn state(accounts: u64) -> Token {
    let mut balances = BTreeMap::new();
    let mut nonces = BTreeMap::new();
    for i in 0..accounts {
        let a = address(i);
        balances.insert(
            a.clone(),
            (i * 1_000_000_007 % 10_000_000_000_000).to_string(),
        );
        nonces.insert(a, i % 97);
    }
    Token {
        name: "Points".into(),
        ticker: "PNTS".into(),
        denomination: 12,
        total_supply: "10000000000000000".into(),
        balances,
        nonces,
    }
}

fn time<T>(runs: u32, mut f: impl FnMut() -> T) -> f64 {
    let start = Instant::now();
    for _ in 0..runs {
        black_box(f());
    }
    start.elapsed().as_secs_f64() * 1000.0 / runs as f64
}

fn main() {
    let s = state(10_000);
    let runs = 20;

    let json = serde_json::to_vec(&s).unwrap();
    let json_enc = time(runs, || serde_json::to_vec(&s).unwrap());
    let json_dec = time(runs, || serde_json::from_slice::<Token>(&json).unwrap());

    let rmp = rmp_serde::to_vec(&s).unwrap();
    let rmp_enc = time(runs, || rmp_serde::to_vec(&s).unwrap());
    let rmp_dec = time(runs, || rmp_serde::from_slice::<Token>(&rmp).unwrap());
    assert_eq!(rmp_serde::from_slice::<Token>(&rmp).unwrap(), s);

    let rmp_named = rmp_serde::to_vec_named(&s).unwrap();

    let bc = bitcode::serialize(&s).unwrap();
    let bc_enc = time(runs, || bitcode::serialize(&s).unwrap());
    let bc_dec = time(runs, || bitcode::deserialize::<Token>(&bc).unwrap());
    assert_eq!(bitcode::deserialize::<Token>(&bc).unwrap(), s);

    println!("10k accounts, mean of {runs} runs");
    println!(
        "{:<22} {:>10} {:>12} {:>12}",
        "format", "bytes", "encode ms", "decode ms"
    );
    println!(
        "{:<22} {:>10} {:>12.2} {:>12.2}",
        "serde_json",
        json.len(),
        json_enc,
        json_dec
    );
    println!(
        "{:<22} {:>10} {:>12.2} {:>12.2}",
        "rmp-serde (compact)",
        rmp.len(),
        rmp_enc,
        rmp_dec
    );
    println!(
        "{:<22} {:>10} {:>12} {:>12}",
        "rmp-serde (named)",
        rmp_named.len(),
        "-",
        "-"
    );
    println!(
        "{:<22} {:>10} {:>12.2} {:>12.2}",
        "bitcode (serde)",
        bc.len(),
        bc_enc,
        bc_dec
    );

    // Self-description matters for state holding untyped JSON (serde_json::Value, untagged
    // enums such as aoxide::TagValue): bitcode's serde mode cannot deserialize_any.
    let v = serde_json::json!({"a": [1, "x", null]});
    let rmp_any =
        rmp_serde::from_slice::<serde_json::Value>(&rmp_serde::to_vec(&v).unwrap()).is_ok();
    // bitcode panics ("type changed") on a list mixing value types: catch it.
    std::panic::set_hook(Box::new(|_| {}));
    let bc_any = std::panic::catch_unwind(|| {
        bitcode::serialize(&v)
            .ok()
            .and_then(|b| bitcode::deserialize::<serde_json::Value>(&b).ok())
            .is_some()
    })
    .unwrap_or(false);
    println!("serde_json::Value round trip: rmp-serde {rmp_any}, bitcode {bc_any}");
}
