//! `#[handlers]`: the typed client (not on wasm32). One method per handler keyed on an
//! action, from the same IR as the interface: the caller, then the handler's tags as typed
//! arguments (`impl TagArg<T>`), then `data: &T` for a `#[data]` parameter.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rt;
use crate::ir::*;

/// The method name of a handler: its registry name when that is a snake_case identifier
/// (`name = "transfer_all"`), else the method's name (`name = "Ping"` keeps `ping`).
fn method_name(h: &HandlerDef) -> syn::Ident {
    let snake = h
        .name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    match syn::parse_str::<syn::Ident>(&h.name) {
        Ok(i) if snake && !matches!(h.name.as_str(), "new" | "send" | "process") => i,
        _ => h.method.clone(),
    }
}

fn method(h: &HandlerDef, error: &TokenStream) -> Option<TokenStream> {
    let rt = rt();
    if h.kind != Kind::Handler {
        return None;
    }
    let (action, _) = h.opts.action.as_ref()?;
    let name = method_name(h);
    let mut args = Vec::new();
    let mut sets = Vec::new();
    for (i, p) in h.params.iter().enumerate() {
        match p {
            Param::Tag(t) => {
                let arg = t
                    .ident
                    .clone()
                    .map(|i| format_ident!("{}", i.to_string().trim_start_matches('_')))
                    .unwrap_or_else(|| format_ident!("arg{}", i));
                let ty = &t.ty;
                let tag = &t.tag;
                // Anything that writes a `T` tag: the value, a reference, a wallet or process
                // id for an address, a `u64` for a `U256`. Generic, so a tag type that only
                // reads (`FromTag` without `ToTag`) is an error only where the method is used.
                args.push(quote!(#arg: impl #rt::TagArg<#ty>));
                sets.push(quote! {
                    if let #rt::Option::Some(__aoxide_v) = #rt::TagArg::<#ty>::tag_text(&#arg) {
                        __aoxide_tags.add(#tag, __aoxide_v);
                    }
                });
            }
            Param::Data { .. } => {
                // Any value that serialises to the JSON the handler reads (the handler's
                // type may only deserialise).
                args.push(quote!(data: &(impl #rt::serde::Serialize + ?Sized)));
                sets.push(quote! {
                    __aoxide_data = #rt::serde_json::to_string(data).unwrap_or_default();
                });
            }
            _ => {}
        }
    }
    // Fixed tag rules of the match (`tags(Cast = "true")`) are sent as well.
    for (tag, values, _) in &h.opts.tags {
        if let [value] = values.as_slice() {
            if value != "_" {
                sets.push(quote!(__aoxide_tags.add(#tag, #value);));
            }
        }
    }
    let doc = if h.doc.is_empty() {
        format!("Sends `Action = {action}`.")
    } else {
        format!("Sends `Action = {action}`: {}", h.doc)
    };
    Some(quote! {
        #[doc = #doc]
        #[allow(unused_mut)]
        pub fn #name(
            &mut self,
            from: &T::Caller,
            #( #args ),*
        ) -> #rt::Result<#rt::Reply, #rt::CallError<#error>> {
            let mut __aoxide_tags = #rt::Tags::new();
            __aoxide_tags.add("Action", #action);
            let mut __aoxide_data = #rt::String::new();
            #( #sets )*
            self.send(from, __aoxide_tags, __aoxide_data)
        }
    })
}

/// `{Type}Client`.
pub fn generate(def: &HandlersDef) -> TokenStream {
    let rt = rt();
    if def.type_name.is_empty() {
        return TokenStream::new();
    }
    let client = format_ident!("{}Client", def.type_name);
    let error = match &def.error {
        Some(t) => quote!(#t),
        None => quote!(#rt::Uncoded),
    };
    let methods = def.handlers.iter().filter_map(|h| method(h, &error));
    let doc = format!(
        "A typed client of [`{}`]: one method per action, sent through an \
         `aoxide::client::Transport` (the test network of `aoxide-host`, or a `Runtime`).",
        def.type_name
    );
    quote! {
        #[cfg(not(target_arch = "wasm32"))]
        #[doc = #doc]
        pub struct #client<'t, T: #rt::Transport + ?Sized> {
            transport: &'t mut T,
            process: T::Process,
        }

        #[cfg(not(target_arch = "wasm32"))]
        #[allow(private_interfaces, clippy::too_many_arguments)]
        impl<'t, T: #rt::Transport + ?Sized> #client<'t, T> {
            /// A client of `process` sending through `transport`.
            pub fn new(transport: &'t mut T, process: &T::Process) -> Self {
                #client {
                    transport,
                    process: process.clone(),
                }
            }

            /// Sends any message (`tags`, `data`) from `from`.
            pub fn send(
                &mut self,
                from: &T::Caller,
                tags: #rt::Tags,
                data: #rt::String,
            ) -> #rt::Result<#rt::Reply, #rt::CallError<#error>> {
                #rt::finish(self.transport.call(from, &self.process, tags, data))
            }

            #( #methods )*
        }
    }
}
