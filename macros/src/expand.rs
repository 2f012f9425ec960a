//! The three macros on `proc_macro2` tokens, so tests (and the expansion snapshots) call
//! them without a compiler: parse -> validate -> generate, or the errors next to the
//! user's item.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{ItemImpl, ItemStruct};

use crate::util::Errors;
use crate::{codegen, parse, validate};

/// `#[aoxide::process(args)]` on `item`.
pub fn process(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item = match syn::parse2::<ItemStruct>(item.clone()) {
        Ok(i) => i,
        Err(_) => {
            let err = syn::Error::new(
                Span::call_site(),
                "#[aoxide::process] goes on the struct holding the state: `#[aoxide::process] struct Counter { count: u64 }`",
            )
            .to_compile_error();
            return quote!(#err #item);
        }
    };
    match process_items(args, &mut item) {
        Ok(generated) => quote!(#item #generated),
        Err(e) => {
            let err = e.to_compile_error();
            let ident = &item.ident;
            quote! {
                #item
                #err
                impl ::aoxide::__private::Schema for #ident {}
            }
        }
    }
}

/// What `#[aoxide::process(args)]` generates next to `item` (stripping the attributes it
/// consumes from it), or every error.
pub fn process_items(args: TokenStream, item: &mut ItemStruct) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let def = parse::process(args, item, &mut errors);
    validate::process(&def, &mut errors);
    errors.finish()?;
    Ok(codegen::process::generate(&def))
}

/// `#[derive(aoxide::Transactional)]` on `item`.
pub fn derive_transactional(item: TokenStream) -> TokenStream {
    let mut item = match syn::parse2::<ItemStruct>(item) {
        Ok(i) => i,
        Err(_) => return syn::Error::new(
            Span::call_site(),
            "#[derive(aoxide::Transactional)] goes on a struct whose fields are all Transactional",
        )
        .to_compile_error(),
    };
    let mut errors = Errors::default();
    let def = parse::process(TokenStream::new(), &mut item, &mut errors);
    match errors.finish() {
        Ok(()) => codegen::process::transactional(&def.ident, &def.fields),
        Err(e) => e.to_compile_error(),
    }
}

/// `#[aoxide::handlers(args)]` on `item`.
pub fn handlers(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item = match syn::parse2::<ItemImpl>(item.clone()) {
        Ok(i) => i,
        Err(_) => {
            let err = syn::Error::new(
                Span::call_site(),
                "#[aoxide::handlers] goes on the impl block of the process state: `#[aoxide::handlers] impl Counter { .. }`",
            )
            .to_compile_error();
            return quote!(#err #item);
        }
    };
    match handlers_items(args, &mut item) {
        Ok(generated) => quote!(#item #generated),
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
            quote!(#item #err #stand_in)
        }
    }
}

/// What `#[aoxide::handlers(args)]` generates next to `item` (stripping the attributes it
/// consumes from it), or every error.
pub fn handlers_items(args: TokenStream, item: &mut ItemImpl) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let def = parse::handlers(args, item, &mut errors);
    validate::handlers(&def, &mut errors);
    errors.finish()?;
    let process = codegen::dispatch::generate(&def);
    let interface = codegen::interface::generate(&def);
    let client = codegen::client::generate(&def);
    Ok(quote!(#process #interface #client))
}
