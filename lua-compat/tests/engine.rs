//! The engine: deterministic, sandboxed, bounded.
mod common;
use aoxide::{Env, Message, Runtime};
use aoxide_lua::{Limits, LuaFiles, LuaProcess, LuaSource};
use common::*;

/// Asserts that `out` failed with the [`Small`] budget's error; `what` names the case.
#[track_caller]
fn assert_budget_spent(out: &aoxide::Outcome, what: &str) {
    let err = out
        .error
        .as_deref()
        .unwrap_or_else(|| panic!("{what}: a loop past the budget fails"));
    assert!(
        err.contains("instruction budget of 5000000 exceeded"),
        "{what}: {err}"
    );
}

#[test]
fn pairs_order_is_the_same_on_every_run() {
    // The string hash seed is a constant (build.rs), so this order is fixed: a seed
    // taken from addresses (Lua's default) would change it between runs under ASLR.
    let mut rt = spawn::<Bare_>();
    let order = printed(
        &mut rt,
        "local t = {} for i = 1, 12 do t['k' .. i] = i end \
         local keys = {} for k in pairs(t) do keys[#keys + 1] = k end \
         return table.concat(keys, ',')",
    );
    assert_eq!(order, "k1,k2,k3,k4,k6,k5,k8,k7,k11,k12,k10,k9");
}

#[test]
fn time_is_the_message_timestamp_and_random_is_seeded_per_process() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(printed(&mut rt, "return os.time()"), "1700000000000");
    let draw =
        "local t = {} for i = 1, 5 do t[i] = math.random(1, 1000) end return table.concat(t, ' ')";
    let first = printed(&mut rt, draw);
    let mut same = spawn::<Bare_>();
    assert_eq!(
        printed(&mut same, draw),
        first,
        "same process id, same draws"
    );

    let mut other: Runtime<Bare_> = Runtime::new();
    other.handle(
        Message::new(OWNER).with_id("OTHER_PID"),
        Some(&Env::new("OTHER_PID", OWNER)),
    );
    assert_ne!(
        printed(&mut other, draw),
        first,
        "another process draws otherwise"
    );
    assert_eq!(
        printed(&mut rt, "math.randomseed(7) local a = math.random(100) math.randomseed(7) return a == math.random(100)"),
        "true"
    );
    let f: f64 = printed(&mut rt, "return math.random()").parse().unwrap();
    assert!((0.0..1.0).contains(&f));
    let out = rt.handle(
        msg(OWNER, "Eval", &[]).with_data("return math.random(5, 1)"),
        None,
    );
    assert!(out.error.unwrap().contains("interval is empty"));
}

#[test]
fn no_io_no_clock_no_files_no_bytecode() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            "return tostring(io) .. ' ' .. tostring(os.execute) .. ' ' .. tostring(os.getenv) \
             .. ' ' .. tostring(dofile) .. ' ' .. tostring(loadfile) .. ' ' .. tostring(package.loadlib) \
             .. ' ' .. tostring(debug.sethook) .. ' ' .. os.clock()"
        ),
        "nil nil nil nil nil nil nil 0.0"
    );
    // Precompiled chunks are refused even when asked for.
    assert_eq!(
        printed(
            &mut rt,
            "local f, err = load(string.dump(function() return 1 end), 'x', 'b') return tostring(f) .. ' ' .. err"
        ),
        "nil attempt to load a binary chunk (mode is 't')"
    );
    // `load` with an explicit environment still works.
    assert_eq!(
        printed(&mut rt, "return load('return x', 'c', 't', { x = 5 })()"),
        "5"
    );
    // Nor through `require` or `package.loaded`: the libraries there are the trimmed ones
    // (a full `debug` would let `debug.sethook()` switch off the instruction budget).
    assert_eq!(
        printed(
            &mut rt,
            "return tostring(require('os').execute) .. ' ' .. tostring(package.loaded.os.remove) \
             .. ' ' .. tostring(require('debug').sethook) .. ' ' .. tostring(package.loaded.debug.getlocal) \
             .. ' ' .. tostring(package.loaded.io) .. ' ' .. tostring(require('os') == os) \
             .. ' ' .. tostring(require('debug') == debug)"
        ),
        "nil nil nil nil nil true true"
    );
    let out = rt.handle(msg(OWNER, "Eval", &[]).with_data("require('socket')"), None);
    assert!(out.error.unwrap().contains("module 'socket' not found"));
    assert_eq!(printed(&mut rt, "return bit32.band(12, 10)"), "8");
}

