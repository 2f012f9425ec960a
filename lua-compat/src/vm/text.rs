//! Byte tests the AOS environment asks of its texts on every message, as C functions: Lua's
//! pattern matcher (`string.find` with a pattern) did them before, and it was code V8
//! compiles for a process' first message and Lua work for every tag of every message.

use std::ffi::c_int;

use mlua::{ffi, Lua, Table};

use crate::value::LuaBytes;

/// Whether `text` holds a character that makes a Lua pattern of it (`^$()%.[]*+-?`): what
/// `string.find(text, "[%^%$%(%)%%%.%[%]%*%+%-%?]")` tells.
fn has_magic(text: &[u8]) -> bool {
    text.iter().any(|b| {
        matches!(
            b,
            b'^' | b'$' | b'(' | b')' | b'%' | b'.' | b'[' | b']' | b'*' | b'+' | b'-' | b'?'
        )
    })
}

/// Whether a run of letters and digits in `text` starts with a lower-case letter: what
/// `string.find(text, "%f[%w]%l")` tells (Lua's classes in the C locale are ASCII).
fn has_lower_word(text: &[u8]) -> bool {
    let mut after_alnum = false;
    for b in text {
        if b.is_ascii_lowercase() && !after_alnum {
            return true;
        }
        after_alnum = b.is_ascii_alphanumeric();
    }
    false
}

/// `H.magic(text)` and `H.lowerword(text)`: [`has_magic`] and [`has_lower_word`] of a
/// string (the environment passes strings only).
///
/// # Safety
/// Lua calls a C function with its arguments on the stack and LUA_MINSTACK free slots.
unsafe fn test(state: *mut ffi::lua_State, f: fn(&[u8]) -> bool) -> c_int {
    // SAFETY: the caller's context; the bytes are read while the string is on the stack.
    unsafe {
        let found =
            ffi::lua_type(state, 1) == ffi::LUA_TSTRING && f(LuaBytes::at(state, 1).bytes());
        ffi::lua_pushboolean(state, c_int::from(found));
    }
    1
}

unsafe extern "C-unwind" fn magic(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua.
    unsafe { test(state, has_magic) }
}

unsafe extern "C-unwind" fn lower_word(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua.
    unsafe { test(state, has_lower_word) }
}

/// Puts `magic` and `lowerword` into `host` (the environment's `H`).
pub(super) fn install(lua: &Lua, host: &Table) -> mlua::Result<()> {
    // SAFETY: both are C functions that read their one argument and push a boolean.
    unsafe {
        host.raw_set("magic", lua.create_c_function(magic)?)?;
        host.raw_set("lowerword", lua.create_c_function(lower_word)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C tests answer as the Lua patterns they replace, byte by byte.
    #[test]
    fn the_tests_answer_as_lua_patterns() {
        let lua = Lua::new();
        let find = |text: &[u8], pattern: &str| -> bool {
            lua.load("local t, p = ... return string.find(t, p) ~= nil")
                .call((lua.create_string(text).unwrap(), pattern))
                .unwrap()
        };
        let mut texts: Vec<Vec<u8>> = [
            "",
            "Transfer",
            "transfer",
            "X-Reference",
            "x-ref",
            "Balance-Of",
            "a",
            "A",
            "9a",
            "a9",
            "_x",
            "x_y",
            "Content-Type",
            "%d+",
            "^Act$",
            "Credit.Notice",
            "a b",
            " x",
            "Ünïcode",
            "tag\0with nul",
            "[x]",
            "q?",
            "1-2",
            "é",
        ]
        .iter()
        .map(|t| t.as_bytes().to_vec())
        .collect();
        for b in 0u8..=255 {
            texts.push(vec![b]);
            texts.push(vec![b' ', b]);
            texts.push(vec![b, b'a']);
            texts.push(vec![b'Z', b, b'q']);
        }
        for text in &texts {
            assert_eq!(
                has_magic(text),
                find(text, "[%^%$%(%)%%%.%[%]%*%+%-%?]"),
                "{text:?}"
            );
            assert_eq!(has_lower_word(text), find(text, "%f[%w]%l"), "{text:?}");
        }
    }
}
