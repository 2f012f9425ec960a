//! The `Handlers` table: ordering, match rules, run counts, utils, Receive.
mod common;
use common::*;

type Tags = &'static [(&'static str, &'static str)];

#[track_caller]
fn list(rt: &mut aoxide::Runtime<Bare_>) -> String {
    printed(
        rt,
        "local n = {} for _, h in ipairs(Handlers.list) do n[#n + 1] = h.name end return table.concat(n, ',')",
    )
}

fn registry(rt: &aoxide::Runtime<Bare_>) -> Vec<String> {
    rt.registry().names().map(str::to_owned).collect()
}

#[test]
fn ordering_operations_reach_the_registry() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        local function h() end
        Handlers.add("b", h)
        Handlers.append("c", h)
        Handlers.prepend("a", h)
        Handlers.before("c").add("b2", "b2", h)
        Handlers.after("a").add("a2", "a2", h)
        Handlers.add("b", function() print("replaced") end)
        "#,
    );
    assert_eq!(list(&mut rt), "a,a2,b,b2,c");
    // Lua's prepend goes in front of the Rust `Eval` handler: one list.
    assert_eq!(registry(&rt), ["a", "a2", "Eval", "b", "b2", "c"]);
    let out = rt.handle(msg(ALICE, "b", &[]), None);
    assert_eq!(
        out.output.data, "replaced",
        "re-adding a name replaces in place"
    );
    eval(&mut rt, r#"Handlers.remove("a2") Handlers.remove("nope")"#);
    assert_eq!(list(&mut rt), "a,b,b2,c");
    assert_eq!(registry(&rt), ["a", "Eval", "b", "b2", "c"]);
}

#[test]
fn match_rules() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        local function hit(name) return function(msg) print(name) end end
        Handlers.add("any", { Action = "Any", Kind = "_" }, hit("any"))
        Handlers.add("case", { Action = "CASE" }, hit("case"))
        Handlers.add("pattern", { Action = "Pat", Code = "^%d+$" }, hit("pattern"))
        Handlers.add("dash", { Action = "Credit-Notice" }, hit("dash"))
        Handlers.add("fn", { Action = "Fn", Size = function(v, m) return tonumber(v) > 10 end }, hit("fn"))
        Handlers.add("alt", { Action = { "One", "Two" } }, hit("alt"))
        Handlers.add("whole", function(msg) return msg.From == "BOB_ADDRESS_0000000000000000000000000000000" and msg.Action == "Whole" end, hit("whole"))
        Handlers.add("from", { From = "ALICE_ADDRESS_00000000000000000000000000000", Action = "Who" }, hit("from"))
        "#,
    );
    let cases: &[(&str, Tags, &str, &str)] = &[
        (ALICE, &[("Kind", "whatever")], "Any", "any"),
        (ALICE, &[], "case", "case"),
        (ALICE, &[("Code", "123")], "Pat", "pattern"),
        (ALICE, &[], "Credit-Notice", "dash"),
        (ALICE, &[("Size", "11")], "Fn", "fn"),
        (ALICE, &[], "Two", "alt"),
        (BOB, &[], "Whole", "whole"),
        (ALICE, &[], "Who", "from"),
    ];
    for (from, tags, action, want) in cases {
        let out = rt.handle(msg(from, action, tags), None);
        assert_eq!(out.output.data, *want, "{action}");
    }
    // Misses fall through to the inbox with AOS's notice.
    let misses: &[(&str, Tags, &str)] = &[
        (ALICE, &[], "Any"),
        (ALICE, &[("Code", "12a")], "Pat"),
        (ALICE, &[("Size", "3")], "Fn"),
        (ALICE, &[], "Three"),
        (ALICE, &[], "Whole"),
        (BOB, &[], "Who"),
    ];
    for (from, tags, action) in misses {
        let out = rt.handle(msg(from, action, tags), None);
        assert!(
            out.output.data.starts_with("New Message From"),
            "{action}: {:?}",
            out.output.data
        );
    }
    assert_eq!(printed(&mut rt, "return #Inbox"), "6");
}

