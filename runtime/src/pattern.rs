//! Which messages a handler takes: AOS match rules.

use std::fmt;
use std::rc::Rc;

use crate::message::Message;

/// What a pattern decided, with AOS meanings: `Break` (true, -1, "break") runs the handler
/// and stops the walk; `Continue` (1, "continue") runs it and goes on; `Skip` (false, 0,
/// "skip") passes it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Do not run this handler.
    Skip,
    /// Run it, then stop.
    Break,
    /// Run it, then keep walking.
    Continue,
}

impl From<bool> for Match {
    fn from(b: bool) -> Self {
        if b {
            Match::Break
        } else {
            Match::Skip
        }
    }
}

/// A predicate over a field value and the whole message.
pub type ValueTest = Rc<dyn Fn(&str, &Message) -> bool>;

/// A rule for one field of the message.
#[derive(Clone)]
pub enum Rule {
    /// `'_'`: the field must be present, any value.
    Any,
    /// Equal to this text, ignoring ASCII case.
    Equals(String),
    /// One of these rules.
    OneOf(Vec<Rule>),
    /// A function of the value and the message.
    Test(ValueTest),
}

impl Rule {
    /// A rule from AOS spec text: `"_"` is [`Rule::Any`], anything else [`Rule::Equals`].
    pub fn spec(text: &str) -> Self {
        if text == "_" {
            Rule::Any
        } else {
            Rule::Equals(text.to_owned())
        }
    }

    fn matches(&self, value: &str, msg: &Message) -> bool {
        match self {
            Rule::Any => true,
            Rule::Equals(expected) => expected.eq_ignore_ascii_case(value),
            Rule::OneOf(rules) => rules.iter().any(|r| r.matches(value, msg)),
            Rule::Test(f) => f(value, msg),
        }
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Any => f.write_str("_"),
            Rule::Equals(s) => write!(f, "{s:?}"),
            Rule::OneOf(r) => f.debug_list().entries(r).finish(),
            Rule::Test(_) => f.write_str("<fn>"),
        }
    }
}

impl From<&str> for Rule {
    fn from(s: &str) -> Self {
        Rule::spec(s)
    }
}

/// A handler's pattern.
#[derive(Clone)]
pub enum Pattern {
    /// The `Action` tag equals this text exactly (AOS' 2-argument `Handlers.add`).
    Action(String),
    /// Every listed field matches its rule. Fields are tags, or the message fields `From`,
    /// `Owner`, `Id`, `Target`, `Data`.
    Fields(Vec<(String, Rule)>),
    /// A function deciding directly.
    Test(Rc<dyn Fn(&Message) -> Match>),
    /// Every message.
    Always,
    /// Every sub-pattern must match; the last decides between break and continue.
    All(Vec<Pattern>),
}

impl Pattern {
    /// Matches `Action = action`.
    pub fn action(action: impl Into<String>) -> Self {
        Pattern::Action(action.into())
    }

    /// Matches when each `(field, rule)` holds.
    pub fn fields<K: Into<String>, R: Into<Rule>>(rules: impl IntoIterator<Item = (K, R)>) -> Self {
        Pattern::Fields(
            rules
                .into_iter()
                .map(|(k, r)| (k.into(), r.into()))
                .collect(),
        )
    }

    /// Matches with a function returning a bool (true = break) or a [`Match`].
    pub fn test<M: Into<Match>>(f: impl Fn(&Message) -> M + 'static) -> Self {
        Pattern::Test(Rc::new(move |m| f(m).into()))
    }

    /// Decides for `msg`.
    pub fn evaluate(&self, msg: &Message) -> Match {
        match self {
            Pattern::Action(a) => (msg.action() == Some(a.as_str())).into(),
            Pattern::Fields(rules) => rules
                .iter()
                .all(|(field, rule)| match field_value(msg, field) {
                    Some(v) => rule.matches(v, msg),
                    None => false,
                })
                .into(),
            Pattern::Test(f) => f(msg),
            Pattern::Always => Match::Break,
            Pattern::All(parts) => {
                let mut last = Match::Break;
                for p in parts {
                    last = p.evaluate(msg);
                    if last == Match::Skip {
                        return Match::Skip;
                    }
                }
                last
            }
        }
    }

