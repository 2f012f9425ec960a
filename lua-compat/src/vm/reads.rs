//! Library functions whose work grows with what they read, charged before they read it.
//!
//! The budget counts VM instructions (the hook) and the bytes the heap grows by
//! (`metered.rs`), so a function that reads much and writes little did its work free: a
//! loop of a few instructions a turn calling one over a stranger's 8 MiB `Data` ran for
//! days inside the budget. These pay for what they read, before they read it, at about
//! what an instruction costs (C Lua natively: one instruction about 2 ns, one value pushed
//! 1.5 to 2.5 ns, one byte scanned 0.4 to 0.8 ns, one byte of a table-rich heap collected
//! 0.4 ns; `sha256` in software 3 to 4 ns a byte):
//!
//! - `string.byte(s, i, j)`, `utf8.codepoint(s, i, j)`, `table.unpack(t, i, j)` and
//!   `select(n, ...)`: one instruction per value they may push or return, and
//!   `table.concat(t, sep, i, j)` eight per entry it joins (`table.unpack` and `table.concat`
//!   are written here, with Lua 5.3's rules and error texts, so `#t` is read once);
//! - `utf8.len(s, i, j)`, `utf8.codes(s)`, `utf8.offset(s, n, i)` (the bytes it moved
//!   over, once it has), `tonumber(s)`, `load(s)` (or each piece a `load` reader returns),
//!   `string.unpack` with a zero-terminated string (`z`), and the format of
//!   `string.pack` and `string.packsize`: one per [`READ_BYTES_PER_INSTRUCTION`] bytes of
//!   the range or string; `string.unpack` one per byte of its format (at most a value
//!   each);
//! - `collectgarbage()` (`"collect"`) and `collectgarbage("step", n)`: one per
//!   [`READ_BYTES_PER_INSTRUCTION`] bytes of the heap a collection may go through (the
//!   whole heap, or `n` KiB of it);
//! - the Rust libraries ([`pay`]): a `crypto` digest or `hmac` one per byte it hashes,
//!   `.base64` one per byte, `json.decode` one per [`READ_BYTES_PER_INSTRUCTION`] bytes of
//!   its text and `json` 32 per value; the bints ([`charge_from_registry`]) a text past 128
//!   bytes one per four bytes, `bint.frombase` one per digit.
//!
//! What is still free are the VM's own instructions that read: comparing two long strings,
//! a string read as a number by arithmetic (`s + 0`), and `...` copying the arguments of a
//! vararg function (`lua-compat/README.md`, "Engine").

use std::cell::Cell;
use std::ffi::c_int;

use mlua::{ffi, Lua, Table};

use super::bounded::{budget, charge, closure, integer, original, raise_text, table_like};
use crate::error::BUDGET_MARK;

/// Bytes a function reads per instruction it pays: scanning a byte takes 0.4 to 0.8 ns
/// natively (`utf8.len`, `tonumber` over spaces, `load` of a long comment, a collection of
/// a heap of small tables), an instruction about 2 ns.
pub(crate) const READ_BYTES_PER_INSTRUCTION: u64 = 4;

/// Pays `cost` instructions from `budget` (the VM's, which a Rust library function holds),
/// or fails with the budget's error, leaving it empty.
pub(crate) fn pay(budget: &Cell<u64>, cost: u64) -> mlua::Result<()> {
    if super::limits::spend(budget, cost) {
        Ok(())
    } else {
        Err(mlua::Error::runtime(BUDGET_MARK))
    }
}

/// The registry key of the budget's address, for C functions made without it as an
/// upvalue ([`charge_from_registry`]).
static BUDGET_KEY: u8 = 0;

/// Charges `cost` instructions to the budget of the VM `state` belongs to (raising the
/// budget's error when it holds fewer); a state without one (a library's own tests) pays
/// nothing. For C functions that are not closures over the budget: the bints'.
///
/// # Safety
/// Called from a C function with one free stack slot; may unwind past the caller's frame,
/// which must own nothing that needs dropping.
pub(crate) unsafe fn charge_from_registry(state: *mut ffi::lua_State, cost: u64) {
    // SAFETY: the caller's context; the registry entry is the budget's address, which lives
    // as long as the VM ([`install`]). The value pushed is popped before the charge.
    unsafe {
        ffi::lua_rawgetp(
            state,
            ffi::LUA_REGISTRYINDEX,
            (&raw const BUDGET_KEY).cast(),
        );
        let budget = ffi::lua_touserdata(state, -1).cast::<Cell<u64>>();
        ffi::lua_pop(state, 1);
        if !budget.is_null() {
            charge(state, &*budget, cost);
        }
    }
}

/// Lua 5.3's relative string position (`posrelat`): a negative `pos` counts from the end,
/// one past the start is 0.
fn relative(pos: i64, len: u64) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len {
        0
    } else {
        len as i64 + pos + 1
    }
}

