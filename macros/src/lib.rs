//! Procedural macros for aoxide: `#[process]` on the state struct and `#[handlers]` on its
//! impl. Use them through the `aoxide` crate (`#[aoxide::process]`, `#[aoxide::handlers]`);
//! the attribute reference lives in the `aoxide` crate docs.
//!
//! Each macro parses into an IR (`ir.rs`), validates it (`validate.rs`) reporting every error
//! at once, then generates code (`codegen/`). After an error the user's item is emitted
//! unchanged (minus the attributes the macro consumes) next to the errors, with a stand-in
//! implementation so that one mistake does not cascade into unrelated ones.

#![warn(missing_docs)]

mod codegen;
mod expand;
mod ir;
mod parse;
mod util;
mod validate;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Makes a struct the state of an aoxide process.
///
/// Generates `aoxide::Transactional` field by field (each field must be `Transactional`;
/// the savepoint is the tuple of the fields' savepoints) and `aoxide::Schema` (schema
/// version, migration hook, `patch@1.0` fields). Options:
/// `#[process(version = 2, migrate = path::to::fn)]`; field attribute `#[patch]` or
/// `#[patch("key")]` publishes a field to HyperBEAM.
#[proc_macro_attribute]
pub fn process(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::process(args.into(), item.into()).into()
}

/// `#[derive(aoxide::Transactional)]`: a struct whose fields are all `Transactional` is
/// `Transactional` field by field (the savepoint is the tuple of the fields' savepoints;
/// rollback and commit cost what the fields' do). `#[aoxide::process]` includes it.
#[proc_macro_derive(Transactional)]
pub fn derive_transactional(item: TokenStream) -> TokenStream {
    expand::derive_transactional(item.into()).into()
}

/// Turns the methods of an impl into the process' handlers and implements
/// `aoxide::Process` for the type.
///
/// Method attributes: `#[init]`, `#[handler(...)]`, `#[cron(...)]`, `#[default]`; parameter
/// attributes `#[tag("Name")]` and `#[data]`. See the `aoxide` crate docs for the options.
#[proc_macro_attribute]
pub fn handlers(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::handlers(args.into(), item.into()).into()
}
