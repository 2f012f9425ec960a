//! `ao`, message preparation, globals and the libraries.
mod common;
use aoxide::{Env, Message, Runtime};
use aoxide_lua::{LuaFiles, LuaProcess, LuaSource};
use common::*;

#[test]
fn ao_send_builds_aos_messages() {
    let mut rt = spawn::<Bare_>();
    let out = eval(
        &mut rt,
        r#"
        local sent = ao.send({ Target = "T1", Action = "A", Count = 3, Data = { k = "v", n = 1 } })
        print(sent.Reference)
        Send({ Target = "T2", Tags = { { name = "Multi", value = "1" }, { name = "Multi", value = "2" } }, Data = "plain" })
        Send({ Target = "T3", Tags = { Key = "map" } })
        "#,
    );
    assert_eq!(out.output.data, "1");
    let [a, b, c] = &out.messages[..] else {
        panic!("{:?}", out.messages)
    };
    assert_eq!(a.target.as_deref(), Some("T1"));
    assert_eq!(a.get("Action"), Some("A"));
    assert_eq!(a.get("Count"), Some("3"));
    assert_eq!(a.get("Content-Type"), Some("application/json"));
    assert_eq!(a.data.as_deref(), Some(r#"{"k":"v","n":1}"#));
    assert_eq!(a.get("Data-Protocol"), Some("ao"));
    assert_eq!(a.get("Type"), Some("Message"));
    assert_eq!(a.get("Reference"), Some("1"));
    assert_eq!(a.anchor, "00000000000000000000000000000001");
    assert_eq!(b.tags.get_all("Multi").collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(b.data.as_deref(), Some("plain"));
    assert_eq!(c.get("Key"), Some("map"));
    assert_eq!(c.data, None, "no Data, no field");
    let out = rt.handle(
        msg(OWNER, "Eval", &[]).with_data("ao.send({ Target = 5 })"),
        None,
    );
    assert!(out.error.unwrap().contains("Target must be a string"));
    let out = rt.handle(
        msg(OWNER, "Eval", &[]).with_data("ao.send({ Target = 'x', Bad = print })"),
        None,
    );
    assert!(
        out.error.is_none(),
        "functions are not tags: {:?}",
        out.error
    );
}

#[test]
fn tag_values_of_every_kind_cross_both_ways() {
    let mut rt = spawn::<Bare_>();
    let out = eval(
        &mut rt,
        r#"
        Send({ Target = "T", Whole = 3, Ratio = 1.5, Flag = true, Nested = { a = 1 },
               Bytes = "\255x", [7] = "not a tag" })
        "#,
    );
    let sent = &out.messages[0];
    assert_eq!(sent.get("Whole"), Some("3"));
    assert_eq!(sent.get("Ratio"), Some("1.5"));
    assert_eq!(sent.get("Flag"), Some("true"));
    assert_eq!(
        sent.get("Bytes"),
        Some("\u{fffd}x"),
        "invalid UTF-8 replaced"
    );
    assert_eq!(sent.get("7"), None, "only text keys are tags");
    match &sent.tags.iter().find(|t| t.name == "Nested").unwrap().value {
        aoxide::TagValue::Json(v) => assert_eq!(v, &serde_json::json!({ "a": 1 })),
        other => panic!("a table value is JSON: {other:?}"),
    }
    let out = rt.handle(
        msg(OWNER, "Eval", &[])
            .with_data(r#"Send({ Target = "T", Tags = { { name = "", value = "x" } } })"#),
        None,
    );
    assert!(out.error.unwrap().contains("a tag name cannot be empty"));
    // Incoming: a JSON-valued tag is a Lua table, next to text tags.
    eval(
        &mut rt,
        r#"Handlers.add("Show", function(msg) print(type(msg.Patch), msg.Patch.k, msg.TagArray[2].value.k, msg.Plain) end)"#,
    );
    let mut m = msg(ALICE, "Show", &[]);
    m.tags.push(aoxide::Tag::new(
        "Patch",
        aoxide::TagValue::Json(serde_json::json!({ "k": "v" })),
    ));
    m.tags.push(aoxide::Tag::new("Plain", "text"));
    let out = rt.handle(m, None);
    assert_eq!(out.error, None);
    assert_eq!(out.output.data, "table\tv\tv\ttext");
}

#[test]
fn spawn_assign_and_log() {
    let mut rt = spawn::<Bare_>();
    let out = eval(
        &mut rt,
        r#"
        local s = Spawn("MODULE_ID", { Data = "boot", Name = "child" })
        print(s.Reference)
        Assign({ Processes = { "P1", "P2" }, Message = "MSG_ID" })
        ao.log("logged")
        "#,
    );
    assert_eq!(out.spawns.len(), 1);
    assert_eq!(out.spawns[0].get("Name"), Some("child"));
    assert_eq!(out.spawns[0].get("Module"), Some("MODULE_ID"));
    assert_eq!(out.spawns[0].data.as_deref(), Some("boot"));
    assert_eq!(out.assignments[0].processes, ["P1", "P2"]);
    assert_eq!(out.assignments[0].message, "MSG_ID");
    assert_eq!(out.output.data, "1\nlogged");
    let out = rt.handle(
        msg(OWNER, "Eval", &[]).with_data("ao.assign({ Processes = 'x' })"),
        None,
    );
    assert!(out.error.is_some());
}

#[test]
fn clear_outbox_forgets_what_the_message_sent_so_far() {
    let mut rt = spawn::<Bare_>();
    // As AOS 2.0.4 answers (checked under ao-loader by tests/conformance/lua-module.test.mjs):
    // printed output stays, references go on, and ao.outbox is empty again.
    let out = eval(
        &mut rt,
        r#"
        print("before")
        ao.send({ Target = "A", Data = "one" })
        Spawn("MODULE_ID", { Data = "s" })
        Assign({ Processes = { "P1" }, Message = "MSG_ID" })
        ao.clearOutbox()
        print("after")
        ao.send({ Target = "B", Data = "two" })
        print(#ao.outbox.Messages .. " " .. #ao.outbox.Spawns .. " " .. #ao.outbox.Assignments)
        "#,
    );
    assert_eq!(out.output.data, "before\nafter\n1 0 0");
    assert!(out.spawns.is_empty() && out.assignments.is_empty());
    let [sent] = &out.messages[..] else {
        panic!("{:?}", out.messages)
    };
    assert_eq!(sent.target.as_deref(), Some("B"));
    assert_eq!(sent.data.as_deref(), Some("two"));
    assert_eq!(sent.get("Reference"), Some("3"));
    // A handler that clears and then fails: nothing is sent, the message is an error.
    eval(
        &mut rt,
        r#"Handlers.add("Clear-Fail", "Clear-Fail", function()
          Send({ Target = "C" }) ao.clearOutbox() Send({ Target = "D" }) error("no")
        end)"#,
    );
    let out = rt.handle(msg(ALICE, "Clear-Fail", &[]), None);
    assert!(out.error.is_some() && out.messages.is_empty());
}

#[test]
fn a_library_is_one_table_under_both_names() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            "print(require('json') == require('.json'), require('.crypto') == require('crypto'), \
             require('.base64') == require('base64'), require('.bint') == require('bint'))"
        ),
        "true\ttrue\ttrue\ttrue"
    );
}

#[test]
fn incoming_messages_look_like_aos_messages() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("Show", function(msg)
          print(msg.Action, msg.From, msg.Tags["x-lower"], msg["X-Lower"], msg["x-lower"], #msg.TagArray,
                msg.Tags.Dup, type(msg.Data), msg.Data.a, msg.Timestamp, os.time())
        end)
        "#,
    );
    let mut m = msg(
        ALICE,
        "Show",
        &[
            ("x-lower", "v"),
            ("Dup", "first"),
            ("Dup", "second"),
            ("Content-Type", "application/json"),
        ],
    )
    .with_data(r#"{"a": 5}"#);
    m.timestamp = Some(1234);
    let out = rt.handle(m, None);
    assert_eq!(
        out.output.data,
        format!("Show\t{ALICE}\tv\tv\tv\t5\tfirst\ttable\t5\t1234\t1234")
    );
}

