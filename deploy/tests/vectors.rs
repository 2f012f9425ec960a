//! The ANS-104 vectors (made by an independent encoder, checked with npm `arbundles`):
//! byte-exact items with PSS salt 0, and verification of salt 32 and salt 478 items.

use aoxide_deploy::ans104::{
    decode_id, deep_hash, encode_id, Ans104Error, Chunk, DataItem, SaltLength, Tag, UnsignedItem,
    Wallet,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(format!("{FIXTURES}/ans104-vectors.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn wallet() -> Wallet {
    Wallet::from_jwk_file(format!("{FIXTURES}/jwk-vector-1.json").as_ref()).unwrap()
}

fn item_file(name: &str, salt: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}.{salt}.bin")).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unsigned(v: &Value) -> UnsignedItem {
    let tags = v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| Tag::new(t["name"].as_str().unwrap(), t["value"].as_str().unwrap()))
        .collect();
    let data = STANDARD.decode(v["data_b64"].as_str().unwrap()).unwrap();
    let mut item = UnsignedItem::new(tags, data);
    let target = v["target_b64url"].as_str().unwrap();
    if !target.is_empty() {
        item.target = Some(decode_id(target).unwrap());
    }
    let anchor = v["anchor_utf8"].as_str().unwrap();
    if !anchor.is_empty() {
        item.anchor = Some(anchor.as_bytes().try_into().unwrap());
    }
    item
}

#[test]
fn wallet_address_matches_the_vectors() {
    let w = wallet();
    for v in vectors() {
        assert_eq!(w.address(), v["owner_address"].as_str().unwrap());
        assert_eq!(encode_id(w.owner()).len(), 683);
    }
}

#[test]
fn salt0_items_are_byte_exact() {
    let w = wallet();
    let vs = vectors();
    assert_eq!(vs.len(), 5);
    for v in vs {
        let name = v["name"].as_str().unwrap();
        let item = unsigned(&v).sign(&w, SaltLength::Zero).unwrap();
        assert_eq!(
            hex(&item.signed_hash()),
            v["deep_hash_sha384_hex"].as_str().unwrap(),
            "{name}: deep hash"
        );
        let expected = item_file(name, "pss_salt0_deterministic");
        assert_eq!(item.to_bytes(), expected, "{name}: item bytes");
        assert_eq!(
            item.id(),
            v["signatures"]["pss_salt0_deterministic"]["id"]
                .as_str()
                .unwrap(),
            "{name}: id"
        );
        item.verify().unwrap();
    }
}

#[test]
fn every_vector_file_parses_verifies_and_re_encodes() {
    for v in vectors() {
        let name = v["name"].as_str().unwrap();
        for salt in [
            "pss_salt0_deterministic",
            "pss_salt32",
            "pss_saltmax_node_default",
        ] {
            let bytes = item_file(name, salt);
            let item = DataItem::parse(&bytes).unwrap();
            item.verify()
                .unwrap_or_else(|e| panic!("{name} {salt}: {e}"));
            assert_eq!(item.to_bytes(), bytes, "{name} {salt}");
            assert_eq!(item.owner_address(), v["owner_address"].as_str().unwrap());
            let expect = unsigned(&v);
            assert_eq!(item.tags(), &expect.tags[..]);
            assert_eq!(item.data(), &expect.data[..]);
            assert_eq!(item.target(), expect.target.as_ref());
            assert_eq!(item.anchor(), expect.anchor.as_ref());
            if let Some(id) = v["signatures"][salt]["id"].as_str() {
                assert_eq!(item.id(), id);
            }
        }
    }
}

