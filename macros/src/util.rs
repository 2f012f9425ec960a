//! Small helpers shared by the passes: error accumulation, naming, type text, JSON text.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// Collects every error so the user sees them all at once.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds an error.
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// Adds an error at `span`.
    pub fn at(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }

    /// Adds an error spanning `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, msg: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, msg));
    }

    /// `Ok(())` or the combined error.
    pub fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// `tokens` with every span set to `span` (groups included), so that every diagnostic
/// about them points at `span` alone.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(g) = &tree {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tree = TokenTree::Group(group);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// The tag name of a parameter: Title-Case words joined with hyphens (`x_memo` -> `X-Memo`).
pub fn title_case(ident: &str) -> String {
    let ident = ident.strip_prefix("r#").unwrap_or(ident);
    ident
        .trim_start_matches('_')
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The patch key of a field: lower case words joined with hyphens (`token_info` -> `token-info`).
pub fn kebab_case(ident: &str) -> String {
    let ident = ident.strip_prefix("r#").unwrap_or(ident);
    ident
        .trim_start_matches('_')
        .to_lowercase()
        .replace('_', "-")
}

/// A type as people write it: `Option<u64>`, `&'static str`, `aoxide::Address`.
pub fn type_text(ty: &impl ToTokens) -> String {
    let mut out = String::new();
    write_tokens(&mut out, ty.to_token_stream());
    out
}

fn write_tokens(out: &mut String, tokens: TokenStream) {
    for tt in tokens {
        match tt {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(out, g.stream());
                out.push_str(close);
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                if c == ',' || c == ';' {
                    out.push(c);
                    out.push(' ');
                } else if c == '\'' {
                    if wordish(out) {
                        out.push(' ');
                    }
                    out.push(c);
                } else {
                    out.push(c);
                }
            }
            TokenTree::Ident(i) => {
                if wordish(out) {
                    out.push(' ');
                }
                out.push_str(&i.to_string());
            }
            TokenTree::Literal(l) => {
                if wordish(out) {
                    out.push(' ');
                }
                out.push_str(&l.to_string());
            }
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
}

fn wordish(out: &str) -> bool {
    out.chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The doc comment of an item, one line per `///` line, common indentation removed.
pub fn doc_of(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// Minimal JSON writer for the metadata the macros embed (no serde in a proc-macro).
pub mod json {
    /// A JSON string literal.
    pub fn string(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// An object from already-encoded members, skipping `None`s.
    pub fn object(members: Vec<(&str, Option<String>)>) -> String {
        let body: Vec<String> = members
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{}:{}", string(k), v)))
            .collect();
        format!("{{{}}}", body.join(","))
    }

    /// An array from already-encoded items.
    pub fn array(items: Vec<String>) -> String {
        format!("[{}]", items.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names() {
        assert_eq!(title_case("by"), "By");
        assert_eq!(title_case("x_memo"), "X-Memo");
        assert_eq!(title_case("_reply_to"), "Reply-To");
        assert_eq!(title_case("r#type"), "Type");
        assert_eq!(kebab_case("token_info"), "token-info");
    }

    #[test]
    fn type_texts() {
        let t: syn::Type = syn::parse_quote!(Option<u64>);
        assert_eq!(type_text(&t), "Option<u64>");
        let t: syn::Type = syn::parse_quote!(&'static str);
        assert_eq!(type_text(&t), "&'static str");
        let t: syn::Type = syn::parse_quote!(aoxide::state::Map<String, (u8, u16)>);
        assert_eq!(type_text(&t), "aoxide::state::Map<String, (u8, u16)>");
        let t: syn::Type = syn::parse_quote!([u8; 4]);
        assert_eq!(type_text(&t), "[u8; 4]");
    }

    #[test]
    fn json_escapes() {
        assert_eq!(json::string("a\"b\n"), r#""a\"b\n""#);
        assert_eq!(
            json::object(vec![("a", Some("1".into())), ("b", None)]),
            r#"{"a":1}"#
        );
    }
}