#[test]
fn continue_break_and_skip() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("one", function(msg) return msg.Action == "Go" and "continue" or "skip" end, function() print("one") end)
        Handlers.add("two", Handlers.utils.continue(Handlers.utils.hasMatchingTag("Action", "Go")), function() print("two") end)
        Handlers.add("three", function(msg) return msg.Action == "Go" and -1 or 0 end, function() print("three") end)
        Handlers.add("four", function() return true end, function() print("four") end)
        "#,
    );
    let out = rt.handle(msg(ALICE, "Go", &[]), None);
    assert_eq!(out.output.data, "one\ntwo\nthree");
    let out = rt.handle(msg(ALICE, "Stop", &[]), None);
    assert_eq!(out.output.data, "four");
}

#[test]
fn max_runs_and_once() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("twice", "Tick", function() print("tick") end, 2)
        Handlers.once("Hello", function() print("hello once") end)
        Handlers.once({ Action = "Anon" }, function() print("anon once") end)
        "#,
    );
    assert_eq!(rt.handle(msg(ALICE, "Tick", &[]), None).output.data, "tick");
    assert_eq!(rt.handle(msg(ALICE, "Tick", &[]), None).output.data, "tick");
    assert!(rt
        .handle(msg(ALICE, "Tick", &[]), None)
        .output
        .data
        .starts_with("New Message"));
    assert_eq!(
        rt.handle(msg(ALICE, "Hello", &[]), None).output.data,
        "hello once"
    );
    assert!(rt
        .handle(msg(ALICE, "Hello", &[]), None)
        .output
        .data
        .starts_with("New Message"));
    assert_eq!(
        rt.handle(msg(ALICE, "Anon", &[]), None).output.data,
        "anon once"
    );
    assert!(rt
        .handle(msg(ALICE, "Anon", &[]), None)
        .output
        .data
        .starts_with("New Message"));
    let out = rt.handle(
        msg(OWNER, "Eval", &[]).with_data(r#"Handlers.add("bad", "Bad", function() end, 0)"#),
        None,
    );
    assert!(out
        .error
        .unwrap()
        .contains("maxRuns must be a positive integer"));
}

#[test]
fn utils_helpers() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        local u = Handlers.utils
        Handlers.add("tagof", u.hasMatchingTagOf("Action", { "A1", "A2" }), u.reply("tagof"))
        Handlers.add("data", u.hasMatchingData("ping"), u.reply({ Action = "Pong", Data = "data" }))
        "#,
    );
    let out = rt.handle(msg(ALICE, "A2", &[]), None);
    assert_eq!(out.messages[0].data.as_deref(), Some("tagof"));
    let out = rt.handle(msg(ALICE, "X", &[]).with_data("ping"), None);
    assert_eq!(out.messages[0].data.as_deref(), Some("data"));
    assert_eq!(out.messages[0].get("Action"), Some("Pong"));
}

/// The matchers answer what AOS 2.0.4's do (measured on aos2_0_4_32.wasm), so code that
/// calls them itself sees the same values; `0` (truthy in Lua) where AOS says `false` let
/// `hasMatchingTag(..)(msg) and ...` take every message.
#[test]
fn matchers_called_by_code_answer_as_in_aos() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            r#"local u = Handlers.utils local m = { Tags = { Action = "X" }, Data = "d" }
            local t = {}
            for _, r in ipairs({ u.hasMatchingTag("Action", "X")(m), u.hasMatchingTag("Action", "Y")(m),
                u.hasMatchingTagOf("Action", { "A", "X" })(m), u.hasMatchingTagOf("Action", { "A" })(m),
                u.hasMatchingData("d")(m), u.hasMatchingData("e")(m) }) do t[#t + 1] = tostring(r) end
            return table.concat(t, " ")"#
        ),
        "true false true 0 true false"
    );
    // A pattern composed from one takes only what both parts match.
    eval(
        &mut rt,
        r#"Handlers.add("Paid",
            function(m) return Handlers.utils.hasMatchingTag("Action", "Pay")(m) and m.Tags.Amount ~= nil end,
            Handlers.utils.reply("paid"))"#,
    );
    let out = rt.handle(msg(ALICE, "Other", &[("Amount", "5")]), None);
    assert!(out.messages.is_empty(), "{:?}", out.messages);
    let out = rt.handle(msg(ALICE, "Pay", &[("Amount", "5")]), None);
    assert_eq!(out.messages[0].data.as_deref(), Some("paid"));
}

