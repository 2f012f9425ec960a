//! [`TokenError`]: why a ledger operation was refused, with the stable codes a typed client
//! reads back.

use std::fmt;

/// Why a ledger operation was refused. The ledger is unchanged when one is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// The account holds less than the quantity.
    InsufficientBalance,
    /// The result would not fit in 256 bits.
    Overflow,
    /// The quantity is zero.
    ZeroQuantity,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            // The exact text AOS puts in the `Error` tag of a Transfer-Error.
            TokenError::InsufficientBalance => "Insufficient Balance!",
            TokenError::Overflow => "Amount does not fit in 256 bits",
            TokenError::ZeroQuantity => "Quantity must be greater than 0",
        })
    }
}

impl std::error::Error for TokenError {}

/// Stable codes, so a typed client ([`TokenClient`](crate::TokenClient)) gives the variant
/// back.
impl aoxide::ErrorCode for TokenError {
    fn code(&self) -> &'static str {
        match self {
            TokenError::InsufficientBalance => "insufficient-balance",
            TokenError::Overflow => "overflow",
            TokenError::ZeroQuantity => "zero-quantity",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "insufficient-balance" => TokenError::InsufficientBalance,
            "overflow" => TokenError::Overflow,
            "zero-quantity" => TokenError::ZeroQuantity,
            _ => return None,
        })
    }
}