#[test]
fn globals_identity_trust_and_inbox() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(&mut rt, "return table.concat({ ao.id, Owner, Name, ao.env.Process.Id, tostring(#ao.authorities) }, ' ')"),
        format!("{PID} {OWNER} aos {PID} 0")
    );
    // As AOS 2.0.4 answers (measured on aos2_0_4_32.wasm): nothing is trusted without
    // authorities; with them, a message whose sender or signer is one.
    assert_eq!(
        printed(&mut rt, "return tostring(ao.isTrusted({ From = 'a', Owner = 'a' })) .. tostring(ao.isTrusted({ From = 'a', Owner = 'b' }))"),
        "falsefalse"
    );
    assert_eq!(
        printed(
            &mut rt,
            "local saved = ao.authorities ao.authorities = { 'AUTH' } \
             local t = {} for _, m in ipairs({ { 'AUTH', 'AUTH' }, { 'X', 'AUTH' }, { 'AUTH', 'X' }, { 'X', 'X' } }) do \
               t[#t + 1] = tostring(ao.isTrusted({ From = m[1], Owner = m[2] })) end \
             ao.authorities = saved return table.concat(t, ' ')"
        ),
        "true true true false"
    );
    eval(&mut rt, "MaxInbox = 3");
    for i in 0..5 {
        let out = rt.handle(msg(ALICE, &format!("Unknown{i}"), &[]), None);
        assert_eq!(
            out.output.data,
            format!("New Message From ALI...000: Action = Unknown{i}")
        );
    }
    assert_eq!(
        printed(&mut rt, "return #Inbox .. ' ' .. Inbox[1].Action"),
        "3 Unknown2"
    );
    // Dry-runs are never kept.
    let mut dry = msg(ALICE, "Unknown9", &[]);
    dry.read_only = true;
    rt.handle(dry, None);
    assert_eq!(printed(&mut rt, "return #Inbox"), "3");
    // A stranger's Eval is not run.
    let out = rt.handle(msg(ALICE, "Eval", &[]).with_data("Owner = 'me'"), None);
    assert!(out.output.data.starts_with("New Message From"));
    assert_eq!(printed(&mut rt, "return Owner"), OWNER);
    assert!(printed(&mut rt, "return Colors.red").starts_with('\u{1b}'));
}

