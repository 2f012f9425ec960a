//! Lua 5.3's pattern matching (reference manual §6.4.1) over bytes, paying the message's
//! instruction budget as it goes.
//!
//! The rules are Lua's, to the byte: the same backtracking order (so the same captures),
//! classes of the C locale, at most 32 captures, at most 200 nested matches (`pattern too
//! complex`) and the same error texts. A byte read past the end of the subject or the
//! pattern is 0, as C Lua reads the terminating NUL of its strings.
//!
//! Each step costs one instruction of the budget: a match attempt, a pattern item tried,
//! a subject byte a repetition, a balance or a back reference looks at. The steps are
//! counted as they are taken and paid [`CHUNK`] at a time when a nested match begins (the
//! work between two is at most one pass over the subject and the pattern), so a pattern
//! whose backtracking grows with a power of the subject's length ends with the budget's
//! error instead of running on.

use std::cell::Cell;
use std::mem::MaybeUninit;

/// Captures a pattern may open (Lua's `LUA_MAXCAPTURES`).
pub(super) const MAX_CAPTURES: usize = 32;
/// Nested match calls before `pattern too complex` (Lua's `MAXCCALLS`).
const MAX_DEPTH: u32 = 200;
/// Steps paid to the budget at once.
const CHUNK: u64 = 1024;

/// Why a match stopped without an answer; [`PatternError::text`] is Lua's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PatternError {
    /// `%` is the pattern's last byte.
    EndsWithPercent,
    /// A `[` set is not closed.
    MissingBracket,
    /// `%b` without its two bytes.
    MissingBalanceArguments,
    /// `%f` not followed by a `[` set.
    MissingFrontierSet,
    /// A back reference or replacement `%n` names no closed capture (`n` as written).
    CaptureIndex(i32),
    /// A `)` closes no capture.
    PatternCapture,
    /// A capture is still open when the match ends.
    UnfinishedCapture,
    /// More than [`MAX_DEPTH`] nested matches.
    TooComplex,
    /// More than [`MAX_CAPTURES`] captures.
    TooManyCaptures,
    /// The message's instruction budget is spent.
    Budget,
}

impl PatternError {
    /// Lua's message for the error, into `buffer`; `None` for [`PatternError::Budget`],
    /// whose error is the budget's.
    pub(super) fn text(self, buffer: &mut [u8; 64]) -> Option<&[u8]> {
        let fixed: &[u8] = match self {
            Self::EndsWithPercent => b"malformed pattern (ends with '%')",
            Self::MissingBracket => b"malformed pattern (missing ']')",
            Self::MissingBalanceArguments => b"malformed pattern (missing arguments to '%b')",
            Self::MissingFrontierSet => b"missing '[' after '%f' in pattern",
            Self::PatternCapture => b"invalid pattern capture",
            Self::UnfinishedCapture => b"unfinished capture",
            Self::TooComplex => b"pattern too complex",
            Self::TooManyCaptures => b"too many captures",
            Self::Budget => return None,
            Self::CaptureIndex(n) => {
                let head = b"invalid capture index %";
                buffer[..head.len()].copy_from_slice(head);
                let mut at = head.len();
                if n < 0 {
                    buffer[at] = b'-';
                    at += 1;
                }
                // The digits, written at the end of the buffer, then moved.
                let from = aoxide::outbox::write_decimal(buffer, u64::from(n.unsigned_abs()));
                buffer.copy_within(from.., at);
                return Some(&buffer[..at + buffer.len() - from]);
            }
        };
        Some(fixed)
    }
}

/// What a capture holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Held {
    /// Opened, not closed yet.
    Open,
    /// A position capture `()`.
    Position,
    /// Closed: this many bytes from its start.
    Bytes(usize),
}

/// One capture: where it starts in the subject and what it holds.
#[derive(Clone, Copy, Debug)]
pub(super) struct Capture {
    /// Its first byte's offset in the subject.
    pub(super) start: usize,
    /// What it holds.
    pub(super) held: Held,
}

