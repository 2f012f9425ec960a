//! `string.find`, `string.match`, `string.gmatch` and `string.gsub`, with Lua 5.3's rules,
//! over a matcher that pays the message's instruction budget ([`matcher`]).
//!
//! Lua's own matcher backtracks in C, where the budget (which counts VM instructions) does
//! not see it: a pattern with several repetitions over a long subject, such as `a-a-a-b`
//! over a run of `a`s, takes time that grows with the subject's length to a power, and one
//! message could hold the process for hours. These four functions replace Lua's when the VM
//! is built, before the environment keeps any of them; each step of a match costs one
//! instruction ([`matcher`]), and a plain `find` one per subject byte it searches. A match
//! the budget cannot pay ends the message with the budget's error, which `pcall` cannot
//! swallow, as a Lua loop doing the same work would.
//!
//! Arguments, results, captures, error texts and the order of the checks are Lua 5.3.6's: a
//! unit test runs each function and Lua's C function side by side over hand-picked and
//! generated cases (`tests` below), and the `lua_libs` fuzz target calls them with any
//! bytes.
//!
//! No Rust value that needs dropping lives in these frames across a call into Lua, since a
//! Lua error unwinds past them: the matcher holds borrowed bytes and a fixed array, and
//! `gsub` builds its result in a `luaL_Buffer` on the Lua stack.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod differential;
mod matcher;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::ffi::c_int;
use std::mem::MaybeUninit;

use mlua::{ffi, Lua, Table};

use crate::error::BUDGET_MARK;
use matcher::{Held, Matcher, PatternError};

use super::bounded;

/// The string argument at `arg` (`luaL_checklstring`), as bytes that live as long as the
/// value stays on the stack.
///
/// # Safety
/// Called from a C function; the bytes must not be used after the value leaves the stack.
unsafe fn string_arg<'a>(state: *mut ffi::lua_State, arg: c_int) -> &'a [u8] {
    let mut len = 0;
    // SAFETY: the caller's context; Lua keeps the string while it is on the stack.
    unsafe {
        let bytes = ffi::luaL_checklstring(state, arg, &mut len);
        std::slice::from_raw_parts(bytes.cast(), len)
    }
}

/// The string at stack index `index` (known to be a string), as [`string_arg`].
///
/// # Safety
/// As [`string_arg`].
unsafe fn string_at<'a>(state: *mut ffi::lua_State, index: c_int) -> &'a [u8] {
    let mut len = 0;
    // SAFETY: the caller's context.
    unsafe {
        let bytes = ffi::lua_tolstring(state, index, &mut len);
        std::slice::from_raw_parts(bytes.cast(), len)
    }
}

/// Pushes `bytes` as a Lua string.
///
/// # Safety
/// Called from a C function.
unsafe fn push_bytes(state: *mut ffi::lua_State, bytes: &[u8]) {
    // SAFETY: the caller's context.
    unsafe { ffi::lua_pushlstring(state, bytes.as_ptr().cast(), bytes.len()) };
}

/// Pushes a Lua position (1-based) for the subject offset `at`.
///
/// # Safety
/// Called from a C function.
unsafe fn push_position(state: *mut ffi::lua_State, at: usize) {
    // SAFETY: the caller's context; a string's length fits a Lua integer.
    unsafe { ffi::lua_pushinteger(state, at as ffi::lua_Integer) };
}

/// Raises `error`: the budget's error, or Lua's text.
///
/// # Safety
/// Called from a C function; unwinds past the caller's frames.
unsafe fn raise(state: *mut ffi::lua_State, error: PatternError) -> ! {
    let mut buffer = [0; 64];
    // SAFETY: the caller's context.
    unsafe {
        match error.text(&mut buffer) {
            None => {
                push_bytes(state, BUDGET_MARK.as_bytes());
                ffi::lua_error(state);
            }
            Some(text) => bounded::raise_text(state, &[text]),
        }
    }
}

/// Pays the matcher's steps, or raises the budget's error.
///
/// # Safety
/// Called from a C function.
unsafe fn pay(state: *mut ffi::lua_State, matcher: &mut Matcher<'_>) {
    if let Err(e) = matcher.pay() {
        // SAFETY: the caller's context.
        unsafe { raise(state, e) }
    }
}

