//! Interface metadata: the JSON records (built here, at compile time), the wasm custom
//! section carrying them, and the native `interface()` function.
//!
//! The JSON layout is `aoxide::interface::{Part, StateInfo, HandlersPart, HandlerInfo}`;
//! the runtime's tests parse what these functions write.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{dispatch, rt};
use crate::ir::*;
use crate::util::{json, type_text};

/// `{"part":"state",...}` for a `#[process]` struct.
pub fn state_record(def: &ProcessDef) -> String {
    let fields = def
        .fields
        .iter()
        .map(|f| {
            let name = f
                .ident
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_else(|| f.index.to_string());
            json::object(vec![
                ("name", Some(json::string(&name))),
                ("type", Some(json::string(&type_text(&f.ty)))),
                ("patch", f.patch.as_deref().map(json::string)),
            ])
        })
        .collect();
    json::object(vec![
        ("part", Some(json::string("state"))),
        ("name", Some(json::string(&def.ident.to_string()))),
        ("version", Some(def.version.to_string())),
        ("fields", Some(json::array(fields))),
    ])
}

fn caller(from: Option<&From>) -> String {
    match from {
        None => json::string("anyone"),
        Some(From::Owner) => json::string("owner"),
        Some(From::Process) => json::string("process"),
        Some(From::OwnerOrProcess) => json::string("owner-or-process"),
        Some(From::Authority) => json::string("authority"),
        Some(From::Address(a)) => json::object(vec![("address", Some(json::string(a)))]),
    }
}

/// One handler's record.
pub fn handler_info(h: &HandlerDef) -> String {
    let kind = match h.kind {
        Kind::Handler => "handler",
        Kind::Cron => "cron",
        Kind::Default => "default",
        Kind::Init => "init",
    };
    let matches: Vec<String> = h
        .opts
        .tags
        .iter()
        .map(|(tag, values, _)| {
            json::object(vec![
                ("tag", Some(json::string(tag))),
                (
                    "values",
                    Some(json::array(
                        values.iter().map(|v| json::string(v)).collect(),
                    )),
                ),
            ])
        })
        .collect();
    let params: Vec<String> = h
        .params
        .iter()
        .filter_map(|p| match p {
            Param::Tag(t) => Some(json::object(vec![
                ("tag", Some(json::string(&t.tag))),
                ("type", Some(json::string(&type_text(&t.ty)))),
                ("required", Some((!t.optional).to_string())),
            ])),
            _ => None,
        })
        .collect();
    let data = h.params.iter().find_map(|p| match p {
        Param::Data { ty } => Some(json::string(&type_text(ty))),
        _ => None,
    });
    let returns = h
        .ret
        .as_ref()
        .map(type_text)
        .unwrap_or_else(|| "()".to_owned());
    json::object(vec![
        ("name", Some(json::string(&h.name))),
        ("kind", Some(json::string(kind))),
        (
            "action",
            h.opts.action.as_ref().map(|(a, _)| json::string(a)),
        ),
        (
            "matches",
            (!matches.is_empty()).then(|| json::array(matches)),
        ),
        ("from", Some(caller(h.opts.from.as_ref()))),
        (
            "when",
            h.opts.when.as_ref().map(|p| json::string(&type_text(p))),
        ),
        ("params", (!params.is_empty()).then(|| json::array(params))),
        ("data", data),
        ("returns", Some(json::string(&returns))),
        (
            "read_only",
            Some((h.kind != Kind::Init && !h.mutates()).to_string()),
        ),
        ("continues", h.opts.continues.then(|| "true".to_owned())),
        ("max_runs", h.opts.max_runs.map(|n| n.to_string())),
        ("doc", (!h.doc.is_empty()).then(|| json::string(&h.doc))),
    ])
}

/// `{"part":"handlers",...}` for a `#[handlers]` impl, handlers in registration order.
pub fn handlers_record(def: &HandlersDef) -> String {
    let mut handlers: Vec<String> = dispatch::registration_order(def)
        .into_iter()
        .map(|i| handler_info(&def.handlers[i]))
        .collect();
    if let Some(d) = &def.default {
        handlers.push(handler_info(d));
    }
    json::object(vec![
        ("part", Some(json::string("handlers"))),
        ("name", Some(json::string(&def.type_name))),
        ("init", def.init.as_ref().map(handler_info)),
        ("handlers", Some(json::array(handlers))),
    ])
}

/// A `#[used]` static in the `aoxide.interface` custom section, wasm32 only. Each record is
/// one line, so the records of both macros concatenate into valid JSON Lines.
pub fn section(record: &str, ident: &syn::Ident) -> TokenStream {
    let mut bytes = record.as_bytes().to_vec();
    bytes.push(b'\n');
    let len = bytes.len();
    let lit = Literal::byte_string(&bytes);
    let name = format_ident!("__AOXIDE_INTERFACE_{}", ident);
    quote! {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            #[used]
            #[link_section = "aoxide.interface"]
            #[allow(non_upper_case_globals)]
            static #name: [u8; #len] = *#lit;
        };
    }
}

/// `T::interface()` and the section of the handlers record.
pub fn generate(def: &HandlersDef) -> TokenStream {
    let rt = rt();
    let self_ty = &def.self_ty;
    let record = handlers_record(def);
    let ident = format_ident!(
        "{}",
        if def.type_name.is_empty() {
            "Process"
        } else {
            &def.type_name
        }
    );
    let section = section(&record, &ident);
    quote! {
        impl #self_ty {
            /// The interface of this process: its handlers (actions, tags read with their
            /// types, who may call, read-only or not, doc comments) and its state schema.
            /// The wasm module carries the same data in its `aoxide.interface` section.
            pub fn interface() -> #rt::Interface {
                #rt::Interface::from_parts(
                    <Self as #rt::Schema>::STATE_JSON,
                    #record,
                )
            }
        }
        #section
    }
}
