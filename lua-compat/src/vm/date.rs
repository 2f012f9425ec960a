//! `os.date`: Lua 5.3's calendar formatting, deterministic. A process has no time zone and
//! no clock: local time is UTC, and the default time is the message's `Timestamp` (the
//! `os.time()` of AOS, in milliseconds) in whole seconds. The conversions are C's
//! `strftime` in the "C" locale, as Lua 5.3.6 on glibc writes them (its list of valid
//! specifiers, its error texts), computed here so that every host and the native runtime
//! answer alike.

use std::ffi::c_int;

use mlua::{ffi, Function, Lua, Table};

/// The conversion specifiers Lua 5.3 accepts (`L_STRFTIMEC99`): one character, then two.
const ONE_CHAR: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const TWO_CHAR: [&[u8]; 19] = [
    b"Ec", b"EC", b"Ex", b"EX", b"Ey", b"EY", b"Od", b"Oe", b"OH", b"OI", b"Om", b"OM", b"OS",
    b"Ou", b"OU", b"OV", b"Ow", b"OW", b"Oy",
];

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const SECONDS_PER_DAY: i64 = 86_400;

/// A broken-down UTC time, as C's `struct tm` holds it (but the full year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tm {
    /// The year (proleptic Gregorian; 0 is 1 BC).
    pub year: i64,
    /// 0 to 11.
    pub month0: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub min: u32,
    /// 0 to 59.
    pub sec: u32,
    /// 0 (Sunday) to 6.
    pub wday: u32,
    /// 0 to 365.
    pub yday: u32,
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_year(year: i64) -> i64 {
    if is_leap(year) {
        366
    } else {
        365
    }
}

/// Days before the first of each month, in a common year.
const DAYS_BEFORE_MONTH: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

impl Tm {
    /// The UTC calendar time of `t` seconds after 1970-01-01T00:00:00Z, or `None` where C's
    /// `gmtime` has no `struct tm` for it (the year outside C's `int`).
    pub(crate) fn utc(t: i64) -> Option<Tm> {
        let days = t.div_euclid(SECONDS_PER_DAY);
        let secs = t.rem_euclid(SECONDS_PER_DAY) as u32;
        // The civil date of a day count, by 400-year eras (146,097 days) starting 0000-03-01.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month0 = if mp < 10 { mp + 2 } else { mp - 10 } as u32;
        let year = yoe + era * 400 + i64::from(month0 < 2);
        // C's `tm_year` (year - 1900) and Lua's `year` field are both `int`.
        if i32::try_from(year).is_err() || i32::try_from(year - 1900).is_err() {
            return None;
        }
        let leap_day = u32::from(month0 >= 2 && is_leap(year));
        Some(Tm {
            year,
            month0,
            day,
            hour: secs / 3_600,
            min: secs / 60 % 60,
            sec: secs % 60,
            wday: (days + 4).rem_euclid(7) as u32,
            yday: DAYS_BEFORE_MONTH[month0 as usize] + leap_day + day - 1,
        })
    }

    /// The ISO 8601 week-based year and week (`%G`, `%V`).
    fn iso_week(&self) -> (i64, u32) {
        // Days since the Monday that starts week 1 (the week with the year's first
        // Thursday); negative before it.
        let since_week1 = |yday: i64| -> i64 {
            let wday = i64::from(self.wday);
            yday - (yday - wday + 4 + 371).rem_euclid(7) + 3
        };
        let yday = i64::from(self.yday);
        let mut year = self.year;
        let mut days = since_week1(yday);
        if days < 0 {
            year -= 1;
            days = since_week1(yday + days_in_year(year));
        } else {
            let next = since_week1(yday - days_in_year(year));
            if next >= 0 {
                year += 1;
                days = next;
            }
        }
        (year, (days / 7 + 1) as u32)
    }
}

/// Why `os.date` refused: Lua's own error texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DateError {
    /// A specifier not in Lua 5.3's list: the rest of the format from it.
    Specifier(String),
    /// The year does not fit C's `int`.
    Unrepresentable,
    /// The text would pass the format's length by more than [`MAX_GROWTH`].
    TooLong,
}

/// How much longer than its format the text of `os.date` may be. Its bytes are Rust's,
/// outside the Lua heap's limit, and a specifier writes up to twelve times its length
/// (`%c`): unbounded, a message's format could ask for hundreds of MiB. Lua 5.3 builds the
/// text on the Lua heap, where its limit ends it; the date any process formats is short.
pub(crate) const MAX_GROWTH: usize = 1 << 20;

