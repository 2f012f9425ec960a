//! Library functions whose loops the instruction budget did not see.
//!
//! The budget counts Lua VM instructions (the hook), so a C function's work is free to the
//! message that calls it. Most of Lua's C library does work bounded by the heap's limit
//! (a string's bytes, a table's entries); four loops of Lua 5.3 are bounded by nothing but
//! an integer argument, and one call with a large one ran for ever (the `lua_libs` fuzz
//! target found the first; a review of the library for loops like it, the others):
//!
//! - `string.rep("", n)` (with no or an empty separator) copies nothing `n - 1` times: it
//!   answers `""` at once, as Lua 5.4 does;
//! - `table.move(a, f, e, t)` moves `e - f + 1` entries whatever `a` holds;
//! - `table.insert(t, pos, v)` and `table.remove(t, pos)` shift every entry between `pos`
//!   and `#t`, which a `__len` metamethod may put at `2^62`.
//!
//! The last three are charged one instruction of the message's budget per entry moved
//! before they move any ([`charge`]), so a range the budget cannot pay ends the message with
//! the budget's error, as a Lua loop doing the same would. `table.insert` and
//! `table.remove` are written here, with Lua 5.3's rules and error texts (a unit test
//! compares them with the C functions they replace); `string.rep` and `table.move` call
//! the C functions they replace, kept as their closures' first upvalue, in the same call
//! frame, so their errors name the function as the caller wrote it.
//!
//! `table.sort` without a comparator pays for its comparisons (each one, or a small plain
//! table's worst case up front): its pivots are fixed here (no clock), so a list made
//! against it takes about `n^2 / 4` comparisons in one call.
//!
//! Lua's pattern matcher, whose backtracking is bounded by nothing, is replaced whole
//! (`super::pattern`), through [`closure`] and [`charge`] here.

use std::cell::Cell;
use std::ffi::{c_int, CStr};

use mlua::{ffi, Lua, Table};

use crate::error::BUDGET_MARK;

/// Charges `entries` instructions to the budget at `budget`, or empties it and raises the
/// budget's error when it holds fewer.
///
/// # Safety
/// Called from a C function of `state`; `budget` is the VM's budget cell.
pub(super) unsafe fn charge(state: *mut ffi::lua_State, budget: &Cell<u64>, entries: u64) {
    if super::limits::spend(budget, entries) {
        return;
    }
    // SAFETY: the caller's context; the error unwinds to the closest protected call, past
    // this frame, which owns nothing to drop.
    unsafe {
        ffi::lua_pushlstring(state, BUDGET_MARK.as_ptr().cast(), BUDGET_MARK.len());
        ffi::lua_error(state);
    }
}

/// The budget cell of a closure made by [`closure`] (its second upvalue).
///
/// # Safety
/// Called from a C function made by [`closure`].
pub(super) unsafe fn budget<'a>(state: *mut ffi::lua_State) -> &'a Cell<u64> {
    // SAFETY: [`closure`]'s contract: the upvalue points at the VM's budget, which lives
    // as long as the VM.
    unsafe { &*ffi::lua_touserdata(state, ffi::lua_upvalueindex(2)).cast::<Cell<u64>>() }
}

/// Raises the error `luaL_error` would with the text made of `parts` (a C function's
/// errors carry no position).
///
/// # Safety
/// Called from a C function; unwinds past the caller's frames.
pub(super) unsafe fn raise_text(state: *mut ffi::lua_State, parts: &[&[u8]]) -> ! {
    // SAFETY: the caller's context; the error unwinds past this frame, which owns nothing to
    // drop.
    unsafe {
        ffi::luaL_where(state, 1);
        for part in parts {
            ffi::lua_pushlstring(state, part.as_ptr().cast(), part.len());
        }
        ffi::lua_concat(state, parts.len() as c_int + 1);
        ffi::lua_error(state);
    }
}