#[test]
fn an_endless_loop_is_an_error_and_the_process_keeps_working() {
    let mut rt = spawn::<Small_>();
    eval(
        &mut rt,
        r#"
        Count = 0
        Handlers.add("Spin", function() while true do end end)
        Handlers.add("Sneaky", function()
          while true do pcall(function() while true do end end) end
        end)
        Handlers.add("Count", function(msg) Count = Count + 1 msg.reply({ Data = tostring(Count) }) end)
        "#,
    );
    for action in ["Spin", "Sneaky"] {
        let out = rt.handle(msg(ALICE, action, &[]), None);
        let err = out.error.expect("an endless loop fails");
        assert!(
            err.contains("instruction budget of 5000000 exceeded"),
            "{err}"
        );
        assert!(out.messages.is_empty());
    }
    let out = rt.handle(msg(ALICE, "Count", &[]), None);
    assert_eq!(out.messages[0].data.as_deref(), Some("1"));
}

/// Loops of Lua's C library that an integer argument alone makes long (each ran for ever;
/// `src/vm/bounded.rs`), and pattern matching that backtracks for a power of the subject's
/// length (`src/vm/pattern/`): charged to the budget, or answered at once.
#[test]
fn long_loops_in_c_are_bounded_and_the_process_keeps_working() {
    let mut rt = spawn::<Small_>();
    eval(
        &mut rt,
        r#"
        local lying = function() return setmetatable({}, { __len = function() return 1 << 62 end }) end
        Handlers.add("Move", function() table.move({}, 1, math.maxinteger, 1) end)
        Handlers.add("Insert", function() table.insert(lying(), 1, "x") end)
        Handlers.add("Remove", function() pcall(table.remove, lying(), 1) end)
        Handlers.add("Match", function() string.find(string.rep("a", 20000), ".-.-.-b") end)
        Handlers.add("Gsub", function() pcall(string.gsub, string.rep("a", 20000), "a*a*a*b", "") end)
        Handlers.add("Rep", function(msg)
          msg.reply({ Data = "[" .. string.rep("", 1 << 62) .. ("").rep("", math.maxinteger, "") .. "]" })
        end)
        "#,
    );
    for action in ["Move", "Insert", "Remove", "Match", "Gsub"] {
        let out = rt.handle(msg(ALICE, action, &[]), None);
        assert_budget_spent(&out, action);
    }
    let out = rt.handle(msg(ALICE, "Rep", &[]), None);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.messages[0].data.as_deref(), Some("[]"));
}

