//! aoxide's reader against the serde reference on every input: hand-picked shapes, every
//! prefix and many corruptions of them, and generated messages and envs with every kind
//! of value. Both must accept the same inputs and give the same values (compared through
//! `Debug`, so `-0.0` and `0.0` differ); errors may be worded differently.

use crate::message::{env_fast_and_serde, fast_and_serde};

/// Both readers agree on `input`, as a message and as an env; true when it is a message.
fn agree(input: &[u8]) -> bool {
    let (ours, theirs) = fast_and_serde(input);
    let accepted = check(&ours, &theirs, input);
    let (ours, theirs) = env_fast_and_serde(input);
    check(&ours, &theirs, input);
    accepted
}

fn check<T: std::fmt::Debug, E: std::fmt::Debug>(
    ours: &Result<T, E>,
    theirs: &Result<T, E>,
    input: &[u8],
) -> bool {
    match (ours, theirs) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                format!("{a:?}"),
                format!("{b:?}"),
                "values differ on {}",
                String::from_utf8_lossy(input)
            );
            true
        }
        (Err(_), Err(_)) => false,
        _ => panic!(
            "acceptance differs on {:?}: ours {ours:?}, serde {theirs:?}",
            String::from_utf8_lossy(input)
        ),
    }
}

/// A small deterministic generator (xorshift).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }

    fn ws(&mut self, out: &mut String) {
        if self.below(4) == 0 {
            out.push_str(self.pick(&[" ", "\n", "\t", "\r", "  \n "]));
        }
    }

    fn string(&mut self, out: &mut String) {
        out.push('"');
        for _ in 0..self.below(6) {
            out.push_str(self.pick(&[
                "a",
                "Zed",
                "é",
                "\u{1f389}",
                "\\n",
                "\\\"",
                "\\\\",
                "\\/",
                "\\u00e9",
                "\\u0041",
                "\\ud83c\\udf89",
                "\\ud800",
                "\\udc00",
                "\\uDBFF\\uDFFF",
                "\\ud800\\u0041",
                "\\ud800\\ud800\\udc00",
                "\\b\\f\\r\\t",
                "\\u001b[0m",
                "1",
                " ",
                "\u{7f}",
            ]));
        }
        out.push('"');
    }

    fn number(&mut self, out: &mut String) {
        out.push_str(self.pick(&[
            "0",
            "-0",
            "1",
            "-1",
            "17",
            "1700000000000",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "9223372036854775808",
            "2.0",
            "-0.0",
            "1.5",
            "0.1",
            "1e3",
            "1E+2",
            "1e-7",
            "2.5e-3",
            "1e400",
            "1e-400",
            "1.7976931348623157e308",
            "17999999999999999999.0",
            "1.8e19",
            "123456789012345678901234567890",
            "0.30000000000000004",
            "1e2147483648",
            "0e2147483648",
        ]));
    }

    fn value(&mut self, out: &mut String, depth: u32) {
        self.ws(out);
        match self.below(if depth > 3 { 6 } else { 9 }) {
            0 => out.push_str("null"),
            1 => out.push_str(self.pick(&["true", "false"])),
            2 | 3 => self.number(out),
            4 | 5 => self.string(out),
            6 => {
                out.push('[');
                for i in 0..self.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(out, depth + 1);
                }
                out.push(']');
            }
            _ => {
                out.push('{');
                for i in 0..self.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(self.pick(&["\"a\"", "\"b\"", "\"a\"", "\"\\u0061\""]));
                    out.push(':');
                    self.value(out, depth + 1);
                }
                out.push('}');
            }
        }
        self.ws(out);
    }

    fn tag(&mut self, out: &mut String) {
        match self.below(8) {
            0 => {
                out.push('[');
                for i in 0..self.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(out, 2);
                }
                out.push(']');
            }
            1 => self.value(out, 2),
            _ => {
                out.push('{');
                let keys = 1 + self.below(3);
                for i in 0..keys {
                    if i > 0 {
                        out.push(',');
                    }
                    let key = self.pick(&["name", "value", "name", "value", "extra", "Name"]);
                    out.push('"');
                    out.push_str(key);
                    out.push_str("\":");
                    if key == "name" && self.below(4) != 0 {
                        out.push_str(self.pick(&["\"Action\"", "\"A\"", "\"\"", "\"X-\\u0041\""]));
                    } else {
                        self.value(out, 3);
                    }
                }
                out.push('}');
            }
        }
    }

    fn tags(&mut self, out: &mut String) {
        if self.below(10) == 0 {
            self.value(out, 1);
            return;
        }
        out.push('[');
        for i in 0..self.below(5) {
            if i > 0 {
                out.push(',');
            }
            self.ws(out);
            self.tag(out);
        }
        out.push(']');
    }

    fn message(&mut self) -> String {
        const FIELDS: &[&str] = &[
            "Id",
            "Owner",
            "From",
            "Target",
            "Anchor",
            "Tags",
            "Data",
            "Timestamp",
            "Block-Height",
            "Module",
            "Cron",
            "Read-Only",
            "Epoch",
            "Nonce",
            "Hash-Chain",
            "Forwarded-By",
            "Signature",
            "Unknown",
            "id",
            "Process",
        ];
        let mut out = String::from("{");
        for i in 0..self.below(7) {
            if i > 0 {
                out.push(',');
            }
            self.ws(&mut out);
            let field = self.pick(FIELDS);
            out.push('"');
            out.push_str(field);
            out.push_str("\":");
            match field {
                "Tags" => self.tags(&mut out),
                "Timestamp" | "Block-Height" | "Epoch" | "Nonce" if self.below(2) == 0 => {
                    out.push_str(self.pick(&["\"17\"", "\"\"", "\"+5\"", "\" 5\"", "\"007\""]))
                }
                "Cron" | "Read-Only" if self.below(2) == 0 => out.push_str(self.pick(&[
                    "\"TRUE\"",
                    "\"false\"",
                    "\"1\"",
                    "\"0\"",
                    "\"\"",
                    "\"yes\"",
                ])),
                "Process" => self.env_entry(&mut out),
                _ => self.value(&mut out, 1),
            }
        }
        out.push('}');
        out
    }

    fn env_entry(&mut self, out: &mut String) {
        if self.below(5) == 0 {
            self.value(out, 1);
            return;
        }
        out.push('{');
        for i in 0..self.below(4) {
            if i > 0 {
                out.push(',');
            }
            // Message fields other than the entry's (read with the message's lookup and
            // skipped), with values a message would refuse, and a key in another case.
            let field = self.pick(&[
                "Id",
                "Owner",
                "Tags",
                "Other",
                "Id",
                "Tags",
                "Timestamp",
                "Cron",
                "Data",
                "From",
                "Module",
                "id",
            ]);
            out.push('"');
            out.push_str(field);
            out.push_str("\":");
            match field {
                "Tags" => self.tags(out),
                "Id" if self.below(2) == 0 => out.push_str("\"P\""),
                "Timestamp" | "Cron" if self.below(2) == 0 => {
                    out.push_str(self.pick(&["\"x\"", "\"yes\"", "-1", "[1]"]))
                }
                _ => self.value(out, 2),
            }
        }
        out.push('}');
    }

    fn env(&mut self) -> String {
        let mut out = String::from("{");
        for i in 0..self.below(4) {
            if i > 0 {
                out.push(',');
            }
            let field = self.pick(&["Process", "Module", "Process", "Other"]);
            out.push('"');
            out.push_str(field);
            out.push_str("\":");
            match field {
                "Other" => self.value(&mut out, 1),
                _ => self.env_entry(&mut out),
            }
        }
        out.push('}');
        out
    }

    /// `input` with a few bytes replaced, inserted or deleted.
    fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        const ALPHABET: &[u8] = b" \"\\{}[],:0123456789-+.eEtrufalsnu\nx\x00\x1f\xc3\xa9\xff";
        let mut bytes = input.to_vec();
        for _ in 0..1 + self.below(3) {
            let at = self.below(bytes.len() as u64 + 1) as usize;
            let byte = ALPHABET[self.below(ALPHABET.len() as u64) as usize];
            match self.below(3) {
                0 if at < bytes.len() => bytes[at] = byte,
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, byte),
            }
        }
        bytes
    }
}

