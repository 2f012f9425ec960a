//! Checks on the IR that need more than one handler (or one parameter list) at a time.

use proc_macro2::Span;

use crate::ir::*;
use crate::util::Errors;

/// Validates the handlers of one impl.
pub fn handlers(def: &HandlersDef, errors: &mut Errors) {
    for h in def.init.iter().chain(&def.handlers).chain(&def.default) {
        params(h, errors);
    }
    for h in &def.handlers {
        if h.kind == Kind::Handler
            && h.opts.action.is_none()
            && h.opts.tags.is_empty()
            && h.opts.when.is_none()
            && h.opts.when_self.is_none()
            && !h.opts.continues
        {
            errors.at(
                h.span,
                format!(
                    "handler `{}` would take every message: add `action = \"...\"`, `tags(..)` or `when = ..`; for a catch-all write #[default], for an observer that lets others run add `continue`",
                    h.name
                ),
            );
        }
    }

    // Registry names are unique: adding a name twice replaces the first entry.
    for (j, b) in def.handlers.iter().enumerate() {
        if let Some(a) = def.handlers[..j].iter().find(|a| a.name == b.name) {
            errors.at(
                name_span(b),
                format!(
                    "two handlers are named `{}`; give this one another `name = \"...\"`",
                    b.name
                ),
            );
            errors.at(
                name_span(a),
                format!("the first handler named `{}` is here", a.name),
            );
        }
    }

    // A field holds one part.
    for (j, b) in def.mounts.iter().enumerate() {
        if def.mounts[..j].iter().any(|a| a.field == b.field) {
            errors.at(
                b.field.span(),
                format!("`{}` is mounted twice: a field holds one part", b.field),
            );
        }
    }

    // Positions must name another handler of this impl, of a mounted blueprint, or (with
    // a live part mounted) a handler that may appear at run time: that placement waits
    // for it (`Registry::place`).
    let live: Vec<_> = def.mounts.iter().filter(|m| m.is_live()).collect();
    for h in &def.handlers {
        if let Some(order) = &h.opts.order {
            let (target, span) = order.target();
            let key = match order {
                Order::Before(..) => "before",
                Order::After(..) => "after",
            };
            if let Some((part, name)) = target.split_once('.') {
                match def.mounts.iter().find(|m| m.field == part) {
                    // A handler of a mounted blueprint (`token.transfer`): placed when
                    // registered.
                    Some(m) if !m.is_live() => {}
                    Some(m) => errors.at(span, format!(
                        "the handlers of the live part `{}` keep the names its code gives them (not `{part}.` in front): write `{key} = \"{name}\"`",
                        m.field
                    )),
                    None if !live.is_empty() => {}
                    None => {
                        let fields: Vec<_> = def
                            .mounts
                            .iter()
                            .map(|m| format!("`{}`", m.field))
                            .collect();
                        errors.at(span, format!(
                            "`{target}` names a handler of a mounted part, but no part is mounted on `{part}`; mounted: {}",
                            if fields.is_empty() { format!("(none: add mount({part} = Type) to #[aoxide::handlers])") } else { fields.join(", ") }
                        ));
                    }
                }
            } else if target == h.name {
                errors.at(span, "a handler cannot be placed relative to itself");
            } else if !def.handlers.iter().any(|o| o.name == target) && live.is_empty() {
                let names: Vec<_> = def
                    .handlers
                    .iter()
                    .filter(|o| o.name != h.name)
                    .map(|o| format!("`{}`", o.name))
                    .collect();
                errors.at(
                    span,
                    format!(
                        "no handler named `{target}` in this impl; the handlers are: {}",
                        if names.is_empty() {
                            "(none)".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                );
            }
        }
    }

    // Two handlers competing for the same messages need an explicit order.
    for (j, b) in def.handlers.iter().enumerate() {
        let Some(key) = b.competes_on() else { continue };
        let Some(a) = def.handlers[..j]
            .iter()
            .find(|a| a.competes_on().as_deref() == Some(key.as_str()))
        else {
            continue;
        };
        let ordered = a.opts.order.is_some() || b.opts.order.is_some() || a.opts.continues;
        if ordered {
            continue;
        }
        let what = if b.kind == Kind::Cron {
            "cron ticks".to_owned()
        } else {
            format!("Action = \"{key}\"")
        };
        errors.at(
            competing_span(b),
            format!(
                "`{}` is a second handler for {what}: `{}` above takes these messages first and stops the walk, so the order matters; say it: add `after = \"{}\"` (or `before = \"{}\"`) here, or `continue` to `{}` to run both",
                b.name, a.name, a.name, a.name, a.name
            ),
        );
        errors.at(
            competing_span(a),
            format!("note: the first handler for {what} is `{}`, here", a.name),
        );
    }
}

fn name_span(h: &HandlerDef) -> Span {
    h.opts
        .name
        .as_ref()
        .map(|(_, s)| *s)
        .unwrap_or(h.method.span())
}

fn competing_span(h: &HandlerDef) -> Span {
    h.opts.action.as_ref().map(|(_, s)| *s).unwrap_or(h.span)
}

fn params(h: &HandlerDef, errors: &mut Errors) {
    let (mut ctx, mut msg, mut data) = (0, 0, 0);
    let mut tags: Vec<(&str, Span)> = Vec::new();
    for p in &h.params {
        match p {
            Param::Ctx { .. } => ctx += 1,
            Param::Message => msg += 1,
            Param::Part { .. } => {}
            Param::Data { ty } => {
                data += 1;
                if data == 2 {
                    errors.spanned(ty, "only one parameter can be #[data]");
                }
            }
            Param::Tag(t) => {
                if let Some((_, first)) = tags.iter().find(|(n, _)| *n == t.tag) {
                    errors.at(
                        t.tag_span,
                        format!("tag `{}` is read twice; rename one parameter or use #[tag(\"Other-Name\")]", t.tag),
                    );
                    errors.at(*first, format!("note: tag `{}` is first read here", t.tag));
                } else {
                    tags.push((&t.tag, t.tag_span));
                }
            }
        }
    }
    if ctx > 1 {
        errors.at(
            h.method.span(),
            format!(
                "`{}` takes the context twice: keep one `&mut Ctx`",
                h.method
            ),
        );
    }
    if msg > 1 {
        errors.at(
            h.method.span(),
            format!(
                "`{}` takes the message twice: keep one `&Message`",
                h.method
            ),
        );
    }
}

/// Validates a process struct.
pub fn process(def: &ProcessDef, errors: &mut Errors) {
    let mut keys: Vec<&str> = Vec::new();
    for f in &def.fields {
        if let Some(k) = &f.patch {
            if k == "device" {
                errors.spanned(&f.ty, "the patch key `device` is taken by the `device = patch@1.0` tag: use #[patch(\"other-key\")]");
            }
            if keys.contains(&k.as_str()) {
                errors.spanned(&f.ty, format!("two fields are published under patch key `{k}`: rename one with #[patch(\"key\")]"));
            }
            keys.push(k);
        }
    }
}
