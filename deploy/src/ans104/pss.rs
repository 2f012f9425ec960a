//! RSA-PSS (SHA-256, MGF1 SHA-256) signing and verification of deep hashes.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::pss::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{RandomizedSigner, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};
use sha2::{Digest, Sha256};

use super::{Ans104Error, Wallet, SIGNATURE_LEN};

/// The salt length of a PSS signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaltLength {
    /// No salt: the signature is a function of key and message (byte-exact vectors).
    Zero,
    /// 32 bytes, the hash length.
    HashLen,
    /// The longest salt the key allows (478 bytes for RSA-4096), as npm `arbundles` signs.
    #[default]
    Max,
}

impl SaltLength {
    /// The length in bytes for a key of `key_bytes` bytes.
    pub fn bytes(self, key_bytes: usize) -> usize {
        match self {
            SaltLength::Zero => 0,
            SaltLength::HashLen => 32,
            // emLen - hLen - 2, emLen = ceil((modBits - 1) / 8) = key_bytes for 4096 bits.
            SaltLength::Max => key_bytes - 32 - 2,
        }
    }
}

/// Signs `message` (a deep hash) with RSA-PSS. Salts come from a ChaCha20 stream seeded by
/// the wallet's secret and the message, so signing is deterministic, uses no OS randomness,
/// and a salt never repeats for different messages.
pub fn sign(wallet: &Wallet, message: &[u8], salt: SaltLength) -> Result<Vec<u8>, Ans104Error> {
    let salt_len = salt.bytes(wallet.key().size());
    let key = SigningKey::<Sha256>::new_with_salt_len(wallet.key().clone(), salt_len);
    let mut seed = Sha256::new();
    seed.update(wallet.salt_seed());
    seed.update(message);
    let mut rng = ChaCha20Rng::from_seed(seed.finalize().into());
    let sig = key
        .try_sign_with_rng(&mut rng, message)
        .map_err(|e| Ans104Error::Sign(e.to_string()))?;
    let bytes: Box<[u8]> = sig.into();
    Ok(bytes.into_vec())
}

fn mgf1_sha256(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(seed);
        h.update(counter.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(len);
    out
}

/// The salt length a PSS signature was made with, read from its encoded message, or
/// `None` if it has no valid PSS structure (which then fails verification anyway).
fn salt_length_of(key: &RsaPublicKey, signature: &[u8]) -> Option<usize> {
    let m = rsa::hazmat::rsa_encrypt(key, &BigUint::from_bytes_be(signature)).ok()?;
    let em_bits = key.n().bits() - 1;
    let em_len = em_bits.div_ceil(8);
    let raw = m.to_bytes_be();
    if raw.len() > em_len {
        return None;
    }
    let mut em = vec![0u8; em_len - raw.len()];
    em.extend_from_slice(&raw);
    if em.last() != Some(&0xbc) || em_len < 32 + 2 {
        return None;
    }
    let db_len = em_len - 32 - 1;
    let (masked_db, rest) = em.split_at(db_len);
    let h = &rest[..32];
    let mask = mgf1_sha256(h, db_len);
    let mut db: Vec<u8> = masked_db.iter().zip(&mask).map(|(a, b)| a ^ b).collect();
    db[0] &= 0xff >> (8 * em_len - em_bits);
    let one = db.iter().position(|&b| b != 0)?;
    (db[one] == 0x01).then(|| db_len - one - 1)
}

/// Verifies an RSA-PSS signature of `message` by `owner` (the modulus, exponent 65537),
/// whatever salt length it was made with.
pub fn verify(owner: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Ans104Error> {
    if signature.len() != SIGNATURE_LEN {
        return Err(Ans104Error::BadSignature);
    }
    let key = RsaPublicKey::new(BigUint::from_bytes_be(owner), BigUint::from(65537u32))
        .map_err(|_| Ans104Error::BadSignature)?;
    let salt_len = salt_length_of(&key, signature).ok_or(Ans104Error::BadSignature)?;
    let sig = Signature::try_from(signature).map_err(|_| Ans104Error::BadSignature)?;
    VerifyingKey::<Sha256>::new_with_salt_len(key, salt_len)
        .verify(message, &sig)
        .map_err(|_| Ans104Error::BadSignature)
}