/// One match of a pattern against a subject, from a given position; holds its captures.
pub(super) struct Matcher<'a> {
    subject: &'a [u8],
    pattern: &'a [u8],
    budget: &'a Cell<u64>,
    /// Steps taken and not paid yet.
    unpaid: u64,
    depth: u32,
    level: usize,
    /// The first `level` are set: a match reads no capture it did not open.
    captures: [MaybeUninit<Capture>; MAX_CAPTURES],
}

impl<'a> Matcher<'a> {
    /// A matcher of `pattern` (without a leading `^` the caller handles) in `subject`,
    /// paying `budget`.
    pub(super) fn new(subject: &'a [u8], pattern: &'a [u8], budget: &'a Cell<u64>) -> Self {
        Self {
            subject,
            pattern,
            budget,
            unpaid: 0,
            depth: MAX_DEPTH,
            level: 0,
            captures: [MaybeUninit::uninit(); MAX_CAPTURES],
        }
    }

    /// The end of a match of the whole pattern starting at `at` in the subject, if there is
    /// one; its captures are then [`Matcher::captures`].
    #[inline(always)]
    pub(super) fn match_at(&mut self, at: usize) -> Result<Option<usize>, PatternError> {
        self.level = 0;
        self.attempt(at, 0)
    }

    /// The captures of the last successful match.
    pub(super) fn captures(&self) -> &[Capture] {
        // SAFETY: the first `level` captures are set (`open_capture` sets one before it
        // counts it), and `MaybeUninit<Capture>` has `Capture`'s layout.
        unsafe { std::slice::from_raw_parts(self.captures.as_ptr().cast(), self.level) }
    }

    /// Capture `index`, which is below `level`.
    fn capture_mut(&mut self, index: usize) -> &mut Capture {
        debug_assert!(index < self.level);
        // SAFETY: as in `captures`.
        unsafe { self.captures[index].assume_init_mut() }
    }

    /// Takes `steps` more steps, paid when the next nested match begins.
    fn charge(&mut self, steps: u64) {
        self.unpaid = self.unpaid.saturating_add(steps);
    }

    /// Pays the steps taken so far; call it before handing control back to Lua.
    pub(super) fn pay(&mut self) -> Result<(), PatternError> {
        let steps = std::mem::take(&mut self.unpaid);
        if crate::vm::limits::spend(self.budget, steps) {
            Ok(())
        } else {
            Err(PatternError::Budget)
        }
    }

    /// The pattern byte at `p`, 0 past its end.
    fn pattern_at(&self, p: usize) -> u8 {
        self.pattern.get(p).copied().unwrap_or(0)
    }

    /// The subject byte at `s`, 0 past its end.
    fn subject_at(&self, s: usize) -> u8 {
        self.subject.get(s).copied().unwrap_or(0)
    }

    /// A nested match of the pattern from `p` against the subject from `s`.
    #[inline(always)]
    fn attempt(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if self.unpaid >= CHUNK {
            self.pay()?;
        }
        if self.depth == 0 {
            return Err(PatternError::TooComplex);
        }
        self.depth -= 1;
        let end = self.items(s, p);
        self.depth += 1;
        end
    }