impl std::fmt::Display for DateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DateError::Specifier(rest) => write!(
                f,
                "bad argument #1 to 'os.date' (invalid conversion specifier '%{rest}')"
            ),
            DateError::Unrepresentable => {
                f.write_str("time result cannot be represented in this installation")
            }
            DateError::TooLong => write!(
                f,
                "bad argument #1 to 'os.date' (the result would pass the format's length by \
                 more than {MAX_GROWTH} bytes)"
            ),
        }
    }
}

/// What `os.date(format, t)` returns, but for `*t`: `format` with its `%` specifiers
/// written for `t` (a leading `!`, UTC, is the same time here).
pub(crate) fn format(format: &[u8], t: i64) -> Result<Vec<u8>, DateError> {
    let (utc, format) = match format.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, format),
    };
    let tm = Tm::utc(t).ok_or(DateError::Unrepresentable)?;
    let mut out = Vec::with_capacity(format.len() + 16);
    let mut i = 0;
    while i < format.len() {
        if format[i] != b'%' {
            out.push(format[i]);
            i += 1;
            continue;
        }
        let rest = &format[i + 1..];
        let len = specifier_len(rest).ok_or_else(|| {
            let upto_nul = rest.split(|&b| b == 0).next().unwrap_or_default();
            DateError::Specifier(String::from_utf8_lossy(upto_nul).into_owned())
        })?;
        // `E` and `O` select the locale's alternative forms; the "C" locale has none.
        let conversion = rest[len - 1];
        write_conversion(&mut out, conversion, &tm, utc);
        i += 1 + len;
        if out.len() > format.len() + MAX_GROWTH {
            return Err(DateError::TooLong);
        }
    }
    Ok(out)
}

/// The length of the specifier `rest` starts with, as Lua's `checkoption` matches it.
fn specifier_len(rest: &[u8]) -> Option<usize> {
    let first = *rest.first()?;
    if ONE_CHAR.contains(&first) {
        return Some(1);
    }
    let two = rest.get(..2)?;
    TWO_CHAR.contains(&two).then_some(2)
}

/// Writes `value` in decimal, its digits padded with `pad` to `width`, as C's `strftime`
/// writes numbers (no `write!`: the module carries no formatting code for this).
fn number(out: &mut Vec<u8>, value: i64, width: usize, pad: u8) {
    if value < 0 {
        out.push(b'-');
    }
    let mut digits = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - at;
    out.extend(std::iter::repeat_n(pad, width.saturating_sub(len)));
    out.extend_from_slice(&digits[at..]);
}

/// The conversions that are others put together, in the "C" locale.
fn composite(conversion: u8) -> Option<&'static [u8]> {
    Some(match conversion {
        b'c' => b"%a %b %e %H:%M:%S %Y",
        b'D' | b'x' => b"%m/%d/%y",
        b'F' => b"%Y-%m-%d",
        b'r' => b"%I:%M:%S %p",
        b'R' => b"%H:%M",
        b'T' | b'X' => b"%H:%M:%S",
        _ => return None,
    })
}

