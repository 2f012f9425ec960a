//! Why a message failed, as a structure: the handler, the action, the error value and its
//! stable code; written as AO's `Error` string on the wire.
//!
//! The runtime builds a [`Failure`] from its parts where the failure happens; the wire
//! carries only the text, and [`Outcome::from_json`](crate::Outcome::from_json) reads the
//! parts back from it with one parser (`Failure::parse`, in the codec). The text has these
//! shapes (`<error>` is the error value: `[<code>] <message>` when it has a stable code,
//! else `<message>`):
//!
//! | where | text |
//! | --- | --- |
//! | a handler | `` Error handling message with Action = <action>: handler `<name>` failed: <error> `` |
//! | a continuation | `` Error handling message with Action = <action>: continuation `<path>` (awaiting reference <n>) failed: <error> `` |
//! | a wait's timeout | `Error handling message with Action = <action>: the timeout of the wait for reference <n> failed: <error>` |
//! | the default handler | `Error handling message with Action = <action>: default handler: <error>` |
//! | after the handlers | `Error handling message with Action = <action>: after the handlers: <error>` |
//! | a panic (natively) | `Error handling message with Action = <action>: panicked: <text>` |
//! | too much output | `Error handling message with Action = <action>: the output would be more than ...` |
//! | the spawn | `Error initialising process: <error>` |
//! | bad input, no state | the input error's text |
//!
//! A message without `Action` reads `Error handling message without Action` in front.

use core::ops::Range;
use std::fmt;

use crate::error::Error;

/// In front of a failure while handling a message with an action.
pub(crate) const WITH_ACTION: &str = "Error handling message with Action = ";
/// In front of a failure while handling a message without one.
pub(crate) const WITHOUT_ACTION: &str = "Error handling message without Action";
/// In front of a failure of the spawn.
pub(crate) const INIT: &str = "Error initialising process: ";

/// Why a message failed: the `Error` string of its result and the parts it is made of.
///
/// It dereferences to the text, so `outcome.error.unwrap().contains("...")` reads as
/// before; the parts are [`Failure::action`], [`Failure::handler`], [`Failure::code`] and
/// [`Failure::message`]. Two failures are equal when their texts are (the text is what
/// the wire carries; the parts are read from it).
///
/// One pointer wide (its parts are boxed): the dispatcher passes `Result<_, Failure>` on
/// every message's path (docs/size.md, tenth round).
#[derive(Clone)]
pub struct Failure(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    text: String,
    action: Part,
    handler: Part,
    code: Part,
    /// Where the error value's message starts.
    message: u32,
}

/// As the derived `Debug` of the fields.
impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure")
            .field("text", &self.0.text)
            .field("action", &self.0.action)
            .field("handler", &self.0.handler)
            .field("code", &self.0.code)
            .field("message", &self.0.message)
            .finish()
    }
}

/// Where a part lies in the text (`u32` offsets keep a failure small; a text past 4 GiB
/// has no parts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part(Option<(u32, u32)>);

impl Part {
    fn of(range: Option<Range<usize>>) -> Part {
        Part(range.and_then(|r| Some((u32::try_from(r.start).ok()?, u32::try_from(r.end).ok()?))))
    }

    fn get<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.0
            .and_then(|(start, end)| text.get(start as usize..end as usize))
    }
}

/// Where in the handling of a message a failure happened (see the table in the module
/// docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage<'a> {
    /// The handler with this registry name.
    Handler(&'a str),
    /// A continuation awaiting a reply to `reference`.
    Continuation {
        /// The continuation's name.
        name: &'a str,
        /// The awaited reference.
        reference: u64,
    },
    /// The timeout continuation of the wait for `reference`.
    Timeout(u64),
    /// The default handler.
    Default,
    /// `Process::after_message` (the `patch@1.0` message).
    After,
    /// A panic (natively; in wasm a panic is a trap).
    Panic,
}

/// What [`Failure::handling_at`] does with the stage's words.
#[derive(Clone, Copy)]
enum Staged {
    /// The name is a handler's (a part of the failure).
    Handler,
    /// A panic: its text is the message, never a code.
    Panic,
    /// Anything else.
    Other,
}

impl Failure {
    /// A failure with no parts: the whole text is the message (input errors, a process
    /// without state). [`Failure::parse`] reads the parts a text has.
    pub fn plain(text: impl Into<String>) -> Self {
        Failure::from_parts(text.into(), None, None, None, 0)
    }

    /// The text up to the stage (`Error handling message with Action = <action>: `) and
    /// where the action lies in it.
    fn handling_prefix(action: Option<&str>, room: usize) -> (String, Option<Range<usize>>) {
        let mut text = String::with_capacity(96 + room);
        let (head, name) = match action {
            Some(a) => (WITH_ACTION, a),
            None => (WITHOUT_ACTION, ""),
        };
        let at = push_all(&mut text, &[head, name, ": "]);
        (text, action.map(|_| at[0]..at[1]))
    }

