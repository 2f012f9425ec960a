//! Wallets written as JWKs: the fixture key (made by an independent tool) written back field
//! for field, and generated keys that read back, sign and verify.

use aoxide_deploy::ans104::{DataItem, SaltLength, Tag, UnsignedItem, Wallet};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

const JWK_FIELDS: [&str; 9] = ["kty", "e", "n", "d", "p", "q", "dp", "dq", "qi"];

#[test]
fn the_fixture_key_is_written_back_as_the_same_jwk() {
    let text = std::fs::read_to_string(format!("{FIXTURES}/jwk-vector-1.json")).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let written: Value = serde_json::from_str(&Wallet::from_jwk_json(&text).unwrap().to_jwk_json())
        .expect("the JWK is JSON");
    assert_eq!(written.as_object().unwrap().len(), JWK_FIELDS.len());
    for field in JWK_FIELDS {
        let expected = fixture[field].as_str().unwrap().trim_end_matches('=');
        assert_eq!(written[field].as_str(), Some(expected), "field {field}");
    }
}

#[test]
fn a_generated_wallet_reads_back_signs_and_verifies() {
    let wallet = Wallet::generate(&mut ChaCha20Rng::seed_from_u64(7)).unwrap();
    assert_eq!(wallet.owner().len(), 512, "RSA-4096");
    let jwk = wallet.to_jwk_json();
    let read = Wallet::from_jwk_json(&jwk).unwrap();
    assert_eq!(read.address(), wallet.address());
    assert_eq!(read.owner(), wallet.owner());

    // An item signed by the wallet read back verifies, with the generated owner.
    let item = UnsignedItem::new(vec![Tag::new("Action", "Eval")], b"1 + 1".to_vec())
        .sign(&read, SaltLength::Max)
        .unwrap();
    let parsed = DataItem::parse(&item.to_bytes()).unwrap();
    parsed.verify().unwrap();
    assert_eq!(parsed.owner_address(), wallet.address());

    // Another seed, another key.
    let other = Wallet::generate(&mut ChaCha20Rng::seed_from_u64(8)).unwrap();
    assert_ne!(other.address(), wallet.address());
}
