//! `os.date` answers like Lua 5.3.6 on glibc with `TZ=UTC`: `tests/date/date.expected` is
//! the output of Debian's `lua5.3` running the same file (`TZ=UTC lua5.3 -e
//! 'print(dofile("date.lua"))'`). A process has no time zone (local time is UTC) and no
//! clock: without a time, `os.date` formats the message's `Timestamp`.
mod common;
use common::*;

const SCRIPT: &str = include_str!("date/date.lua");
const EXPECTED: &str = include_str!("date/date.expected");

#[test]
fn os_date_answers_like_the_reference_lua_5_3() {
    let mut rt = spawn::<Bare_>();
    assert_report(&mut rt, SCRIPT, EXPECTED, &[], "reference");
}

#[test]
fn without_a_time_os_date_formats_the_message_timestamp() {
    // `msg` stamps 1_700_000_000_000 ms: 2023-11-14T22:13:20Z.
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(&mut rt, "return os.date('!%Y-%m-%dT%H:%M:%SZ')"),
        "2023-11-14T22:13:20Z"
    );
    assert_eq!(
        printed(&mut rt, "return os.date('%c') .. '|' .. os.date('*t').yday"),
        "Tue Nov 14 22:13:20 2023|318"
    );
}

#[test]
fn a_format_of_many_specifiers_is_an_error_not_a_huge_text() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            "local ok, e = pcall(os.date, string.rep('%c', 100000), 0) return tostring(ok) .. ' ' .. e"
        ),
        "false bad argument #1 to 'os.date' (the result would pass the format's length by more than 1048576 bytes)"
    );
}