    /// A failure while handling a message with `action` (or none), at `stage`, with the
    /// error value `error`. A panic's text is its message, never a code.
    ///
    /// Inlined, so that each caller's constant `stage` picks its words at compile time: the
    /// words of a stage no caller names (a continuation's, in a module that never awaits)
    /// are not in the module.
    #[inline(always)]
    pub fn handling(action: Option<&str>, stage: Stage<'_>, error: &Error) -> Self {
        let reference;
        // `<head><name><tail>`: the name is the handler's, for a handler.
        let (head, name, tail) = match stage {
            Stage::Handler(name) => ("handler `", name, "` failed: "),
            Stage::Continuation { name, reference: r } => {
                reference = format!("` (awaiting reference {r}) failed: ");
                ("continuation `", name, reference.as_str())
            }
            Stage::Timeout(r) => {
                reference = crate::outbox::decimal(r);
                (
                    "the timeout of the wait for reference ",
                    reference.as_str(),
                    " failed: ",
                )
            }
            Stage::Default => ("default handler: ", "", ""),
            Stage::After => ("after the handlers: ", "", ""),
            Stage::Panic => ("panicked: ", "", ""),
        };
        let kind = match stage {
            Stage::Handler(_) => Staged::Handler,
            Stage::Panic => Staged::Panic,
            _ => Staged::Other,
        };
        Failure::handling_at(action, [head, name, tail], kind, error)
    }

    fn handling_at(action: Option<&str>, words: [&str; 3], kind: Staged, error: &Error) -> Self {
        let (mut text, action) = Failure::handling_prefix(action, error.message().len());
        let at = push_all(&mut text, &words);
        let handler = matches!(kind, Staged::Handler).then(|| at[0]..at[1]);
        if let Staged::Panic = kind {
            let message = text.len();
            text.push_str(error.message());
            return Failure::from_parts(text, action, None, None, message);
        }
        let (code, message) = push_error(&mut text, error);
        Failure::from_parts(text, action, handler, code, message)
    }

    /// A failure while handling a message with `action` (or none) that is no error value:
    /// `what` says what happened (the output limit).
    pub fn handling_text(action: Option<&str>, what: &str) -> Self {
        let (mut text, action) = Failure::handling_prefix(action, what.len());
        let message = text.len();
        text.push_str(what);
        Failure::from_parts(text, action, None, None, message)
    }

    /// A failure of the spawn: the process' init returned `error`.
    pub fn init(error: &Error) -> Self {
        let mut text = INIT.to_owned();
        let (code, message) = push_error(&mut text, error);
        Failure::from_parts(text, None, None, code, message)
    }

    /// A failure of the spawn: the process' init panicked with `panic` (natively).
    pub fn init_panicked(panic: &str) -> Self {
        let mut text = format!("{INIT}panicked: ");
        let message = text.len();
        text.push_str(panic);
        Failure::from_parts(text, None, None, None, message)
    }

    /// Reads the parts of an `Error` string (the codec's one parser; see the module
    /// docs). Whatever the text, [`Failure::text`] gives it back unchanged.
    pub fn parse(text: impl Into<String>) -> Self {
        crate::json::failure::parse(text.into())
    }

    /// A failure from its text and where its parts lie in it.
    pub(crate) fn from_parts(
        text: String,
        action: Option<Range<usize>>,
        handler: Option<Range<usize>>,
        code: Option<Range<usize>>,
        message: usize,
    ) -> Self {
        Failure(Box::new(Inner {
            action: Part::of(action),
            handler: Part::of(handler),
            code: Part::of(code),
            message: u32::try_from(message).unwrap_or(0),
            text,
        }))
    }

    /// The `Error` string, as the wire carries it.
    pub fn text(&self) -> &str {
        &self.0.text
    }

    /// The `Error` string.
    pub fn into_text(self) -> String {
        self.0.text
    }

    /// The `Action` of the message whose handling failed, when it had one.
    pub fn action(&self) -> Option<&str> {
        self.0.action.get(&self.0.text)
    }

    /// The registry name of the handler that failed, when a handler did.
    pub fn handler(&self) -> Option<&str> {
        self.0.handler.get(&self.0.text)
    }

    /// The stable code of the error value ([`Error::with_code`], [`Error::coded`]).
    pub fn code(&self) -> Option<&str> {
        self.0.code.get(&self.0.text)
    }

    /// The error value's message, without its code.
    pub fn message(&self) -> &str {
        self.0.text.get(self.0.message as usize..).unwrap_or("")
    }
}

/// Appends `pieces`, returning where each one after the first starts (and the end).
fn push_all<const N: usize>(text: &mut String, pieces: &[&str; N]) -> [usize; N] {
    let mut at = [0; N];
    for (i, piece) in pieces.iter().enumerate() {
        text.push_str(piece);
        at[i] = text.len();
    }
    at
}