/// The answer of `result`, or (after paying the steps taken) its error raised.
///
/// # Safety
/// Called from a C function.
unsafe fn answer<T>(
    state: *mut ffi::lua_State,
    matcher: &mut Matcher<'_>,
    result: Result<T, PatternError>,
) -> T {
    match result {
        Ok(value) => value,
        Err(e) => {
            // SAFETY: the caller's context.
            unsafe {
                pay(state, matcher);
                raise(state, e)
            }
        }
    }
}

/// A Lua position argument as an offset from the start, counting a negative one from the
/// end (Lua's `posrelat`).
fn relative(position: i64, len: usize) -> i64 {
    if position >= 0 {
        position
    } else if position.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + position + 1
    }
}

/// Pushes capture `index` of the last match (the whole match `whole`, when the pattern has
/// no captures and `index` is 0).
///
/// # Safety
/// Called from a C function; the matcher's subject is on the stack.
unsafe fn push_capture(
    state: *mut ffi::lua_State,
    matcher: &Matcher<'_>,
    subject: &[u8],
    index: usize,
    whole: (usize, usize),
) {
    let captures = matcher.captures();
    // SAFETY: the caller's context.
    unsafe {
        match captures.get(index) {
            None if index == 0 => push_bytes(state, &subject[whole.0..whole.1]),
            None => raise(state, PatternError::CaptureIndex(index as i32 + 1)),
            Some(capture) => match capture.held {
                Held::Open => raise(state, PatternError::UnfinishedCapture),
                Held::Position => push_position(state, capture.start + 1),
                Held::Bytes(len) => {
                    push_bytes(state, &subject[capture.start..capture.start + len]);
                }
            },
        }
    }
}

/// Pushes the captures of the last match, or the whole match `whole` when there are none
/// and it is given; their count.
///
/// # Safety
/// As [`push_capture`].
unsafe fn push_captures(
    state: *mut ffi::lua_State,
    matcher: &Matcher<'_>,
    subject: &[u8],
    whole: Option<(usize, usize)>,
) -> c_int {
    let count = match (matcher.captures().len(), whole) {
        (0, Some(_)) => 1,
        (n, _) => n,
    };
    // SAFETY: the caller's context; at most 32 values.
    unsafe {
        ffi::luaL_checkstack(state, count as c_int, c"too many captures".as_ptr());
        for index in 0..count {
            push_capture(state, matcher, subject, index, whole.unwrap_or((0, 0)));
        }
    }
    count as c_int
}

/// `string.find` (`find`) and `string.match`.
///
/// # Safety
/// Called by Lua, as a closure made by `bounded::closure`.
unsafe fn find_or_match(state: *mut ffi::lua_State, find: bool) -> c_int {
    // SAFETY: called by Lua; the subject and pattern stay on the stack.
    unsafe {
        let subject = string_arg(state, 1);
        let mut pattern = string_arg(state, 2);
        let init = relative(ffi::luaL_optinteger(state, 3, 1), subject.len()).max(1);
        if init > subject.len() as i64 + 1 {
            ffi::lua_pushnil(state);
            return 1;
        }
        let from = (init - 1) as usize;
        let budget = bounded::budget(state);
        if find && (ffi::lua_toboolean(state, 4) != 0 || matcher::is_plain(pattern)) {
            bounded::charge(state, budget, (subject.len() - from) as u64);
            if let Some(at) = memchr::memmem::find(&subject[from..], pattern) {
                push_position(state, from + at + 1);
                push_position(state, from + at + pattern.len());
                return 2;
            }
            ffi::lua_pushnil(state);
            return 1;
        }
        let anchored = pattern.first() == Some(&b'^');
        if anchored {
            pattern = &pattern[1..];
        }
        let mut matcher = Matcher::new(subject, pattern, budget);
        for at in from..=subject.len() {
            let found = matcher.match_at(at);
            if let Some(end) = answer(state, &mut matcher, found) {
                pay(state, &mut matcher);
                if !find {
                    return push_captures(state, &matcher, subject, Some((at, end)));
                }
                push_position(state, at + 1);
                push_position(state, end);
                return 2 + push_captures(state, &matcher, subject, None);
            }
            if anchored {
                break;
            }
        }
        pay(state, &mut matcher);
        ffi::lua_pushnil(state);
        1
    }
}

/// `string.find(s, pattern [, init [, plain]])`.
unsafe extern "C-unwind" fn find(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `bounded::closure`.
    unsafe { find_or_match(state, true) }
}