fn write_conversion(out: &mut Vec<u8>, conversion: u8, tm: &Tm, utc: bool) {
    if let Some(parts) = composite(conversion) {
        for pair in parts.split(|&b| b == b'%').skip(1) {
            write_conversion(out, pair[0], tm, utc);
            out.extend_from_slice(&pair[1..]);
        }
        return;
    }
    let day_name = DAYS[tm.wday as usize].as_bytes();
    let month_name = MONTHS[tm.month0 as usize].as_bytes();
    let two = |out: &mut Vec<u8>, n: u32| number(out, i64::from(n), 2, b'0');
    match conversion {
        b'a' => out.extend_from_slice(&day_name[..3]),
        b'A' => out.extend_from_slice(day_name),
        b'b' | b'h' => out.extend_from_slice(&month_name[..3]),
        b'B' => out.extend_from_slice(month_name),
        b'C' => number(out, tm.year.div_euclid(100), 0, b'0'),
        b'd' => two(out, tm.day),
        b'e' => number(out, i64::from(tm.day), 2, b' '),
        b'g' => number(out, tm.iso_week().0.rem_euclid(100), 2, b'0'),
        b'G' => number(out, tm.iso_week().0, 0, b'0'),
        b'H' => two(out, tm.hour),
        b'I' => two(out, (tm.hour + 11) % 12 + 1),
        b'j' => number(out, i64::from(tm.yday) + 1, 3, b'0'),
        b'm' => two(out, tm.month0 + 1),
        b'M' => two(out, tm.min),
        b'n' => out.push(b'\n'),
        b'p' => out.extend_from_slice(if tm.hour < 12 { b"AM" } else { b"PM" }),
        b'S' => two(out, tm.sec),
        b't' => out.push(b'\t'),
        b'u' => number(out, i64::from((tm.wday + 6) % 7 + 1), 0, b'0'),
        b'U' => two(out, (tm.yday + 7 - tm.wday) / 7),
        b'V' => two(out, tm.iso_week().1),
        b'w' => number(out, i64::from(tm.wday), 0, b'0'),
        b'W' => two(out, (tm.yday + 7 - (tm.wday + 6) % 7) / 7),
        b'y' => number(out, tm.year.rem_euclid(100), 2, b'0'),
        b'Y' => number(out, tm.year, 0, b'0'),
        b'z' => out.extend_from_slice(b"+0000"),
        // glibc names UTC "GMT" from `gmtime` (a `!` format) and "UTC" as the local zone.
        b'Z' => out.extend_from_slice(if utc { b"GMT" } else { b"UTC" }),
        _ => out.push(b'%'),
    }
}

/// Where `os.date` finds `os.time` (which tells the message's time in milliseconds, as in
/// AOS) in the Lua registry: user code may replace the global. [`TIME_KEY`] for C.
const TIME_NAME: &str = "aoxide.os.time";
/// [`TIME_NAME`] as a C string.
const TIME_KEY: &std::ffi::CStr = c"aoxide.os.time";

/// Installs `os.date` into `os`, over its `time`.
pub(super) fn install(lua: &Lua, os: &Table) -> mlua::Result<()> {
    lua.set_named_registry_value(TIME_NAME, os.get::<Function>("time")?)?;
    // SAFETY: `os_date` reads its two arguments and pushes one value or raises an error.
    os.set("date", unsafe { lua.create_c_function(os_date)? })
}

/// What `os.date(format, t)` answers.
enum Answer {
    Text(Vec<u8>),
    Table(Tm),
}

/// `os.date(format, t)`: Lua 5.3's `os_date`, as a C function, so that its errors are
/// Lua's strings without a position (a Rust function's carry mlua's prefix).
unsafe extern "C-unwind" fn os_date(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua with its arguments on the stack and LUA_MINSTACK free slots;
    // nothing that needs dropping is alive when an error unwinds past this frame (a memory
    // error while pushing leaks the answer's bytes, nothing else).
    unsafe {
        match answer(state) {
            Ok(Answer::Text(bytes)) => {
                ffi::lua_pushlstring(state, bytes.as_ptr().cast(), bytes.len());
            }
            Ok(Answer::Table(tm)) => {
                // The fields in the order, and with the size, Lua 5.3 makes them (so
                // `pairs` walks them alike).
                ffi::lua_createtable(state, 0, 9);
                for (name, value) in [
                    (c"sec", i64::from(tm.sec)),
                    (c"min", i64::from(tm.min)),
                    (c"hour", i64::from(tm.hour)),
                    (c"day", i64::from(tm.day)),
                    (c"month", i64::from(tm.month0) + 1),
                    (c"year", tm.year),
                    (c"wday", i64::from(tm.wday) + 1),
                    (c"yday", i64::from(tm.yday) + 1),
                ] {
                    ffi::lua_pushinteger(state, value);
                    ffi::lua_setfield(state, -2, name.as_ptr());
                }
                ffi::lua_pushboolean(state, 0);
                ffi::lua_setfield(state, -2, c"isdst".as_ptr());
            }
            Err(text) => {
                ffi::lua_pushlstring(state, text.as_ptr().cast(), text.len());
                drop(text);
                ffi::lua_error(state);
            }
        }
    }
    1
}