/// Instructions whose time grows with the bytes they write (`..` copies its operands):
/// the heap's growth is charged to the budget (`src/vm/metered.rs`), so a few instructions
/// a turn over a stranger's large data no longer copy for hours inside the budget.
#[test]
fn copying_large_strings_in_a_loop_is_bounded_by_the_budget() {
    let mut rt = spawn::<Small_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("Copy", function(msg)
          for i = 1, 20000 do local t = msg.Data .. "x" end
        end)
        Handlers.add("Build", function(msg)
          local s = "" for c in msg.Data:gmatch(".") do s = s .. c end
        end)
        Handlers.add("Once", function(msg) msg.reply({ Data = tostring(#(msg.Data .. "x")) }) end)
        "#,
    );
    // Without the charge: 20,000 turns of about 4 instructions copy 20 GiB ("Copy"), and
    // 65,536 turns copy 2 GiB ("Build"), both well inside 5,000,000 instructions.
    for (action, size) in [("Copy", 1 << 20), ("Build", 1 << 16)] {
        let out = rt.handle(msg(ALICE, action, &[]).with_data("d".repeat(size)), None);
        assert_budget_spent(&out, action);
    }
    let out = rt.handle(msg(ALICE, "Once", &[]).with_data("d".repeat(1 << 20)), None);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.messages[0].data.as_deref(), Some("1048577"));
}

/// Library functions whose work grows with what they read and write little: each pays for
/// what it reads or pushes (`src/vm/reads.rs`), so a loop of a few instructions a turn
/// over a stranger's large data ends at the budget instead of reading for hours.
#[test]
fn reading_large_data_in_a_loop_is_bounded_by_the_budget() {
    let mut rt = spawn::<Small_>();
    eval(
        &mut rt,
        r#"
        local crypto = require(".crypto")
        local json = require("json")
        local function times(n, f) return function(msg) for i = 1, n do f(msg.Data) end end end
        Handlers.add("Bytes", times(200, function(d) local b = d:byte(1, -1) end))
        Handlers.add("Codepoints", times(200, function(d) local c = utf8.codepoint(d, 1, -1) end))
        Handlers.add("Unpack", function(msg)
          local t = {} for i = 1, 50000 do t[i] = i end
          for i = 1, 200 do local x = table.unpack(t) end
        end)
        Handlers.add("Concat", function(msg)
          local t = {} for i = 1, 50000 do t[i] = "" end
          for i = 1, 200 do local s = table.concat(t) end
        end)
        Handlers.add("Select", function(msg)
          local t = {} for i = 1, 50000 do t[i] = i end
          local function rest(...) for i = 1, 400 do local x = select(2, ...) end end
          rest(table.unpack(t))
        end)
        Handlers.add("Length", times(40, utf8.len))
        Handlers.add("Codes", times(40, function(d) for p in utf8.codes(d) do break end end))
        Handlers.add("Offset", times(40, function(d) return utf8.offset(d, #d) end))
        Handlers.add("Unpackfmt", function(msg)
          local format = string.rep("B", 60000)
          for i = 1, 100 do local b = string.unpack(format, msg.Data) end
        end)
        Handlers.add("Number", times(40, tonumber))
        Handlers.add("Load", times(40, load))
        Handlers.add("Decode", times(40, json.decode))
        Handlers.add("Values", times(3, json.decode))
        Handlers.add("Encode", function()
          local t = {} for i = 1, 20000 do t[i] = i end
          for i = 1, 20 do local s = json.encode(t) end
        end)
        Handlers.add("Base64", times(10, require(".base64").encode))
        local bint = require(".bint")(256)
        Handlers.add("Bint", times(40, function(d) return pcall(bint, d) end))
        Handlers.add("Frombase", times(10, function(d) return bint.frombase(d, 10) end))
        Handlers.add("Hash", times(10, crypto.digest.sha2_256))
        Handlers.add("Collect", function()
          local keep = {} for i = 1, 20000 do keep[i] = { i } end
          for i = 1, 200 do collectgarbage() end
        end)
        Handlers.add("Once", function(msg) msg.reply({ Data = tostring(utf8.len(msg.Data)) }) end)
        "#,
    );
    // Without the charges each message ends well inside 5,000,000 instructions: 12.8 M
    // values pushed (`Bytes`, 64 KiB of data), 10 M (`Unpack`), 10 M entries joined
    // (`Concat`), 20 M values returned (`Select`), 40 passes over 1 MiB, ten hashes of
    // 1 MiB, 200 collections of a heap of 20,000 tables, three decodings of 100,000 JSON
    // values (`Values`), 20 encodings of 20,000 (`Encode`), ten base64 encodings of 1 MiB,
    // 40 bints read from 1 MiB of text, ten from 1 MiB of digits (`Frombase`), 6 M values
    // unpacked by format (`Unpackfmt`).
    let spaces = " ".repeat(1 << 20);
    let quoted = format!("\"{}\"", "d".repeat(1 << 20));
    for (action, data) in [
        ("Bytes", "d".repeat(1 << 16)),
        ("Codepoints", "d".repeat(1 << 16)),
        ("Unpack", String::new()),
        ("Concat", String::new()),
        ("Select", String::new()),
        ("Length", "d".repeat(1 << 20)),
        ("Codes", "d".repeat(1 << 20)),
        ("Offset", "d".repeat(1 << 20)),
        ("Unpackfmt", "d".repeat(60000)),
        ("Number", spaces.clone()),
        ("Load", spaces.clone()),
        ("Decode", quoted),
        ("Values", format!("[{}1]", "1,".repeat(100_000))),
        ("Encode", String::new()),
        ("Base64", "d".repeat(1 << 20)),
        ("Bint", format!("{spaces}1")),
        ("Frombase", "7".repeat(1 << 20)),
        ("Hash", "d".repeat(1 << 20)),
        ("Collect", String::new()),
    ] {
        let out = rt.handle(msg(ALICE, action, &[]).with_data(data), None);
        assert_budget_spent(&out, action);
    }
    let out = rt.handle(msg(ALICE, "Once", &[]).with_data("d".repeat(1 << 20)), None);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.messages[0].data.as_deref(), Some("1048576"));
}

/// A list made against `table.sort` (`tests/fixtures/sort_adversary.lua`, McIlroy's
/// adversary run on Lua's own sort in a plain VM): the order that makes that sort compare
/// about `n^2 / 4` times. The numbers `1..=n` (and `n + 1` for any never fixed),
/// comma-separated.
fn list_against_the_sort(n: usize) -> String {
    let lua = mlua::Lua::new();
    let against: mlua::Function = lua
        .load(include_str!("fixtures/sort_adversary.lua"))
        .eval()
        .unwrap();
    let list: mlua::Table = against.call(n).unwrap();
    let numbers: Vec<String> = list
        .sequence_values::<i64>()
        .map(|v| v.unwrap().to_string())
        .collect();
    numbers.join(",")
}

/// `table.sort` without a comparator pays one instruction per comparison
/// (`src/vm/bounded.rs`): its pivots are fixed here (no clock), so a stranger's list made
/// against it took `n^2 / 4` comparisons inside one instruction.
#[test]
fn sorting_a_list_made_against_the_sort_is_bounded_by_the_budget() {
    let mut rt = spawn::<Small_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("Sort", function(msg)
          local t = {} for n in msg.Data:gmatch("%d+") do t[#t + 1] = tonumber(n) end
          table.sort(t)
          msg.reply({ Data = t[1] .. " " .. t[#t] })
        end)
        "#,
    );
    // 6,000 entries: about 9 M comparisons against the budget's 5 M.
    let against = list_against_the_sort(6_000);
    let out = rt.handle(msg(ALICE, "Sort", &[]).with_data(against.clone()), None);
    assert_budget_spent(&out, "a list made against the sort");
    // The same numbers in another order (descending) sort within it.
    let mut numbers: Vec<u32> = against.split(',').map(|n| n.parse().unwrap()).collect();
    numbers.sort_unstable_by(|a, b| b.cmp(a));
    let descending: Vec<String> = numbers.iter().map(u32::to_string).collect();
    let out = rt.handle(
        msg(ALICE, "Sort", &[]).with_data(descending.join(",")),
        None,
    );
    assert!(out.error.is_none(), "{:?}", out.error);
    let expected = format!("1 {}", numbers[0]);
    assert_eq!(out.messages[0].data.as_deref(), Some(expected.as_str()));
}

/// A budget small enough that one allocation empties it.
struct ShortBudget;
impl LuaFiles for ShortBudget {
    const SOURCES: &'static [LuaSource] = &[];
    fn limits() -> Limits {
        Limits {
            instructions: 20_000,
            memory: 32 * 1024 * 1024,
        }
    }
}

/// A message that empties its budget and then fails or ends is still rolled back or
/// committed whole: the end of a message is the host's bookkeeping, not the message's work.
/// An allocation only takes from the budget (`src/vm/metered.rs`), so a handler can empty it
/// and still fail by its own error or return before the hook's next check; that check then
/// fell inside the rollback, which stopped half done and left the handler the failed
/// message had added. Swept over a whole period of the hook (a check every 1,000
/// instructions), which the padding moves.
#[test]
fn a_message_that_emptied_its_budget_is_still_rolled_back_whole() {
    let mut rt = spawn::<LuaProcess<ShortBudget>>();
    eval(
        &mut rt,
        r#"
        Handlers.add("Edit", function(msg)
          Handlers.add("Extra", function() end, function() end)
          for i = 1, tonumber(msg.Pad) do end
          local s = string.rep("x", 200000) -- about 25,000 instructions: the budget is empty
          if msg.Fail == "yes" then error("boom") end
          Handlers.remove("Extra")
        end)
        "#,
    );
    let list = "local names = {} \
                for _, h in ipairs(Handlers.list) do names[#names + 1] = h.name end \
                return table.concat(names, ',')";
    for pad in 0..1000 {
        for fail in ["yes", "no"] {
            let pad_text = pad.to_string();
            let out = rt.handle(
                msg(ALICE, "Edit", &[("Pad", &pad_text), ("Fail", fail)]),
                None,
            );
            assert_eq!(
                printed(&mut rt, list),
                "Edit",
                "pad {pad}, fail {fail}: {:?}",
                out.error
            );
        }
    }
}

/// Filling the heap costs instructions too (one per 16 bytes allocated, `src/vm/metered.rs`):
/// each turn below makes one string and no garbage, so the 32 MiB limit comes at about 2 M
/// of the 5 M instructions, whatever the collector's pace (a turn that also made a
/// concatenated copy came within a few hundred thousand instructions of the budget).
#[test]
fn runaway_memory_is_an_error_and_the_process_keeps_working() {
    let mut rt = spawn::<Small_>();
    eval(
        &mut rt,
        r#"
        Handlers.add("Hog", function()
          local t = {}
          while true do t[#t + 1] = string.rep("x", 65536 + #t) end
        end)
        Handlers.add("Huge", function() local s = string.rep("x", 1 << 40) end)
        Handlers.add("Ok", function(msg) msg.reply({ Data = "fine" }) end)
        "#,
    );
    for action in ["Hog", "Huge"] {
        let out = rt.handle(msg(ALICE, action, &[]), None);
        let err = out.error.expect("fails");
        assert!(
            err.contains("memory limit of 33554432 bytes exceeded")
                || err.contains("resulting string too large"),
            "{err}"
        );
    }
    let out = rt.handle(msg(ALICE, "Ok", &[]), None);
    assert_eq!(out.messages[0].data.as_deref(), Some("fine"));
    let used = rt.state().unwrap().lua.used_memory();
    assert!(used < 4 * 1024 * 1024, "the garbage was collected: {used}");
}

#[test]
fn huge_strings_in_messages_are_handled() {
    let mut rt = spawn::<Bare_>();
    eval(
        &mut rt,
        r#"Handlers.add("Len", function(msg) msg.reply({ Data = tostring(#msg.Data) }) end)"#,
    );
    let big = "y".repeat(4 * 1024 * 1024);
    let out = rt.handle(
        msg(ALICE, "Len", &[("Big", &big)]).with_data(big.clone()),
        None,
    );
    assert_eq!(out.messages[0].data.as_deref(), Some("4194304"));
}

/// A heap limit the AOS environment does not fit in.
struct Tiny;
impl LuaFiles for Tiny {
    const SOURCES: &'static [LuaSource] = &[];
    fn limits() -> Limits {
        Limits {
            instructions: 1_000_000,
            memory: 16 * 1024,
        }
    }
}

#[test]
fn a_heap_limit_the_environment_does_not_fit_in_fails_the_spawn_with_a_clear_error() {
    let mut rt: Runtime<LuaProcess<Tiny>> = Runtime::new();
    let out = rt.handle(
        Message::new(OWNER).with_id(PID).with_tag("Type", "Process"),
        Some(&Env::new(PID, OWNER)),
    );
    let error = out.error.expect("the spawn must fail").to_string();
    assert!(
        error.contains("(16384 bytes) is below what the AOS environment alone takes"),
        "{error}"
    );
}

/// What `pcall`, `xpcall` and `coroutine.resume` catch from a function the layer writes in
/// Rust is text, as from a C function: AOS code writes `"Invalid: " .. err` (mlua's
/// userdata error refused `..`, and its text carried `runtime error: ` and a traceback).
#[test]
fn errors_of_rust_functions_are_caught_as_text() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(
        printed(
            &mut rt,
            "local ok, e = pcall(require('json').decode, '{x') \
             return tostring(ok) .. ' ' .. type(e) .. ' Invalid: ' .. e"
        ),
        "false string Invalid: json.decode: key must be a string at line 1 column 2"
    );
    assert_eq!(
        printed(&mut rt, "return select(2, pcall(math.random, 5, 1))"),
        "bad argument #1 to 'random' (interval is empty)"
    );
    // A message handler gets the text, and so does a coroutine's resumer.
    assert_eq!(
        printed(
            &mut rt,
            "return select(2, xpcall(require('.base64').decode, \
               function(e) return type(e) .. ': ' .. e end, '%%%'))"
        ),
        "string: base64.decode: Invalid symbol 37, offset 0."
    );
    assert_eq!(
        printed(
            &mut rt,
            "local co = coroutine.create(function() return math.random(3, 2) end) \
             local ok, e = coroutine.resume(co) return tostring(ok) .. ' ' .. e"
        ),
        "false bad argument #1 to 'random' (interval is empty)"
    );
    // Lua's own error values are left as they are.
    assert_eq!(
        printed(
            &mut rt,
            "local _, t = pcall(error, { code = 7 }) local _, s = pcall(error, 'plain', 0) \
             return type(t) .. ' ' .. t.code .. ' ' .. s"
        ),
        "table 7 plain"
    );
}