const SHAPES: &[&str] = &[
    r#"{"Id":"m1","Owner":"o","Tags":[{"name":"Action","value":"Ping"}],"Timestamp":1700,"Block-Height":9,"Cron":false}"#,
    r#"{"Id":"m1","Owner":"o","From":"p","Tags":[{"name":"Action","value":"Ping"}],"Timestamp":"1700","Block-Height":"9","Data":null}"#,
    r#" { "Owner" : "mu" , "Tags" : [ { "name" : "From-Process" , "value" : "proc" } ] } "#,
    r#"{"Data":"line\nbreak \"quoted\" \\ \/ \u00e9\u001b[0m \ud7ff","Tags":[]}"#,
    r#"{"Tags":[{"name":"A","value":1},{"name":"B","value":-7},{"name":"C","value":true},{"value":null,"name":"D"},{"name":"E","value":"x","extra":3}]}"#,
    r#"{"Cron":"TRUE","Read-Only":1,"Epoch":"","Nonce":"5","Id":12,"Target":false,"Anchor":null,"Unknown":"x","Other":-3}"#,
    r#"{"Tags":null,"Signature":"s","Hash-Chain":"h","Forwarded-By":"f","Module":"m"}"#,
    r#"{"Timestamp":18446744073709551615,"Nonce":0,"Cron":-9223372036854775808}"#,
    r#"{"Timestamp":2.0,"Nonce":1e3,"Epoch":-0.0,"Block-Height":17999999999999999999.0}"#,
    r#"{"Timestamp":1.5}"#,
    r#"{"Timestamp":-1}"#,
    r#"{"Timestamp":1.8e19}"#,
    r#"{"Cron":1.0}"#,
    r#"{"Cron":9223372036854775808}"#,
    r#"{"Data":1.5,"Id":1e21,"Owner":-0,"Target":123456789012345678901234567890,"Anchor":0.1}"#,
    r#"{"Data":{"b":1,"a":[1,2.5,{"c":null}],"b":2},"Id":[]}"#,
    r#"{"Tags":[{"name":"K","value":{"a":1,"z":[true,1e-7,"s"]}},{"name":"L","value":[]},{"name":"F","value":2.50}]}"#,
    r#"{"Tags":[["Action","Ping"],["A"],[],["B",{"x":1},1,2,{"deep":[[[]]]}],[null,"v"]]}"#,
    r#"{"Tags":[{"name":"A","value":"x\ud800y"},{"name":"B","value":"\udc00"}],"Data":"\ud83c\udf89 \ud83c"}"#,
    r#"{"Data":"\\ud800","Id":"\ud800\ud800\udc00","Owner":"\uDBFF\uDFFF"}"#,
    r#"{"\u0049d":"escaped key","Unknown":{"a":[1,{"b":[null,true,"\ud800"]}],"c":-1.5e-3}}"#,
    r#"{"Id":"a","Id":"b"}"#,
    r#"{"Tags":[{"name":"A","name":"B"}]}"#,
    r#"{"Tags":[{"name":1,"value":"x"}]}"#,
    r#"{"Tags":{}}"#,
    r#"{"Tags":[1]}"#,
    r#"{"Data":"tab	raw"}"#,
    r#"{"Data":"bad \x escape"}"#,
    r#"{"Data":"\u12"}"#,
    r#"{"Id":"a",}"#,
    r#"{"Id":"a"} x"#,
    r#"{"Id":01}"#,
    r#"{"Id":1e400}"#,
    r#"{"Unknown":1e400}"#,
    r#"{"Process":{"Id":"P","Owner":"O","Tags":[{"name":"Memory-Limit","value":"1-gb"}]},"Module":{"Id":"M","Owner":7}}"#,
    r#"{"Process":{"Id":"P"},"Module":null}"#,
    r#"{"Process":["P"]}"#,
    r#"{"Process":{"Id":"P","Id":"Q"}}"#,
    r#"{"Process":{"Id":""}}"#,
    r#"{"Process":null}"#,
    "{}",
    "{\"Owner\":\"o\"}\0garbage",
    "{\"Owner\":\"o\"} \n\0\u{ff}",
    "[1,2]",
    "null",
    "",
    "   ",
    "{not json",
    "\u{a0}{}",
    "\u{2003}{\"Id\":\"x\"}",
];

