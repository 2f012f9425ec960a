//! Syntax -> IR. Strips the inert attributes it consumes from the user's item so the item
//! can always be re-emitted, and collects every error instead of stopping at the first.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, Fields, FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, ItemStruct, LitInt,
    LitStr, Pat, Path, ReturnType, Token, Type,
};

use crate::ir::*;
use crate::util::{doc_of, kebab_case, title_case, Errors};

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
pub fn options(tokens: TokenStream, kind: Kind, errors: &mut Errors) -> Options {
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

/// Parses `#[process(...)]` and the struct, stripping `#[patch]` from its fields.
pub fn process(args: TokenStream, item: &mut ItemStruct, errors: &mut Errors) -> ProcessDef {
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

/// Parses `#[handlers(...)]` and the impl, stripping handler attributes.
pub fn handlers(args: TokenStream, item: &mut ItemImpl, errors: &mut Errors) -> HandlersDef {
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
                    ("error", Some(v)) => match syn::parse2::<Type>(v.clone()) {
                        Ok(t) => def.error = Some(t),
                        Err(_) => errors.spanned(&v, "`error` takes the type of the handlers' coded errors (it implements aoxide::ErrorCode)"),
                    },
                    ("mount", None) if group.is_some() => {
                        def.mounts.extend(mounts(group.unwrap_or_default(), errors));
                    }
                    (k, _) => errors.at(key.span(), format!("unknown option `{k}` for #[aoxide::handlers]; expected `config = path::to::fn`, `mount(field = Type, field = Self::live_mount(), ..)` or `error = Type`")),
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

fn method(f: &mut ImplItemFn, kind: Kind, attr: &Attribute, errors: &mut Errors) -> HandlerDef {
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