#[test]
fn a_failed_message_restores_the_handler_list() {
    let mut rt = spawn::<Bare_>();
    eval(&mut rt, r#"Handlers.add("keep", function() end)"#);
    let out = rt.handle(
        msg(OWNER, "Eval", &[]).with_data(
            r#"Handlers.add("lost", function() end) Handlers.remove("keep") error("no")"#,
        ),
        None,
    );
    assert!(out.error.is_some());
    assert_eq!(list(&mut rt), "keep");
    assert_eq!(registry(&rt), ["Eval", "keep"]);
    // A handler that fails after adding a handler: the same.
    eval(
        &mut rt,
        r#"Handlers.add("Adder", function() Handlers.add("late", function() end) error({ code = 7 }) end)"#,
    );
    let out = rt.handle(msg(ALICE, "Adder", &[]), None);
    let err = out.error.unwrap();
    assert!(err.contains(r#"{"code":7}"#), "a table error object: {err}");
    assert!(
        err.contains("stack traceback"),
        "with the Lua traceback: {err}"
    );
    assert_eq!(list(&mut rt), "keep,Adder");
}

#[test]
fn host_functions_outside_a_handler_fail_the_message_and_keep_working_after() {
    let mut rt = spawn::<Bare_>();
    // A pattern runs before any handler is chosen: there is no message context to print
    // or send into yet.
    eval(
        &mut rt,
        r#"
        Handlers.add("Loud", function(msg) print("deciding") return msg.Action == "Loud" end,
          function() print("handled") end)
        Handlers.add("Quiet", "Quiet", function() print("quiet") Send({ Target = "X", Data = "1" }) end)
        "#,
    );
    let out = rt.handle(msg(ALICE, "Loud", &[]), None);
    let err = out.error.expect("print in a pattern fails the message");
    assert!(
        err.contains("print is only available while a handler runs"),
        "{err}"
    );
    assert!(out.messages.is_empty());
    // The host functions still write to the next handled message.
    eval(&mut rt, r#"Handlers.remove("Loud")"#);
    let out = rt.handle(msg(ALICE, "Quiet", &[]), None);
    assert_eq!(out.error, None);
    assert_eq!(out.output.data, "quiet");
    assert_eq!(out.messages.len(), 1);
    assert_eq!(out.messages[0].data.as_deref(), Some("1"));
}

#[test]
fn receive_waits_for_the_reply_in_a_coroutine() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("Ask", function(msg)
          local answer = Send({ Target = "ORACLE", Action = "Question" }).receive()
          msg.reply({ Data = "oracle said " .. answer.Data })
        end)
        "#,
    );
    let out = rt.handle(msg(ALICE, "Ask", &[]), None);
    assert_eq!(out.messages.len(), 1);
    let question = &out.messages[0];
    assert_eq!(question.target.as_deref(), Some("ORACLE"));
    let reference = question.get("Reference").unwrap().to_owned();
    assert!(
        list(&mut rt).starts_with("_once_"),
        "a once handler waits for the reply"
    );

    // A message with another X-Reference does not wake it.
    let out = rt.handle(
        msg("ORACLE", "Answer", &[("X-Reference", "999")]).with_data("no"),
        None,
    );
    assert!(out.output.data.starts_with("New Message"));
    let out = rt.handle(
        msg("ORACLE", "Answer", &[("X-Reference", &reference)]).with_data("42"),
        None,
    );
    assert_eq!(out.messages.len(), 1, "{:?}", out);
    assert_eq!(out.messages[0].target.as_deref(), Some(ALICE));
    assert_eq!(out.messages[0].data.as_deref(), Some("oracle said 42"));
    assert_eq!(list(&mut rt), "Ask");
}

/// An owner's `Eval` that waits (`Receive`) prints nothing while it waits, and the message
/// it waits for resumes it to its end, which prints what it returns: AOS 2.0.4's answers
/// (measured on `aos2_0_4_32.wasm`: `Output.data` empty, then `got x` and `done`).
#[test]
fn an_eval_that_waits_prints_nothing_until_it_ends() {
    let mut rt = spawn::<Bare_>();
    let out = eval(
        &mut rt,
        "local m = Receive({ Action = 'Ping' }) print('got ' .. m.Data) return 'done'",
    );
    assert_eq!(out.output.data, "");
    let out = rt.handle(msg(ALICE, "Ping", &[]).with_data("x"), None);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.output.data, "got x\ndone");
}

#[test]
fn evaluate_walks_lua_handlers() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            r#"Handlers.add("E", function(m) print("ran " .. m.Data) end)
               return Handlers.evaluate({ Action = "E", Data = "x", Tags = {} }, ao.env)"#
        ),
        "ran x\ntrue"
    );
}

