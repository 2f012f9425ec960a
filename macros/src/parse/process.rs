//! `#[process(...)]` and its struct -> [`ProcessDef`]: the schema options, the computed
//! patches and the fields' `#[patch]` attributes (stripped from the struct).

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Ident, ItemStruct, LitInt, LitStr, Path, Token};

use super::{attr_args, raw_opts, take_attrs, RawOpt};
use crate::ir::*;
use crate::util::{kebab_case, Errors};

/// Parses `#[process(...)]` and the struct, stripping `#[patch]` from its fields.
pub(crate) fn process(args: TokenStream, item: &mut ItemStruct, errors: &mut Errors) -> ProcessDef {
    let mut def = ProcessDef {
        ident: item.ident.clone(),
        version: 1,
        migrate: None,
        fields: Vec::new(),
        computed: Vec::new(),
    };
    match raw_opts(args) {
        Ok(raw) => {
            for RawOpt { key, value, group } in raw {
                let k = key.to_string();
                match (k.as_str(), value) {
                    ("version", Some(v)) => match syn::parse2::<LitInt>(v.clone())
                        .and_then(|i| i.base10_parse::<u32>())
                    {
                        Ok(0) => errors.spanned(&v, "schema versions start at 1"),
                        Ok(n) => def.version = n,
                        Err(_) => errors.spanned(&v, "`version` takes a positive integer, e.g. version = 2"),
                    },
                    ("migrate", Some(v)) => match syn::parse2::<Path>(v.clone()) {
                        Ok(p) => def.migrate = Some(p),
                        Err(_) => errors.spanned(&v, "`migrate` takes the path of a function `fn(u32, aoxide::snapshot::Payload<'_>) -> Result<Self, aoxide::SnapshotError>`"),
                    },
                    ("version" | "migrate", None) => {
                        errors.at(key.span(), format!("`{k}` needs a value, e.g. {k} = {}", if k == "version" { "2" } else { "Self::migrate" }))
                    }
                    ("patch", None) if group.is_some() => {
                        def.computed.extend(computed_patches(group.clone().unwrap_or_default(), errors));
                    }
                    ("patch", _) => errors.at(key.span(), "publish fields with #[patch] on the fields themselves (count: u64); computed values go in patch(\"key\" = path::to::fn)"),
                    _ => {
                        let _ = group;
                        errors.at(key.span(), format!("unknown option `{k}` for #[aoxide::process]; expected `version = N`, `migrate = path` or `patch(\"key\" = path)`"))
                    }
                }
            }
        }
        Err(e) => errors.push(e),
    }
    if def.migrate.is_some() && def.version == 1 {
        errors.at(
            Span::call_site(),
            "`migrate` needs `version = N` above 1: a migration converts snapshots of older versions",
        );
    }
    if !item.generics.params.is_empty() {
        errors.spanned(&item.generics, "a process state cannot be generic: name a concrete type (e.g. `type Token = Ledger<u64>;` and a wrapper struct)");
    }
    let fields: Vec<&mut syn::Field> = match &mut item.fields {
        Fields::Named(f) => f.named.iter_mut().collect(),
        Fields::Unnamed(f) => f.unnamed.iter_mut().collect(),
        Fields::Unit => Vec::new(),
    };
    for (index, field) in fields.into_iter().enumerate() {
        let mut patch = None;
        let mut patch_with = None;
        for attr in take_attrs(&mut field.attrs, "patch") {
            if patch.is_some() {
                errors.spanned(&attr, "`#[patch]` is given twice on this field");
                continue;
            }
            match attr_args(&attr).and_then(|t| field_patch(t, field.ident.as_ref(), &attr)) {
                Ok((key, with)) => {
                    patch = Some(key);
                    patch_with = with;
                }
                Err(e) => errors.push(e),
            }
        }
        def.fields.push(FieldDef {
            ident: field.ident.clone(),
            index,
            ty: field.ty.clone(),
            patch,
            patch_with,
        });
    }
    def
}

/// `#[patch]`, `#[patch("key")]`, `#[patch(with = path)]` or `#[patch("key", with = path)]`.
fn field_patch(
    tokens: TokenStream,
    ident: Option<&Ident>,
    attr: &Attribute,
) -> syn::Result<(String, Option<Path>)> {
    let mut key = None;
    let mut with = None;
    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            if input.peek(LitStr) {
                let s: LitStr = input.parse()?;
                if s.value().is_empty() {
                    return Err(syn::Error::new(s.span(), "the patch key cannot be empty"));
                }
                key = Some(s.value());
            } else {
                let k: Ident = input.parse()?;
                if k != "with" {
                    return Err(syn::Error::new(k.span(), "write the patch key as a string, and a converter as `with = path`: #[patch(\"token-info\", with = path::to::fn)]"));
                }
                let _: Token![=] = input.parse()?;
                with = Some(input.parse::<Path>()?);
            }
            if !input.is_empty() {
                let _: Token![,] = input.parse()?;
            }
        }
        Ok(())
    };
    parser.parse2(tokens)?;
    let key = match (key, ident) {
        (Some(k), _) => k,
        (None, Some(i)) => kebab_case(&i.to_string()),
        (None, None) => {
            return Err(syn::Error::new_spanned(
                attr,
                "a tuple field needs a key: #[patch(\"key\")]",
            ))
        }
    };
    Ok((key, with))
}

/// `patch("key" = path, ..)` on `#[process]`.
fn computed_patches(tokens: TokenStream, errors: &mut Errors) -> Vec<(String, Path)> {
    struct Entry(LitStr, Path);
    impl Parse for Entry {
        fn parse(input: ParseStream) -> syn::Result<Self> {
            let key: LitStr = input.parse()?;
            let _: Token![=] = input.parse()?;
            Ok(Entry(key, input.parse()?))
        }
    }
    match Punctuated::<Entry, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(entries) => entries
            .into_iter()
            .map(|Entry(k, p)| (k.value(), p))
            .collect(),
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                "computed patch entries are `\"key\" = path::to::fn` (a `fn(&Self) -> V` where `V: Into<aoxide::TagValue>`, e.g. a `serde_json::Value`): patch(\"token-info\" = Token::info)",
            ));
            Vec::new()
        }
    }
}