/// `string.match(s, pattern [, init])`.
unsafe extern "C-unwind" fn match_(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `bounded::closure`.
    unsafe { find_or_match(state, false) }
}

/// Where a `string.gmatch` iterator goes on from (its third upvalue).
#[derive(Clone, Copy)]
struct Progress {
    /// The subject offset the next search starts at.
    next: usize,
    /// The end of the last match, which an empty match there may not repeat.
    last_end: Option<usize>,
}

/// `string.gmatch(s, pattern)`: an iterator over the matches, holding the subject, the
/// pattern, its [`Progress`] and the budget.
unsafe extern "C-unwind" fn gmatch(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `bounded::closure` (the budget is its
    // second upvalue); the userdata is plain data, written before use.
    unsafe {
        string_arg(state, 1);
        string_arg(state, 2);
        ffi::lua_settop(state, 2);
        let progress = ffi::lua_newuserdata(state, size_of::<Progress>()).cast::<Progress>();
        progress.write_unaligned(Progress {
            next: 0,
            last_end: None,
        });
        ffi::lua_pushvalue(state, ffi::lua_upvalueindex(2));
        ffi::lua_pushcclosure(state, gmatch_next, 4);
        1
    }
}

/// One step of a `string.gmatch` iterator: the captures of the next match, or nothing.
unsafe extern "C-unwind" fn gmatch_next(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as the closure `gmatch` made: the subject, the pattern, the
    // progress and the budget cell (which lives as long as the VM) are its upvalues.
    unsafe {
        let subject = string_at(state, ffi::lua_upvalueindex(1));
        let pattern = string_at(state, ffi::lua_upvalueindex(2));
        let progress = ffi::lua_touserdata(state, ffi::lua_upvalueindex(3)).cast::<Progress>();
        let budget = &*ffi::lua_touserdata(state, ffi::lua_upvalueindex(4)).cast::<Cell<u64>>();
        let Progress { next, last_end } = progress.read_unaligned();
        let mut matcher = Matcher::new(subject, pattern, budget);
        for at in next..=subject.len() {
            let found = matcher.match_at(at);
            match answer(state, &mut matcher, found) {
                Some(end) if Some(end) != last_end => {
                    progress.write_unaligned(Progress {
                        next: end,
                        last_end: Some(end),
                    });
                    pay(state, &mut matcher);
                    return push_captures(state, &matcher, subject, Some((at, end)));
                }
                _ => {}
            }
        }
        pay(state, &mut matcher);
        0
    }
}

/// Adds `gsub`'s replacement string (argument 3) for the match `whole` to `buffer`: its
/// bytes, with `%0` the match, `%1` to `%9` its captures and `%%` a `%`.
///
/// # Safety
/// Called from `gsub`, with `buffer` its buffer and the replacement a string at index 3.
unsafe fn add_text(
    state: *mut ffi::lua_State,
    buffer: *mut ffi::luaL_Buffer,
    matcher: &Matcher<'_>,
    subject: &[u8],
    whole: (usize, usize),
) {
    // SAFETY: the caller's context; the replacement stays at index 3.
    unsafe {
        let replacement = string_at(state, 3);
        let mut i = 0;
        while i < replacement.len() {
            let run = replacement[i..]
                .iter()
                .position(|&b| b == b'%')
                .unwrap_or(replacement.len() - i);
            ffi::luaL_addlstring(buffer, replacement[i..].as_ptr().cast(), run);
            i += run;
            if i == replacement.len() {
                break;
            }
            // A `%`: what follows it (0 past the end, as C reads the terminating NUL).
            let escaped = replacement.get(i + 1).copied().unwrap_or(0);
            i += 2;
            match escaped {
                b'0' => ffi::luaL_addlstring(
                    buffer,
                    subject[whole.0..].as_ptr().cast(),
                    whole.1 - whole.0,
                ),
                b'1'..=b'9' => {
                    push_capture(state, matcher, subject, usize::from(escaped - b'1'), whole);
                    ffi::luaL_tolstring(state, -1, std::ptr::null_mut());
                    ffi::lua_remove(state, -2); // the capture, under its text
                    ffi::luaL_addvalue(buffer);
                }
                b'%' => ffi::luaL_addlstring(buffer, c"%".as_ptr(), 1),
                _ => bounded::raise_text(state, &[b"invalid use of '%' in replacement string"]),
            }
        }
    }
}

/// Adds `gsub`'s replacement for the match `whole` to `buffer`: the text of a string or
/// number, or what the table or function (argument 3) gives for the match, the match
/// itself when that is `false` or `nil`.
///
/// # Safety
/// Called from `gsub`, with `buffer` its buffer; runs Lua code for a table or function.
unsafe fn add_replacement(
    state: *mut ffi::lua_State,
    buffer: *mut ffi::luaL_Buffer,
    matcher: &Matcher<'_>,
    subject: &[u8],
    whole: (usize, usize),
    kind: c_int,
) {
    // SAFETY: the caller's context.
    unsafe {
        match kind {
            ffi::LUA_TFUNCTION => {
                ffi::lua_pushvalue(state, 3);
                let count = push_captures(state, matcher, subject, Some(whole));
                ffi::lua_call(state, count, 1);
            }
            ffi::LUA_TTABLE => {
                push_capture(state, matcher, subject, 0, whole);
                ffi::lua_gettable(state, 3);
            }
            _ => return add_text(state, buffer, matcher, subject, whole),
        }
        if ffi::lua_toboolean(state, -1) == 0 {
            ffi::lua_settop(state, -2);
            push_bytes(state, &subject[whole.0..whole.1]);
        } else if ffi::lua_isstring(state, -1) == 0 {
            let kind = std::ffi::CStr::from_ptr(ffi::luaL_typename(state, -1));
            bounded::raise_text(
                state,
                &[b"invalid replacement value (a ", kind.to_bytes(), b")"],
            );
        }
        ffi::luaL_addvalue(buffer);
    }
}

/// `string.gsub(s, pattern, replacement [, n])`.
unsafe extern "C-unwind" fn gsub(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `bounded::closure`; the subject and
    // pattern stay on the stack; the buffer is initialised before use and never moved.
    unsafe {
        let subject = string_arg(state, 1);
        let mut pattern = string_arg(state, 2);
        let kind = ffi::lua_type(state, 3);
        let most = ffi::luaL_optinteger(state, 4, subject.len() as i64 + 1);
        if !matches!(
            kind,
            ffi::LUA_TNUMBER | ffi::LUA_TSTRING | ffi::LUA_TFUNCTION | ffi::LUA_TTABLE
        ) {
            ffi::luaL_argerror(state, 3, c"string/function/table expected".as_ptr());
        }
        let mut buffer = MaybeUninit::<ffi::luaL_Buffer>::uninit();
        let buffer = buffer.as_mut_ptr();
        ffi::luaL_buffinit(state, buffer);
        let anchored = pattern.first() == Some(&b'^');
        if anchored {
            pattern = &pattern[1..];
        }
        let mut matcher = Matcher::new(subject, pattern, bounded::budget(state));
        let (mut at, mut copied, mut last_end, mut count) = (0, 0, None, 0);
        while count < most {
            let found = matcher.match_at(at);
            match answer(state, &mut matcher, found) {
                Some(end) if Some(end) != last_end => {
                    count += 1;
                    ffi::luaL_addlstring(buffer, subject[copied..].as_ptr().cast(), at - copied);
                    pay(state, &mut matcher);
                    add_replacement(state, buffer, &matcher, subject, (at, end), kind);
                    (at, copied, last_end) = (end, end, Some(end));
                }
                _ if at < subject.len() => at += 1, // the byte stays as it is
                _ => break,
            }
            if anchored {
                break;
            }
        }
        pay(state, &mut matcher);
        ffi::luaL_addlstring(
            buffer,
            subject[copied..].as_ptr().cast(),
            subject.len() - copied,
        );
        ffi::luaL_pushresult(buffer);
        ffi::lua_pushinteger(state, count);
        2
    }
}

/// Replaces `string.find`, `match`, `gmatch` and `gsub` (before the environment keeps any
/// of them).
///
/// # Safety
/// `budget` must point at the VM's budget cell, which lives as long as the VM.
pub(super) unsafe fn install(lua: &Lua, budget: *const Cell<u64>) -> mlua::Result<()> {
    let string: Table = lua.globals().get("string")?;
    // SAFETY: the caller's contract for `budget`; each function reads its upvalues as
    // `bounded::closure` makes them.
    unsafe {
        bounded::closure(lua, &string, "find", budget, find)?;
        bounded::closure(lua, &string, "match", budget, match_)?;
        bounded::closure(lua, &string, "gmatch", budget, gmatch)?;
        bounded::closure(lua, &string, "gsub", budget, gsub)?;
    }
    Ok(())
}