struct Booted;
impl LuaFiles for Booted {
    const SOURCES: &'static [LuaSource] = &[LuaSource::new("first.lua", "Order = { 'first' }")];
}

#[test]
fn boot_runs_the_files_then_on_boot_data() {
    let mut rt: Runtime<LuaProcess<Booted>> = Runtime::new();
    let spawn = Message::new(OWNER)
        .with_id(PID)
        .with_tag("On-Boot", "Data")
        .with_tag("Name", "named")
        .with_data("table.insert(Order, 'boot') print('booted ' .. Name)");
    let out = rt.handle(spawn, Some(&Env::new(PID, OWNER)));
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.output.data, "booted named");
    let lua = &rt.state().unwrap().lua;
    assert_eq!(
        lua.value::<String>("table.concat(Order, ',')").unwrap(),
        "first,boot"
    );

    // A boot that fails is an initialisation error.
    let mut bad: Runtime<LuaProcess<Booted>> = Runtime::new();
    let out = bad.handle(
        Message::new(OWNER)
            .with_id(PID)
            .with_tag("On-Boot", "Data")
            .with_data("error('nope')"),
        Some(&Env::new(PID, OWNER)),
    );
    assert!(out.error.unwrap().contains("nope"));
}

#[test]
fn json_library() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            r#"local json = require("json") return json.encode({ 1, 2, { a = true, b = json.decode('null') } })"#
        ),
        r#"[1,2,{"a":true}]"#
    );
    assert_eq!(
        printed(&mut rt, r#"return require("json").encode({})"#),
        "[]"
    );
    assert_eq!(
        printed(
            &mut rt,
            r#"local t = require(".json").decode('{"x":[1,2.5,"s"],"n":null}') return #t.x .. t.x[2] .. t.x[3] .. tostring(t.n)"#
        ),
        "32.5snil"
    );
    for (code, want) in [
        (
            "local t = {} t.self = t return require('json').encode(t)",
            "circular reference",
        ),
        (
            "return require('json').encode({ [1] = 1, x = 2 })",
            "mixed or invalid key types",
        ),
        ("return require('json').encode(0/0)", "unexpected number"),
        ("return require('json').decode('{bad')", "json.decode"),
        ("return require('json').encode(print)", "unexpected type"),
    ] {
        let out = rt.handle(msg(OWNER, "Eval", &[]).with_data(code), None);
        let err = out.error.expect(code);
        assert!(err.contains(want), "{code}: {err}");
    }
}

