//! Arweave wallets: an RSA key read from or written as a JWK, its owner bytes and address.

use std::path::Path;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rsa::rand_core::CryptoRngCore;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Ans104Error, OWNER_LEN};

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    n: String,
    e: String,
    d: Option<String>,
    p: Option<String>,
    q: Option<String>,
}

/// An Arweave wallet: an RSA-4096 private key.
#[derive(Clone)]
pub struct Wallet {
    key: RsaPrivateKey,
    owner: Vec<u8>,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

fn field(name: &'static str, value: Option<&str>) -> Result<BigUint, Ans104Error> {
    let value = value.ok_or(Ans104Error::Jwk(format!("no `{name}` (a public key?)")))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .map_err(|e| Ans104Error::Jwk(format!("`{name}` is not base64url: {e}")))?;
    Ok(BigUint::from_bytes_be(&bytes))
}

impl Wallet {
    /// A wallet from the text of an Arweave JWK (`kty: RSA` with `n`, `e`, `d`, `p`, `q`).
    pub fn from_jwk_json(json: &str) -> Result<Self, Ans104Error> {
        let jwk: Jwk =
            serde_json::from_str(json).map_err(|e| Ans104Error::Jwk(format!("not a JWK: {e}")))?;
        if jwk.kty != "RSA" {
            return Err(Ans104Error::Jwk(format!(
                "`kty` is {:?}, expected \"RSA\"",
                jwk.kty
            )));
        }
        let n = field("n", Some(&jwk.n))?;
        let e = field("e", Some(&jwk.e))?;
        let d = field("d", jwk.d.as_deref())?;
        let p = field("p", jwk.p.as_deref())?;
        let q = field("q", jwk.q.as_deref())?;
        let key = RsaPrivateKey::from_components(n, e, d, vec![p, q])
            .map_err(|e| Ans104Error::Jwk(format!("not a valid RSA key: {e}")))?;
        key.validate()
            .map_err(|e| Ans104Error::Jwk(format!("not a valid RSA key: {e}")))?;
        Self::from_key(key)
    }

    /// A new wallet: an RSA-4096 key with public exponent 65537, drawn from `rng` (for a
    /// real wallet the operating system's, `rsa::rand_core::OsRng`; from under a second to
    /// several seconds of CPU, as the search for primes goes).
    pub fn generate(rng: &mut impl CryptoRngCore) -> Result<Self, Ans104Error> {
        let key = RsaPrivateKey::new(rng, OWNER_LEN * 8)
            .map_err(|e| Ans104Error::Jwk(format!("cannot generate an RSA-4096 key: {e}")))?;
        Self::from_key(key)
    }

    /// The wallet as an Arweave JWK: `kty`, `e`, `n`, `d`, `p`, `q`, `dp`, `dq`, `qi`, each
    /// number base64url without padding, the form arweave-js writes and
    /// [`Wallet::from_jwk_json`] reads. It holds the private key.
    pub fn to_jwk_json(&self) -> String {
        let b64 = |n: &BigUint| URL_SAFE_NO_PAD.encode(n.to_bytes_be());
        let key = &self.key;
        let (p, q) = (&key.primes()[0], &key.primes()[1]);
        let one = BigUint::from(1u8);
        let jwk = serde_json::json!({
            "kty": "RSA",
            "e": b64(key.e()),
            "n": b64(key.n()),
            "d": b64(key.d()),
            "p": b64(p),
            "q": b64(q),
            "dp": b64(&(key.d() % (p - &one))),
            "dq": b64(&(key.d() % (q - &one))),
            "qi": b64(&key.crt_coefficient().unwrap_or_default()),
        });
        format!("{jwk:#}")
    }

    /// A wallet from a JWK file.
    pub fn from_jwk_file(path: &Path) -> Result<Self, Ans104Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Ans104Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_jwk_json(&text)
    }

    /// A wallet from an RSA key, which must have a 4096-bit modulus.
    pub fn from_key(key: RsaPrivateKey) -> Result<Self, Ans104Error> {
        let owner = key.n().to_bytes_be();
        if owner.len() != OWNER_LEN {
            return Err(Ans104Error::Jwk(format!(
                "the modulus is {} bytes, signature type 1 needs {OWNER_LEN} (RSA-4096)",
                owner.len()
            )));
        }
        Ok(Wallet { key, owner })
    }

    /// The RSA key.
    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// The owner field of items it signs: the 512-byte modulus.
    pub fn owner(&self) -> &[u8] {
        &self.owner
    }

    /// The wallet address: base64url of SHA-256 of the owner.
    pub fn address(&self) -> String {
        owner_address(&self.owner)
    }

    /// Secret bytes that seed deterministic PSS salts (SHA-256 of the private exponent).
    pub(crate) fn salt_seed(&self) -> [u8; 32] {
        Sha256::digest(self.key.d().to_bytes_be()).into()
    }
}

/// The address of an owner (modulus bytes): base64url of their SHA-256.
pub fn owner_address(owner: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(owner))
}
