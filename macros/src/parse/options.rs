//! The options of one handler: `#[handler(...)]` / `#[cron(...)]` -> [`Options`].

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitInt, LitStr, Path, Token};

use super::{raw_opts, RawOpt};
use crate::ir::*;
use crate::util::Errors;

fn lit_str(tokens: &TokenStream, what: &str) -> syn::Result<LitStr> {
    syn::parse2::<LitStr>(tokens.clone()).map_err(|_| {
        syn::Error::new_spanned(
            tokens,
            format!("{what} must be a string literal, e.g. {what} = \"...\""),
        )
    })
}

/// A handler name: `"name"` or a bare method name.
fn name_ref(tokens: &TokenStream, key: &str) -> syn::Result<(String, Span)> {
    if let Ok(s) = syn::parse2::<LitStr>(tokens.clone()) {
        return Ok((s.value(), s.span()));
    }
    if let Ok(i) = syn::parse2::<Ident>(tokens.clone()) {
        return Ok((i.to_string(), i.span()));
    }
    Err(syn::Error::new_spanned(
        tokens,
        format!("`{key}` takes the name of another handler: {key} = \"name\""),
    ))
}

const HANDLER_OPTIONS: &str =
    "name, action, tags(..), from, when, continue, before, after, once, max_runs";

/// Parses `#[handler(...)]` / `#[cron(...)]` options.
pub(super) fn options(tokens: TokenStream, kind: Kind, errors: &mut Errors) -> Options {
    let mut opts = Options::default();
    let raw = match raw_opts(tokens) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            return opts;
        }
    };
    let mut seen: Vec<String> = Vec::new();
    for RawOpt { key, value, group } in raw {
        let k = key.to_string();
        let canonical = match k.as_str() {
            "once" => "max_runs".to_owned(),
            "before" => "after".to_owned(),
            other => other.to_owned(),
        };
        if seen.contains(&canonical) {
            let msg = match k.as_str() {
                "once" | "max_runs" => {
                    "`once` and `max_runs` set the same limit: keep one".to_owned()
                }
                "before" | "after" => {
                    "a handler takes one position: `before = ..` or `after = ..`, not both"
                        .to_owned()
                }
                _ => format!("`{k}` is given twice"),
            };
            errors.at(key.span(), msg);
            continue;
        }
        seen.push(canonical);
        let needs_value = |errors: &mut Errors, example: &str| -> Option<TokenStream> {
            match &value {
                Some(v) => Some(v.clone()),
                None => {
                    errors.at(key.span(), format!("`{k}` needs a value: {example}"));
                    None
                }
            }
        };
        match k.as_str() {
            "name" => {
                if let Some(v) = needs_value(errors, "name = \"transfer\"") {
                    match lit_str(&v, "name") {
                        Ok(s) if s.value().is_empty() => errors.at(s.span(), "the handler name cannot be empty"),
                        Ok(s) => opts.name = Some((s.value(), s.span())),
                        Err(e) => errors.push(e),
                    }
                }
            }
            "action" => {
                if kind == Kind::Cron {
                    errors.at(key.span(), "`#[cron]` handlers take cron ticks, which have no action: remove `action`, or use `#[handler(action = ..)]`");
                    continue;
                }
                if let Some(v) = needs_value(errors, "action = \"Transfer\"") {
                    match lit_str(&v, "action") {
                        Ok(s) if s.value().is_empty() => errors.at(s.span(), "the action cannot be empty"),
                        Ok(s) => opts.action = Some((s.value(), s.span())),
                        Err(e) => errors.push(e),
                    }
                }
            }
            "tags" => match group {
                Some(g) => opts.tags = tag_rules(g, errors),
                None => errors.at(key.span(), "write the tag rules in parentheses: tags(Recipient = \"_\", Cast = \"true\")"),
            },
            "from" => {
                if let Some(v) = needs_value(errors, "from = owner") {
                    match caller(&v) {
                        Ok(f) => opts.from = Some(f),
                        Err(e) => errors.push(e),
                    }
                }
            }
            "when" => {
                if let Some(v) = needs_value(errors, "when = path::to::predicate") {
                    if let Some(method) = self_member(&v) {
                        opts.when_self = Some(method);
                        continue;
                    }
                    match syn::parse2::<Path>(v.clone()) {
                        Ok(p) => opts.when = Some(p),
                        Err(_) => errors.spanned(&v, "`when` takes the path of a function `fn(&Message) -> bool` (when = is_large), or a method `fn(&self, &Message) -> bool` (when = self.is_open)"),
                    }
                }
            }
            "continue" => {
                if value.is_some() || group.is_some() {
                    errors.at(key.span(), "`continue` takes no value: write `continue`");
                }
                opts.continues = true;
            }
            "before" | "after" => {
                if let Some(v) = needs_value(errors, &format!("{k} = \"other_handler\"")) {
                    match name_ref(&v, &k) {
                        Ok((n, s)) if k == "before" => opts.order = Some(Order::Before(n, s)),
                        Ok((n, s)) => opts.order = Some(Order::After(n, s)),
                        Err(e) => errors.push(e),
                    }
                }
            }
            "once" => {
                if value.is_some() || group.is_some() {
                    errors.at(key.span(), "`once` takes no value: write `once`, or `max_runs = N`");
                }
                opts.max_runs = Some(1);
            }
            "max_runs" => {
                if let Some(v) = needs_value(errors, "max_runs = 3") {
                    match syn::parse2::<LitInt>(v.clone()).and_then(|i| i.base10_parse::<u32>().map(|n| (n, i))) {
                        Ok((0, i)) => errors.at(i.span(), "`max_runs` must be at least 1 (a handler that may never run is never registered)"),
                        Ok((n, _)) => opts.max_runs = Some(n),
                        Err(_) => errors.spanned(&v, "`max_runs` takes a positive integer, e.g. max_runs = 3"),
                    }
                }
            }
            "priority" | "order" => errors.at(
                key.span(),
                format!("unknown option `{k}`: handlers run in declaration order; to place one elsewhere write `before = \"name\"` or `after = \"name\"`"),
            ),
            _ => errors.at(
                key.span(),
                format!("unknown option `{k}` for #[{}]; expected one of: {HANDLER_OPTIONS}", kind.attr()),
            ),
        }
    }
    opts
}

