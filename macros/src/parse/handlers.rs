//! `#[handlers(...)]` and its impl -> [`HandlersDef`]: the impl's options (config, error
//! type, mounted parts), which methods are entries, and the `#[init]` parameters that are
//! mounted parts.

use proc_macro2::TokenStream;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, FnArg, Ident, ImplItem, ItemImpl, Path, Token, Type};

use super::method::method;
use super::{raw_opts, take_attrs, RawOpt};
use crate::ir::*;
use crate::util::Errors;

/// Parses `#[handlers(...)]` and the impl, stripping handler attributes.
pub(crate) fn handlers(args: TokenStream, item: &mut ItemImpl, errors: &mut Errors) -> HandlersDef {
    let type_name = match &*item.self_ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let mut def = HandlersDef {
        self_ty: (*item.self_ty).clone(),
        type_name,
        config: None,
        assignable: None,
        init: None,
        handlers: Vec::new(),
        default: None,
        mounts: Vec::new(),
        error: None,
    };
    if let Some((_, path, _)) = &item.trait_ {
        errors.spanned(path, "#[aoxide::handlers] goes on an inherent impl (`impl Counter { .. }`), not a trait impl");
    }
    if !item.generics.params.is_empty() {
        errors.spanned(&item.generics, "#[aoxide::handlers] cannot implement a generic process: write the impl for a concrete type");
    }
    match raw_opts(args) {
        Ok(raw) => {
            for RawOpt { key, value, group } in raw {
                match (key.to_string().as_str(), value) {
                    ("config", Some(v)) => match syn::parse2::<Path>(v.clone()) {
                        Ok(p) => def.config = Some(p),
                        Err(_) => errors.spanned(&v, "`config` takes the path of a function `fn() -> aoxide::Config`"),
                    },
                    ("assignable", Some(v)) => match syn::parse2::<Path>(v.clone()) {
                        Ok(p) => def.assignable = Some(p),
                        Err(_) => errors.spanned(&v, "`assignable` takes the path of a function `fn(&Self, &aoxide::Message) -> bool` telling which assignments the process takes"),
                    },
                    ("error", Some(v)) => match syn::parse2::<Type>(v.clone()) {
                        Ok(t) => def.error = Some(t),
                        Err(_) => errors.spanned(&v, "`error` takes the type of the handlers' coded errors (it implements aoxide::ErrorCode)"),
                    },
                    ("mount", None) if group.is_some() => {
                        def.mounts.extend(mounts(group.unwrap_or_default(), errors));
                    }
                    (k, _) => errors.at(key.span(), format!("unknown option `{k}` for #[aoxide::handlers]; expected `config = path::to::fn`, `assignable = path::to::fn`, `mount(field = Type, field = Self::live_mount(), ..)` or `error = Type`")),
                }
            }
        }
        Err(e) => errors.push(e),
    }

    for impl_item in &mut item.items {
        let ImplItem::Fn(f) = impl_item else { continue };
        let mut found: Vec<(Kind, Attribute)> = Vec::new();
        for kind in [Kind::Handler, Kind::Cron, Kind::Default, Kind::Init] {
            for a in take_attrs(&mut f.attrs, kind.attr()) {
                found.push((kind, a));
            }
        }
        let Some((kind, attr)) = found.first().cloned() else {
            for p in f.sig.inputs.iter_mut() {
                if let FnArg::Typed(t) = p {
                    for name in ["tag", "data"] {
                        for a in take_attrs(&mut t.attrs, name) {
                            errors.spanned(&a, format!("#[{name}] only means something on the parameters of a #[handler], #[cron], #[default] or #[init] method"));
                        }
                    }
                }
            }
            continue;
        };
        for (other, a) in found.iter().skip(1) {
            errors.spanned(a, format!("a method is one kind of entry: it is already #[{}], so it cannot also be #[{}]", kind.attr(), other.attr()));
        }
        let h = method(f, kind, &attr, errors);
        match kind {
            Kind::Init => {
                if def.init.is_some() {
                    errors.at(h.span, "only one #[init] function per process");
                } else {
                    def.init = Some(h);
                }
            }
            Kind::Default => {
                if def.default.is_some() {
                    errors.at(h.span, "only one #[default] handler per process");
                } else {
                    def.default = Some(h);
                }
            }
            Kind::Handler | Kind::Cron => def.handlers.push(h),
        }
    }
    // `#[init]` parameters named after a mounted field are the parts, built by their init.
    if let Some(init) = &mut def.init {
        for p in &mut init.params {
            if let Param::Tag(t) = p {
                if let Some(m) = def
                    .mounts
                    .iter()
                    .find(|m| Some(&m.field) == t.ident.as_ref())
                {
                    *p = match &m.kind {
                        MountKind::Part(ty) => Param::Part {
                            ty: ty.clone(),
                            live: None,
                        },
                        MountKind::Live(call) => Param::Part {
                            ty: t.ty.clone(),
                            live: Some(call.clone()),
                        },
                    };
                }
            }
        }
    }
    def
}

/// `mount(field = Type, field = call(), ..)`.
fn mounts(tokens: TokenStream, errors: &mut Errors) -> Vec<MountDef> {
    struct Entry(Ident, MountKind);
    impl Parse for Entry {
        fn parse(input: ParseStream) -> syn::Result<Self> {
            let field: Ident = input.parse()?;
            let _: Token![=] = input.parse()?;
            // A call (`Self::lua()`) returns a live mount; anything else is a type. The
            // call is tried first: `Self::lua()` also reads as a type (`Fn()`-like).
            let fork = input.fork();
            if let Ok(expr) = fork.parse::<Expr>() {
                if matches!(expr, Expr::Call(_) | Expr::MethodCall(_))
                    && (fork.is_empty() || fork.peek(Token![,]))
                {
                    input.advance_to(&fork);
                    return Ok(Entry(field, MountKind::Live(expr)));
                }
            }
            Ok(Entry(field, MountKind::Part(input.parse()?)))
        }
    }
    match Punctuated::<Entry, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(entries) => {
            let mut out: Vec<MountDef> = Vec::new();
            for Entry(field, kind) in entries {
                if let MountKind::Part(Type::Path(p)) = &kind {
                    let path = &p.path;
                    if p.qself.is_none()
                        && path.segments.len() > 1
                        && path.segments[0].ident == "Self"
                    {
                        let f = &path.segments[path.segments.len() - 1].ident;
                        errors.spanned(p, format!(
                            "`{}` is not a type: a part whose handlers change at run time is mounted by a call returning its mount, `{field} = Self::{f}()`; a blueprint by its type, `{field} = Token`",
                            crate::util::type_text(p)
                        ));
                        continue;
                    }
                }
                out.push(MountDef { field, kind });
            }
            out
        }
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                "mount parts on fields of the state: mount(token = aoxide_token::Token, chat = aoxide_chat::Chat), or a part whose handlers change at run time by a call returning its mount: mount(lua = Self::lua())",
            ));
            Vec::new()
        }
    }
}