    /// Matches pattern items one after the other from `p`, `s`; a repetition, an optional
    /// item or a capture continues in a nested [`Matcher::attempt`].
    fn items(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>, PatternError> {
        loop {
            self.charge(1);
            if p == self.pattern.len() {
                return Ok(Some(s));
            }
            match self.pattern[p] {
                b'(' if self.pattern_at(p + 1) == b')' => {
                    return self.open_capture(s, p + 2, Held::Position);
                }
                b'(' => return self.open_capture(s, p + 1, Held::Open),
                b')' => return self.close_capture(s, p + 1),
                b'$' if p + 1 == self.pattern.len() => {
                    return Ok((s == self.subject.len()).then_some(s));
                }
                b'%' => match self.pattern_at(p + 1) {
                    b'b' => match self.balance(s, p + 2)? {
                        Some(end) => {
                            s = end;
                            p += 4;
                            continue;
                        }
                        None => return Ok(None),
                    },
                    b'f' => {
                        p += 2;
                        if self.pattern_at(p) != b'[' {
                            return Err(PatternError::MissingFrontierSet);
                        }
                        let next = self.class_end(p)?;
                        let before = if s == 0 { 0 } else { self.subject[s - 1] };
                        let here = self.subject_at(s);
                        if self.in_set(before, p, next - 1) || !self.in_set(here, p, next - 1) {
                            return Ok(None);
                        }
                        p = next;
                        continue;
                    }
                    digit @ b'0'..=b'9' => match self.back_reference(s, digit)? {
                        Some(end) => {
                            s = end;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    },
                    _ => {}
                },
                _ => {}
            }
            // One byte's class, with an optional repetition after it.
            let next = self.class_end(p)?;
            let suffix = self.pattern_at(next);
            if !self.single(s, p, next) {
                if matches!(suffix, b'*' | b'?' | b'-') {
                    p = next + 1; // none is a match
                    continue;
                }
                return Ok(None);
            }
            match suffix {
                b'?' => {
                    if let Some(end) = self.attempt(s + 1, next + 1)? {
                        return Ok(Some(end));
                    }
                    p = next + 1;
                }
                b'+' => return self.longest(s + 1, p, next),
                b'*' => return self.longest(s, p, next),
                b'-' => return self.shortest(s, p, next),
                _ => {
                    s += 1;
                    p = next;
                }
            }
        }
    }

    /// The end of the single-byte class that starts at `p` (a byte, `.`, `%x` or a set).
    #[inline(always)]
    fn class_end(&self, p: usize) -> Result<usize, PatternError> {
        let end = self.pattern.len();
        let first = self.pattern[p];
        let mut p = p + 1;
        match first {
            b'%' if p == end => Err(PatternError::EndsWithPercent),
            b'%' => Ok(p + 1),
            b'[' => {
                if self.pattern_at(p) == b'^' {
                    p += 1;
                }
                // The first byte of a set is in it, even a `]`.
                loop {
                    if p == end {
                        return Err(PatternError::MissingBracket);
                    }
                    let byte = self.pattern[p];
                    p += 1;
                    if byte == b'%' && p < end {
                        p += 1;
                    }
                    if self.pattern_at(p) == b']' {
                        return Ok(p + 1);
                    }
                }
            }
            _ => Ok(p),
        }
    }

    /// Whether the subject byte at `s` is in the class from `p` to `next`.
    #[inline(always)]
    fn single(&self, s: usize, p: usize, next: usize) -> bool {
        let Some(&byte) = self.subject.get(s) else {
            return false;
        };
        match self.pattern[p] {
            b'.' => true,
            b'%' => in_class(byte, self.pattern[p + 1]),
            b'[' => self.in_set(byte, p, next - 1),
            literal => literal == byte,
        }
    }

    /// Whether `byte` is in the set from `[` at `p` to `]` at `close`.
    fn in_set(&self, byte: u8, mut p: usize, close: usize) -> bool {
        let mut inside = true;
        if self.pattern[p + 1] == b'^' {
            inside = false;
            p += 1;
        }
        p += 1;
        while p < close {
            let item = self.pattern[p];
            if item == b'%' {
                p += 1;
                if in_class(byte, self.pattern[p]) {
                    return inside;
                }
            } else if self.pattern[p + 1] == b'-' && p + 2 < close {
                if item <= byte && byte <= self.pattern[p + 2] {
                    return inside;
                }
                p += 2;
            } else if item == byte {
                return inside;
            }
            p += 1;
        }
        !inside
    }

    /// As many repetitions of the class at `p` as match from `s`, then fewer, until the rest
    /// of the pattern (after `next`) matches.
    fn longest(&mut self, s: usize, p: usize, next: usize) -> Result<Option<usize>, PatternError> {
        let mut count = 0;
        while self.single(s + count, p, next) {
            count += 1;
        }
        self.charge(count as u64);
        loop {
            if let Some(end) = self.attempt(s + count, next + 1)? {
                return Ok(Some(end));
            }
            if count == 0 {
                return Ok(None);
            }
            count -= 1;
        }
    }

    /// As few repetitions of the class at `p` as let the rest of the pattern match.
    fn shortest(
        &mut self,
        mut s: usize,
        p: usize,
        next: usize,
    ) -> Result<Option<usize>, PatternError> {
        loop {
            if let Some(end) = self.attempt(s, next + 1)? {
                return Ok(Some(end));
            }
            if !self.single(s, p, next) {
                return Ok(None);
            }
            s += 1;
        }
    }

    /// Opens a capture at `s` and matches the rest from `p`.
    fn open_capture(
        &mut self,
        s: usize,
        p: usize,
        held: Held,
    ) -> Result<Option<usize>, PatternError> {
        if self.level >= MAX_CAPTURES {
            return Err(PatternError::TooManyCaptures);
        }
        self.captures[self.level] = MaybeUninit::new(Capture { start: s, held });
        self.level += 1;
        let end = self.attempt(s, p)?;
        if end.is_none() {
            self.level -= 1;
        }
        Ok(end)
    }

    /// Closes the innermost open capture at `s` and matches the rest from `p`.
    fn close_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        let open = self
            .captures()
            .iter()
            .rposition(|c| c.held == Held::Open)
            .ok_or(PatternError::PatternCapture)?;
        let capture = self.capture_mut(open);
        capture.held = Held::Bytes(s - capture.start);
        let end = self.attempt(s, p)?;
        if end.is_none() {
            self.capture_mut(open).held = Held::Open;
        }
        Ok(end)
    }

    /// `%bxy` at `s` (`p` at `x`): the end of a balanced run from `x` to its `y`.
    fn balance(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if p + 1 >= self.pattern.len() {
            return Err(PatternError::MissingBalanceArguments);
        }
        let (open, close) = (self.pattern[p], self.pattern[p + 1]);
        if self.subject_at(s) != open {
            return Ok(None);
        }
        let mut depth = 1u64;
        for (at, &byte) in self.subject.iter().enumerate().skip(s + 1) {
            if byte == close {
                depth -= 1;
                if depth == 0 {
                    self.charge((at - s) as u64);
                    return Ok(Some(at + 1));
                }
            } else if byte == open {
                depth += 1;
            }
        }
        self.charge((self.subject.len() - s) as u64);
        Ok(None)
    }

    /// `%1` to `%9` at `s`: the end of a copy of that closed capture there.
    fn back_reference(&mut self, s: usize, digit: u8) -> Result<Option<usize>, PatternError> {
        let index = i32::from(digit) - i32::from(b'1');
        let capture = usize::try_from(index)
            .ok()
            .filter(|&i| i < self.level)
            .map(|i| self.captures()[i])
            .filter(|c| c.held != Held::Open)
            .ok_or(PatternError::CaptureIndex(index + 1))?;
        // A position capture never matches (C compares its length as a huge size).
        let Held::Bytes(len) = capture.held else {
            return Ok(None);
        };
        self.charge(len as u64);
        let copy = &self.subject[capture.start..capture.start + len];
        Ok(self.subject[s..].starts_with(copy).then_some(s + len))
    }
}

/// Whether `byte` is in the class `%class` (C locale); any other byte after `%` stands for
/// itself.
fn in_class(byte: u8, class: u8) -> bool {
    let found = match class.to_ascii_lowercase() {
        b'a' => byte.is_ascii_alphabetic(),
        b'c' => byte.is_ascii_control(),
        b'd' => byte.is_ascii_digit(),
        b'g' => byte.is_ascii_graphic(),
        b'l' => byte.is_ascii_lowercase(),
        b'p' => byte.is_ascii_punctuation(),
        // C's `isspace` (Rust's `is_ascii_whitespace` leaves out the vertical tab).
        b's' => matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'),
        b'u' => byte.is_ascii_uppercase(),
        b'w' => byte.is_ascii_alphanumeric(),
        b'x' => byte.is_ascii_hexdigit(),
        b'z' => byte == 0,
        _ => return class == byte,
    };
    found != class.is_ascii_uppercase()
}

/// Whether `pattern` has none of the bytes that make a pattern more than its text.
pub(super) fn is_plain(pattern: &[u8]) -> bool {
    !pattern.iter().any(|b| b"^$*+?.([%-".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(subject: &str, pattern: &str) -> Result<Option<(usize, usize)>, PatternError> {
        let budget = Cell::new(u64::MAX);
        let mut m = Matcher::new(subject.as_bytes(), pattern.as_bytes(), &budget);
        for at in 0..=subject.len() {
            if let Some(end) = m.match_at(at)? {
                return Ok(Some((at, end)));
            }
        }
        Ok(None)
    }

    #[test]
    fn items_and_repetitions() {
        assert_eq!(find("hello world", "o w"), Ok(Some((4, 7))));
        assert_eq!(find("aaab", "a-b"), Ok(Some((0, 4))));
        assert_eq!(find("aaab", "a*"), Ok(Some((0, 3))));
        assert_eq!(find("xab", "%a+"), Ok(Some((0, 3))));
        assert_eq!(find("f(a(b)c)", "%b()"), Ok(Some((1, 8))));
        assert_eq!(find("THE (quick) fox", "%f[%a]%a+"), Ok(Some((0, 3))));
        assert_eq!(find("abcabc", "(abc)%1"), Ok(Some((0, 6))));
        assert_eq!(find("a", "[%]"), Err(PatternError::MissingBracket));
        assert_eq!(find("a", "%"), Err(PatternError::EndsWithPercent));
        assert_eq!(find("a", "%1"), Err(PatternError::CaptureIndex(1)));
        assert_eq!(find("a", "%0"), Err(PatternError::CaptureIndex(0)));
    }

    #[test]
    fn classes_are_the_c_locales() {
        for byte in 0..=255u8 {
            assert_eq!(
                in_class(byte, b's'),
                (byte as char).is_ascii_whitespace() || byte == 0x0b
            );
            assert_eq!(in_class(byte, b'S'), !in_class(byte, b's'));
            assert!(!in_class(byte, b'a') || byte < 0x80);
        }
    }

    #[test]
    fn backtracking_pays_the_budget_and_stops_when_it_is_spent() {
        let subject = "a".repeat(2000);
        let budget = Cell::new(100_000);
        let mut m = Matcher::new(subject.as_bytes(), b"a-a-a-a-b", &budget);
        let mut outcome = Ok(None);
        for at in 0..=subject.len() {
            outcome = m.match_at(at);
            if outcome != Ok(None) {
                break;
            }
        }
        assert_eq!(outcome, Err(PatternError::Budget));
        assert_eq!(budget.get(), 0);

        let budget = Cell::new(1_000_000);
        let mut m = Matcher::new(b"xxab", b"a-b", &budget);
        assert_eq!(m.match_at(2), Ok(Some(4)));
        m.pay().unwrap();
        let spent = 1_000_000 - budget.get();
        assert!((3..=10).contains(&spent), "{spent}");
    }

    #[test]
    fn error_texts() {
        let mut buffer = [0; 64];
        assert_eq!(
            PatternError::CaptureIndex(-2).text(&mut buffer),
            Some(&b"invalid capture index %-2"[..])
        );
        assert_eq!(PatternError::Budget.text(&mut buffer), None);
    }
}