/// Appends the error value (`[code] message`), returning where the code and the message
/// lie.
fn push_error(text: &mut String, error: &Error) -> (Option<Range<usize>>, usize) {
    let code = error.code().map(|c| {
        let at = push_all(text, &["[", c, "] "]);
        at[0]..at[1]
    });
    let message = text.len();
    text.push_str(error.message());
    (code, message)
}

impl Eq for Failure {}

impl PartialEq for Failure {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl core::ops::Deref for Failure {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0.text
    }
}

impl AsRef<str> for Failure {
    fn as_ref(&self) -> &str {
        &self.0.text
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.text)
    }
}

/// Reads the parts of the text ([`Failure::parse`]).
impl From<String> for Failure {
    fn from(text: String) -> Self {
        Failure::parse(text)
    }
}

/// Reads the parts of the text ([`Failure::parse`]).
impl From<&str> for Failure {
    fn from(text: &str) -> Self {
        Failure::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_parts(a: &Failure, b: &Failure) {
        assert_eq!(a.text(), b.text());
        assert_eq!(a.action(), b.action(), "{}", a.text());
        assert_eq!(a.handler(), b.handler(), "{}", a.text());
        assert_eq!(a.code(), b.code(), "{}", a.text());
        assert_eq!(a.message(), b.message(), "{}", a.text());
    }

    #[test]
    fn every_shape_the_runtime_writes_reads_back_with_its_parts() {
        let coded = Error::with_code("insufficient-balance", "Insufficient Balance!");
        let plain = Error::msg("tag `By` has value \"x\": a: b");
        let mut built = Vec::new();
        for action in [Some("Transfer"), Some("Odd: action [x] `y`"), None] {
            for error in [&coded, &plain] {
                for stage in [
                    Stage::Handler("token.transfer"),
                    Stage::Handler("a handler: with `odd` name"),
                    Stage::Continuation {
                        name: "auction::Auction::paid::{{closure}}",
                        reference: 7,
                    },
                    Stage::Timeout(3),
                    Stage::Default,
                    Stage::After,
                    Stage::Panic,
                ] {
                    built.push(Failure::handling(action, stage, error));
                }
            }
            built.push(Failure::handling_text(
                action,
                "the output would be more than 5 bytes, over the limit of 4",
            ));
        }
        built.push(Failure::init(&coded));
        built.push(Failure::init(&plain));
        built.push(Failure::init_panicked("[x] boom"));
        built.push(Failure::plain("message is not valid JSON-1: eof"));
        for f in &built {
            same_parts(f, &Failure::parse(f.text()));
        }
        let panic = Failure::handling(Some("X"), Stage::Panic, &Error::msg("[not-a-code] boom"));
        same_parts(&panic, &Failure::parse(panic.text()));
        assert_eq!(panic.code(), None);
        assert_eq!(panic.message(), "[not-a-code] boom");
        let f = &built[0];
        assert_eq!(
            f.text(),
            "Error handling message with Action = Transfer: handler `token.transfer` failed: \
             [insufficient-balance] Insufficient Balance!"
        );
        assert_eq!(f.action(), Some("Transfer"));
        assert_eq!(f.handler(), Some("token.transfer"));
        assert_eq!(f.code(), Some("insufficient-balance"));
        assert_eq!(f.message(), "Insufficient Balance!");
    }

    #[test]
    fn any_text_reads_back_unchanged() {
        for text in [
            "",
            "[code] alone",
            "Error handling message with Action = ",
            "Error handling message with Action = X",
            "Error handling message with Action = X: handler `h",
            "Error handling message without Action: handler `h` failed: [bad code] x",
            "Error initialising process: [c-1] no",
            "ends with [x]",
        ] {
            let f = Failure::parse(text);
            assert_eq!(f.text(), text);
            assert_eq!(&*f, text);
        }
        assert_eq!(
            Failure::parse("Error initialising process: [c-1] no").code(),
            Some("c-1")
        );
        assert_eq!(
            Failure::parse(
                "Error handling message without Action: handler `h` failed: [bad code] x"
            )
            .code(),
            None
        );
    }

    /// One pointer wide; `Debug` as the derive wrote the fields.
    #[test]
    fn failure_is_a_pointer_with_the_fields_debug() {
        assert_eq!(
            std::mem::size_of::<Result<(), Failure>>(),
            std::mem::size_of::<usize>()
        );
        let failure = Failure::from_parts("ab".to_owned(), Some(0..1), None, None, 1);
        assert_eq!(
            format!("{failure:?}"),
            r#"Failure { text: "ab", action: Part(Some((0, 1))), handler: Part(None), code: Part(None), message: 1 }"#
        );
        assert_eq!((failure.action(), failure.message()), (Some("a"), "b"));
    }
}
