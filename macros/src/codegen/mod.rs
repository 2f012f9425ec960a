//! IR -> tokens, one concern per file: the state traits ([`process`]), the `Process`
//! implementation and registry entries ([`dispatch`]), and the interface metadata
//! ([`interface`]).
//!
//! Generated code names only `::aoxide::__private::*` items and `__aoxide_*` locals.

pub mod client;
pub mod dispatch;
pub mod interface;
pub mod process;

use proc_macro2::TokenStream;
use quote::quote;

/// The path every generated item goes through.
pub fn rt() -> TokenStream {
    quote!(::aoxide::__private)
}
