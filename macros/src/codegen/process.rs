//! `#[process]`: `Transactional` field by field, and the `Schema` (version, migration,
//! `patch@1.0` fields, state metadata).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Index;

use super::{interface, rt};
use crate::ir::{FieldDef, ProcessDef};

/// The items generated next to the struct.
pub fn generate(def: &ProcessDef) -> TokenStream {
    let transactional = transactional(&def.ident, &def.fields);
    let schema = schema(def);
    quote! {
        #transactional
        #schema
    }
}

fn access(fields: &[FieldDef], i: usize) -> TokenStream {
    let f = &fields[i];
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
pub fn transactional(ident: &syn::Ident, fields: &[FieldDef]) -> TokenStream {
    let rt = rt();
    let types: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let ty = &f.ty;
            quote_spanned! {ty.span()=> <#ty as #rt::Transactional>::Savepoint }
        })
        .collect();
    let names: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("__aoxide_sp{}", i))
        .collect();
    let fields: Vec<_> = (0..fields.len()).map(|i| access(fields, i)).collect();
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
    let fields = def.fields.iter().enumerate().filter_map(|(i, f)| {
        let key = f.patch.as_ref()?;
        let field = access(&def.fields, i);
        let ty = &f.ty;
        // `PatchDelta` for a `state::Map` (the keys the message changed), else the whole
        // field (`PatchWhole`): picked by method resolution on the concrete type.
        Some(match &f.patch_with {
            Some(with) => quote_spanned! {ty.span()=>
                (&#rt::PatchField(&self.#field)).add_patch_with(#key, __aoxide_patch, #with);
            },
            None => quote_spanned! {ty.span()=>
                (&#rt::PatchField(&self.#field)).add_patch(#key, __aoxide_patch);
            },
        })
    });
    let computed = def.computed.iter().map(|(key, path)| {
        quote_spanned! {path.span()=>
            __aoxide_patch.computed(#key, #rt::TagValue::from(#path(self)));
        }
    });
    let patch =
        (def.fields.iter().any(|f| f.patch.is_some()) || !def.computed.is_empty()).then(|| {
            quote! {
                fn patch(&self, __aoxide_patch: &mut #rt::Patch) {
                    #[allow(unused_imports)]
                    use #rt::{PatchDelta as _, PatchWhole as _};
                    #( #fields )*
                    #( #computed )*
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
