//! Whole impls and structs through parse and validate: the IR they build (handlers,
//! parameters, options, mounts, patches) and several errors reported at once.

use quote::quote;

use crate::ir::*;
use crate::parse;
use crate::util::Errors;
use crate::validate::{handlers, process};

fn check(item: proc_macro2::TokenStream) -> Result<HandlersDef, String> {
    let mut errors = Errors::default();
    let mut imp: syn::ItemImpl = syn::parse2(item).unwrap();
    let def = parse::handlers(quote!(), &mut imp, &mut errors);
    handlers(&def, &mut errors);
    match errors.finish() {
        Ok(()) => Ok(def),
        Err(e) => Err(e
            .into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

#[test]
fn a_counter_parses() {
    let def = check(quote! {
        impl Counter {
            #[init]
            fn init(ctx: &Ctx, start: Option<u64>) -> Self { todo!() }
            /// Adds `By`.
            #[handler(action = "Increment")]
            fn increment(&mut self, ctx: &mut Ctx, by: Option<u64>, x_memo: String) -> Result<()> { todo!() }
            #[handler(action = "Get", from = owner, max_runs = 3)]
            fn get(&self, #[tag("Who")] w: Address, msg: &Message, #[data] d: Payload) -> String { todo!() }
            #[cron(continue)]
            fn tick(&mut self) {}
            #[default]
            fn other(&mut self, msg: &Message) {}
            fn helper(&self) {}
        }
    })
    .unwrap();
    assert_eq!(def.type_name, "Counter");
    assert!(def.init.is_some() && def.default.is_some());
    let inc = &def.handlers[0];
    assert_eq!(inc.receiver, Receiver::Mut);
    assert_eq!(inc.doc, "Adds `By`.");
    let names: Vec<_> = inc
        .params
        .iter()
        .filter_map(|p| match p {
            Param::Tag(t) => Some((t.tag.as_str(), t.optional)),
            _ => None,
        })
        .collect();
    assert_eq!(names, [("By", true), ("X-Memo", false)]);
    let get = &def.handlers[1];
    assert_eq!(get.receiver, Receiver::Ref);
    assert_eq!(get.opts.from, Some(From::Owner));
    assert_eq!(get.opts.max_runs, Some(3));
    assert!(matches!(&get.params[0], Param::Tag(t) if t.tag == "Who"));
    assert!(matches!(get.params[1], Param::Message));
    assert!(matches!(get.params[2], Param::Data { .. }));
    assert_eq!(def.handlers[2].kind, Kind::Cron);
    assert!(def.handlers[2].opts.continues);
}

#[test]
fn every_error_is_reported_at_once() {
    let err = check(quote! {
        impl C {
            #[handler(action = "A", colour = "red")]
            fn a(self) {}
            #[handler(action = "B", priority = 1)]
            fn b(&mut self, s: &str) {}
        }
    })
    .unwrap_err();
    assert!(err.contains("unknown option `colour`"), "{err}");
    assert!(err.contains("take `&mut self`"), "{err}");
    assert!(
        err.contains("before = \\\"name\\\"") || err.contains("before = \"name\""),
        "{err}"
    );
    assert!(err.contains("write `String`"), "{err}");
}

#[test]
fn competing_handlers_need_an_order() {
    let err = check(quote! {
        impl C {
            #[handler(action = "Transfer")]
            fn transfer(&mut self) {}
            #[handler(action = "Transfer", tags(Cast = "_"))]
            fn cast(&mut self) {}
        }
    })
    .unwrap_err();
    assert!(
        err.contains("`cast` is a second handler for Action = \"Transfer\""),
        "{err}"
    );
    assert!(err.contains("after = \"transfer\""), "{err}");
    assert!(err.contains("note: the first handler"), "{err}");

    check(quote! {
        impl C {
            #[handler(action = "Transfer")]
            fn transfer(&mut self) {}
            #[handler(action = "Transfer", tags(Cast = "_"), before = "transfer")]
            fn cast(&mut self) {}
        }
    })
    .unwrap();
    check(quote! {
        impl C {
            #[handler(action = "Transfer", continue)]
            fn log(&self) {}
            #[handler(action = "Transfer")]
            fn transfer(&mut self) {}
        }
    })
    .unwrap();
}

#[test]
fn positions_must_exist() {
    let err = check(quote! {
        impl C {
            #[handler(action = "A", after = "nope")]
            fn a(&mut self) {}
            #[handler(action = "B", before = "b")]
            fn b(&mut self) {}
        }
    })
    .unwrap_err();
    assert!(err.contains("no handler named `nope`"), "{err}");
    assert!(err.contains("the handlers are: `b`"), "{err}");
    assert!(err.contains("relative to itself"), "{err}");
}

#[test]
fn option_shapes() {
    let err = check(quote! {
        impl C {
            #[handler(action = 3, once, max_runs = 2, from = nobody, tags(A))]
            fn a(&mut self) {}
            #[cron(action = "X")]
            fn t(&mut self) {}
            #[handler(continue)]
            fn observe(&self) {}
            #[handler(from = owner)]
            fn everything(&mut self) {}
        }
    })
    .unwrap_err();
    assert!(err.contains("action must be a string literal"), "{err}");
    assert!(err.contains("`once` and `max_runs`"), "{err}");
    assert!(err.contains("`from` takes owner, self, trusted"), "{err}");
    assert!(err.contains("Name = \"value\""), "{err}");
    assert!(err.contains("cron ticks, which have no action"), "{err}");
    assert!(err.contains("would take every message"), "{err}");
    assert!(!err.contains("`observe`"), "{err}");
}

#[test]
fn init_and_default_rules() {
    let err = check(quote! {
        impl C {
            #[init]
            fn init(&self) {}
            #[init]
            fn again() -> Self { todo!() }
            #[default(action = "X")]
            fn d(&mut self) {}
            #[handler(action = "A")]
            #[cron]
            fn both(&mut self, a: u64, #[tag("A")] b: u64) {}
        }
    })
    .unwrap_err();
    assert!(err.contains("cannot take `self`"), "{err}");
    assert!(err.contains("add `-> Self`"), "{err}");
    assert!(err.contains("only one #[init]"), "{err}");
    assert!(err.contains("#[default] takes no options"), "{err}");
    assert!(err.contains("cannot also be #[cron]"), "{err}");
    assert!(err.contains("tag `A` is read twice"), "{err}");
}

#[test]
fn process_options() {
    let mut errors = Errors::default();
    let mut s: syn::ItemStruct = syn::parse_quote! {
        struct S { #[patch] count: u64, #[patch("count")] other: u64, #[patch] token_info: String, plain: u8 }
    };
    let def = parse::process(
        quote!(version = 0, migrate = 5, colour),
        &mut s,
        &mut errors,
    );
    process(&def, &mut errors);
    let err = errors
        .finish()
        .unwrap_err()
        .into_iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(err.contains("versions start at 1"), "{err}");
    assert!(err.contains("`migrate` takes the path"), "{err}");
    assert!(err.contains("unknown option `colour`"), "{err}");
    assert!(err.contains("patch key `count`"), "{err}");
    assert_eq!(def.fields[2].patch.as_deref(), Some("token-info"));
    assert_eq!(def.fields[3].patch, None);
    let stripped = quote::quote!(#s).to_string();
    assert!(!stripped.contains("patch"), "{stripped}");
}

fn check_with(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> Result<HandlersDef, String> {
    let mut errors = Errors::default();
    let mut imp: syn::ItemImpl = syn::parse2(item).unwrap();
    let def = parse::handlers(args, &mut imp, &mut errors);
    handlers(&def, &mut errors);
    match errors.finish() {
        Ok(()) => Ok(def),
        Err(e) => Err(e
            .into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

#[test]
fn mounts_parts_and_orders_across_them() {
    let def = check_with(
        quote!(
            mount(token = aoxide_token::Token, chat = Chat),
            error = TokenError
        ),
        quote! {
            impl Game {
                #[init]
                fn init(token: Token, start: Option<u64>) -> Self { todo!() }
                #[handler(action = "Transfer", before = "token.transfer", continue)]
                fn count(&mut self) {}
            }
        },
    )
    .unwrap();
    let fields: Vec<_> = def.mounts.iter().map(|m| m.field.to_string()).collect();
    assert_eq!(fields, ["token", "chat"]);
    assert!(def.error.is_some());
    let init = def.init.as_ref().unwrap();
    assert!(
        matches!(init.params[0], Param::Part { .. }),
        "named after a mount"
    );
    assert!(matches!(&init.params[1], Param::Tag(t) if t.tag == "Start"));

    let err = check_with(
        quote!(mount(token = Token)),
        quote! {
            impl Game {
                #[handler(action = "X", after = "bank.deposit")]
                fn x(&mut self) {}
            }
        },
    )
    .unwrap_err();
    assert!(err.contains("no part is mounted on `bank`"), "{err}");
    let err = check_with(quote!(mount(token)), quote!(impl Game {})).unwrap_err();
    assert!(err.contains("mount(token = aoxide_token::Token"), "{err}");
}

#[test]
fn live_mounts_parse_and_let_positions_wait() {
    let def = check_with(
        quote!(mount(
            token = Token,
            lua = Self::lua(),
            vm = aoxide_lua::LuaMount::new(LUA)
        )),
        quote! {
            impl Mixed {
                #[init]
                fn init(token: Token, lua: LuaPart) -> Self { todo!() }
                #[handler(action = "Broadcast", before = "Broadcast", continue)]
                fn fee(&mut self) {}
                #[handler(action = "Broadcast", after = "fee", continue)]
                fn audit(&self) {}
                #[handler(action = "Tip", after = "tips.Tip")]
                fn tip(&mut self) {}
                #[handler(action = "Info", before = "token.info")]
                fn info(&self) {}
            }
        },
    )
    .unwrap();
    let kinds: Vec<_> = def
        .mounts
        .iter()
        .map(|m| (m.field.to_string(), m.is_live()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("token".into(), false),
            ("lua".into(), true),
            ("vm".into(), true)
        ]
    );
    let init = def.init.as_ref().unwrap();
    assert!(matches!(&init.params[0], Param::Part { live: None, .. }));
    assert!(
        matches!(&init.params[1], Param::Part { live: Some(_), ty } if crate::util::type_text(ty) == "LuaPart"),
        "a live part keeps the parameter's type"
    );
    // The registry places what names a handler outside the impl, and what is placed
    // next to one it places; the rest goes in registration order.
    assert_eq!(
        crate::codegen::dispatch::placed_by_registry(&def),
        [true, true, true, true]
    );
    let def = check(quote! {
        impl C {
            #[handler(action = "A")]
            fn a(&mut self) {}
            #[handler(action = "A", before = "a")]
            fn b(&mut self) {}
        }
    })
    .unwrap();
    assert_eq!(
        crate::codegen::dispatch::placed_by_registry(&def),
        [false, false]
    );
}

#[test]
fn state_conditions_parse() {
    let def = check(quote! {
        impl Auction {
            #[handler(action = "Credit-Notice", from = self.token, when = self.is_open)]
            fn bid(&mut self) {}
            #[handler(when = self.anything)]
            fn any(&mut self) {}
        }
    })
    .unwrap();
    let bid = &def.handlers[0];
    assert!(matches!(&bid.opts.from, Some(From::Field(f)) if f == "token"));
    assert_eq!(bid.opts.when_self.as_ref().unwrap().to_string(), "is_open");
    assert!(
        def.handlers[1].opts.when_self.is_some(),
        "a state predicate is a match rule"
    );
    let err = check(quote! {
        impl A {
            #[handler(action = "X", from = self)]
            fn ok(&mut self) {}
            #[handler(action = "Y", from = self.a.b)]
            fn bad(&mut self) {}
        }
    })
    .unwrap_err();
    assert!(err.contains("a state field holding an address"), "{err}");
}

#[test]
fn patch_entries_parse() {
    let mut errors = Errors::default();
    let mut s: syn::ItemStruct = syn::parse_quote! {
        struct T {
            #[patch(with = amount_json)] balances: Map<String, U256>,
            #[patch("info", with = info_json)] info: Info,
            #[patch(colour = 1)] bad: u8,
        }
    };
    let def = parse::process(quote!(patch("token-info" = T::info)), &mut s, &mut errors);
    let err = errors.finish().unwrap_err().to_string();
    assert!(err.contains("with = path::to::fn"), "{err}");
    assert_eq!(def.fields[0].patch.as_deref(), Some("balances"));
    assert!(def.fields[0].patch_with.is_some());
    assert_eq!(def.fields[1].patch.as_deref(), Some("info"));
    assert_eq!(def.computed.len(), 1);
    assert_eq!(def.computed[0].0, "token-info");
    let mut errors = Errors::default();
    let mut s: syn::ItemStruct = syn::parse_quote!(
        struct U {
            a: u8,
        }
    );
    parse::process(quote!(patch(key = f)), &mut s, &mut errors);
    let err = errors.finish().unwrap_err().to_string();
    assert!(err.contains("computed patch entries"), "{err}");
}