/// Runs the C function the closure replaces (its first upvalue) in this call frame.
///
/// # Safety
/// Called from a C function made by [`closure`] over a C function.
pub(super) unsafe fn original(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: the first upvalue is the C function [`install`] replaced.
    unsafe {
        let f = ffi::lua_tocfunction(state, ffi::lua_upvalueindex(1))
            .expect("the replaced function is a C function");
        f(state)
    }
}

/// An integer argument as `luaL_checkinteger` would take it, or `None` where it would
/// raise its error (which the C function then raises).
///
/// # Safety
/// Called from a C function.
pub(super) unsafe fn integer(state: *mut ffi::lua_State, arg: c_int) -> Option<i64> {
    let mut is_number = 0;
    // SAFETY: the caller's context.
    let n = unsafe { ffi::lua_tointegerx(state, arg, &mut is_number) };
    (is_number != 0).then_some(n)
}

/// Whether the value at `arg` is a string of no bytes.
///
/// # Safety
/// Called from a C function.
unsafe fn is_empty_string(state: *mut ffi::lua_State, arg: c_int) -> bool {
    // SAFETY: the caller's context.
    unsafe { ffi::lua_type(state, arg) == ffi::LUA_TSTRING && ffi::lua_rawlen(state, arg) == 0 }
}

/// `string.rep(s, n [, sep])`.
unsafe extern "C-unwind" fn rep(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`.
    unsafe {
        let no_separator = ffi::lua_isnoneornil(state, 3) != 0 || is_empty_string(state, 3);
        if is_empty_string(state, 1) && no_separator && integer(state, 2).is_some() {
            ffi::lua_pushlstring(state, c"".as_ptr(), 0);
            return 1;
        }
        original(state)
    }
}

/// `table.move(a1, f, e, t [, a2])`: charged the `e - f + 1` entries when the C function
/// goes on to move them (its arguments pass its checks).
unsafe extern "C-unwind" fn move_entries(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`.
    unsafe {
        let destination = if ffi::lua_isnoneornil(state, 5) != 0 {
            1
        } else {
            5
        };
        if let (Some(first), Some(last), Some(to)) =
            (integer(state, 2), integer(state, 3), integer(state, 4))
        {
            let entries = i128::from(last) - i128::from(first) + 1;
            let moves = last >= first
                && (first > 0 || last < i64::MAX.wrapping_add(first))
                && i128::from(to) <= i128::from(i64::MAX) - entries + 1
                && table_like(state, 1, &[c"__index"])
                && table_like(state, destination, &[c"__newindex"]);
            if moves {
                charge(state, budget(state), entries as u64);
            }
        }
        original(state)
    }
}

/// Whether the value at `arg` is a table, or has a metatable with every one of `keys`: what
/// Lua 5.3's table library asks of a table argument (`checktab`) before it raises
/// `luaL_checktype`'s error.
///
/// # Safety
/// Called from a C function.
pub(super) unsafe fn table_like(state: *mut ffi::lua_State, arg: c_int, keys: &[&CStr]) -> bool {
    // SAFETY: the caller's context; at most two values are pushed, both popped.
    unsafe {
        if ffi::lua_type(state, arg) == ffi::LUA_TTABLE {
            return true;
        }
        if ffi::lua_getmetatable(state, arg) == 0 {
            return false;
        }
        let all = keys.iter().all(|key| {
            ffi::lua_pushstring(state, key.as_ptr());
            let found = ffi::lua_rawget(state, -2) != ffi::LUA_TNIL;
            ffi::lua_pop(state, 1);
            found
        });
        ffi::lua_pop(state, 1);
        all
    }
}

/// What `table.insert` and `table.remove` ask of their first argument (reading, writing,
/// the length); the error for a non-table otherwise.
///
/// # Safety
/// Called from a C function.
unsafe fn check_table(state: *mut ffi::lua_State) {
    // SAFETY: the caller's context.
    unsafe {
        if !table_like(state, 1, &[c"__index", c"__newindex", c"__len"]) {
            ffi::luaL_checktype(state, 1, ffi::LUA_TTABLE);
        }
    }
}

