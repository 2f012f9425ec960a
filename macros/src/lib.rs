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
mod ir;
mod parse;
mod util;
mod validate;

use proc_macro::TokenStream;
use quote::quote;
use syn::{ItemImpl, ItemStruct};

use util::Errors;

/// Makes a struct the state of an aoxide process.
///
/// Generates `aoxide::Transactional` field by field (each field must be `Transactional`;
/// the savepoint is the tuple of the fields' savepoints) and `aoxide::Schema` (schema
/// version, migration hook, `patch@1.0` fields). Options:
/// `#[process(version = 2, migrate = path::to::fn)]`; field attribute `#[patch]` or
/// `#[patch("key")]` publishes a field to HyperBEAM.
#[proc_macro_attribute]
pub fn process(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item = match syn::parse::<ItemStruct>(item.clone()) {
        Ok(i) => i,
        Err(_) => {
            let err = syn::Error::new(
                proc_macro2::Span::call_site(),
                "#[aoxide::process] goes on the struct holding the state: `#[aoxide::process] struct Counter { count: u64 }`",
            )
            .to_compile_error();
            let item = proc_macro2::TokenStream::from(item);
            return quote!(#err #item).into();
        }
    };
    let mut errors = Errors::default();
    let def = parse::process(args.into(), &mut item, &mut errors);
    validate::process(&def, &mut errors);
    match errors.finish() {
        Ok(()) => {
            let generated = codegen::process::generate(&def);
            quote!(#item #generated).into()
        }
        Err(e) => {
            let err = e.to_compile_error();
            let ident = &item.ident;
            quote! {
                #item
                #err
                impl ::aoxide::__private::Schema for #ident {}
            }
            .into()
        }
    }
}

/// `#[derive(aoxide::Transactional)]`: a struct whose fields are all `Transactional` is
/// `Transactional` field by field (the savepoint is the tuple of the fields' savepoints;
/// rollback and commit cost what the fields' do). `#[aoxide::process]` includes it.
#[proc_macro_derive(Transactional)]
pub fn derive_transactional(item: TokenStream) -> TokenStream {
    let mut item = match syn::parse::<ItemStruct>(item) {
        Ok(i) => i,
        Err(_) => return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[derive(aoxide::Transactional)] goes on a struct whose fields are all Transactional",
        )
        .to_compile_error()
        .into(),
    };
    let mut errors = Errors::default();
    let def = parse::process(proc_macro2::TokenStream::new(), &mut item, &mut errors);
    match errors.finish() {
        Ok(()) => codegen::process::transactional(&def.ident, &def.fields).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Turns the methods of an impl into the process' handlers and implements
/// `aoxide::Process` for the type.
///
/// Method attributes: `#[init]`, `#[handler(...)]`, `#[cron(...)]`, `#[default]`; parameter
/// attributes `#[tag("Name")]` and `#[data]`. See the `aoxide` crate docs for the options.
#[proc_macro_attribute]
pub fn handlers(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item = match syn::parse::<ItemImpl>(item.clone()) {
        Ok(i) => i,
        Err(_) => {
            let err = syn::Error::new(
                proc_macro2::Span::call_site(),
                "#[aoxide::handlers] goes on the impl block of the process state: `#[aoxide::handlers] impl Counter { .. }`",
            )
            .to_compile_error();
            let item = proc_macro2::TokenStream::from(item);
            return quote!(#err #item).into();
        }
    };
    let mut errors = Errors::default();
    let def = parse::handlers(args.into(), &mut item, &mut errors);
    validate::handlers(&def, &mut errors);
    match errors.finish() {
        Ok(()) => {
            let process = codegen::dispatch::generate(&def);
            let interface = codegen::interface::generate(&def);
            let client = codegen::client::generate(&def);
            quote!(#item #process #interface #client).into()
        }
        Err(e) => {
            let err = e.to_compile_error();
            let self_ty = &item.self_ty;
            let stand_in = item.trait_.is_none().then(|| {
                quote! {
                    impl ::aoxide::__private::Process for #self_ty {
                        fn init(
                            _: &mut ::aoxide::__private::Ctx<'_>,
                            _: &::aoxide::__private::Message,
                        ) -> ::aoxide::__private::Result<Self, ::aoxide::__private::Error> {
                            ::core::unreachable!()
                        }
                        fn register(_: &mut ::aoxide::__private::Registry<Self>) {}
                    }
                    impl ::aoxide::__private::Mount for #self_ty {
                        const HANDLERS_JSON: &'static str = "";
                        fn init_part(
                            _: &mut ::aoxide::__private::Ctx<'_>,
                            _: &::aoxide::__private::Message,
                        ) -> ::aoxide::__private::Result<Self, ::aoxide::__private::Error> {
                            ::core::unreachable!()
                        }
                        fn handlers() -> ::aoxide::__private::Vec<::aoxide::__private::Handler<Self>> {
                            ::aoxide::__private::Vec::new()
                        }
                    }
                }
            });
            quote!(#item #err #stand_in).into()
        }
    }
}
