//! Syntax -> IR. Strips the inert attributes it consumes from the user's item so the item
//! can always be re-emitted, and collects every error instead of stopping at the first.
//!
//! [`process()`] reads `#[process]` and its struct (`process.rs`); [`handlers()`] reads
//! `#[handlers]` and its impl (`handlers.rs`), each method through `method.rs` and its
//! `#[handler]` / `#[cron]` options through `options.rs`. This file holds the attribute
//! helpers they share.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Token};

mod handlers;
mod method;
mod options;
mod process;

pub(crate) use handlers::handlers;
pub(crate) use process::process;

/// An option as written: `key`, `key = tokens`, or `key(tokens)`.
struct RawOpt {
    key: Ident,
    value: Option<TokenStream>,
    group: Option<TokenStream>,
}

impl Parse for RawOpt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = if input.peek(Token![continue]) {
            let kw: Token![continue] = input.parse()?;
            Ident::new("continue", kw.span)
        } else {
            Ident::parse_any(input)?
        };
        let mut value = None;
        let mut group = None;
        if input.peek(Token![=]) {
            let _: Token![=] = input.parse()?;
            let mut tokens = TokenStream::new();
            while !input.is_empty() && !input.peek(Token![,]) {
                let tt: TokenTree = input.parse()?;
                tokens.extend([tt]);
            }
            if tokens.is_empty() {
                return Err(input.error(format!("`{key} =` needs a value")));
            }
            value = Some(tokens);
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            group = Some(content.parse()?);
        }
        Ok(RawOpt { key, value, group })
    }
}

fn raw_opts(tokens: TokenStream) -> syn::Result<Vec<RawOpt>> {
    let parsed = Punctuated::<RawOpt, Token![,]>::parse_terminated.parse2(tokens)?;
    Ok(parsed.into_iter().collect())
}

/// Takes the attributes called `name` out of `attrs`.
fn take_attrs(attrs: &mut Vec<Attribute>, name: &str) -> Vec<Attribute> {
    let mut taken = Vec::new();
    attrs.retain(|a| {
        if a.path().is_ident(name) {
            taken.push(a.clone());
            false
        } else {
            true
        }
    });
    taken
}

/// The tokens inside `#[attr(...)]`, empty for `#[attr]`; an error for `#[attr = ..]`.
fn attr_args(attr: &Attribute) -> syn::Result<TokenStream> {
    match &attr.meta {
        syn::Meta::Path(_) => Ok(TokenStream::new()),
        syn::Meta::List(l) => Ok(l.tokens.clone()),
        syn::Meta::NameValue(nv) => Err(syn::Error::new_spanned(
            nv,
            format!(
                "write #[{}(...)]",
                attr.path()
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default()
            ),
        )),
    }
}