/// The answer to `os.date(format, t)`, or the text of the error Lua raises.
///
/// # Safety
/// A Lua C function's context.
unsafe fn answer(state: *mut ffi::lua_State) -> Result<Answer, String> {
    // SAFETY: the caller's context; the format is read while it is on the stack (index 1).
    unsafe {
        let type_name = |n: c_int| {
            std::ffi::CStr::from_ptr(ffi::lua_typename(state, ffi::lua_type(state, n)))
                .to_string_lossy()
                .into_owned()
        };
        let format: &[u8] = if ffi::lua_type(state, 1) <= ffi::LUA_TNIL {
            b"%c"
        } else {
            let mut len = 0;
            let text = ffi::lua_tolstring(state, 1, &mut len);
            if text.is_null() {
                return Err(format!(
                    "bad argument #1 to 'os.date' (string expected, got {})",
                    type_name(1)
                ));
            }
            std::slice::from_raw_parts(text.cast::<u8>(), len)
        };
        let t = if ffi::lua_type(state, 2) <= ffi::LUA_TNIL {
            // The message's time, in whole seconds.
            ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, TIME_KEY.as_ptr());
            ffi::lua_call(state, 0, 1);
            let ms = ffi::lua_tointegerx(state, -1, std::ptr::null_mut());
            ffi::lua_pop(state, 1);
            ms.div_euclid(1000)
        } else {
            let mut is_integer = 0;
            let t = ffi::lua_tointegerx(state, 2, &mut is_integer);
            if is_integer == 0 {
                return Err(if ffi::lua_isnumber(state, 2) != 0 {
                    "bad argument #2 to 'os.date' (number has no integer representation)".into()
                } else {
                    format!(
                        "bad argument #2 to 'os.date' (number expected, got {})",
                        type_name(2)
                    )
                });
            }
            t
        };
        if format.strip_prefix(b"!").unwrap_or(format) == b"*t" {
            return Tm::utc(t)
                .map(Answer::Table)
                .ok_or_else(|| DateError::Unrepresentable.to_string());
        }
        self::format(format, t)
            .map(Answer::Text)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_the_epoch_and_the_eras() {
        let at = |t| Tm::utc(t).unwrap();
        assert_eq!(
            at(0),
            Tm {
                year: 1970,
                month0: 0,
                day: 1,
                hour: 0,
                min: 0,
                sec: 0,
                wday: 4,
                yday: 0
            }
        );
        let leap = at(951_782_400); // 2000-02-29
        assert_eq!(
            (leap.year, leap.month0, leap.day, leap.yday),
            (2000, 1, 29, 59)
        );
        let before = at(-1); // 1969-12-31T23:59:59
        assert_eq!(
            (
                before.year,
                before.yday,
                before.hour,
                before.sec,
                before.wday
            ),
            (1969, 364, 23, 59, 3)
        );
        // The first and last times C's `int` year holds, and one past each.
        assert_eq!(at(-67_768_040_609_740_800).year, -2_147_481_748);
        assert!(Tm::utc(-67_768_040_609_740_801).is_none());
        let last = at(67_767_976_233_532_799);
        assert_eq!(
            (last.year, last.yday, last.sec),
            (i64::from(i32::MAX), 364, 59)
        );
        assert!(Tm::utc(67_767_976_233_532_800).is_none());
        assert!(Tm::utc(i64::MAX).is_none() && Tm::utc(i64::MIN).is_none());
    }

    #[test]
    fn the_time_key_is_one_name() {
        assert_eq!(TIME_KEY.to_str(), Ok(TIME_NAME));
    }

    #[test]
    fn specifiers_are_lua_5_3_s_list() {
        assert_eq!(specifier_len(b"Y"), Some(1));
        assert_eq!(specifier_len(b"Ey"), Some(2));
        assert_eq!(specifier_len(b"Od rest"), Some(2));
        for bad in [&b""[..], b"E", b"O", b"Q", b"Ez", b"s", b"k"] {
            assert_eq!(
                specifier_len(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            format(b"%Y %Ez abc", 0).unwrap_err().to_string(),
            "bad argument #1 to 'os.date' (invalid conversion specifier '%Ez abc')"
        );
        assert_eq!(
            format(b"100%", 0).unwrap_err(),
            DateError::Specifier(String::new())
        );
    }

    /// A format of specifiers may not make Rust build a text of hundreds of MiB; plain
    /// text of any length is copied.
    #[test]
    fn the_text_is_bounded_by_the_format() {
        let many = b"%c".repeat(MAX_GROWTH / 16);
        assert_eq!(format(&many, 0).unwrap_err(), DateError::TooLong);
        let fine = b"%c".repeat(1000);
        assert_eq!(format(&fine, 0).unwrap().len(), 24_000);
        let plain = vec![b'x'; 3 * MAX_GROWTH];
        assert_eq!(format(&plain, 0).unwrap().len(), plain.len());
    }
}