/// `Key = "Value"`, `"Reply-To" = "_"`, `Action = ["A", "B"]`.
fn tag_rules(tokens: TokenStream, errors: &mut Errors) -> Vec<(String, Vec<String>, Span)> {
    struct RuleSyn {
        key: (String, Span),
        values: Vec<LitStr>,
    }
    impl Parse for RuleSyn {
        fn parse(input: ParseStream) -> syn::Result<Self> {
            let key = if input.peek(LitStr) {
                let s: LitStr = input.parse()?;
                (s.value(), s.span())
            } else {
                let i = Ident::parse_any(input)?;
                (i.to_string(), i.span())
            };
            let _: Token![=] = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "write each tag rule as `Name = \"value\"` (\"_\" matches any value)",
                )
            })?;
            let values = if input.peek(syn::token::Bracket) {
                let content;
                syn::bracketed!(content in input);
                Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?
                    .into_iter()
                    .collect()
            } else {
                vec![input.parse::<LitStr>().map_err(|e| {
                    syn::Error::new(e.span(), "a tag rule's value is a string (\"_\" matches any value) or a list of strings [\"a\", \"b\"]")
                })?]
            };
            Ok(RuleSyn { key, values })
        }
    }
    match Punctuated::<RuleSyn, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(rules) => {
            let mut out: Vec<(String, Vec<String>, Span)> = Vec::new();
            for r in rules {
                if out.iter().any(|(k, _, _)| *k == r.key.0) {
                    errors.at(
                        r.key.1,
                        format!(
                            "tag `{}` has two rules: merge them into a list, {} = [\"a\", \"b\"]",
                            r.key.0, r.key.0
                        ),
                    );
                    continue;
                }
                if r.values.is_empty() {
                    errors.at(
                        r.key.1,
                        "an empty list matches nothing: give at least one value",
                    );
                    continue;
                }
                out.push((
                    r.key.0,
                    r.values.iter().map(LitStr::value).collect(),
                    r.key.1,
                ));
            }
            out
        }
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    }
}

/// `self.name` -> `name`.
fn self_member(tokens: &TokenStream) -> Option<Ident> {
    let parser = |input: ParseStream| -> syn::Result<Ident> {
        let _: Token![self] = input.parse()?;
        let _: Token![.] = input.parse()?;
        let name: Ident = input.parse()?;
        if !input.is_empty() {
            return Err(input.error("expected `self.name`"));
        }
        Ok(name)
    };
    parser.parse2(tokens.clone()).ok()
}

fn caller(tokens: &TokenStream) -> syn::Result<From> {
    if let Some(field) = self_member(tokens) {
        return Ok(From::Field(field));
    }
    if let Ok(s) = syn::parse2::<LitStr>(tokens.clone()) {
        if s.value().is_empty() {
            return Err(syn::Error::new(s.span(), "the address cannot be empty"));
        }
        return Ok(From::Address(s.value()));
    }
    let ident = Ident::parse_any.parse2(tokens.clone()).ok();
    match ident.as_ref().map(|i| i.to_string()).as_deref() {
        Some("owner") => Ok(From::Owner),
        Some("self") | Some("process") => Ok(From::Process),
        Some("trusted") => Ok(From::OwnerOrProcess),
        Some("authority") => Ok(From::Authority),
        _ => Err(syn::Error::new_spanned(
            tokens,
            "`from` takes owner, self, trusted (the owner or the process itself), authority, an address in quotes, or a state field holding an address (from = self.token)",
        )),
    }
}
