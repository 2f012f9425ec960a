//! `#[process]`: `Transactional` field by field, and the `Schema` (version, migration,
//! `patch@1.0` fields, state metadata).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::Index;

use super::{interface, rt};
use crate::ir::{FieldDef, ProcessDef};
use crate::util::respan;

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
///
/// A field that is not `Transactional` is reported once, at the field's type: every use of
/// its impl (the savepoint struct's field, the calls) names the type with the type's span,
/// so the compiler's diagnostics are identical and printed once; the impl's signatures name
/// only the savepoint struct, whose use asks nothing of the fields (see below), so there is
/// no error at the attribute nor where the process is used.
pub fn transactional(ident: &syn::Ident, fields: &[FieldDef]) -> TokenStream {
    let rt = rt();
    let savepoint = format_ident!("__AoxideSavepointOf{}", ident.to_string());
    let mut decls = Vec::new();
    let mut saves = Vec::new();
    let mut rollbacks = Vec::new();
    let mut commits = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        // Every token that involves this field's impl carries the type's span.
        let span = f.ty.span();
        let ty = respan(f.ty.to_token_stream(), span);
        let rt = respan(rt.clone(), span);
        let field = respan(access(fields, i), span);
        let name = format_ident!("__aoxide_f{}", i, span = span);
        decls.push(quote_spanned! {span=>
            #name: #rt::ManuallyDrop<<#ty as #rt::Transactional>::Savepoint>
        });
        saves.push(quote_spanned! {span=>
            #name: #rt::ManuallyDrop::new(<#ty as #rt::Transactional>::savepoint(&mut self.#field))
        });
        rollbacks.push(quote_spanned! {span=>
            <#ty as #rt::Transactional>::rollback(
                &mut self.#field,
                #rt::ManuallyDrop::into_inner(__aoxide_savepoint.#name),
            )
        });
        commits.push(quote_spanned! {span=>
            <#ty as #rt::Transactional>::commit(
                &mut self.#field,
                #rt::ManuallyDrop::into_inner(__aoxide_savepoint.#name),
            )
        });
    }
    let doc = format!("The savepoint of [`{ident}`]: one per field (generated).");
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        pub struct #savepoint {
            // `ManuallyDrop`, so that dropping the savepoint (or a runtime holding one)
            // does not ask the fields' impls again (drop check), and a sized last field,
            // so that the struct is `Sized` without asking them either: the fields' impls
            // are asked only here and in the calls below. The runtime consumes every
            // savepoint (rollback or commit); one dropped unconsumed leaks its copies.
            #( #decls, )*
            __aoxide_end: (),
        }

        #[automatically_derived]
        impl #rt::Transactional for #ident {
            type Savepoint = #savepoint;
            #[inline]
            fn savepoint(&mut self) -> Self::Savepoint {
                #savepoint { #( #saves, )* __aoxide_end: () }
            }
            #[inline]
            fn rollback(&mut self, __aoxide_savepoint: Self::Savepoint) {
                #( #rollbacks; )*
            }
            #[inline]
            fn commit(&mut self, __aoxide_savepoint: Self::Savepoint) {
                #( #commits; )*
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