/// Edits the C function `H.place` leaves to `H.edit` (mlua's conversions): a number as the
/// anchor is its text, a missing anchor, a count past `u32` and a name that is not UTF-8
/// fail with mlua's errors, and a failed edit queues nothing.
#[test]
fn edits_needing_conversions_go_through_mlua() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        local function h() end
        Handlers.add("7", h)
        Handlers.add("c", h)
        Handlers.before(7).add("b", "b", h)
        Handlers.after(7.5).add("d", "d", h)
        "#,
    );
    // A number anchor names the handler of its text, in the Lua list as in the registry.
    assert_eq!(list(&mut rt), "b,7,c,d");
    assert_eq!(registry(&rt), ["Eval", "b", "7", "c", "d"]);
    for (code, expected) in [
        (
            r#"Handlers.before(nil).add("e", "e", function() end)"#,
            "unknown handler placement before",
        ),
        (r#"Handlers.add("e", "e", function() end, 2^40)"#, "u32"),
        (r#"Handlers.add("e\255", "e", function() end)"#, "utf-8"),
    ] {
        let out = rt.handle(msg(OWNER, "Eval", &[]).with_data(code), None);
        let err = out.error.expect(code).to_string();
        println!("{code}: {err}");
        assert!(err.contains(expected), "{code}: {err}");
        assert!(err.contains("[C]: in field 'edit'"), "{code}: {err}");
    }
    assert_eq!(list(&mut rt), "b,7,c,d");
    assert_eq!(registry(&rt), ["Eval", "b", "7", "c", "d"]);
}

/// Sends the C function `H.post` leaves to `H.send` (mlua's conversions): a target that is
/// not UTF-8 and a send outside a handler fail as before, and send nothing; a table-valued
/// tag is sent as JSON.
#[test]
fn sends_needing_conversions_go_through_mlua() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("Loud", function(msg) if msg.Action == "Loud" then Send({ Target = "X" }) end return 0 end,
          function() end)
        "#,
    );
    {
        let (code, expected) = (r#"Send({ Target = "X\255" })"#, "utf-8");
        let out = rt.handle(msg(OWNER, "Eval", &[]).with_data(code), None);
        let err = out.error.expect(code).to_string();
        println!("{code}: {err}");
        assert!(err.contains(expected), "{code}: {err}");
        assert!(err.contains("[C]: in field 'send'"), "{code}: {err}");
        assert!(out.messages.is_empty(), "{code}");
    }
    let out = rt.handle(msg(ALICE, "Loud", &[]), None);
    let err = out.error.expect("Send in a pattern fails the message");
    println!("{err}");
    assert!(
        err.contains("ao.send is only available while a handler runs"),
        "{err}"
    );
    assert!(out.messages.is_empty());
    let out = eval(
        &mut rt,
        r#"Send({ Target = "X", Data = 12, N = 1.5 }) Send({ Data = "u", J = { 1 } })"#,
    );
    assert_eq!(out.messages.len(), 2);
    let json = &out.messages[1]
        .tags
        .iter()
        .find(|t| t.name == "J")
        .unwrap()
        .value;
    assert_eq!(json, &aoxide::TagValue::Json(serde_json::json!([1])));
    assert_eq!(out.messages[0].data.as_deref(), Some("12"));
    assert_eq!(out.messages[0].get("N"), Some("1.5"));
    assert_eq!(out.messages[1].target, None);
}

