//! The four functions against Lua's C functions: one VM with Lua's, one with these, the
//! same calls, the same answers (results, their types, errors).

use std::cell::Cell;

use mlua::Lua;

use super::differential::{vms, Differential};
use crate::error::BUDGET_MARK;

/// Both VMs' answers for `subject` and `pattern` (and a replacement and a position),
/// compared line by line.
fn compare(both: &Differential, subject: &[u8], pattern: &[u8]) {
    let (got, expected) = both
        .answers(subject, pattern, b"%1-%0", 2)
        .expect("the budget is ample");
    for (g, e) in got.lines().zip(expected.lines()) {
        assert_eq!(
            g,
            e,
            "subject {:?}, pattern {:?}",
            String::from_utf8_lossy(subject),
            String::from_utf8_lossy(pattern)
        );
    }
    assert_eq!(got, expected);
}

#[test]
fn hand_picked_patterns_answer_as_lua() {
    let both = Differential::new(u64::MAX);
    let subjects: [&[u8]; 8] = [
        b"",
        b"a",
        b"hello world from Lua",
        b"  key = value  ",
        b"f(a(b)c) [x] {y}",
        b"THE (quick) fox\0 a1b2c3",
        b"aaa bbb aaa",
        b"\xff\x80abc\x0b\x0c",
    ];
    let patterns: [&[u8]; 63] = [
        b"",
        b"a",
        b"^a",
        b"a$",
        b"^$",
        b"$",
        b"^",
        b"o",
        b"l+",
        b"l*",
        b"l-",
        b"l?",
        b"%a+",
        b"%A+",
        b"%d",
        b"%s*(%w+)%s*=%s*(%w+)%s*",
        b"^%s*(.-)%s*$",
        b"(%w+)",
        b"()",
        b"()a()",
        b"(a)(b)?",
        b"((a)(a))",
        b"%b()",
        b"%b[]",
        b"%b",
        b"%bx",
        b"%f[%w]%w+",
        b"%f[%W]",
        b"%f",
        b"%fx",
        b"%f[a",
        b"(a)%1",
        b"(a*)%1",
        b"()%1",
        b"%1",
        b"%0",
        b"(a",
        b"a)",
        b"%",
        b"[",
        b"[a",
        b"[%",
        b"[%]",
        b"[]]",
        b"[^]]",
        b"[]",
        b"[a-c]+",
        b"[^a-c ]+",
        b"[%a_][%w_]*",
        b"[a-]",
        b"[-a]",
        b"[%d-z]",
        b".",
        b".-",
        b".*",
        b"%z",
        b"%Z+",
        b"[\0-\x1f]",
        b"%c",
        b"%p+",
        b"%x+",
        b"%u%l",
        b"\xff",
    ];
    for subject in subjects {
        for pattern in patterns {
            compare(&both, subject, pattern);
        }
    }
    // Every class and its complement over every byte, and a set of each.
    let every_byte: Vec<u8> = (0..=255).collect();
    for class in b"acdglpsuwxzACDGLPSUWXZbq." {
        compare(&both, &every_byte, &[b'%', *class]);
        compare(&both, &every_byte, &[b'[', b'%', *class, b']']);
    }
    // Nested too deep, too many captures, and a plain find with specials.
    let deep = "(".repeat(40) + &")".repeat(40);
    let many = "()".repeat(33);
    for (subject, pattern) in [
        ("a".repeat(300), "a?".repeat(250)),
        ("a".repeat(300), "a".repeat(250)),
        (String::new(), deep),
        (String::new(), many),
        ("a.b*c".into(), ".b*".into()),
    ] {
        compare(&both, subject.as_bytes(), pattern.as_bytes());
    }
}

/// A small generator (xorshift) of subjects and patterns from the pieces patterns are made
/// of: every combination a few pieces long is too many, so a fixed seed picks 4,000.
#[test]
fn generated_patterns_answer_as_lua() {
    let both = Differential::new(u64::MAX);
    const PIECES: [&str; 38] = [
        "a", "b", ".", "%a", "%d", "%s", "%w", "%W", "[ab]", "[^a]", "[a-c]", "[%d%s]", "%b()",
        "%f[%w]", "%f[%s]", "(", ")", "()", "%1", "%2", "*", "+", "-", "?", "^", "$", "%", "[",
        "]", "%%", "%.", "x", " ", "%z", "\0", "%b", "(.-)", "(%a+)",
    ];
    const BYTES: &[u8] = b"aab(c) 1\0x.-%";
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..4000 {
        let pattern: String = (0..next(6)).map(|_| PIECES[next(PIECES.len())]).collect();
        let subject: Vec<u8> = (0..next(12)).map(|_| BYTES[next(BYTES.len())]).collect();
        compare(&both, &subject, pattern.as_bytes());
    }
}

