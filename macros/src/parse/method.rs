//! One entry method of a `#[handlers]` impl -> [`HandlerDef`]: its attribute's options,
//! its signature, and what each parameter reads (context, message, data or a tag).

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, ImplItemFn, LitStr, Pat, ReturnType, Type};

use super::options::options;
use super::{attr_args, take_attrs};
use crate::ir::*;
use crate::util::{doc_of, title_case, Errors};

/// Reads one `#[init]`, `#[handler]`, `#[cron]` or `#[default]` method (`attr` is its
/// entry attribute, already taken off), stripping `#[tag]` / `#[data]` from its parameters.
pub(super) fn method(
    f: &mut ImplItemFn,
    kind: Kind,
    attr: &Attribute,
    errors: &mut Errors,
) -> HandlerDef {
    let span = attr.path().span();
    let args = match attr_args(attr) {
        Ok(a) => a,
        Err(e) => {
            errors.push(e);
            TokenStream::new()
        }
    };
    let opts = match kind {
        Kind::Handler | Kind::Cron => options(args, kind, errors),
        Kind::Default | Kind::Init => {
            if !args.is_empty() {
                errors.spanned(&args, format!("#[{}] takes no options", kind.attr()));
            }
            Options::default()
        }
    };
    let sig = &f.sig;
    if let Some(a) = &sig.asyncness {
        errors.spanned(a, "handlers run synchronously: remove `async`");
    }
    if let Some(u) = &sig.unsafety {
        errors.spanned(
            u,
            "handlers cannot be `unsafe fn`: wrap the unsafe part in an `unsafe` block inside",
        );
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(&sig.generics, "a handler cannot be generic: its parameters are read from the message, so their types must be concrete");
    }
    if let Some(v) = &sig.variadic {
        errors.spanned(v, "handlers cannot be variadic");
    }

    let mut receiver = Receiver::None;
    let mut params = Vec::new();
    for input in f.sig.inputs.iter_mut() {
        match input {
            FnArg::Receiver(r) => {
                if kind == Kind::Init {
                    errors.spanned(&*r, "#[init] builds the state, so it cannot take `self`: write `fn init(ctx: &Ctx) -> Self`");
                } else if r.reference.is_none() || r.colon_token.is_some() {
                    errors.spanned(&*r, "a handler borrows the state: take `&mut self` to change it, or `&self` to only read it");
                } else if r.mutability.is_some() {
                    receiver = Receiver::Mut;
                } else {
                    receiver = Receiver::Ref;
                }
            }
            FnArg::Typed(t) => {
                let tag_attrs = take_attrs(&mut t.attrs, "tag");
                let data_attrs = take_attrs(&mut t.attrs, "data");
                let ty = (*t.ty).clone();
                if !data_attrs.is_empty() {
                    if !tag_attrs.is_empty() {
                        errors.spanned(
                            &tag_attrs[0],
                            "a parameter is either a tag or the data: remove #[tag] or #[data]",
                        );
                    }
                    if let Err(e) = attr_args(&data_attrs[0]).and_then(|a| {
                        if a.is_empty() {
                            Ok(())
                        } else {
                            Err(syn::Error::new_spanned(a, "#[data] takes no arguments"))
                        }
                    }) {
                        errors.push(e);
                    }
                    if let Type::Reference(_) = ty {
                        errors.spanned(
                            &ty,
                            "#[data] parses the data into an owned value: take `T`, not `&T`",
                        );
                    }
                    params.push(Param::Data { ty });
                    continue;
                }
                if tag_attrs.is_empty() {
                    if let Some(mutable) = ctx_ref(&ty) {
                        params.push(Param::Ctx { mutable });
                        continue;
                    }
                    if is_ref_to(&ty, "Message") {
                        params.push(Param::Message);
                        continue;
                    }
                }
                // A tag.
                let explicit = match tag_attrs.first().map(attr_args) {
                    Some(Ok(tokens)) => match syn::parse2::<LitStr>(tokens.clone()) {
                        Ok(s) if !s.value().is_empty() => Some((s.value(), s.span())),
                        _ => {
                            errors.spanned(
                                &tag_attrs[0],
                                "write the tag name as a string: #[tag(\"Reply-To\")]",
                            );
                            None
                        }
                    },
                    Some(Err(e)) => {
                        errors.push(e);
                        None
                    }
                    None => None,
                };
                let ident = match &*t.pat {
                    Pat::Ident(p) => Some(p.ident.clone()),
                    _ => None,
                };
                let (tag, tag_span) = match (&explicit, &ident) {
                    (Some((name, s)), _) => (name.clone(), *s),
                    (None, Some(i)) => (title_case(&i.to_string()), i.span()),
                    (None, None) => {
                        errors.spanned(&t.pat, "a tag parameter needs a plain name, which gives the tag name (`quantity` reads tag `Quantity`); or name the tag with #[tag(\"Name\")]");
                        continue;
                    }
                };
                if let Type::Reference(r) = &ty {
                    let hint = match &*r.elem {
                        Type::Path(p) if p.path.is_ident("str") => "`String`".to_owned(),
                        other => format!("`{}`", crate::util::type_text(other)),
                    };
                    errors.spanned(&ty, format!("tag parameters are read by value: write {hint} (only `&Ctx`, `&mut Ctx` and `&Message` are borrowed)"));
                    continue;
                }
                let optional = is_option(&ty);
                params.push(Param::Tag(TagParam {
                    tag,
                    tag_span,
                    ty,
                    optional,
                    ident,
                }));
            }
        }
    }
    let ret = match &f.sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    };
    if kind == Kind::Init && ret.is_none() {
        errors.spanned(
            &f.sig,
            "#[init] returns the state: add `-> Self` (or `-> aoxide::Result<Self>`)",
        );
    }
    let name = opts
        .name
        .as_ref()
        .map(|(n, _)| n.clone())
        .unwrap_or_else(|| f.sig.ident.to_string());
    HandlerDef {
        kind,
        method: f.sig.ident.clone(),
        name,
        receiver,
        params,
        ret,
        opts,
        doc: doc_of(&f.attrs),
        span,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// `Some(mutable)` for `&Ctx` / `&mut Ctx<'_>`.
fn ctx_ref(ty: &Type) -> Option<bool> {
    match ty {
        Type::Reference(r) => last_segment(&r.elem)
            .filter(|s| s.ident == "Ctx")
            .map(|_| r.mutability.is_some()),
        _ => None,
    }
}

fn is_ref_to(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Reference(r) => {
            r.mutability.is_none() && last_segment(&r.elem).is_some_and(|s| s.ident == name)
        }
        _ => false,
    }
}

fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option")
}