#[test]
fn bint_library() {
    let mut rt = spawn::<Bare_>();
    let cases = [
        ("tostring(bint('115792089237316195423570985008687907853269984665640564039457584007913129639935') + 1)", "0"),
        ("tostring(bint(2) ^ 255)", "-57896044618658097711785492504343953926634992332820282019728792003956564819968"),
        ("tostring(bint('-5') + 3)", "-2"),
        ("tostring(require('.bint')('256')(-12) * 3) .. tostring(require('.bint')() == bint)", "-36true"),
        ("tostring(bint(7) // bint(-2)) .. ' ' .. tostring(bint(7) % bint(-2))", "-4 -1"),
        ("tostring(bint.__lt(0, bint('-1'))) .. tostring(bint.ult(0, bint('-1')))", "falsetrue"),
        ("tostring(bint('10') == bint(10)) .. tostring(bint(3) <= bint(3)) .. tostring(bint(3) < 4)", "truetruetrue"),
        ("tostring(bint('0x10') * 2) .. ' ' .. bint.tostring(bint.zero()) .. ' ' .. tostring(bint.iszero(bint(0)))", "32 0 true"),
        // As AOS: `tonumber` is an integer where one holds it (tests/bint.rs has the rest).
        ("'n=' .. bint(5) .. ' ' .. bint.tonumber(bint(12)) .. ' ' .. math.type(bint.tointeger(bint(-3)))", "n=5 12 integer"),
        ("tostring(bint.isbint(bint(1))) .. tostring(bint.isbint(1))", "truefalse"),
        // As in AOS: a table of eight 32-bit limbs, least significant first.
        ("type(bint(5)) .. ' ' .. #bint(5) .. ' ' .. require('json').encode(bint(5))", "table 8 [5,0,0,0,0,0,0,0]"),
        ("require('json').encode(bint(2) ^ 32 + 7) .. ' ' .. require('json').encode(-bint(1))", "[7,1,0,0,0,0,0,0] [4294967295,4294967295,4294967295,4294967295,4294967295,4294967295,4294967295,4294967295]"),
        ("tostring(bint.isbint({})) .. tostring(bint.isbint(setmetatable({}, getmetatable(bint(1)))))", "falsefalse"),
    ];
    for (expr, want) in cases {
        let code = format!("local bint = require('.bint')(256) return {expr}");
        assert_eq!(printed(&mut rt, &code), want, "{expr}");
    }
    for code in [
        "require('.bint')(256)('abc')",
        "require('.bint')(256)('1.5')",
        "require('.bint')(256)(1) // 0",
        "require('.bint')(128)",
        "require('.bint')(256)({}) ",
        "local b = require('.bint')(256)(1) b[1] = 2 ^ 40 return b + 1",
    ] {
        let out = rt.handle(msg(OWNER, "Eval", &[]).with_data(code), None);
        assert!(out.error.is_some(), "{code}");
    }
}

