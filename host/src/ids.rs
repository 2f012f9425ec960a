//! Identities on the test network: wallets, processes, messages and modules.
//!
//! Every id is 43 characters of base64url, the shape of an Arweave id, computed as
//! `base64url(sha256("aoxide-host/v1/" ‖ domain ‖ 0x00 ‖ seed ‖ parts…))` where each part is
//! prefixed by its length. Wallets and modules hash their name; processes and messages
//! hash a counter the network increments, so two networks built the same way hand out the
//! same ids in the same order.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Derives a 43-character base64url id from a domain, the network seed and some parts.
pub(crate) fn derive(domain: &str, seed: u64, parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    h.update(b"aoxide-host/v1/");
    h.update(domain.as_bytes());
    h.update([0u8]);
    h.update(seed.to_be_bytes());
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    URL_SAFE_NO_PAD.encode(h.finalize())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id given as text (for example one read from a message tag).
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Consumes into the text.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// Lookups by text in maps keyed by this id (the derived order is the text's).
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for aoxide::TagValue {
            fn from(id: &$name) -> aoxide::TagValue {
                aoxide::TagValue::Text(id.0.clone())
            }
        }

        impl From<$name> for aoxide::TagValue {
            fn from(id: $name) -> aoxide::TagValue {
                aoxide::TagValue::Text(id.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

id_type!(
    /// The id of a process on the network (equal to the id of its spawn message).
    ProcessId
);
id_type!(
    /// The id of a message that entered the network.
    MessageId
);
id_type!(
    /// The id of a registered module: what the `Module` tag of a spawn names.
    ModuleId
);

/// A test wallet: a name (for humans and error messages) and the address derived from it.
///
/// Get one with [`Net::wallet`](crate::Net::wallet); the same name on a network with the same
/// seed always gives the same address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Wallet {
    name: String,
    address: String,
}

impl Wallet {
    pub(crate) fn derive(name: &str, seed: u64) -> Self {
        Wallet {
            name: name.to_owned(),
            address: derive("wallet", seed, &[name.as_bytes()]),
        }
    }

    /// The name the wallet was made from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 43-character address (what `Owner` and `From` carry).
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl fmt::Display for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

impl AsRef<str> for Wallet {
    fn as_ref(&self) -> &str {
        &self.address
    }
}

impl From<&Wallet> for aoxide::TagValue {
    fn from(w: &Wallet) -> aoxide::TagValue {
        aoxide::TagValue::Text(w.address.clone())
    }
}

impl PartialEq<str> for Wallet {
    fn eq(&self, other: &str) -> bool {
        self.address == other
    }
}

impl PartialEq<&str> for Wallet {
    fn eq(&self, other: &&str) -> bool {
        self.address == *other
    }
}

impl PartialEq<String> for Wallet {
    fn eq(&self, other: &String) -> bool {
        &self.address == other
    }
}

impl PartialEq<Wallet> for String {
    fn eq(&self, other: &Wallet) -> bool {
        *self == other.address
    }
}

impl PartialEq<Wallet> for &str {
    fn eq(&self, other: &Wallet) -> bool {
        *self == other.address
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_43_base64url_characters_and_stable() {
        let a = derive("message", 7, &[&1u64.to_be_bytes()]);
        assert_eq!(a.len(), 43);
        assert!(aoxide::Address::parse(&a).is_some());
        assert_eq!(a, derive("message", 7, &[&1u64.to_be_bytes()]));
        assert_ne!(a, derive("message", 8, &[&1u64.to_be_bytes()]));
        assert_ne!(a, derive("process", 7, &[&1u64.to_be_bytes()]));
    }

    #[test]
    fn parts_are_length_prefixed() {
        assert_ne!(
            derive("d", 0, &[b"ab", b"c"]),
            derive("d", 0, &[b"a", b"bc"])
        );
    }

    #[test]
    fn wallets_depend_on_name_and_seed() {
        let alice = Wallet::derive("alice", 0);
        assert_eq!(alice, Wallet::derive("alice", 0));
        assert_ne!(alice.address(), Wallet::derive("bob", 0).address());
        assert_ne!(alice.address(), Wallet::derive("alice", 1).address());
        assert_eq!(alice.name(), "alice");
        assert!(alice == *alice.address());
        let owned: String = alice.address().into();
        assert!(owned == alice);
    }
}
