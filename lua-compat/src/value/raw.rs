//! What the C API paths (`message`, `encode`, the bints' C functions) share: a Lua string
//! read in place ([`LuaBytes`]) and mlua's names of the Lua types ([`type_name`]).

use std::ffi::{c_int, CStr};

use mlua::ffi;

/// The bytes of a Lua string read in place: valid while the string is alive (Lua strings
/// do not move).
#[derive(Clone, Copy)]
pub(crate) struct LuaBytes {
    at: *const u8,
    len: usize,
}

impl LuaBytes {
    /// The string at `index` (a string there: nothing is converted or allocated).
    ///
    /// # Safety
    /// A Lua C function's context with a string at `index`.
    pub(crate) unsafe fn at(state: *mut ffi::lua_State, index: c_int) -> LuaBytes {
        let mut len = 0;
        // SAFETY: the caller's context.
        let at = unsafe { ffi::lua_tolstring(state, index, &mut len) };
        LuaBytes {
            at: at.cast::<u8>(),
            len,
        }
    }

    /// The bytes.
    ///
    /// # Safety
    /// The string must still be alive: no Lua code ran since it was read, or it is still
    /// on the stack.
    pub(crate) unsafe fn bytes<'a>(self) -> &'a [u8] {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts(self.at, self.len) }
    }

    /// The bytes as text, invalid UTF-8 replaced (as mlua's `to_string_lossy`).
    ///
    /// # Safety
    /// As [`LuaBytes::bytes`].
    pub(crate) unsafe fn text(self) -> String {
        // SAFETY: the caller's contract.
        lossy_text(unsafe { self.bytes() })
    }
}

/// `bytes` as text, invalid UTF-8 replaced (`String::from_utf8_lossy`). Text that is
/// valid, as a message's nearly always is, is copied after `str::from_utf8`'s check, so
/// the replacing reader (1 KB of code) stays off the path of the first messages.
pub(crate) fn lossy_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => replaced(bytes),
    }
}

#[cold]
#[inline(never)]
fn replaced(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// mlua's name of a Lua type (what errors name).
pub(crate) fn type_name(kind: c_int) -> &'static CStr {
    match kind {
        ffi::LUA_TNIL | ffi::LUA_TNONE => c"nil",
        ffi::LUA_TBOOLEAN => c"boolean",
        ffi::LUA_TLIGHTUSERDATA => c"lightuserdata",
        ffi::LUA_TNUMBER => c"number",
        ffi::LUA_TSTRING => c"string",
        ffi::LUA_TTABLE => c"table",
        ffi::LUA_TFUNCTION => c"function",
        ffi::LUA_TTHREAD => c"thread",
        _ => c"userdata",
    }
}

#[cfg(test)]
mod tests {
    use super::lossy_text;

    #[test]
    fn lossy_text_is_from_utf8_lossy() {
        for bytes in [
            &b""[..],
            b"Transfer",
            "d\u{e9}j\u{e0} \u{1f980}".as_bytes(),
            b"bad \xff byte",
            b"cut \xe2\x82",
            b"\xc0\x80 overlong",
        ] {
            assert_eq!(
                lossy_text(bytes),
                String::from_utf8_lossy(bytes),
                "{bytes:?}"
            );
        }
    }
}
