//! Interface metadata: the JSON records (built here, at compile time), the wasm custom
//! section carrying them, and the native `interface()` function.
//!
//! The JSON layout is `aoxide::interface::{Part, StateInfo, HandlersPart, HandlerInfo}`;
//! the runtime's tests parse what these functions write.

use proc_macro2::TokenStream;
use quote::quote;

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
        Some(From::Field(f)) => json::object(vec![("field", Some(json::string(&f.to_string())))]),
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
            h.opts
                .when
                .as_ref()
                .map(|p| json::string(&type_text(p)))
                .or_else(|| {
                    h.opts
                        .when_self
                        .as_ref()
                        .map(|m| json::string(&format!("self.{m}")))
                }),
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

/// The const expression of `Process::INTERFACE`: the state record, the handlers record,
/// one `"part": "mount"` record per mounted blueprint (the part's own handlers record,
/// read from its `Mount::HANDLERS_JSON`) and one `"part": "live-mount"` record per live
/// part (its field and mount call), as JSON Lines joined at compile time.
/// `export!` puts it in the module's `aoxide.interface` custom section.
pub fn records(def: &HandlersDef) -> TokenStream {
    let rt = rt();
    let self_ty = &def.self_ty;
    let mut pieces = vec![
        quote!(<#self_ty as #rt::Schema>::STATE_JSON),
        quote!("\n"),
        quote!(<#self_ty as #rt::Mount>::HANDLERS_JSON),
        quote!("\n"),
    ];
    for m in &def.mounts {
        let field = json::string(&m.field.to_string());
        match &m.kind {
            MountKind::Part(ty) => {
                let head = format!("{{\"part\":\"mount\",\"field\":{field},\"handlers\":");
                pieces.push(quote!(#head));
                pieces.push(quote!(<#ty as #rt::Mount>::HANDLERS_JSON));
                pieces.push(quote!("}\n"));
            }
            MountKind::Live(call) => {
                // Its handlers appear at run time: only the field and the mount are known.
                let record = json::object(vec![
                    ("part", Some(json::string("live-mount"))),
                    ("field", Some(field)),
                    ("mount", Some(json::string(&type_text(call)))),
                ]);
                let line = format!("{record}\n");
                pieces.push(quote!(#line));
            }
        }
    }
    quote! {{
        const __AOXIDE_PIECES: &[&str] = &[ #( #pieces ),* ];
        const __AOXIDE_LEN: usize = #rt::total_len(__AOXIDE_PIECES);
        const __AOXIDE_BYTES: [u8; __AOXIDE_LEN] = #rt::concat::<__AOXIDE_LEN>(__AOXIDE_PIECES);
        #rt::as_str(&__AOXIDE_BYTES)
    }}
}

/// `T::interface()`.
pub fn generate(def: &HandlersDef) -> TokenStream {
    let rt = rt();
    let self_ty = &def.self_ty;
    quote! {
        impl #self_ty {
            /// The interface of this process: its handlers (actions, tags read with their
            /// types, who may call, read-only or not, doc comments), its state schema and
            /// its mounted parts. The wasm module carries the same data in its
            /// `aoxide.interface` section.
            pub fn interface() -> #rt::Interface {
                #rt::Interface::from_records(<Self as #rt::Process>::INTERFACE)
            }
        }
    }
}