/// The integer argument `arg`, or `default` when it is none or nil; `None` where
/// `luaL_optinteger` would raise its error (which the C function then raises).
///
/// # Safety
/// Called from a C function.
unsafe fn optional_integer(state: *mut ffi::lua_State, arg: c_int, default: i64) -> Option<i64> {
    // SAFETY: the caller's context.
    unsafe {
        if ffi::lua_isnoneornil(state, arg) != 0 {
            Some(default)
        } else {
            integer(state, arg)
        }
    }
}

/// The bytes of the string at argument 1 between the positions at arguments 2 (default 1)
/// and 3 (default `last`, or the start when `None`), clamped to the string: what
/// `string.byte`, `utf8.codepoint` and `utf8.len` go through. `None` where an argument is
/// not what the function takes (it then raises its own error, or reads a number's short
/// text).
///
/// # Safety
/// Called from a C function.
unsafe fn range(state: *mut ffi::lua_State, last: Option<i64>) -> Option<u64> {
    // SAFETY: the caller's context; nothing is pushed.
    unsafe {
        let len = string_bytes(state, 1)?;
        let start = relative(optional_integer(state, 2, 1)?, len);
        let end = relative(optional_integer(state, 3, last.unwrap_or(start))?, len).min(len as i64);
        let first = start.max(1);
        Some(if first > end {
            0
        } else {
            (end - first + 1) as u64
        })
    }
}

/// The bytes of the string at `arg`, if it is one.
///
/// # Safety
/// Called from a C function.
unsafe fn string_bytes(state: *mut ffi::lua_State, arg: c_int) -> Option<u64> {
    // SAFETY: the caller's context.
    unsafe {
        (ffi::lua_type(state, arg) == ffi::LUA_TSTRING).then(|| ffi::lua_rawlen(state, arg) as u64)
    }
}

/// `string.byte(s [, i [, j]])` and `utf8.codepoint(s [, i [, j]])`: one instruction per
/// byte of the range, each at most one value pushed.
unsafe extern "C-unwind" fn per_value(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`.
    unsafe {
        if let Some(values) = range(state, None) {
            charge(state, budget(state), values);
        }
        original(state)
    }
}

/// `utf8.len(s [, i [, j]])`: the bytes of the range it decodes.
unsafe extern "C-unwind" fn utf8_len(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`.
    unsafe {
        if let Some(bytes) = range(state, Some(-1)) {
            charge(state, budget(state), bytes / READ_BYTES_PER_INSTRUCTION);
        }
        original(state)
    }
}

/// `select(n, ...)`: the values it returns (none are paid for `select('#', ...)`).
unsafe extern "C-unwind" fn select(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`.
    unsafe {
        let count = i64::from(ffi::lua_gettop(state));
        let counting = string_bytes(state, 1).is_some_and(|len| len > 0)
            && *ffi::lua_tostring(state, 1).cast::<u8>() == b'#';
        if let (false, Some(n)) = (counting, integer(state, 1)) {
            let from = if n < 0 {
                count.saturating_add(n)
            } else {
                n.min(count)
            };
            if from >= 1 {
                charge(state, budget(state), (count - from) as u64);
            }
        }
        original(state)
    }
}

/// `string.unpack(fmt, s [, pos])`: one instruction per byte of the format (each gives at
/// most one value), and a format with a zero-terminated string (`z`), which may scan the
/// rest of `s` for its end, the bytes of `s` too.
unsafe extern "C-unwind" fn unpack_string(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`; the format's bytes are read
    // while it is on the stack.
    unsafe {
        if let Some(format) = string_bytes(state, 1) {
            let text = std::slice::from_raw_parts(
                ffi::lua_tostring(state, 1).cast::<u8>(),
                format as usize,
            );
            let scanned = match string_bytes(state, 2) {
                Some(bytes) if text.contains(&b'z') => bytes / READ_BYTES_PER_INSTRUCTION,
                _ => 0,
            };
            charge(state, budget(state), format + scanned);
        }
        original(state)
    }
}