#[test]
fn deep_hash_parts_match() {
    // The vector's parts are the deep hashes of the eight list elements.
    let v = &vectors()[2];
    let parts: Vec<String> = v["deep_hash_parts_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    assert_eq!(parts.len(), 8);
    assert_eq!(parts[0], hex(&deep_hash(Chunk::Blob(b"dataitem"))));
    assert_eq!(parts[1], hex(&deep_hash(Chunk::Blob(b"1"))));
}

#[test]
fn salt_lengths_sign_and_verify_deterministically() {
    let w = wallet();
    let v = &vectors()[0];
    for salt in [SaltLength::Zero, SaltLength::HashLen, SaltLength::Max] {
        let a = unsigned(v).sign(&w, salt).unwrap();
        let b = unsigned(v).sign(&w, salt).unwrap();
        a.verify().unwrap();
        assert_eq!(a, b, "{salt:?}: signing is deterministic");
        DataItem::parse(&a.to_bytes()).unwrap().verify().unwrap();
    }
    let zero = unsigned(v).sign(&w, SaltLength::Zero).unwrap();
    let max = unsigned(v).sign(&w, SaltLength::Max).unwrap();
    assert_ne!(zero.id(), max.id());
}

#[test]
fn tampering_anywhere_fails_verification() {
    let bytes = item_file("message-target-anchor-utf8", "pss_saltmax_node_default");
    // signature, owner, target, anchor, a tag byte, data.
    for at in [100, 700, 1030, 1070, 1130, bytes.len() - 1] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        // Only a flip inside the tags (1108..1191) may break the structure instead.
        match DataItem::parse(&bad) {
            Ok(item) => assert!(
                matches!(item.verify(), Err(Ans104Error::BadSignature)),
                "byte {at} flipped still verifies"
            ),
            Err(e) => assert!((1108..1191).contains(&at), "byte {at}: {e}"),
        }
    }
}

#[test]
fn hostile_bytes_are_errors_not_panics() {
    let bytes = item_file("long-tag-varint-boundaries", "pss_salt32");
    for len in 0..bytes.len() {
        // Every truncation inside the header or tags is an error; the data part may shrink.
        if let Ok(item) = DataItem::parse(&bytes[..len]) {
            assert!(item.verify().is_err(), "truncated to {len} still verifies");
        }
    }
    let mut bad_type = bytes.clone();
    bad_type[0] = 2;
    assert!(matches!(
        DataItem::parse(&bad_type),
        Err(Ans104Error::SignatureType(2))
    ));
    let mut huge_tags = bytes.clone();
    let at = 2 + 512 + 512 + 33 + 1 + 8;
    huge_tags[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(DataItem::parse(&huge_tags).is_err());
}

#[test]
fn tag_limits_are_checked_when_signing() {
    let w = wallet();
    let empty = UnsignedItem::new(vec![Tag::new("A", "v".repeat(3073))], vec![]);
    assert!(matches!(
        empty.sign(&w, SaltLength::Zero),
        Err(Ans104Error::TagValue { .. })
    ));
    let many = UnsignedItem::new(vec![Tag::new("A", "b"); 129], vec![]);
    assert!(matches!(
        many.sign(&w, SaltLength::Zero),
        Err(Ans104Error::TooManyTags { count: 129 })
    ));
}

#[test]
fn bad_jwks_are_clear_errors() {
    assert!(matches!(
        Wallet::from_jwk_json("{}"),
        Err(Ans104Error::Jwk(_))
    ));
    let text = std::fs::read_to_string(format!("{FIXTURES}/jwk-vector-1.json")).unwrap();
    let mut jwk: Value = serde_json::from_str(&text).unwrap();
    jwk.as_object_mut().unwrap().remove("d");
    let err = Wallet::from_jwk_json(&jwk.to_string()).unwrap_err();
    assert!(err.to_string().contains("`d`"), "{err}");
}

#[test]
fn mutated_items_never_panic_and_never_verify() {
    // xorshift64: a fixed sequence, so a failure reproduces.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let bytes = item_file("message-target-anchor-utf8", "pss_salt32");
    for _ in 0..400 {
        let mut bad = bytes.clone();
        let flips = 1 + next() % 4;
        for _ in 0..flips {
            let at = (next() % bad.len() as u64) as usize;
            bad[at] ^= 1 << (next() % 8);
        }
        if next() % 4 == 0 {
            bad.truncate((next() % bad.len() as u64) as usize);
        }
        if bad == bytes {
            continue;
        }
        if let Ok(item) = DataItem::parse(&bad) {
            // A change outside the signed fields is impossible: every byte is signed
            // or is the signature itself.
            assert!(item.verify().is_err(), "a mutated item verifies");
        }
    }
}
