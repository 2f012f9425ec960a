//! The token level of aoxide's JSON-1 reader: whitespace, strings, numbers
//! ([`super::number`]), arrays and objects, values built as `serde_json::Value`, values
//! skipped. The grammar is serde_json's (RFC 8259: no comments, no trailing commas, no
//! control characters in strings), and so are the nesting limit and the numbers; lone
//! UTF-16 surrogate escapes read as U+FFFD ([`crate::protocol`]).
//!
//! Every method answers `None` on malformed input and records why and where (the first
//! failure only): the callers chain them with `?` and turn the record into an
//! [`InputError`] once, at the end.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::number::{self, Number};
use crate::error::{InputError, JsonError};

/// Arrays and objects that may be open at once, the message or env object included:
/// serde_json's recursion limit (the 128th fails).
const DEPTH: u8 = 128;

/// A value at the reader's position: scalars read, arrays and objects not yet entered.
pub(crate) enum Item<'a> {
    Null,
    Bool(bool),
    /// A number and where its text starts.
    Num(Number, usize),
    Str(Cow<'a, str>),
    Array,
    Object,
}

pub(crate) struct Reader<'a> {
    /// The input; a NUL byte ends it, as the host's C string would.
    bytes: &'a [u8],
    at: usize,
    /// How many more arrays and objects may open.
    depth: u8,
    /// Why and where reading failed.
    failed: Option<(JsonError, usize)>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            at: 0,
            depth: DEPTH,
            failed: None,
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Records why reading stops here (the first reason counts).
    #[cold]
    #[inline(never)]
    pub(crate) fn fail<T>(&mut self, error: JsonError) -> Option<T> {
        let error = match (self.peek(), error) {
            (None, JsonError::Expected(_)) => JsonError::End,
            (_, error) => error,
        };
        self.failed.get_or_insert((error, self.at));
        None
    }

    /// Whether the position (after whitespace) holds `byte`; consumed if so.
    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_ws();
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    /// After an element: `,` (true, another follows) or `close` (false), both consumed.
    fn separator(&mut self, close: u8) -> Option<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Some(true)
            }
            Some(b) if b == close => {
                self.at += 1;
                Some(false)
            }
            _ => self.fail(JsonError::Expected(if close == b']' {
                "`,` or `]`"
            } else {
                "`,` or `}`"
            })),
        }
    }

    /// Enters the array or object at the position (after whitespace; `close` is its closing
    /// bracket): true when an element follows, false when it closes at once. Read an
    /// object's members with [`key`](Self::key) and a value, an array's elements with a
    /// value, each followed by [`more`](Self::more).
    pub(crate) fn open(&mut self, close: u8) -> Option<bool> {
        self.depth -= 1;
        if self.depth == 0 {
            return self.fail(JsonError::TooDeep);
        }
        self.at += 1;
        let empty = self.eat(close);
        if empty {
            self.depth += 1;
        }
        Some(!empty)
    }

    /// After an element of what [`open`](Self::open) entered: true when another follows,
    /// false when it closes here.
    pub(crate) fn more(&mut self, close: u8) -> Option<bool> {
        let more = self.separator(close)?;
        if !more {
            self.depth += 1;
        }
        Some(more)
    }

    /// A member's key and its colon.
    pub(crate) fn key(&mut self) -> Option<Cow<'a, str>> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return self.fail(JsonError::Expected("a string key"));
        }
        let key = self.string()?;
        if !self.eat(b':') {
            return self.fail(JsonError::Expected("`:`"));
        }
        Some(key)
    }

    /// The start of the top-level object.
    pub(crate) fn top(&mut self) -> Option<()> {
        self.skip_ws();
        if self.peek() != Some(b'{') {
            return self.fail(JsonError::Expected("an object"));
        }
        Some(())
    }

    /// The end of the input after the top-level object: only whitespace, up to a NUL byte
    /// (where the host's string ends) or the end.
    pub(crate) fn end(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek() {
            None | Some(0) => Some(()),
            Some(_) => self.fail(JsonError::Trailing),
        }
    }

    /// One whole JSON value (whitespace around it, nothing else).
    fn whole_value(&mut self) -> Option<Value> {
        let item = self.item()?;
        let value = self.value_of(item)?;
        self.skip_ws();
        match self.peek() {
            None => Some(value),
            Some(_) => self.fail(JsonError::Trailing),
        }
    }

    /// The error for input this reader refused, `what` being "message" or "env": as the
    /// serde path ordered its checks, invalid UTF-8 first (up to the first NUL), then input
    /// that does not open an object, then what the reader found.
    #[cold]
    #[inline(never)]
    pub(crate) fn error(&mut self, what: &'static str) -> InputError {
        let bytes = match super::nul_position(self.bytes) {
            Some(nul) => &self.bytes[..nul],
            None => self.bytes,
        };
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                return InputError::Utf8 {
                    what,
                    offset: e.valid_up_to(),
                }
            }
        };
        // JSON's whitespace is ASCII: `trim_ascii`, not `trim`, whose Unicode whitespace
        // test and `char` searcher would be in the module for this and the env alone.
        if text.trim_ascii().as_bytes().first() != Some(&b'{') {
            return InputError::NotAnObject { what };
        }
        let (error, at) = self
            .failed
            .take()
            .unwrap_or((JsonError::Expected("JSON-1"), 0));
        InputError::Json { what, error, at }
    }

    /// A string; the position (after whitespace) holds its opening quote.
    pub(crate) fn string(&mut self) -> Option<Cow<'a, str>> {
        self.at += 1;
        let bytes = self.bytes;
        let start = self.at;
        self.at = plain_run(bytes, start);
        match bytes.get(self.at) {
            Some(b'"') => {
                // Everything else the reader accepts is ASCII: checking each string checks
                // the whole input.
                let Ok(s) = std::str::from_utf8(&bytes[start..self.at]) else {
                    return self.fail(JsonError::Expected("UTF-8 text"));
                };
                self.at += 1;
                Some(Cow::Borrowed(s))
            }
            Some(b'\\') => self.escaped(start).map(Cow::Owned),
            Some(_) => self.fail(JsonError::ControlCharacter),
            None => self.fail(JsonError::End),
        }
    }

    /// The rest of a string from its first escape (at the position); `start` is where its
    /// text began.
    fn escaped(&mut self, start: usize) -> Option<String> {
        let bytes = self.bytes;
        let Ok(head) = std::str::from_utf8(&bytes[start..self.at]) else {
            return self.fail(JsonError::Expected("UTF-8 text"));
        };
        let mut owned = String::from(head);
        loop {
            let Some(&b) = bytes.get(self.at) else {
                return self.fail(JsonError::End);
            };
            match b {
                b'"' => {
                    self.at += 1;
                    return Some(owned);
                }
                b'\\' => {
                    let c = match bytes.get(self.at + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => match self.unicode_escape() {
                            Some(c) => {
                                owned.push(c);
                                continue;
                            }
                            None => return self.fail(JsonError::InvalidEscape),
                        },
                        _ => {
                            self.at += 1;
                            return self.fail(JsonError::InvalidEscape);
                        }
                    };
                    self.at += 2;
                    owned.push(c);
                }
                0..=0x1f => return self.fail(JsonError::ControlCharacter),
                _ => {
                    // Copy the run up to the next quote, escape or control byte at once.
                    let run = self.at;
                    self.at = plain_run(bytes, run);
                    let Ok(s) = std::str::from_utf8(&bytes[run..self.at]) else {
                        return self.fail(JsonError::Expected("UTF-8 text"));
                    };
                    owned.push_str(s);
                }
            }
        }
    }

    /// The character of the `\uXXXX` escape at the position (its pair too, when it is a
    /// high surrogate followed by the escape of a low one), consumed; a lone surrogate is
    /// U+FFFD. `None` (nothing consumed) without four hex digits.
    fn unicode_escape(&mut self) -> Option<char> {
        fn hex(bytes: &[u8], at: usize) -> Option<u32> {
            let mut v = 0;
            for &h in bytes.get(at..at + 4)? {
                v = v * 16 + char::from(h).to_digit(16)?;
            }
            Some(v)
        }
        let bytes = self.bytes;
        let first = hex(bytes, self.at + 2)?;
        self.at += 6;
        let c = match first {
            0xd800..=0xdbff => {
                let low = match bytes.get(self.at..self.at + 2) {
                    Some(b"\\u") => hex(bytes, self.at + 2),
                    _ => None,
                };
                match low {
                    Some(low @ 0xdc00..=0xdfff) => {
                        self.at += 6;
                        0x10000 + ((first - 0xd800) << 10) + (low - 0xdc00)
                    }
                    _ => 0xfffd,
                }
            }
            0xdc00..=0xdfff => 0xfffd,
            c => c,
        };
        Some(char::from_u32(c).unwrap_or('\u{fffd}'))
    }

    /// The value at the position (after whitespace): scalars read, arrays and objects left
    /// for the caller to enter.
    pub(crate) fn item(&mut self) -> Option<Item<'a>> {
        self.skip_ws();
        let rest = &self.bytes[self.at..];
        let (item, len) = match rest.first() {
            Some(b'"') => return self.string().map(Item::Str),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.at;
                return match number::read(self.bytes, &mut self.at) {
                    Ok(n) => Some(Item::Num(n, start)),
                    Err(e) => self.fail(e),
                };
            }
            Some(b'[') => return Some(Item::Array),
            Some(b'{') => return Some(Item::Object),
            Some(b'n') if rest.starts_with(b"null") => (Item::Null, 4),
            Some(b't') if rest.starts_with(b"true") => (Item::Bool(true), 4),
            Some(b'f') if rest.starts_with(b"false") => (Item::Bool(false), 5),
            _ => return self.fail(JsonError::Expected("a value")),
        };
        self.at += len;
        Some(item)
    }

    /// The text of the number that starts at `start` and ends at the position (ASCII).
    pub(crate) fn text_from(&self, start: usize) -> String {
        std::str::from_utf8(&self.bytes[start..self.at])
            .unwrap_or_default()
            .to_owned()
    }

    /// `item` as a `serde_json::Value` (arrays and objects read from the position, as
    /// serde_json builds them: the last of duplicate keys wins).
    pub(crate) fn value_of(&mut self, item: Item<'a>) -> Option<Value> {
        Some(match item {
            Item::Null => Value::Null,
            Item::Bool(b) => Value::Bool(b),
            Item::Num(n, _) => number_value(n),
            Item::Str(s) => Value::String(s.into_owned()),
            Item::Array => {
                let mut list = Vec::new();
                let mut more = self.open(b']')?;
                while more {
                    let item = self.item()?;
                    list.push(self.value_of(item)?);
                    more = self.more(b']')?;
                }
                Value::Array(list)
            }
            Item::Object => {
                let mut map = Map::new();
                let mut more = self.open(b'}')?;
                while more {
                    let key = self.key()?;
                    let item = self.item()?;
                    let value = self.value_of(item)?;
                    map.insert(key.into_owned(), value);
                    more = self.more(b'}')?;
                }
                Value::Object(map)
            }
        })
    }

    /// Skips the value at the position: any depth (an explicit stack, no recursion, and
    /// no limit, as serde_json ignores values), the grammar checked.
    pub(crate) fn skip(&mut self) -> Option<()> {
        // The closing brackets of the open arrays and objects, innermost last.
        let mut open: Vec<u8> = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'-' | b'0'..=b'9') => {
                    if let Err(e) = number::skip(self.bytes, &mut self.at) {
                        return self.fail(e);
                    }
                }
                Some(bracket @ (b'[' | b'{')) => {
                    self.at += 1;
                    // `]` and `}` follow `[` and `{` at a distance of two.
                    let close = bracket + 2;
                    if !self.eat(close) {
                        open.push(close);
                        if close == b'}' {
                            self.key()?;
                        }
                        continue;
                    }
                }
                _ => {
                    self.item()?;
                }
            }
            // After a value: close what ends here, then go on with the next value.
            loop {
                let Some(&close) = open.last() else {
                    return Some(());
                };
                if self.separator(close)? {
                    if close == b'}' {
                        self.key()?;
                    }
                    break;
                }
                open.pop();
            }
        }
    }
}

