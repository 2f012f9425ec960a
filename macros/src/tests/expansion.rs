//! Snapshots of what the macros generate for every example and blueprint: the code of
//! each file's `#[aoxide::process]` and `#[aoxide::handlers]` items, produced by calling
//! the expansion functions directly and formatted with `prettyplease`. A change to the
//! generated code fails here until its snapshot is reviewed and accepted (`cargo insta
//! review`, or `INSTA_UPDATE=always` and a look at the diff); the snapshots live in
//! `snapshots/` next to this file.

use std::path::Path;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, Item, Meta};

use crate::expand;

/// True for `#[name]` or `#[aoxide::name]`; the attribute's arguments.
fn macro_args(attrs: &[Attribute], name: &str) -> Option<(usize, TokenStream)> {
    attrs.iter().enumerate().find_map(|(i, a)| {
        let last = a.path().segments.last()?;
        (last.ident == name).then(|| {
            let args = match &a.meta {
                Meta::List(l) => l.tokens.clone(),
                _ => TokenStream::new(),
            };
            (i, args)
        })
    })
}

/// The code the macros generate for the items of `file` (relative to the repository).
fn expand_file(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    let source = std::fs::read_to_string(&path).unwrap();
    let parsed = syn::parse_file(&source).unwrap();
    let mut generated = TokenStream::new();
    for item in parsed.items {
        match item {
            Item::Struct(mut s) => {
                if let Some((at, args)) = macro_args(&s.attrs, "process") {
                    s.attrs.remove(at);
                    let tokens = expand::process_items(args, &mut s)
                        .unwrap_or_else(|e| panic!("{file}: {e}"));
                    generated.extend(tokens);
                }
            }
            Item::Impl(mut i) => {
                if let Some((at, args)) = macro_args(&i.attrs, "handlers") {
                    i.attrs.remove(at);
                    let tokens = expand::handlers_items(args, &mut i)
                        .unwrap_or_else(|e| panic!("{file}: {e}"));
                    generated.extend(tokens);
                }
            }
            _ => {}
        }
    }
    assert!(!generated.is_empty(), "{file} has no macro items");
    let file: syn::File = syn::parse2(generated.into_token_stream())
        .unwrap_or_else(|e| panic!("{file}: the generated code does not parse: {e}"));
    prettyplease::unparse(&file)
}

macro_rules! snapshots {
    ($($name:ident => $file:literal,)*) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), expand_file($file));
        }
    )*};
}

snapshots! {
    example_ping => "examples/ping/src/lib.rs",
    example_counter => "examples/counter/src/lib.rs",
    example_kv_store => "examples/kv-store/src/lib.rs",
    example_game => "examples/game/src/lib.rs",
    example_auction => "examples/auction/src/lib.rs",
    blueprint_token => "blueprints/token/src/lib.rs",
    blueprint_chat => "blueprints/chat/src/lib.rs",
    blueprint_counter => "blueprints/counter/src/lib.rs",
    example_mixed => "examples/mixed/src/lib.rs",
}