/// `utf8.offset(s, n [, i])`: the bytes it moved over, paid once it has moved (from `i` to
/// the position it answers, or to the end of `s` it stopped at).
unsafe extern "C-unwind" fn offset(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`; the answer is read on top of
    // the stack after the C function returns it.
    unsafe {
        let len = string_bytes(state, 1);
        let n = integer(state, 2);
        let start = match (len, n) {
            (Some(len), Some(n)) => {
                let default = if n >= 0 { 1 } else { len as i64 + 1 };
                optional_integer(state, 3, default).map(|i| (relative(i, len), n, len))
            }
            _ => None,
        };
        let results = original(state);
        if let Some((start, n, len)) = start {
            let end = if ffi::lua_isinteger(state, -1) != 0 {
                ffi::lua_tointegerx(state, -1, std::ptr::null_mut())
            } else if n > 0 {
                len as i64 + 1
            } else {
                1
            };
            charge(
                state,
                budget(state),
                start.abs_diff(end) / READ_BYTES_PER_INSTRUCTION,
            );
        }
        results
    }
}

/// `load(chunk, ...)`: the bytes of a string chunk, or of each piece a reader function
/// returns (the reader is wrapped by [`paid_piece`]).
unsafe extern "C-unwind" fn load(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`; the wrapper replaces the reader
    // at index 1 with another function, which `load` calls the same way.
    unsafe {
        if ffi::lua_type(state, 1) == ffi::LUA_TFUNCTION {
            ffi::lua_pushvalue(state, 1);
            ffi::lua_pushvalue(state, ffi::lua_upvalueindex(2));
            ffi::lua_pushcclosure(state, paid_piece, 2);
            ffi::lua_replace(state, 1);
            return original(state);
        }
        per_byte(state)
    }
}

/// A `load` reader (its first upvalue) whose pieces pay for their bytes.
unsafe extern "C-unwind" fn paid_piece(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by `load` with no arguments; the upvalues are the reader and the
    // budget (`load`). Its errors unwind past this frame, which owns nothing.
    unsafe {
        ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
        ffi::lua_call(state, 0, 1);
        if let Some(bytes) = string_bytes(state, -1) {
            charge(state, budget(state), bytes / READ_BYTES_PER_INSTRUCTION);
        }
        1
    }
}

/// `tonumber(s [, base])`, `utf8.codes(s)`, and `string.pack(fmt, ...)` and
/// `string.packsize(fmt)` (options such as spaces and alignments write nothing the
/// allocator would charge): the bytes of a string argument 1.
unsafe extern "C-unwind" fn per_byte(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`.
    unsafe {
        if let Some(bytes) = string_bytes(state, 1) {
            charge(state, budget(state), bytes / READ_BYTES_PER_INSTRUCTION);
        }
        original(state)
    }
}

/// `collectgarbage([opt [, arg]])`: a full collection (`"collect"`, the default) pays for
/// the heap it goes through, a `"step"` of `n` KiB for at most that much of it (one KiB
/// for the smallest step).
unsafe extern "C-unwind" fn collect(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`.
    unsafe {
        let option = if ffi::lua_isnoneornil(state, 1) != 0 {
            Some(&b"collect"[..])
        } else if ffi::lua_type(state, 1) == ffi::LUA_TSTRING {
            let mut len = 0;
            let text = ffi::lua_tolstring(state, 1, &mut len);
            Some(std::slice::from_raw_parts(text.cast::<u8>(), len))
        } else {
            None
        };
        let heap = (ffi::lua_gc(state, ffi::LUA_GCCOUNT, 0) as u64) * 1024
            + ffi::lua_gc(state, ffi::LUA_GCCOUNTB, 0) as u64;
        let reach = match option {
            Some(b"collect") => Some(heap),
            Some(b"step") => optional_integer(state, 2, 0)
                .map(|kib| (kib.max(1) as u64).saturating_mul(1024).min(heap)),
            _ => None,
        };
        if let Some(bytes) = reach {
            charge(state, budget(state), bytes / READ_BYTES_PER_INSTRUCTION);
        }
        original(state)
    }
}