/// Raises `luaL_argerror(arg, message)`.
///
/// # Safety
/// Called from a C function.
unsafe fn arg_error(state: *mut ffi::lua_State, arg: c_int, message: &CStr) -> ! {
    // SAFETY: the caller's context; the error unwinds past this frame.
    unsafe {
        ffi::luaL_argerror(state, arg, message.as_ptr());
    }
    unreachable!("luaL_argerror raises")
}

/// `table.insert(t, [pos,] v)`: an insertion before the end is charged the entries it
/// shifts.
unsafe extern "C-unwind" fn insert(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`; `t` is argument 1.
    unsafe {
        check_table(state);
        let end = ffi::luaL_len(state, 1).wrapping_add(1); // the first empty entry
        let at = match ffi::lua_gettop(state) {
            2 => end,
            3 => {
                let at = ffi::luaL_checkinteger(state, 2);
                if !(1 <= at && at <= end) {
                    arg_error(state, 2, c"position out of bounds");
                }
                charge(state, budget(state), end.abs_diff(at));
                let mut i = end;
                while i > at {
                    ffi::lua_geti(state, 1, i - 1);
                    ffi::lua_seti(state, 1, i); // t[i] = t[i - 1]
                    i -= 1;
                }
                at
            }
            _ => {
                raise_text(state, &[b"wrong number of arguments to 'insert'"]);
            }
        };
        ffi::lua_seti(state, 1, at); // t[at] = v, the last argument
        0
    }
}

/// `table.remove(t [, pos])`: charged the entries it shifts.
unsafe extern "C-unwind" fn remove(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`; `t` is argument 1.
    unsafe {
        check_table(state);
        let size = ffi::luaL_len(state, 1);
        let mut at = ffi::luaL_optinteger(state, 2, size);
        // Lua 5.3 names argument 1 in this error.
        if at != size && !(1 <= at && at <= size.wrapping_add(1)) {
            arg_error(state, 1, c"position out of bounds");
        }
        ffi::lua_geti(state, 1, at); // the result: t[at]
        if at < size {
            charge(state, budget(state), size.abs_diff(at));
        }
        while at < size {
            ffi::lua_geti(state, 1, at + 1);
            ffi::lua_seti(state, 1, at); // t[at] = t[at + 1]
            at += 1;
        }
        ffi::lua_pushnil(state);
        ffi::lua_seti(state, 1, at); // t[at] = nil
        1
    }
}

/// Entries up to which a plain table sorts without the charging comparator, paying its
/// worst case up front instead ([`sort_worst_case`]): the comparator is a C call per
/// comparison, which made the few keys `ao.send` sorts per message cost the Lua token's
/// `Transfer` 1.4% more instructions.
const SMALL_SORT: usize = 32;

/// Comparisons Lua 5.3's quicksort makes at most for `n` entries, with a margin: about
/// `n^2 / 4 + 1.5 n` against a list made for it (`tests/engine.rs`), at most `n - 1 + 3`
/// per partition and at least one entry less per level.
fn sort_worst_case(n: usize) -> u64 {
    (n * n / 2 + 4 * n) as u64
}

