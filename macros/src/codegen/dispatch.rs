//! `#[handlers]`: the `Process` implementation. Each method becomes a registry entry whose
//! closure reads the tags and data, calls the method, applies its return value and, for
//! `&mut self` handlers, sends the `patch@1.0` message.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::rt;
use crate::ir::*;
use crate::util::respan;

/// `impl Mount` (the handlers as a part other processes mount) and `impl Process`.
pub fn generate(def: &HandlersDef) -> TokenStream {
    let rt = rt();
    let self_ty = &def.self_ty;
    let build = build(def);
    let live_traits = live_traits(def);
    let order = registration_order(def);
    let entries = order.iter().map(|&i| entry(&def.handlers[i]));
    // Where each entry goes: in order, or next to a handler outside this impl (of a mounted
    // part, maybe one added at run time: the registry places it when that one is added).
    let placed = placed_by_registry(def);
    let add = if placed.iter().all(|p| !p) {
        quote! {
            for __aoxide_h in <Self as #rt::Mount>::handlers() {
                __aoxide_registry.add(__aoxide_h);
            }
        }
    } else {
        let places = order.iter().map(|&i| match &def.handlers[i].opts.order {
            Some(o) if placed[i] => {
                let (target, _) = o.target();
                let before = matches!(o, Order::Before(..));
                quote!(#rt::Option::Some((#before, #target)))
            }
            _ => quote!(#rt::Option::None),
        });
        quote! {
            // Next to a handler outside this impl (now, or when it is added), or in order.
            const __AOXIDE_PLACES: &[#rt::Option<(bool, &str)>] = &[ #( #places ),* ];
            for (__aoxide_h, __aoxide_place) in <Self as #rt::Mount>::handlers()
                .into_iter()
                .zip(__AOXIDE_PLACES)
            {
                match *__aoxide_place {
                    #rt::Option::Some((true, __aoxide_t)) => __aoxide_registry
                        .place(#rt::Position::Before(#rt::String::from(__aoxide_t)), __aoxide_h),
                    #rt::Option::Some((false, __aoxide_t)) => __aoxide_registry
                        .place(#rt::Position::After(#rt::String::from(__aoxide_t)), __aoxide_h),
                    #rt::Option::None => __aoxide_registry.add(__aoxide_h),
                };
            }
        }
    };
    // The parts, in mount order, before the process's own handlers.
    let mounts = def.mounts.iter().map(|m| {
        let field = &m.field;
        let name = field.to_string();
        match &m.kind {
            MountKind::Part(ty) => quote_spanned! {ty.span()=>
                __aoxide_registry.mount::<#ty>(
                    #name,
                    |__aoxide_s: &mut Self| &mut __aoxide_s.#field,
                    |__aoxide_s: &Self| &__aoxide_s.#field,
                );
            },
            MountKind::Live(call) => {
                // The one place that asks for `LiveMount` (a wrong type is one error).
                let check = respan(quote!(#rt::check_live::<Self, _>), call.span());
                let mount = quote_spanned!(call.span()=> __aoxide_mount);
                let via = live_of(&mount);
                quote_spanned! {call.span()=>
                    let #mount = #call;
                    #check(&#mount);
                    #via.live_mount(
                        |__aoxide_s: &mut Self| &mut __aoxide_s.#field,
                        __aoxide_registry,
                    );
                }
            }
        }
    });
    let default = def.default.as_ref().map(|h| {
        let body = closure(h);
        quote! { __aoxide_registry.set_default(#body); }
    });
    let config = def.config.as_ref().map(|path| {
        quote_spanned! {path.span()=>
            fn config() -> #rt::Config {
                #path()
            }
        }
    });
    let assignable = assignable(def);
    let patches = patches(def, quote!(self));
    let init_patches = patches_of(def, quote!(__aoxide_state));
    let record = super::interface::handlers_record(def);
    let interface = super::interface::records(def);
    quote! {
        #[automatically_derived]
        #[allow(clippy::let_unit_value, clippy::unit_arg, clippy::needless_borrow, unused_variables)]
        impl #rt::Mount for #self_ty {
            const HANDLERS_JSON: &'static str = #record;
            fn init_part(
                __aoxide_ctx: &mut #rt::Ctx<'_>,
                __aoxide_msg: &#rt::Message,
            ) -> #rt::Result<Self, #rt::Error> {
                #live_traits
                #build
            }
            fn handlers() -> #rt::Vec<#rt::Handler<Self>> {
                ::std::vec![ #( #entries ),* ]
            }
        }

        #[automatically_derived]
        #[allow(clippy::let_unit_value, clippy::unit_arg, clippy::needless_borrow, unused_variables)]
        impl #rt::Process for #self_ty {
            const INTERFACE: &'static str = #interface;
            fn init(
                __aoxide_ctx: &mut #rt::Ctx<'_>,
                __aoxide_msg: &#rt::Message,
            ) -> #rt::Result<Self, #rt::Error> {
                let __aoxide_state: Self = <Self as #rt::Mount>::init_part(__aoxide_ctx, __aoxide_msg)?;
                #init_patches
                #rt::Result::Ok(__aoxide_state)
            }
            fn register(__aoxide_registry: &mut #rt::Registry<Self>) {
                #live_traits
                #( #mounts )*
                #add
                #default
            }
            #config
            #assignable
            fn view_state(&self, __aoxide_out: &mut #rt::Vec<u8>) -> bool {
                // The snapshot JSON view when the state is `Serialize`, none otherwise.
                #[allow(unused_imports)]
                use #rt::{NoView as _, WriteView as _};
                (&&#rt::ViewOf(self)).write_view(__aoxide_out)
            }
            fn from_view(
                __aoxide_view: &#rt::serde_json::Value,
            ) -> #rt::Option<#rt::Result<Self, #rt::SnapshotError>> {
                // Read back when the state is `Deserialize`.
                #[allow(unused_imports)]
                use #rt::{NoRead as _, ReadView as _};
                (&&#rt::ReadAs::<Self>(#rt::PhantomData)).read_view(__aoxide_view)
            }
            fn after_message(
                &mut self,
                __aoxide_ctx: &mut #rt::Ctx<'_>,
                __aoxide_changed: bool,
            ) -> #rt::Result<(), #rt::Error> {
                // One patch@1.0 per message that may have changed state.
                if __aoxide_changed {
                    #patches
                }
                #rt::Result::Ok(())
            }
        }
    }
}

/// `Process::accepts_assignment`: the `assignable` function, or'ed with the mounted parts'
/// own answers; nothing (the trait's "none") when neither says anything.
fn assignable(def: &HandlersDef) -> Option<TokenStream> {
    let rt = rt();
    let own = def.assignable.as_ref().map(|path| {
        quote_spanned! {path.span()=> #path(self, __aoxide_msg) }
    });
    let parts = def.mounts.iter().filter_map(|m| {
        let field = &m.field;
        let ty = m.part_type()?;
        Some(quote!(<#ty as #rt::Process>::accepts_assignment(&self.#field, __aoxide_msg)))
    });
    let answers: Vec<TokenStream> = own.into_iter().chain(parts).collect();
    if answers.is_empty() {
        return None;
    }
    Some(quote! {
        fn accepts_assignment(&self, __aoxide_msg: &#rt::Message) -> bool {
            #( #answers )||*
        }
    })
}

/// Collects the patch entries of the state and of each mounted part, and sends them.
fn patches_of(def: &HandlersDef, state: TokenStream) -> TokenStream {
    let rt = rt();
    let parts = def.mounts.iter().filter_map(|m| {
        let field = &m.field;
        let ty = m.part_type()?;
        Some(quote!(<#ty as #rt::Schema>::patch(&#state.#field, &mut __aoxide_patch);))
    });
    quote! {
        let mut __aoxide_patch = #rt::Patch::default();
        <Self as #rt::Schema>::patch(&#state, &mut __aoxide_patch);
        #( #parts )*
        #rt::send_patch(__aoxide_patch, __aoxide_ctx);
    }
}

fn patches(def: &HandlersDef, state: TokenStream) -> TokenStream {
    let body = patches_of(def, quote!(__aoxide_me));
    quote! {
        let __aoxide_me = &*#state;
        #body
    }
}

/// For each handler: true when the registry places it (`Registry::place`) rather than
/// the registration order: its `before`/`after` names a handler outside this impl (of a
/// mounted part, maybe one that appears at run time), or one of this impl that the
/// registry places.
pub fn placed_by_registry(def: &HandlersDef) -> Vec<bool> {
    let own = |name: &str| def.handlers.iter().position(|h| h.name == name);
    let mut placed: Vec<bool> = def
        .handlers
        .iter()
        .map(|h| {
            h.opts
                .order
                .as_ref()
                .is_some_and(|o| own(o.target().0).is_none())
        })
        .collect();
    loop {
        let mut changed = false;
        for (i, h) in def.handlers.iter().enumerate() {
            if placed[i] {
                continue;
            }
            let target = h.opts.order.as_ref().and_then(|o| own(o.target().0));
            if target.is_some_and(|t| placed[t]) {
                placed[i] = true;
                changed = true;
            }
        }
        if !changed {
            return placed;
        }
    }
}

/// The order handlers end up in: declaration order, then each `before`/`after` applied as
/// the registry would (once its target is placed). Computed here so the generated code,
/// the registry and the interface metadata agree.
pub fn registration_order(def: &HandlersDef) -> Vec<usize> {
    let mut placed: Vec<usize> = Vec::new();
    let mut pending: Vec<usize> = Vec::new();
    for (i, h) in def.handlers.iter().enumerate() {
        if h.opts.order.is_none() {
            placed.push(i);
        } else {
            pending.push(i);
        }
    }
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|&i| {
            let h = &def.handlers[i];
            let Some(order) = &h.opts.order else {
                return false;
            };
            let (target, _) = order.target();
            let Some(at) = placed.iter().position(|&j| def.handlers[j].name == target) else {
                return true;
            };
            match order {
                Order::Before(..) => placed.insert(at, i),
                Order::After(..) => placed.insert(at + 1, i),
            }
            false
        });
        if pending.len() == before {
            // A cycle or a missing target (reported by validation): keep declaration order.
            placed.append(&mut pending);
        }
    }
    placed
}

/// The body of `Mount::init_part`: the `#[init]` call (parts built first), or the
/// `Default` state with each mounted part built by its own init.
fn build(def: &HandlersDef) -> TokenStream {
    let rt = rt();
    match &def.init {
        Some(h) => {
            let reads = reads(h);
            let args = args(h);
            let method = &h.method;
            let ret = h.ret.as_ref().map(|t| t.span()).unwrap_or(h.method.span());
            quote_spanned! {ret=>
                #( #reads )*
                #rt::InitReturn::<Self>::into_state(Self::#method(#( #args ),*))
            }
        }
        None => {
            let span = def.self_ty.span();
            let parts = def.mounts.iter().map(|m| {
                let field = &m.field;
                match &m.kind {
                    MountKind::Part(ty) => quote!(__aoxide_state.#field = <#ty as #rt::Mount>::init_part(__aoxide_ctx, __aoxide_msg)?;),
                    MountKind::Live(call) => {
                        let via = live_of(call);
                        quote_spanned! {call.span()=>
                            __aoxide_state.#field = #via.live_init(__aoxide_ctx, __aoxide_msg)?;
                        }
                    }
                }
            });
            let mutable = (!def.mounts.is_empty()).then(|| quote!(mut));
            quote_spanned! {span=>
                let #mutable __aoxide_state: Self = <Self as ::aoxide::interface::DefaultState>::default_state();
                #( #parts )*
                #rt::Result::Ok(__aoxide_state)
            }
        }
    }
}

/// `(&&LiveOf(call))`: the live mount `call` returns, reached through `ViaLive` (or
/// `NotLive` when it is none, which `check_live` reports once).
fn live_of(call: &impl quote::ToTokens) -> TokenStream {
    let rt = rt();
    respan(
        quote!((&&#rt::LiveOf::<Self, _>(#call, #rt::PhantomData))),
        call.span(),
    )
}

/// The traits [`live_of`] calls go through, in scope for a body that makes them.
fn live_traits(def: &HandlersDef) -> Option<TokenStream> {
    let rt = rt();
    def.mounts.iter().any(MountDef::is_live).then(|| {
        quote! {
            #[allow(unused_imports)]
            use #rt::{NotLive as _, ViaLive as _};
        }
    })
}

fn local(i: usize) -> syn::Ident {
    format_ident!("__aoxide_arg{}", i)
}

/// `let`s reading every tag and the data.
fn reads(h: &HandlerDef) -> Vec<TokenStream> {
    let rt = rt();
    h.params
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let var = local(i);
            match p {
                Param::Tag(t) => {
                    let ty = &t.ty;
                    let name = &t.tag;
                    Some(quote_spanned! {ty.span()=>
                        let #var: #ty = ::aoxide::Message::tag::<#ty>(__aoxide_msg, #name)?;
                    })
                }
                Param::Data { ty } => Some(quote_spanned! {ty.span()=>
                    let #var: #ty = #rt::data::<#ty>(__aoxide_msg)?;
                }),
                Param::Part { ty, live: None } => Some(quote_spanned! {ty.span()=>
                    let #var: #ty = <#ty as #rt::Mount>::init_part(__aoxide_ctx, __aoxide_msg)?;
                }),
                Param::Part {
                    ty,
                    live: Some(call),
                } => {
                    let via = live_of(call);
                    Some(quote_spanned! {call.span()=>
                        let #var: #ty = #via.live_init(__aoxide_ctx, __aoxide_msg)?;
                    })
                }
                _ => None,
            }
        })
        .collect()
}

/// The call arguments, receiver first.
fn args(h: &HandlerDef) -> Vec<TokenStream> {
    let mut out = Vec::new();
    match h.receiver {
        Receiver::Mut => out.push(quote!(__aoxide_state)),
        Receiver::Ref => out.push(quote!(&*__aoxide_state)),
        Receiver::None => {}
    }
    for (i, p) in h.params.iter().enumerate() {
        out.push(match p {
            Param::Ctx { mutable: true } => quote!(&mut *__aoxide_ctx),
            Param::Ctx { mutable: false } => quote!(&*__aoxide_ctx),
            Param::Message => quote!(__aoxide_msg),
            Param::Data { .. } | Param::Tag(_) | Param::Part { .. } => {
                let v = local(i);
                quote!(#v)
            }
        });
    }
    out
}

/// The closure the registry runs.
fn closure(h: &HandlerDef) -> TokenStream {
    let rt = rt();
    let reads = reads(h);
    let args = args(h);
    let method = &h.method;
    let finish = match &h.ret {
        Some(ty) => quote_spanned! {ty.span()=>
            #rt::HandlerReturn::finish(__aoxide_ret, __aoxide_ctx)?;
        },
        None => quote! { let () = __aoxide_ret; },
    };
    quote! {
        move |__aoxide_state: &mut Self,
              __aoxide_ctx: &mut #rt::Ctx<'_>,
              __aoxide_msg: &#rt::Message|
              -> #rt::Result<(), #rt::Error> {
            let _ = &__aoxide_state;
            #( #reads )*
            let __aoxide_ret = Self::#method(#( #args ),*);
            #finish
            #rt::Result::Ok(())
        }
    }
}

/// The pattern: every part must match; the last decides between break and continue.
fn pattern(h: &HandlerDef) -> TokenStream {
    let rt = rt();
    let mut parts: Vec<TokenStream> = Vec::new();
    if let Some((action, _)) = &h.opts.action {
        parts.push(quote!(#rt::Pattern::action(#action)));
    }
    if !h.opts.tags.is_empty() {
        let rules = h.opts.tags.iter().map(|(tag, values, _)| {
            let rule = if values.len() == 1 {
                let v = &values[0];
                quote!(#rt::Rule::spec(#v))
            } else {
                quote!(#rt::Rule::OneOf(::std::vec![ #( #rt::Rule::spec(#values) ),* ]))
            };
            quote!((#rt::String::from(#tag), #rule))
        });
        parts.push(quote!(#rt::Pattern::Fields(::std::vec![ #( #rules ),* ])));
    }
    if h.kind == Kind::Cron {
        parts.push(quote!(#rt::Pattern::test(|__aoxide_m: &#rt::Message| __aoxide_m.cron)));
    }
    if let Some(path) = &h.opts.when {
        parts.push(quote_spanned! {path.span()=>
            #rt::Pattern::test(|__aoxide_m: &#rt::Message| #path(__aoxide_m))
        });
    }
    if h.opts.continues {
        parts.push(quote!(#rt::Pattern::test(|_: &#rt::Message| #rt::Match::Continue)));
    }
    match parts.len() {
        0 => quote!(#rt::Pattern::Always),
        1 => parts.remove(0),
        _ => quote!(#rt::Pattern::All(::std::vec![ #( #parts ),* ])),
    }
}

fn entry(h: &HandlerDef) -> TokenStream {
    let rt = rt();
    let name = &h.name;
    let pattern = pattern(h);
    let body = closure(h);
    let from = h.opts.from.as_ref().map(|f| {
        let caller = match f {
            From::Owner => quote!(#rt::Caller::Owner),
            From::Process => quote!(#rt::Caller::Process),
            From::OwnerOrProcess => quote!(#rt::Caller::OwnerOrProcess),
            From::Authority => quote!(#rt::Caller::Authority),
            From::Address(a) => quote!(#rt::Caller::Address(#rt::String::from(#a))),
            From::Field(f) => {
                let name = f.to_string();
                quote!(#rt::Caller::Field(#rt::String::from(#name)))
            }
        };
        quote!(.from(#caller))
    });
    let mut guards: Vec<TokenStream> = Vec::new();
    if let Some(From::Field(f)) = &h.opts.from {
        guards.push(quote_spanned! {f.span()=>
            #rt::AddressField::holds(&__aoxide_s.#f, &__aoxide_m.from)
        });
    }
    if let Some(m) = &h.opts.when_self {
        guards.push(quote_spanned! {m.span()=>
            __aoxide_s.#m(__aoxide_m)
        });
    }
    let guard = (!guards.is_empty()).then(|| {
        quote! {
            .guard(|__aoxide_s: &Self, __aoxide_m: &#rt::Message| -> bool { #( #guards )&&* })
        }
    });
    let runs = h.opts.max_runs.map(|n| quote!(.max_runs(#n)));
    let read_only = (!h.mutates()).then(|| quote!(.read_only()));
    quote! {
        #rt::Handler::from_fn(#name, #pattern, #body) #from #guard #runs #read_only
    }
}