#[test]
fn shapes_prefixes_and_corruptions_agree() {
    let mut g = Gen(0x2545_f491_4f6c_dd1d);
    let mut accepted = 0;
    for shape in SHAPES {
        if agree(shape.as_bytes()) {
            accepted += 1;
        }
        for cut in 0..shape.len() {
            agree(&shape.as_bytes()[..cut]);
        }
        for _ in 0..400 {
            agree(&g.mutate(shape.as_bytes()));
        }
    }
    assert!(
        accepted >= 20,
        "the shapes exercise accepted input ({accepted})"
    );
    for input in [
        &b"{\"Data\":\"\xff\"}"[..],
        b"{\"Tags\":[{\"name\":\"A\",\"value\":\"\xc3\"}]}",
        b"{\"D\xe9\":1}",
        b"{\"Data\":\"a\0b\"}",
        b"{\"Data\":\"a\"\0,\"Id\":1}",
        b"{\"Data\":\0\"a\"}",
        b"{\"Data\":\"\xc3\xa9\"} \0\xff garbage",
        b"{\"Unknown\":\"\xed\xa0\x80\"}",
        b"\xef\xbb\xbf{}",
    ] {
        agree(input);
    }
}

#[test]
fn generated_messages_and_envs_agree() {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for _ in 0..6_000 {
        let input = if g.below(3) == 0 {
            g.env()
        } else {
            g.message()
        };
        if agree(input.as_bytes()) {
            accepted += 1;
        }
        for _ in 0..3 {
            agree(&g.mutate(input.as_bytes()));
        }
    }
    assert!(
        accepted > 1_000,
        "the generator makes accepted input ({accepted})"
    );
}