    /// The action this pattern is keyed on, if it is a plain action match (or a field rule
    /// `Action = x`). Used for metadata and duplicate checks.
    pub fn action_name(&self) -> Option<&str> {
        match self {
            Pattern::Action(a) => Some(a),
            Pattern::Fields(rules) => rules.iter().find_map(|(k, r)| match r {
                Rule::Equals(v) if k == "Action" => Some(v.as_str()),
                _ => None,
            }),
            Pattern::All(parts) => parts.iter().find_map(Pattern::action_name),
            _ => None,
        }
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Action(a) => write!(f, "Action = {a:?}"),
            Pattern::Fields(r) => f
                .debug_map()
                .entries(r.iter().map(|(k, v)| (k, v)))
                .finish(),
            Pattern::Test(_) => f.write_str("<fn>"),
            Pattern::Always => f.write_str("<always>"),
            Pattern::All(p) => f.debug_list().entries(p).finish(),
        }
    }
}

/// Looks a field up as AOS does on `msg[key]`: tags first, then the message fields.
pub fn field_value<'m>(msg: &'m Message, field: &str) -> Option<&'m str> {
    if let Some(v) = msg.get(field) {
        return Some(v);
    }
    match field {
        "From" => Some(&msg.from),
        "Owner" => Some(&msg.owner),
        "Id" => msg.id.as_deref(),
        "Target" => msg.target.as_deref(),
        "Data" => Some(&msg.data),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> Message {
        Message::new("ALICE")
            .with_action("Transfer")
            .with_tag("Recipient", "BOB")
            .with_data("hello")
    }

    #[test]
    fn action_is_exact() {
        assert_eq!(Pattern::action("Transfer").evaluate(&msg()), Match::Break);
        assert_eq!(Pattern::action("transfer").evaluate(&msg()), Match::Skip);
    }

    #[test]
    fn field_rules_ignore_case_and_support_wildcards() {
        let p = Pattern::fields([("Action", "transfer"), ("Recipient", "_")]);
        assert_eq!(p.evaluate(&msg()), Match::Break);
        let missing = Pattern::fields([("Quantity", "_")]);
        assert_eq!(missing.evaluate(&msg()), Match::Skip);
        let from = Pattern::fields([("From", "alice"), ("Data", "HELLO")]);
        assert_eq!(from.evaluate(&msg()), Match::Break);
    }

    #[test]
    fn alternatives_and_functions() {
        let p = Pattern::Fields(vec![(
            "Action".into(),
            Rule::OneOf(vec![Rule::spec("Credit-Notice"), Rule::spec("Transfer")]),
        )]);
        assert_eq!(p.evaluate(&msg()), Match::Break);
        let f = Pattern::Fields(vec![(
            "Recipient".into(),
            Rule::Test(Rc::new(|v, m| v.len() == 3 && m.from == "ALICE")),
        )]);
        assert_eq!(f.evaluate(&msg()), Match::Break);
        let cont = Pattern::test(|m: &Message| {
            if m.data.is_empty() {
                Match::Skip
            } else {
                Match::Continue
            }
        });
        assert_eq!(cont.evaluate(&msg()), Match::Continue);
        assert_eq!(
            Pattern::test(|_: &Message| false).evaluate(&msg()),
            Match::Skip
        );
    }

    #[test]
    fn all_requires_each_part() {
        let p = Pattern::All(vec![
            Pattern::action("Transfer"),
            Pattern::test(|_: &Message| Match::Continue),
        ]);
        assert_eq!(p.evaluate(&msg()), Match::Continue);
        assert_eq!(p.action_name(), Some("Transfer"));
        let q = Pattern::All(vec![Pattern::action("Other"), Pattern::Always]);
        assert_eq!(q.evaluate(&msg()), Match::Skip);
    }
}
