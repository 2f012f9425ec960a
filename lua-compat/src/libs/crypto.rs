//! `.crypto`: digests and HMAC over the RustCrypto crates.
//!
//! `crypto.digest.<name>(data)` and `crypto.hmac(name, key, data)` return a digest object
//! with `asHex()`, `asString()` (raw bytes) and `asBytes()` (a list of byte values).
//! Names: `sha1`, `sha2_256`, `sha2_512`, `sha3_256`, `sha3_512`, `keccak256`,
//! `blake2b` (512 bits), `blake2s` (256 bits). `crypto.utils.stream.fromString(s)` returns
//! `s` (data is always a string here) and `crypto.utils.hex.stringToHex(s)` hex-encodes.
//! A digest or HMAC pays the message's instruction budget one instruction per byte it
//! hashes (`crate::vm::pay`), before it hashes.

use std::cell::Cell;
use std::rc::Rc;

use blake2::{Blake2b512, Blake2s256};
use hmac::{Hmac, Mac};
use mlua::{Lua, Table};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use sha3::{Keccak256, Sha3_256, Sha3_512};

const NAMES: [&str; 8] = [
    "sha1",
    "sha2_256",
    "sha2_512",
    "sha3_256",
    "sha3_512",
    "keccak256",
    "blake2b",
    "blake2s",
];

fn digest(name: &str, data: &[u8]) -> Option<Vec<u8>> {
    Some(match name {
        "sha1" => Sha1::digest(data).to_vec(),
        "sha2_256" | "sha256" => Sha256::digest(data).to_vec(),
        "sha2_512" | "sha512" => Sha512::digest(data).to_vec(),
        "sha3_256" => Sha3_256::digest(data).to_vec(),
        "sha3_512" => Sha3_512::digest(data).to_vec(),
        "keccak256" => Keccak256::digest(data).to_vec(),
        "blake2b" => Blake2b512::digest(data).to_vec(),
        "blake2s" => Blake2s256::digest(data).to_vec(),
        _ => return None,
    })
}

fn hmac(name: &str, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key)
            .expect("HMAC takes keys of any length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    Some(match name {
        "sha1" => run::<Hmac<Sha1>>(key, data),
        "sha2_256" | "sha256" => run::<Hmac<Sha256>>(key, data),
        "sha2_512" | "sha512" => run::<Hmac<Sha512>>(key, data),
        "sha3_256" => run::<Hmac<Sha3_256>>(key, data),
        "sha3_512" => run::<Hmac<Sha3_512>>(key, data),
        _ => return None,
    })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

fn result(lua: &Lua, bytes: Vec<u8>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let h = hex(&bytes);
    t.set("asHex", lua.create_function(move |_, ()| Ok(h.clone()))?)?;
    let raw = bytes.clone();
    t.set(
        "asString",
        lua.create_function(move |lua, ()| lua.create_string(&raw))?,
    )?;
    t.set(
        "asBytes",
        lua.create_function(move |_, ()| Ok(bytes.clone()))?,
    )?;
    Ok(t)
}

pub(super) fn module(lua: &Lua, budget: &Rc<Cell<u64>>) -> mlua::Result<Table> {
    let crypto = lua.create_table()?;
    let digests = lua.create_table()?;
    for name in NAMES {
        let budget = budget.clone();
        digests.set(
            name,
            lua.create_function(move |lua, data: mlua::LuaString| {
                crate::vm::pay(&budget, data.as_bytes().len() as u64)?;
                let bytes = digest(name, &data.as_bytes()).expect("listed names are known");
                result(lua, bytes)
            })?,
        )?;
    }
    crypto.set("digest", digests)?;
    let budget = budget.clone();
    crypto.set(
        "hmac",
        lua.create_function(
            move |lua, (name, key, data): (String, mlua::LuaString, mlua::LuaString)| {
                let hashed = key.as_bytes().len() + data.as_bytes().len();
                crate::vm::pay(&budget, hashed as u64)?;
                match hmac(&name, &key.as_bytes(), &data.as_bytes()) {
                    Some(bytes) => result(lua, bytes),
                    None => Err(mlua::Error::runtime(format!(
                        "crypto.hmac: unknown algorithm '{name}'"
                    ))),
                }
            },
        )?,
    )?;
    let utils = lua.create_table()?;
    let stream = lua.create_table()?;
    stream.set(
        "fromString",
        lua.create_function(|_, s: mlua::LuaString| Ok(s))?,
    )?;
    utils.set("stream", stream)?;
    let hexes = lua.create_table()?;
    hexes.set(
        "stringToHex",
        lua.create_function(|_, s: mlua::LuaString| Ok(hex(&s.as_bytes())))?,
    )?;
    utils.set("hex", hexes)?;
    crypto.set("utils", utils)?;
    Ok(crypto)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(
            hex(&digest("sha2_256", b"abc").unwrap()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&digest("sha1", b"abc").unwrap()),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&digest("sha3_256", b"").unwrap()),
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"
        );
        assert_eq!(
            hex(&hmac(
                "sha2_256",
                b"key",
                b"The quick brown fox jumps over the lazy dog"
            )
            .unwrap()),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
