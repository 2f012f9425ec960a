//! Errors: what a handler returns, and what is wrong with host input.

use std::fmt;

/// The error a handler returns. Any `std::error::Error` converts into it with `?`; build
/// one from text with [`Error::msg`] or the [`fail!`](crate::fail) macro.
///
/// The runtime turns it into the `{"Error": ...}` result, naming the action and the
/// handler, and leaves the process state as it was before the message.
///
/// One pointer wide (the message and the code are boxed): every `?` on a handler's
/// `Result<_, Error>` checks and passes one word (docs/size.md, tenth round).
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    message: String,
    code: Option<String>,
}

/// As the derived `Debug` of the fields: `Error { message: "...", code: None }`.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("message", &self.0.message)
            .field("code", &self.0.code)
            .finish()
    }
}

impl Error {
    /// An error with this message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::written(&message, None)
    }

    /// The one out-of-line builder: every type `msg` and `with_code` are called with
    /// shares its copy of the formatting (inlined per type, it was 500 to 600 bytes of each
    /// module per type). Through `format!` (std's `format_inner`), not `to_string`, whose
    /// inlined `Formatter` over a `String` is larger and brings a copy of `String`'s
    /// `fmt::Write` methods of its own (docs/size.md, tenth round).
    #[inline(never)]
    fn written(message: &dyn fmt::Display, code: Option<String>) -> Self {
        Error(Box::new(Inner {
            message: format!("{message}"),
            code,
        }))
    }

    /// An error with a stable code (for clients) and a message. A code is ASCII letters,
    /// digits, `-` and `_` (`insufficient-balance`): the wire writes it as `[code]` in front
    /// of the message, and [`crate::Failure::code`] reads it back only in that form.
    pub fn with_code(code: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::written(&message, Some(code.into()))
    }

    /// An error from a value with a stable code ([`crate::ErrorCode`]): the code goes with
    /// the message, so a typed client gives the value back.
    pub fn coded<E: crate::ErrorCode + fmt::Display>(error: E) -> Self {
        Error::with_code(error.code(), error)
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The code, if one was given.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.code {
            Some(code) => write!(f, "[{code}] {}", self.0.message),
            None => f.write_str(&self.0.message),
        }
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Self {
        Error::msg(e)
    }
}

/// Returns early from a handler with an [`Error`] built like `format!`.
///
/// ```
/// fn check(n: u64) -> aoxide::Result<()> {
///     if n == 0 {
///         aoxide::fail!("Quantity must be greater than 0, got {n}");
///     }
///     Ok(())
/// }
/// assert!(check(0).is_err());
/// ```
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        return ::core::result::Result::Err($crate::Error::msg(::std::format!($($arg)*)))
    };
}