/// A match the budget cannot pay ends with the budget's error and empties it; one it can
/// pay is charged its steps.
#[test]
fn matching_is_charged() {
    let budget = Cell::new(1_000_000);
    // SAFETY: `budget` outlives the VM.
    let (_, lua) = unsafe { vms(&budget) };
    let found: Option<i64> = lua
        .load("return (string.find(string.rep('a', 50) .. 'b', 'a-b'))")
        .eval()
        .unwrap();
    assert_eq!(found, Some(1));
    let spent = 1_000_000 - budget.get();
    assert!((50..2_000).contains(&spent), "{spent}");

    for code in [
        "string.find(string.rep('a', 5000), 'a-a-a-a-b')",
        "string.match(string.rep('a', 5000), '.-.-.-x')",
        "string.gsub(string.rep('a', 5000), 'a*a*a*b', '')",
        "for x in string.gmatch(string.rep('a', 5000), '.-.-.-b') do end",
        "string.find(string.rep('a', 2000000), 'b', 1, true)",
    ] {
        budget.set(1_000_000);
        let error = lua.load(code).exec().unwrap_err().to_string();
        assert!(error.contains(BUDGET_MARK), "{code}: {error}");
        assert_eq!(budget.get(), 0, "{code}");
    }
    // A replacement function's own instructions are the hook's; the matcher pays its
    // steps before calling it, so the budget is right when the hook reads it.
    budget.set(1_000_000);
    let (out, n): (String, i64) = lua
        .load("return string.gsub('abc', '%w', function(c) return c:upper() end)")
        .eval()
        .unwrap();
    assert_eq!((out.as_str(), n), ("ABC", 3));
    assert!(budget.get() < 1_000_000);
}

/// Values that are not strings are what Lua's functions make of them.
#[test]
fn arguments_are_checked_as_lua_checks_them() {
    let budget = Cell::new(u64::MAX);
    // SAFETY: `budget` outlives the VMs.
    let (plain, ours) = unsafe { vms(&budget) };
    for call in [
        "string.find(12345, 3)",
        "string.find('abc', nil)",
        "string.find({}, 'a')",
        "string.find('abc', 'b', 'x')",
        "string.find('abc', 'b', 1.5)",
        "string.find('abc', 'b', math.mininteger)",
        "string.find('abc', 'b', math.maxinteger)",
        "string.find('abc', '', 4)",
        "string.find('abc', '', 5)",
        "string.match('abc', '()', 10)",
        "string.gmatch('abc')",
        "string.gmatch(nil, 'a')",
        "string.gsub('abc', 'b')",
        "string.gsub('abc', 'b', true)",
        "string.gsub('abc', 'b', 'x', 'y')",
        "string.gsub('abc', 'b', 'x', 1.5)",
        "string.gsub('abc', 'b', 'x', -1)",
        "string.gsub('abc', '', '-')",
        "string.gsub('abc', '^', '-')",
        "string.gsub('abc', '$', '-')",
        "string.gsub('abc', 'b*', '-')",
        "string.gsub('abc', 'b', function() return {} end)",
        "string.gsub('abc', 'b', function() return 1.5 end)",
        "string.gsub('abc', 'b', function() error('inner') end)",
        "string.gsub('abc', 'b', function() error(setmetatable({}, { __tostring = function() return 'obj' end })) end)",
        "string.gsub('abc', 'b', setmetatable({}, { __index = function() error('idx') end }))",
        "string.gsub('hello world', '(o)', '[%1%1]')",
        "string.gsub('hello', '()l', '%1')",
        "string.gsub('hello', '', '%0')",
        "string.gsub(string.rep('ab', 5000), 'b', string.rep('xyz', 3))",
        "('x'):rep(3):gsub('x', '%%')",
    ] {
        let run = |lua: &Lua| -> String {
            let code = format!(
                "local r = table.pack(pcall(function() return {call} end)) \
                 for i = 1, r.n do r[i] = type(r[i]) .. ':' .. tostring(r[i]) end \
                 return table.concat(r, ',', 1, r.n)"
            );
            lua.load(code).eval::<String>().unwrap()
        };
        assert_eq!(run(&ours), run(&plain), "{call}");
    }
}