#[test]
fn bint_errors_read_the_same_from_every_function() {
    let mut rt = spawn::<Bare_>();
    // The operators and `bint(x)` are C functions, `bint.tostring` and `bint.max` go
    // through mlua: one rule, one text, and a Lua error a handler may catch.
    let cases = [
        ("bint('abc')", "value 'abc' cannot be represented by a bint"),
        (
            "bint.tostring('abc')",
            "value 'abc' cannot be represented by a bint",
        ),
        (
            "bint(1) + '1.5'",
            "value '1.5' cannot be represented by a bint",
        ),
        (
            "bint(1.5)",
            "value of type number cannot be represented by a bint",
        ),
        (
            "bint.max(1, 1.5)",
            "value of type number cannot be represented by a bint",
        ),
        (
            "bint(1) < print",
            "value of type function cannot be represented by a bint",
        ),
        (
            "bint.tostring(nil)",
            "value of type nil cannot be represented by a bint",
        ),
        (
            "bint()",
            "value of type nil cannot be represented by a bint",
        ),
        ("bint(1) * {}", "value is not a bint"),
        ("bint.tostring({ 1, 2 })", "value is not a bint"),
        (
            "bint.__tostring('abc')",
            "value 'abc' cannot be represented by a bint",
        ),
        (
            "tostring(setmetatable({}, getmetatable(bint(1))))",
            "value is not a bint",
        ),
        (
            "require('.bint')(128)",
            "only 256-bit bints are available, not 128",
        ),
        (
            "require('.bint')(256.5)",
            "only 256-bit bints are available, not 256.5",
        ),
        ("bint(7) // 0", "attempt to divide by zero"),
        ("bint(7) % bint(0)", "attempt to divide by zero"),
    ];
    for (expr, want) in cases {
        let code = format!(
            "local bint = require('.bint')(256) local ok, e = pcall(function() return {expr} end) \
             return tostring(ok) .. ' ' .. tostring(e)"
        );
        let got = printed(&mut rt, &code);
        assert!(got.starts_with("false "), "{expr}: {got}");
        assert!(got.contains(want), "{expr}: {got}");
        // Uncaught, it fails the message with the same text.
        let out = rt.handle(
            msg(OWNER, "Eval", &[])
                .with_data(format!("local bint = require('.bint')(256) return {expr}")),
            None,
        );
        let err = out.error.expect(expr);
        assert!(err.contains(want), "{expr}: {err}");
    }
    // The process keeps working, and a good operation after the errors is exact.
    assert_eq!(
        printed(
            &mut rt,
            "local bint = require('.bint')(256) return tostring(bint('12') - 13)"
        ),
        "-1"
    );
}