/// `table.unpack(t [, i [, j]])`: Lua 5.3's, with the values it pushes paid before it
/// pushes them. Written here rather than wrapped, so that `#t` (a `__len` metamethod) is
/// read once.
unsafe extern "C-unwind" fn unpack(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`; the values pushed are checked
    // for room first.
    unsafe {
        let first = ffi::luaL_optinteger(state, 2, 1);
        let last = if ffi::lua_isnoneornil(state, 3) != 0 {
            ffi::luaL_len(state, 1)
        } else {
            ffi::luaL_checkinteger(state, 3)
        };
        if first > last {
            return 0;
        }
        // Values less one, which cannot overflow.
        let more = (last as u64).wrapping_sub(first as u64);
        if more >= c_int::MAX as u64 || ffi::lua_checkstack(state, (more + 1) as c_int) == 0 {
            raise_text(state, &[b"too many results to unpack"]);
        }
        charge(state, budget(state), more + 1);
        let mut at = first;
        while at < last {
            ffi::lua_geti(state, 1, at);
            at += 1;
        }
        ffi::lua_geti(state, 1, last);
        (more + 1) as c_int
    }
}

/// `table.concat(list [, sep [, i [, j]]])`: Lua 5.3's, each entry paid as it is joined
/// (the range may end early, at an entry that is not text). Written here rather than
/// wrapped, so that `#list` (a `__len` metamethod) is read once.
unsafe extern "C-unwind" fn concat(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`. The buffer is initialised in
    // place and never moved; it keeps its growth on Lua's stack, above which each entry is
    // pushed and taken, as Lua's own `concat` does.
    unsafe {
        if !table_like(state, 1, &[c"__index", c"__len"]) {
            ffi::luaL_checktype(state, 1, ffi::LUA_TTABLE);
        }
        let length = ffi::luaL_len(state, 1);
        let mut separator_len = 0;
        let separator = ffi::luaL_optlstring(state, 2, c"".as_ptr(), &mut separator_len);
        let mut at = ffi::luaL_optinteger(state, 3, 1);
        let last = ffi::luaL_optinteger(state, 4, length);
        let mut buffer = std::mem::MaybeUninit::<ffi::luaL_Buffer>::uninit();
        let joined = buffer.as_mut_ptr();
        ffi::luaL_buffinit(state, joined);
        while at < last {
            join_entry(state, joined, at);
            ffi::luaL_addlstring(joined, separator, separator_len);
            at += 1;
        }
        if at == last {
            join_entry(state, joined, at);
        }
        ffi::luaL_pushresult(joined);
        1
    }
}

/// Instructions an entry `table.concat` joins costs: natively 12 ns (an empty string) to
/// 23 ns (eight bytes) an entry, Lua 5.3's own `concat` as this one.
const CONCAT_ENTRY_COST: u64 = 8;

/// Adds entry `at` of the list at index 1 to `joined`, paying [`CONCAT_ENTRY_COST`]; an entry
/// that is not text (a string or a number) is `concat`'s error.
///
/// # Safety
/// Called from [`concat`] with its buffer.
unsafe fn join_entry(state: *mut ffi::lua_State, joined: *mut ffi::luaL_Buffer, at: i64) {
    // SAFETY: the caller's context; the error unwinds past this frame, which owns nothing.
    unsafe {
        charge(state, budget(state), CONCAT_ENTRY_COST);
        ffi::lua_geti(state, 1, at);
        if ffi::lua_isstring(state, -1) == 0 {
            let kind = ffi::luaL_typename(state, -1);
            ffi::luaL_where(state, 1);
            ffi::lua_pushstring(state, c"invalid value (".as_ptr());
            ffi::lua_pushstring(state, kind);
            ffi::lua_pushstring(state, c") at index ".as_ptr());
            // Lua 5.3 formats the index with `%d`: an `int`.
            ffi::lua_pushinteger(state, i64::from(at as i32));
            ffi::lua_pushstring(state, c" in table for 'concat'".as_ptr());
            ffi::lua_concat(state, 6);
            ffi::lua_error(state);
        }
        ffi::luaL_addvalue(joined);
    }
}

/// Replaces the functions above in the base, `string`, `utf8` and `table` libraries
/// (before the environment keeps any of them).
///
/// # Safety
/// `budget` must point at the VM's budget cell, which lives as long as the VM.
pub(super) unsafe fn install(lua: &Lua, budget: *const Cell<u64>) -> mlua::Result<()> {
    // SAFETY: `exec_raw` runs the closure as a protected C function; setting a registry
    // entry may raise a memory error, which returns to `exec_raw`.
    unsafe {
        lua.exec_raw::<()>((), |state| {
            ffi::lua_pushlightuserdata(state, budget.cast_mut().cast());
            ffi::lua_rawsetp(
                state,
                ffi::LUA_REGISTRYINDEX,
                (&raw const BUDGET_KEY).cast(),
            );
        })?;
    }
    let globals = lua.globals();
    let string: Table = globals.get("string")?;
    let utf8: Table = globals.get("utf8")?;
    let table: Table = globals.get("table")?;
    // SAFETY: the caller's contract for `budget`; each function reads its upvalues as
    // `closure` makes them.
    unsafe {
        closure(lua, &string, "byte", budget, per_value)?;
        closure(lua, &utf8, "codepoint", budget, per_value)?;
        closure(lua, &utf8, "len", budget, utf8_len)?;
        closure(lua, &utf8, "codes", budget, per_byte)?;
        closure(lua, &string, "unpack", budget, unpack_string)?;
        closure(lua, &string, "pack", budget, per_byte)?;
        closure(lua, &string, "packsize", budget, per_byte)?;
        closure(lua, &utf8, "offset", budget, offset)?;
        closure(lua, &globals, "tonumber", budget, per_byte)?;
        closure(lua, &globals, "load", budget, load)?;
        closure(lua, &globals, "select", budget, select)?;
        closure(lua, &globals, "collectgarbage", budget, collect)?;
        closure(lua, &table, "unpack", budget, unpack)?;
        closure(lua, &table, "concat", budget, concat)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