/// What is wrong with the bytes a host passed in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not UTF-8.
    #[error("{what} is not valid UTF-8 (first bad byte at offset {offset})")]
    Utf8 {
        /// "message" or "env".
        what: &'static str,
        /// Where the valid prefix ends.
        offset: usize,
    },
    /// Not JSON of the expected shape (aoxide's reader).
    #[error("{what} is not valid JSON-1: {error} at byte {at}")]
    Json {
        /// "message" or "env".
        what: &'static str,
        /// What is wrong.
        error: JsonError,
        /// The byte offset where the reader found it.
        at: usize,
    },
    /// Not JSON of the expected shape, as the serde reference reader words it (native
    /// builds only: the differential tests compare aoxide's reader with it).
    #[cfg(not(target_arch = "wasm32"))]
    #[error("{what} is not valid JSON-1: {reason}")]
    Reference {
        /// "message" or "env".
        what: &'static str,
        /// serde_json's reason.
        reason: String,
    },
    /// Null, empty, or not an object.
    #[error("{what} must be a JSON object")]
    NotAnObject {
        /// "message" or "env".
        what: &'static str,
    },
    /// A required part is missing.
    #[error("{what} has no {field}")]
    MissingField {
        /// "message" or "env".
        what: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// A tag with an empty or missing name.
    #[error("tag #{index} has an empty name")]
    EmptyTagName {
        /// Position of the tag.
        index: usize,
    },
    /// The input is larger than the process accepts.
    #[error("{what} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// "message" or "env".
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

/// What aoxide's JSON-1 reader found wrong with a message or an env (the wording is
/// aoxide's own; the lenient rules are in [`crate::protocol`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// The input ends inside a value.
    #[error("unexpected end of input")]
    End,
    /// Something else stands where the grammar needs this (`"a value"`, `` "`:`" ``, ...).
    #[error("expected {0}")]
    Expected(&'static str),
    /// Something other than whitespace follows the object.
    #[error("trailing characters")]
    Trailing,
    /// Not a JSON number (`01`, `1.`, `-`, `1e`).
    #[error("invalid number")]
    InvalidNumber,
    /// A number too large for a double (`1e400`).
    #[error("number out of range")]
    OutOfRange,
    /// A backslash escape JSON does not have, or a `\u` without four hex digits.
    #[error("invalid escape")]
    InvalidEscape,
    /// A raw control character (U+0000 to U+001F) inside a string.
    #[error("control character in a string")]
    ControlCharacter,
    /// Arrays and objects nested deeper than the reader follows (serde_json's limit: 128
    /// levels, counted from the message object).
    #[error("nested too deeply")]
    TooDeep,
    /// A field given twice.
    #[error("duplicate field `{0}`")]
    Duplicate(&'static str),
    /// A field whose value has a type the field cannot take.
    #[error("`{field}` must be {expected}")]
    Type {
        /// The field.
        field: &'static str,
        /// What it accepts.
        expected: &'static str,
    },
    /// A number field given as a string that is not only ASCII digits.
    #[error("expected an integer, got \"{0}\"")]
    NotDigits(String),
    /// A flag field given as a string that is not a flag.
    #[error("expected a boolean, got \"{0}\"")]
    NotAFlag(String),
    /// A number field given a negative or fractional number, or one of 1.8e19 or more
    /// (the number's text as sent).
    #[error("expected a non-negative integer, got {0}")]
    NotNonNegative(String),
}

/// Text that is not one JSON value ([`json_value`](crate::json_value)): what is wrong and
/// the byte offset where the reader found it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error} at byte {at}")]
pub struct JsonTextError {
    /// What is wrong.
    pub error: JsonError,
    /// Where.
    pub at: usize,
}

/// Why a value could not be written as JSON ([`to_json_text`](crate::to_json_text), the
/// state view, `Json` replies): what serde_json's serializer refuses too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonWriteError {
    /// A map key that JSON cannot hold as a string (a sequence, a map, a struct, bytes,
    /// `None`, `()`).
    #[error("a map key must be a string, a number, a bool or a char")]
    KeyMustBeAString,
    /// A float map key that is NaN or infinite.
    #[error("a float map key must be finite")]
    FloatKeyMustBeFinite,
    /// The value's `Serialize` impl failed, with its message.
    #[error("{0}")]
    Custom(String),
}

/// What is wrong with a result a module returned (read by hosts: [`Outcome::from_json`]).
///
/// [`Outcome::from_json`]: crate::Outcome::from_json
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultError {
    /// Not JSON.
    #[error("the module returned invalid JSON: {0}")]
    Json(String),
    /// No `response` in the envelope.
    #[error("the module's result has no response")]
    NoResponse,
    /// `ok` is not `true`; carries the response as JSON text.
    #[error("the module returned ok: false: {0}")]
    NotOk(String),
    /// The response is not an outcome; says which part.
    #[error("the module's response is not an outcome: {0}")]
    Shape(String),
}

#[cfg(test)]
mod tests {
    use super::Error;

    /// One pointer wide, and written by `Debug` as the derive wrote the two fields.
    #[test]
    fn error_is_a_pointer_with_the_fields_debug() {
        assert_eq!(
            std::mem::size_of::<Result<(), Error>>(),
            std::mem::size_of::<usize>()
        );
        assert_eq!(
            format!("{:?}", Error::with_code("a-code", "the text")),
            r#"Error { message: "the text", code: Some("a-code") }"#
        );
        assert_eq!(
            format!("{:?}", Error::msg(7)),
            r#"Error { message: "7", code: None }"#
        );
        let e = Error::with_code("c", "m");
        assert_eq!(e.clone(), e);
        assert_eq!((e.message(), e.code()), ("m", Some("c")));
        assert_eq!(e.to_string(), "[c] m");
    }
}
