//! Reading the parts of an `Error` string back ([`Failure::parse`]): the one place that
//! knows the shapes the runtime writes (see [`crate::failure`]). Whatever the text, the
//! failure keeps it unchanged; a text of another shape has no parts.

use core::ops::Range;

use crate::failure::{Failure, INIT, WITHOUT_ACTION, WITH_ACTION};

/// The stages, as the text names them after `<prefix>: `.
const HANDLER: &str = "handler `";
const CONTINUATION: &str = "continuation `";
const TIMEOUT: &str = "the timeout of the wait for reference ";
const DEFAULT: &str = "default handler: ";
const AFTER: &str = "after the handlers: ";
const PANICKED: &str = "panicked: ";
const OUTPUT: &str = "the output would be ";
const STAGES: [&str; 7] = [
    HANDLER,
    CONTINUATION,
    TIMEOUT,
    DEFAULT,
    AFTER,
    PANICKED,
    OUTPUT,
];

/// The parts of `text`.
pub(crate) fn parse(text: String) -> Failure {
    if text.starts_with(INIT) {
        let at = INIT.len();
        if text[at..].starts_with(PANICKED) {
            return Failure::from_parts(text, None, None, None, at + PANICKED.len());
        }
        let (code, message) = error_value(&text, at);
        return Failure::from_parts(text, None, None, code, message);
    }
    let (action, stage_at) = if text.starts_with(WITH_ACTION) {
        // The action runs up to the first `: <stage>` (an action may hold `: ` itself).
        let from = WITH_ACTION.len();
        let stage = text[from..]
            .match_indices(": ")
            .map(|(i, _)| from + i)
            .find(|&i| STAGES.iter().any(|stage| text[i + 2..].starts_with(stage)));
        match stage {
            Some(i) => (Some(from..i), i + 2),
            None => return Failure::plain(text),
        }
    } else if text.starts_with(WITHOUT_ACTION) && text[WITHOUT_ACTION.len()..].starts_with(": ") {
        (None, WITHOUT_ACTION.len() + 2)
    } else {
        return Failure::plain(text);
    };
    let rest = &text[stage_at..];
    let mut handler = None;
    // Where the error value starts, or the message when there is no error value.
    let value_at = if rest.starts_with(HANDLER) {
        let name_at = stage_at + HANDLER.len();
        match text[name_at..].find("` failed: ") {
            Some(len) => {
                handler = Some(name_at..name_at + len);
                Some(name_at + len + "` failed: ".len())
            }
            None => None,
        }
    } else if rest.starts_with(CONTINUATION) {
        rest.find(") failed: ")
            .map(|i| stage_at + i + ") failed: ".len())
    } else if rest.starts_with(TIMEOUT) {
        rest.find(" failed: ")
            .map(|i| stage_at + i + " failed: ".len())
    } else if rest.starts_with(DEFAULT) {
        Some(stage_at + DEFAULT.len())
    } else if rest.starts_with(AFTER) {
        Some(stage_at + AFTER.len())
    } else if rest.starts_with(PANICKED) {
        let message = stage_at + PANICKED.len();
        return Failure::from_parts(text, action, None, None, message);
    } else {
        // The output limit: the rest is the message.
        return Failure::from_parts(text, action, None, None, stage_at);
    };
    match value_at {
        Some(at) => {
            let (code, message) = error_value(&text, at);
            Failure::from_parts(text, action, handler, code, message)
        }
        None => Failure::from_parts(text, action, None, None, stage_at),
    }
}

/// The code and where the message starts, for an error value at `at`: `[code] message`
/// (a code is ASCII letters, digits, `-` and `_`) or `message`.
fn error_value(text: &str, at: usize) -> (Option<Range<usize>>, usize) {
    let value = &text[at..];
    if let Some(inner) = value.strip_prefix('[') {
        if let Some(end) = inner.find("] ") {
            let code = &inner[..end];
            if !code.is_empty()
                && code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return (Some(at + 1..at + 1 + end), at + 1 + end + 2);
            }
        }
    }
    (None, at)
}
