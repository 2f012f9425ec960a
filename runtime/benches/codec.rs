//! Each fast path of the JSON-1 codec against the serde path it stands in for, so that a
//! fast path stays only where it pays (issue 8 §2).
//!
//! - the result writer (`Outcome::to_json`) against `serde_json::to_writer` of the same
//!   result (the field table's `Serialize` impls) into a buffer pre-sized to the result;
//! - the message reader (`Message::from_json`, the one-pass reader) against the serde
//!   reader alone.
//!
//! Shapes: a token `Transfer` as a compute unit sends it and the two notices it answers
//! with; the same with 16 KiB of data that needs escapes; a failed outcome.
//!
//! `cargo bench -p aoxide --bench codec`. The figures (and the ratios) are in
//! `runtime/src/json/mod.rs`.

use std::hint::black_box;
use std::time::Duration;

use aoxide::{Message, OutMessage, Outbox, Outcome};
use criterion::{criterion_group, criterion_main, Criterion};

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const ALICE: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const BOB: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";

fn notice(to: &str, action: &str, reference: u64, data: &str) -> OutMessage {
    OutMessage {
        target: Some(to.into()),
        data: Some(data.into()),
        anchor: format!("{reference:032}"),
        ..OutMessage::default()
    }
    .tag("Data-Protocol", "ao")
    .tag("Variant", "ao.TN.1")
    .tag("Type", "Message")
    .tag("Reference", reference.to_string())
    .tag("Action", action)
    .tag("Recipient", BOB)
    .tag("Sender", ALICE)
    .tag("Quantity", "1000000000000")
    .tag("X-Reference", "7")
}

fn transfer_outcome(data: &str) -> Outcome {
    let mut outbox = Outbox::default();
    outbox.output = format!("\u{1b}[90mTransferred \u{1b}[34m1000\u{1b}[0m {data}");
    outbox
        .messages
        .push(notice(ALICE, "Debit-Notice", 11, data));
    outbox.messages.push(notice(BOB, "Credit-Notice", 12, data));
    Outcome::from_outbox(outbox)
}

fn transfer_message(data: &str) -> Vec<u8> {
    let mut m = Message::new(ALICE)
        .with_id("m4Q3gJ6Jt0x3uGJ1Dz3LqRlIh4y6TCcpA7bE9mNlP0s")
        .with_tag("Data-Protocol", "ao")
        .with_tag("Variant", "ao.TN.1")
        .with_tag("Type", "Message")
        .with_tag("SDK", "aoconnect")
        .with_action("Transfer")
        .with_tag("Recipient", BOB)
        .with_tag("Quantity", "1000")
        .with_data(data);
    m.target = Some(PID.into());
    m.timestamp = Some(1_700_000_000_000);
    m.block_height = Some(1_300_000);
    m.module = Some(PID.into());
    m.nonce = Some(42);
    m.epoch = Some(0);
    m.hash_chain = Some("Kx0rU2z6o3y0gk0M7uB1wJH8f1lXn2AqkYbVfRr5fZc".into());
    m.to_json_bytes()
}

fn bench(c: &mut Criterion) {
    let big = "line \"quoted\"\n\t".repeat(1100); // about 16 KiB, escapes throughout
    let outcomes = [
        ("transfer", transfer_outcome("")),
        ("transfer-16k", transfer_outcome(&big)),
        (
            "failed",
            Outcome::failed("Insufficient \"Balance\": 5 < 1000\n"),
        ),
    ];
    let mut g = c.benchmark_group("result-writer");
    for (name, o) in &outcomes {
        let len = o.to_json().len();
        g.bench_function(format!("{name}/hand-written"), |b| {
            b.iter(|| black_box(black_box(o).to_json()))
        });
        g.bench_function(format!("{name}/serde-presized"), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(len);
                aoxide::__codec::write_result(&mut out, black_box(o));
                black_box(out)
            })
        });
    }
    g.finish();

    let messages = [
        ("transfer", transfer_message("")),
        ("transfer-16k", transfer_message(&big)),
    ];
    let mut g = c.benchmark_group("message-reader");
    for (name, bytes) in &messages {
        assert_eq!(
            Message::from_json(bytes),
            aoxide::__codec::message(bytes),
            "both readers agree"
        );
        g.bench_function(format!("{name}/fast"), |b| {
            b.iter(|| black_box(Message::from_json(black_box(bytes))))
        });
        g.bench_function(format!("{name}/serde"), |b| {
            b.iter(|| black_box(aoxide::__codec::message(black_box(bytes))))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