/// `table.sort(t [, comp])` without `comp`: every comparison is paid. Lua 5.3's quicksort
/// takes its pivot from fixed places here (no clock to randomise it, `build.rs`), so an
/// input made against it (a stranger's list, say) takes about `n^2 / 4` comparisons, which
/// ran for hours from one call at a million entries. A table of at most [`SMALL_SORT`]
/// entries with no metatable (its length is its raw length, read without side effects)
/// pays its worst case up front and sorts as it is; any other is sorted with a comparator
/// that charges each comparison. A Lua `comp` runs instructions of its own, which the hook
/// counts.
unsafe extern "C-unwind" fn sort(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua, as a closure made by `closure`; the comparator gets the budget
    // upvalue this closure has.
    unsafe {
        if ffi::lua_isnoneornil(state, 2) != 0 {
            if let Some(n) = small_plain_table(state) {
                charge(state, budget(state), sort_worst_case(n));
            } else {
                // The comparator's upvalues are this closure's, so `budget` reads it.
                ffi::lua_settop(state, 1);
                ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
                ffi::lua_pushvalue(state, ffi::lua_upvalueindex(2));
                ffi::lua_pushcclosure(state, less_than, 2);
            }
        }
        original(state)
    }
}

/// The length of argument 1 when it is a table of at most [`SMALL_SORT`] entries without a
/// metatable.
///
/// # Safety
/// Called from a C function.
unsafe fn small_plain_table(state: *mut ffi::lua_State) -> Option<usize> {
    // SAFETY: the caller's context; a metatable found is popped.
    unsafe {
        if ffi::lua_type(state, 1) != ffi::LUA_TTABLE {
            return None;
        }
        if ffi::lua_getmetatable(state, 1) != 0 {
            ffi::lua_pop(state, 1);
            return None;
        }
        let n = ffi::lua_rawlen(state, 1);
        (n <= SMALL_SORT).then_some(n)
    }
}

/// `a < b` as `table.sort` compares without a comparator (`lua_lessthan`, metamethods and
/// errors included), charged one instruction.
unsafe extern "C-unwind" fn less_than(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by `table.sort` with two values; the upvalues are those of `sort`'s
    // closure, made by `closure`.
    unsafe {
        charge(state, budget(state), 1);
        let less = ffi::lua_compare(state, 1, 2, ffi::LUA_OPLT);
        ffi::lua_pushboolean(state, less);
        1
    }
}

/// `f` as a closure whose upvalues are `library[name]` (the function it replaces) and the
/// budget cell at `budget`, put in `library[name]`.
///
/// # Safety
/// `budget` must live as long as the VM; `f` must read its upvalues as these two.
pub(super) unsafe fn closure(
    lua: &Lua,
    library: &Table,
    name: &str,
    budget: *const Cell<u64>,
    f: ffi::lua_CFunction,
) -> mlua::Result<()> {
    let replaced: mlua::Function = library.get(name)?;
    // SAFETY: `exec_raw` runs the closure as a protected C function with `replaced` at
    // index 1 and LUA_MINSTACK free slots; it pushes one value and leaves the closure as its
    // one result. A memory error returns to `exec_raw` past the closure, which owns nothing
    // to drop. The pointer's lifetime is the caller's contract.
    let made: mlua::Function = unsafe {
        lua.exec_raw(&replaced, |state| {
            ffi::lua_pushlightuserdata(state, budget.cast_mut().cast());
            ffi::lua_pushcclosure(state, f, 2);
        })?
    };
    library.raw_set(name, made)
}

/// Replaces `string.rep`, `table.move`, `table.insert`, `table.remove` and `table.sort` in
/// `string` and `table` (before the environment keeps any of them).
///
/// # Safety
/// `budget` must point at the VM's budget cell, which lives as long as the VM.
pub(super) unsafe fn install(lua: &Lua, budget: *const Cell<u64>) -> mlua::Result<()> {
    let globals = lua.globals();
    let string: Table = globals.get("string")?;
    let table: Table = globals.get("table")?;
    // SAFETY: the caller's contract for `budget`; each function reads its upvalues as
    // `closure` makes them.
    unsafe {
        closure(lua, &string, "rep", budget, rep)?;
        closure(lua, &table, "move", budget, move_entries)?;
        closure(lua, &table, "insert", budget, insert)?;
        closure(lua, &table, "remove", budget, remove)?;
        closure(lua, &table, "sort", budget, sort)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