#[test]
fn an_error_in_a_pattern_fails_the_message_with_its_traceback_and_names_the_handler() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("Picky", function(msg)
            if msg.Action == "Text" then error("cannot decide") end
            if msg.Action == "Table" then error({ code = 3 }) end
            return 0
        end, function() end)
        Handlers.add("Ping", "Ping", function() print("pong") end)
        "#,
    );
    let err = rt.handle(msg(ALICE, "Text", &[]), None).error.unwrap();
    assert!(err.contains("pattern of handler 'Picky'"), "{err}");
    assert!(err.contains("cannot decide"), "{err}");
    assert!(err.contains("stack traceback"), "{err}");
    // An error object that is not text fails the message too.
    let out = rt.handle(msg(ALICE, "Table", &[]), None);
    assert!(out.error.is_some(), "{out:?}");
    // The process goes on.
    let out = rt.handle(msg(ALICE, "Ping", &[]), None);
    assert_eq!(out.error, None);
    assert_eq!(out.output.data, "pong");
}

#[test]
fn a_handler_error_that_is_not_utf8_reads_with_replacement_characters() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"Handlers.add("Bad", "Bad", function() error("bad \255 byte", 0) end)"#,
    );
    let err = rt.handle(msg(ALICE, "Bad", &[]), None).error.unwrap();
    assert!(err.contains("bad \u{fffd} byte"), "{err}");
}

/// Assignments (messages addressed to another process) are refused, printing why, unless
/// `ao.addAssignable` named them, as AOS 2.0.4 does (measured on aos2_0_4_32.wasm: the same
/// refusal, then the handler runs once the assignable is added).
#[test]
fn assignments_are_taken_only_when_assignable() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"Handlers.add("Hit", "Hit", function(m) Hits = (Hits or 0) + 1 end)"#,
    );
    let assigned = || {
        let mut m = msg(ALICE, "Hit", &[]);
        m.target = Some("OTHER_PROCESS".into());
        m
    };
    let out = rt.handle(assigned(), None);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(
        out.output
            .data
            .starts_with("Assignment is not trusted! From: "),
        "{}",
        out.output.data
    );
    assert_eq!(printed(&mut rt, "return tostring(Hits)"), "nil");

    eval(&mut rt, r#"ao.addAssignable("hits", { Action = "Hit" })"#);
    rt.handle(assigned(), None);
    assert_eq!(printed(&mut rt, "return tostring(Hits)"), "1");
    // Its own messages are not assignments; a failing pattern takes nothing.
    assert_eq!(
        printed(
            &mut rt,
            "return tostring(ao.isAssignment({ Target = ao.id })) .. ' ' .. #ao.assignables"
        ),
        "false 1"
    );
    eval(
        &mut rt,
        r#"ao.removeAssignable("hits") ao.addAssignable(function() error("bad") end)"#,
    );
    let out = rt.handle(assigned(), None);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(printed(&mut rt, "return tostring(Hits)"), "1");
}