/// `bytes` read as one JSON value, or why not and where.
pub(crate) fn value(bytes: &[u8]) -> Result<Value, (JsonError, usize)> {
    let mut r = Reader::new(bytes);
    match r.whole_value() {
        Some(value) => Ok(value),
        None => Err(r
            .failed
            .take()
            .unwrap_or((JsonError::Expected("a value"), 0))),
    }
}

/// Where the run of string bytes from `at` ends: the first `"`, `\\` or control byte
/// (U+0000 to U+001F), or the end. Eight bytes at a time: a byte below 0x20, or equal to
/// `"` or `\\` after an XOR, sets its high bit in `b - 0x01..` or `b - 0x20..` masked by
/// `!b`; a borrow can flag bytes after the first hit, never before it.
#[inline]
fn plain_run(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let control = word.wrapping_sub(ONES * 0x20) & !word;
        let quote = word ^ (ONES * u64::from(b'"'));
        let quote = quote.wrapping_sub(ONES) & !quote;
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let backslash = backslash.wrapping_sub(ONES) & !backslash;
        let hits = (control | quote | backslash) & HIGH;
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

/// A number as `serde_json::Value` holds it.
pub(crate) fn number_value(n: Number) -> Value {
    match n {
        Number::U64(n) => Value::Number(n.into()),
        Number::I64(n) => Value::Number(n.into()),
        Number::F64(f) => Value::from(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_that_does_not_open_an_object_is_told_apart_from_bad_json() {
        let not_an_object = |text: &str| {
            matches!(
                super::super::fast::message(text.as_bytes()),
                Err(InputError::NotAnObject { .. })
            )
        };
        // JSON's whitespace (ASCII) before the brace is skipped; a Unicode space is not
        // JSON's, so a text that starts with one does not open an object.
        for object in ["{", " {", "\t\r\n {\"Id\": ", "\n{ ] ", "{ \u{a0}"] {
            assert!(!not_an_object(object), "{object:?}");
        }
        let unicode_space = "\u{a0}\u{2003}{\"Id\": ";
        for other in [
            "",
            " ",
            "\u{a0}",
            "[{}]",
            "x{",
            " \u{a0} nul",
            "}{",
            unicode_space,
        ] {
            assert!(not_an_object(other), "{other:?}");
        }
    }

    #[test]
    fn plain_runs_end_where_a_byte_scan_ends() {
        let stops = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"a\"\\\x00\x1f\x20\x21\x7f\x80\xff\xc3\xa9!#[]";
        for len in 0..40 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        if next() % 4 == 0 {
                            alphabet[(next() % alphabet.len() as u64) as usize]
                        } else {
                            b'x'
                        }
                    })
                    .collect();
                for from in 0..=len {
                    let expected = (from..len).find(|&i| stops(bytes[i])).unwrap_or(len);
                    assert_eq!(plain_run(&bytes, from), expected, "{bytes:?} from {from}");
                }
            }
        }
    }
}
