//! The Lua layer's `string.find`, `match`, `gmatch` and `gsub` (aoxide's matcher, which pays
//! the instruction budget) answer as Lua 5.3's C functions do: any subject, pattern,
//! replacement string and position, through every way `aoxide_lua::PatternDifferential`
//! calls them (results with their types, error texts, captures, replacement by text,
//! function and table). Cases that take ours more than a million steps are skipped: Lua's
//! C matcher, which nothing bounds, would take as long.
//!
//! Input: a position byte, the subject, `0xFE`, the pattern, `0xFE`, the replacement. A
//! subject byte below `0x80` is one of [`BYTES`] (bytes the classes tell apart), any other
//! byte itself; a pattern or replacement byte below the count of [`PIECES`] is that piece
//! (classes, sets, anchors, repetitions, captures, back references, `%b`, `%f`, broken
//! ones), any other byte itself.
#![no_main]
use libfuzzer_sys::fuzz_target;

/// What patterns and replacements are made of.
const PIECES: [&[u8]; 56] = [
    b"%a", b"%A", b"%c", b"%d", b"%D", b"%g", b"%l", b"%p", b"%s", b"%S", b"%u", b"%w", b"%x",
    b"%X", b"%z", b"%%", b"%.", b"%]", b"%1", b"%2", b"%3", b"%0", b".", b"[", b"]", b"[^",
    b"[a-f]", b"[%a_]", b"[]]", b"[^%s]", b"(", b")", b"()", b"(.-)", b"*", b"+", b"-", b"?", b"^",
    b"$", b"%", b"%b()", b"%b", b"%bxy", b"%f[%w]", b"%f[%W]", b"%f", b"a", b"b", b"f", b"x", b" ",
    b"=", b"0", b"\0", b"\xff",
];
/// Bytes a subject is made of, most of them told apart by some class.
const BYTES: &[u8] = b"aAbBfFxyz0199 _-=()[]{}%.,;\0\t\n\x0b\x0c\x7f";

fn pieces(codes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &code in codes {
        match PIECES.get(usize::from(code)) {
            Some(piece) => out.extend_from_slice(piece),
            None => out.push(code),
        }
    }
    out
}

thread_local! {
    static BOTH: aoxide_lua::PatternDifferential = aoxide_lua::PatternDifferential::new(1_000_000);
}

fuzz_target!(|data: &[u8]| {
    let Some((&init, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(3, |&b| b == 0xFE);
    let subject: Vec<u8> = parts
        .next()
        .unwrap_or_default()
        .iter()
        .map(|&b| {
            if b < 0x80 {
                BYTES[usize::from(b) % BYTES.len()]
            } else {
                b
            }
        })
        .collect();
    let pattern = pieces(parts.next().unwrap_or_default());
    let replacement = pieces(parts.next().unwrap_or_default());
    // Short enough that the C matcher, unbounded, stays quick on what ours finishes.
    if subject.len() > 512 || pattern.len() > 64 || replacement.len() > 32 {
        return;
    }
    BOTH.with(|both| {
        let init = i64::from(init as i8);
        if let Some((ours, lua)) = both.answers(&subject, &pattern, &replacement, init) {
            assert_eq!(
                ours,
                lua,
                "aoxide's pattern functions and Lua's disagree on subject {:?}, pattern {:?}, \
                 replacement {:?}, init {init}",
                String::from_utf8_lossy(&subject),
                String::from_utf8_lossy(&pattern),
                String::from_utf8_lossy(&replacement),
            );
        }
    });
});