#[test]
fn nesting_agrees_at_the_limit() {
    for depth in [1, 100, 120, 123, 124, 125, 126, 127, 128, 129, 200] {
        let nest =
            |open: &str, close: &str| format!("{}1{}", open.repeat(depth), close.repeat(depth));
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let inner = nest(open, close);
            for input in [
                format!(r#"{{"Data":{inner}}}"#),
                format!(r#"{{"Tags":[{{"name":"A","value":{inner}}}]}}"#),
                format!(r#"{{"Tags":[["A",{inner}]]}}"#),
                format!(r#"{{"Unknown":{inner}}}"#),
                format!(r#"{{"Tags":[{{"name":"A","x":{inner}}}]}}"#),
                format!(r#"{{"Process":{{"Id":"P","Tags":[{{"name":"A","value":{inner}}}]}}}}"#),
                format!(r#"{{"Process":{{"Id":{inner}}}}}"#),
            ] {
                agree(input.as_bytes());
            }
        }
    }
    // Skipped values have no depth limit, and need no stack either.
    let deep = format!(
        r#"{{"Unknown":{}{},"Id":"x"}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(agree(deep.as_bytes()));
    let deep = format!(r#"{{"Data":{}}}"#, "[".repeat(100_000));
    assert!(!agree(deep.as_bytes()));
}

/// `aoxide::json_value` is `serde_json::from_str::<Value>`, lone surrogates aside (they
/// read as U+FFFD, as in messages).
#[test]
fn json_value_agrees_with_serde_json() {
    let check = |text: &str| {
        let ours = crate::json_value(text);
        let fixed = super::serde_read::replace_lone_surrogates(text);
        let theirs = serde_json::from_str::<serde_json::Value>(&fixed);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text:?}"),
            (Err(_), Err(_)) => {}
            _ => panic!("acceptance differs on {text:?}: ours {ours:?}, serde {theirs:?}"),
        }
        ours.is_ok()
    };
    let mut g = Gen(0x6a09_e667_f3bc_c909);
    let mut accepted = 0;
    for _ in 0..5_000 {
        let mut text = String::new();
        g.value(&mut text, 0);
        if check(&text) {
            accepted += 1;
        }
        let mutated = g.mutate(text.as_bytes());
        if let Ok(mutated) = std::str::from_utf8(&mutated) {
            check(mutated);
        }
    }
    assert!(accepted > 4_000, "{accepted}");
    for text in [
        "",
        " ",
        "{} x",
        "1 2",
        "[1,]",
        "\"a\"\u{0}",
        "[]\u{0}",
        "-",
        "1e400",
    ] {
        assert!(!check(text), "{text:?}");
    }
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(check(&deep(127)));
    assert!(!check(&deep(128)));
}