#[test]
fn base64_crypto_and_utils() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            "local b = require('.base64') return b.encode('hello') .. ' ' .. b.decode('aGVsbG8=')"
        ),
        "aGVsbG8= hello"
    );
    assert_eq!(
        printed(&mut rt, "local c = require('.crypto') return c.digest.sha2_256(c.utils.stream.fromString('abc')).asHex()"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        printed(&mut rt, "local c = require('.crypto') return #c.digest.blake2b('x').asString() .. ' ' .. #c.digest.sha3_512('x').asBytes() .. ' ' .. c.digest.keccak256('').asHex():sub(1, 8)"),
        "64 64 c5d24601"
    );
    assert_eq!(
        printed(&mut rt, "return require('.crypto').hmac('sha2_256', 'key', 'The quick brown fox jumps over the lazy dog').asHex()"),
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
    assert_eq!(
        printed(
            &mut rt,
            r#"local u = require('.utils')
               local add = function(a, b) return a + b end
               return table.concat(u.map(function(x) return x * 2 end)({ 1, 2, 3 }), ',') .. ' '
                 .. u.reduce(add, 0, { 1, 2, 3 }) .. ' '
                 .. table.concat(u.filter(function(x) return x > 1 end, { 1, 2, 3 }), ',') .. ' '
                 .. u.find(u.propEq('k', 2))({ { k = 1 }, { k = 2, v = 'y' } }).v .. ' '
                 .. tostring(u.includes(2)({ 1, 2 })) .. ' '
                 .. u.compose(function(x) return x + 1 end, function(x) return x * 10 end)(2) .. ' '
                 .. tostring(u.matchesSpec({ Action = 'Hi', X = 'y' }, { Action = 'hi', X = '_' })) .. ' '
                 .. #u.keys({ a = 1, b = 2 }) .. ' ' .. table.concat(u.reverse({ 1, 2, 3 }), '')"#
        ),
        "2,4,6 6 2,3 y true 21 true 2 321"
    );
    assert_eq!(
        printed(&mut rt, "return Utils == require('.utils')"),
        "true"
    );
}

/// The identity a spawn sets: the process' name, module and authorities in order.
#[test]
fn identity_with_a_module_and_authorities() {
    let mut env = Env::new(PID, OWNER);
    env.process.tags.push(aoxide::Tag::new("Name", "Named"));
    env.process
        .tags
        .push(aoxide::Tag::new("Authority", "AUTH-1, AUTH-2"));
    env.process
        .tags
        .push(aoxide::Tag::new("Authority", "AUTH-3"));
    let mut module = Env::new("MODULE", OWNER).process;
    module.tags = Default::default();
    env.module = Some(module);
    let mut rt: Runtime<Bare_> = Runtime::new();
    let out = rt.handle(
        Message::new(OWNER).with_id(PID).with_tag("Type", "Process"),
        Some(&env),
    );
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(
        printed(
            &mut rt,
            "return table.concat({ ao.id, Owner, Name, ao.env.Module.Id, table.concat(ao.authorities, ',') }, ' ')"
        ),
        format!("{PID} {OWNER} Named MODULE AUTH-1,AUTH-2,AUTH-3")
    );
}

/// `ao.env.Process.Tags` is the spawn's tags as AOS shows them: a map (the first value of
/// each name) and `TagArray`, the list (measured on aos2_0_4_32.wasm: `Tags.Type` is
/// "Process"); it held only `Name` before.
#[test]
fn the_env_holds_the_spawn_tags() {
    let mut env = Env::new(PID, OWNER);
    env.process.tags.add("Type", "Process");
    env.process.tags.add("Ticker", "PNTS");
    env.process.tags.add("Ticker", "LATER");
    let mut rt: Runtime<Bare_> = Runtime::new();
    let out = rt.handle(Message::new(OWNER).with_id(PID), Some(&env));
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(
        printed(
            &mut rt,
            "local p = ao.env.Process \
             return p.Tags.Type .. ' ' .. p.Tags.Ticker .. ' ' .. #p.TagArray .. ' ' \
               .. p.TagArray[3].name .. '=' .. p.TagArray[3].value .. ' ' .. tostring(p.Tags.Name)"
        ),
        "Process PNTS 3 Ticker=LATER nil"
    );
}

/// `json.encode` writes floats as AOS's does, with `%.14g` (measured on
/// aos2_0_4_32.wasm). A number given as a tag value becomes Lua's `tostring` of it (AOS
/// leaves the number itself in the tag list, which AO's tags, all text, cannot carry).
#[test]
fn floats_are_written_as_aos_writes_them() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            r#"local json = require('json')
            return json.encode(1/3) .. " " .. json.encode(10) .. " " .. json.encode(1e20) .. " "
              .. json.encode(-0.0) .. " " .. json.encode(2^53) .. " " .. json.encode({ p = 3.0, q = { 1.5 } })"#
        ),
        r#"0.33333333333333 10 1e+20 -0 9.007199254741e+15 {"p":3,"q":[1.5]}"#
    );
    let out = eval(&mut rt, r#"Send({ Target = "T", Price = 3.0, Count = 3 })"#);
    let sent = &out.messages[0];
    assert_eq!(sent.get("Price"), Some("3.0"));
    assert_eq!(sent.get("Count"), Some("3"));
}
