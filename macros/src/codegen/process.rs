//! `#[process]`: `Transactional` field by field, and the `Schema` (version, migration,
//! `patch@1.0` fields, state metadata).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Index;

use super::{interface, rt};
use crate::ir::ProcessDef;

/// The items generated next to the struct.
pub fn generate(def: &ProcessDef) -> TokenStream {
    let transactional = transactional(def);
    let schema = schema(def);
    let section = interface::section(&interface::state_record(def), &def.ident);
    quote! {
        #transactional
        #schema
        #section
    }
}

fn access(def: &ProcessDef, i: usize) -> TokenStream {
    let f = &def.fields[i];
    match &f.ident {
        Some(id) => quote!(#id),
        None => {
            let idx = Index::from(f.index);
            quote!(#idx)
        }
    }
}

/// The savepoint is the tuple of the fields' savepoints; rollback and commit go field by
/// field, so the cost is the sum of the fields' costs (O(writes) for `state::Map`).
pub fn transactional(def: &ProcessDef) -> TokenStream {
    let rt = rt();
    let ident = &def.ident;
    let types: Vec<TokenStream> = def
        .fields
        .iter()
        .map(|f| {
            let ty = &f.ty;
            quote_spanned! {ty.span()=> <#ty as #rt::Transactional>::Savepoint }
        })
        .collect();
    let names: Vec<_> = (0..def.fields.len())
        .map(|i| format_ident!("__aoxide_sp{}", i))
        .collect();
    let fields: Vec<_> = (0..def.fields.len()).map(|i| access(def, i)).collect();
    quote! {
        #[automatically_derived]
        impl #rt::Transactional for #ident {
            type Savepoint = ( #( #types, )* );
            #[inline]
            fn savepoint(&mut self) -> Self::Savepoint {
                ( #( #rt::Transactional::savepoint(&mut self.#fields), )* )
            }
            #[inline]
            fn rollback(&mut self, __aoxide_savepoint: Self::Savepoint) {
                let ( #( #names, )* ) = __aoxide_savepoint;
                #( #rt::Transactional::rollback(&mut self.#fields, #names); )*
            }
            #[inline]
            fn commit(&mut self, __aoxide_savepoint: Self::Savepoint) {
                let ( #( #names, )* ) = __aoxide_savepoint;
                #( #rt::Transactional::commit(&mut self.#fields, #names); )*
            }
        }
    }
}

fn schema(def: &ProcessDef) -> TokenStream {
    let rt = rt();
    let ident = &def.ident;
    let version = def.version;
    let state_json = interface::state_record(def);
    let migrate = def.migrate.as_ref().map(|path| {
        quote_spanned! {path.span()=>
            fn migrate(
                __aoxide_from: u32,
                __aoxide_old: #rt::Payload<'_>,
            ) -> #rt::Result<Self, #rt::SnapshotError> {
                #path(__aoxide_from, __aoxide_old)
            }
        }
    });
    let published: Vec<(String, TokenStream, &syn::Type)> = def
        .fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.patch.clone().map(|k| (k, access(def, i), &f.ty)))
        .collect();
    let patch = (!published.is_empty()).then(|| {
        let tags = published.iter().map(|(key, field, ty)| {
            quote_spanned! {ty.span()=> .tag(#key, #rt::patch_value(&self.#field)) }
        });
        quote! {
            fn patch_message(&self) -> #rt::Option<#rt::OutMessage> {
                #rt::Option::Some(
                    #rt::OutMessage::untargeted()
                        .tag("device", "patch@1.0")
                        #( #tags )*
                )
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #rt::Schema for #ident {
            const VERSION: u32 = #version;
            const STATE_JSON: &'static str = #state_json;
            #migrate
            #patch
        }
    }
}
