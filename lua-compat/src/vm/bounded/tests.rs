use super::*;

/// Every case runs in a VM with Lua's C functions and in one with the replacements, as
/// the functions of `string` and `table` (so errors name them alike), called by `pcall`
/// and inside a Lua function: the same results, errors and tables after.
#[test]
fn the_replacements_answer_as_lua() {
    let plain = Lua::new();
    let ours = Lua::new();
    let budget = Cell::new(u64::MAX);
    // SAFETY: `budget` outlives `ours`' use below.
    unsafe { install(&ours, &budget).unwrap() };
    let cases = [
        ("string.rep", "'ab', 3"),
        ("string.rep", "'ab', 3, ','"),
        ("string.rep", "'', 5"),
        ("string.rep", "'', 5, ''"),
        ("string.rep", "'', 5, ','"),
        ("string.rep", "'', 0"),
        ("string.rep", "'', -3"),
        ("string.rep", "'', 2.0"),
        ("string.rep", "'', 2.5"),
        ("string.rep", "'', '3'"),
        ("string.rep", "'', 'x'"),
        ("string.rep", "''"),
        ("string.rep", "5, 2"),
        ("string.rep", "'x', 2, 7"),
        ("string.rep", "nil, 2"),
        ("string.rep", "{}, 2"),
        ("table.move", "{1, 2, 3}, 1, 3, 2"),
        ("table.move", "{1, 2, 3}, 2, 3, 1"),
        ("table.move", "{1, 2, 3}, 1, 3, 1, {}"),
        ("table.move", "{1, 2, 3}, 3, 1, 1"),
        ("table.move", "{1, 2, 3}, 1, 3, 5, {9}"),
        ("table.move", "{1, 2}, 0, 1, 3"),
        ("table.move", "{}, -1, math.maxinteger, 1"),
        ("table.move", "{}, 1, 2, math.maxinteger"),
        ("table.move", "{}, 1.5, 2, 1"),
        ("table.move", "{}, '1', '2', '1'"),
        ("table.move", "nil, 1, 2, 1"),
        ("table.move", "{}, 1, 2, 1, 7"),
        ("table.move", "{}, 1, 2"),
        ("table.insert", "{1, 2, 3}, 'x'"),
        ("table.insert", "{1, 2, 3}, 1, 'x'"),
        ("table.insert", "{1, 2, 3}, 4, 'x'"),
        ("table.insert", "{1, 2, 3}, 5, 'x'"),
        ("table.insert", "{1, 2, 3}, 0, 'x'"),
        ("table.insert", "{1, 2, 3}, 2.0, 'x'"),
        ("table.insert", "{1, 2, 3}, 2.5, 'x'"),
        ("table.insert", "{1, 2, 3}, '2', 'x'"),
        ("table.insert", "{1, 2, 3}, 'a', 'x'"),
        ("table.insert", "{1, 2, 3}, 1, 'x', 'y'"),
        ("table.insert", "{1, 2, 3}"),
        ("table.insert", "{}, nil"),
        ("table.insert", "nil, 1"),
        ("table.insert", "'abc', 1"),
        (
            "table.insert",
            "setmetatable({}, { __len = function() return 2 end }), 1, 'x'",
        ),
        (
            "table.insert",
            "setmetatable({}, { __len = function() return 2.5 end }), 'x'",
        ),
        ("table.remove", "{1, 2, 3}"),
        ("table.remove", "{1, 2, 3}, 1"),
        ("table.remove", "{1, 2, 3}, 3"),
        ("table.remove", "{1, 2, 3}, 4"),
        ("table.remove", "{1, 2, 3}, 5"),
        ("table.remove", "{1, 2, 3}, 0"),
        ("table.remove", "{}, 0"),
        ("table.remove", "{}"),
        ("table.remove", "{}, 1"),
        ("table.remove", "{}, 2"),
        ("table.remove", "{1, 2, 3}, 'a'"),
        ("table.remove", "nil"),
        (
            "table.remove",
            "setmetatable({}, { __len = function() return 3 end }), 1",
        ),
    ];
    let run = super::super::shown::shown;
    for (name, args) in cases {
        for call in [
            format!("pcall({name}, {args})"),
            format!("pcall(function() return {name}({args}) end)"),
        ] {
            assert_eq!(run(&ours, &call), run(&plain, &call), "{call}");
        }
    }
    // And the table a call changed in place, read back after the call.
    for (name, args) in [
        ("table.insert", "'x'"),
        ("table.insert", "1, 'x'"),
        ("table.insert", "3, 'x'"),
        ("table.insert", "6, 'x'"),
        ("table.remove", "1"),
        ("table.remove", "2"),
        ("table.remove", "5"),
        ("table.move", "1, 3, 2"),
        ("table.move", "2, 4, 1"),
    ] {
        let code = format!(
            "local t = {{1, 2, 3, 4}} pcall({name}, t, {args}) \
             local items = {{}} \
             for j = 0, 6 do items[#items + 1] = tostring(rawget(t, j)) end \
             return table.concat(items, ' ')"
        );
        let read = |lua: &Lua| lua.load(code.as_str()).eval::<String>().unwrap();
        assert_eq!(read(&ours), read(&plain), "{name}(t, {args})");
    }
    // `table.sort`: its result or error, and the order it leaves.
    let spread = "(function() local t = {} for i = 1, 300 do t[i] = (i * 37) % 101 end \
                  return t end)()";
    let lt_meta = "(function() local mt = { __lt = function(a, b) return a.v < b.v end } \
                   local t = {} for i = 1, 9 do t[i] = setmetatable({ v = (i * 5) % 9 }, mt) end \
                   return t end)()";
    for (table, comp) in [
        ("{5, 2, 8, 1, 9, 3}", ""),
        ("{5, 2, 8, 1, 9, 3}", ", nil"),
        ("{5, 2, 8, 1, 9, 3}", ", function(a, b) return a > b end"),
        ("{'b', 'a', 'c', 'aa', 'B'}", ""),
        ("{2.5, 1, -3, 2}", ""),
        ("{}", ""),
        ("{3, 'a', 1}", ""),
        ("{{}, {}}", ""),
        ("{1, 0/0, 2, 0/0, 3, 0/0}", ""),
        ("{3, 2, 1}", ", 5"),
        ("{3, 2, 1}", ", false"),
        ("nil", ""),
        ("'abc'", ""),
        (spread, ""),
        (spread, ", function(a, b) return a < b end"),
        (lt_meta, ""),
        ("setmetatable({5, 2, 8, 1}, {})", ""),
        (
            "setmetatable({}, { __len = function() return 3 end, \
             __index = function(_, i) return 9 - i end, __newindex = rawset })",
            "",
        ),
    ] {
        for call in [
            format!("pcall(table.sort, t{comp})"),
            format!("pcall(function() table.sort(t{comp}) end)"),
        ] {
            let code = format!(
                "local t = {table} local ok, e = {call} \
                 local items = {{}} \
                 if type(t) == 'table' then \
                   for j = 1, #t do \
                     local v = t[j] \
                     if type(v) == 'table' then v = 'v=' .. tostring(v.v) end \
                     items[#items + 1] = tostring(v) \
                   end \
                 end \
                 return tostring(ok) .. ' ' .. tostring(e) .. ': ' .. table.concat(items, ' ')"
            );
            let read = |lua: &Lua| lua.load(code.as_str()).eval::<String>().unwrap();
            assert_eq!(read(&ours), read(&plain), "{table}{comp} by {call}");
        }
    }
}

/// [`sort_worst_case`] bounds what Lua's sort compares for every small table: lists
/// made against it (McIlroy's adversary, as in `tests/engine.rs`), sorted ones and
/// reversed ones, each counted by a comparator.
#[test]
fn a_small_sort_never_compares_more_than_its_worst_case() {
    let lua = Lua::new();
    let against: mlua::Function = lua
        .load(include_str!("../../../tests/fixtures/sort_adversary.lua"))
        .eval()
        .unwrap();
    let count = lua
        .load(
            r#"
            local against = ...
            return function(n)
              local most, sorted, reversed = 0, {}, {}
              for i = 1, n do sorted[i] = i reversed[i] = n - i end
              for _, list in ipairs({ against(n), sorted, reversed }) do
                local c = 0
                table.sort(list, function(a, b) c = c + 1 return a < b end)
                if c > most then most = c end
              end
              return most
            end
            "#,
        )
        .call::<mlua::Function>(against)
        .unwrap();
    for n in 0..=SMALL_SORT {
        let most: u64 = count.call(n).unwrap();
        assert!(
            most <= sort_worst_case(n),
            "{n} entries: {most} comparisons"
        );
    }
}

/// A range the budget cannot pay ends with the budget's error before any entry moves,
/// and leaves the budget empty; one it can pay is charged.
#[test]
fn long_loops_are_charged() {
    let lua = Lua::new();
    let budget = Cell::new(1_000);
    // SAFETY: `budget` outlives `lua`'s use below.
    unsafe { install(&lua, &budget).unwrap() };
    lua.load("table.move({1, 2, 3}, 1, 3, 2)").exec().unwrap();
    assert_eq!(budget.get(), 997);
    for code in [
        "table.move({}, 1, math.maxinteger, 1)",
        "table.insert(setmetatable({}, { __len = function() return 1 << 62 end }), 1, 'x')",
        "table.remove(setmetatable({}, { __len = function() return 1 << 62 end }), 1)",
    ] {
        budget.set(1_000);
        let error = lua.load(code).exec().unwrap_err().to_string();
        assert!(error.contains(BUDGET_MARK), "{code}: {error}");
        assert_eq!(budget.get(), 0, "{code}");
    }
    // A sort without a comparator: one instruction per comparison.
    let spread = "local t = {} for i = 1, 40 do t[i] = (i * 17) % 41 end";
    let compared: u64 = lua
        .load(format!(
            "{spread} local n = 0 \
             table.sort(t, function(a, b) n = n + 1 return a < b end) return n"
        ))
        .eval()
        .unwrap();
    budget.set(1_000);
    lua.load(format!("{spread} table.sort(t)")).exec().unwrap();
    assert_eq!(budget.get(), 1_000 - compared, "{compared} comparisons");
    // A small plain table pays its worst case up front, one with a metatable per
    // comparison.
    budget.set(1_000);
    lua.load("table.sort({3, 1, 2})").exec().unwrap();
    assert_eq!(budget.get(), 1_000 - sort_worst_case(3));
    let three = "local n = 0 \
                 table.sort({3, 1, 2}, function(a, b) n = n + 1 return a < b end) return n";
    let compared: u64 = lua.load(three).eval().unwrap();
    budget.set(1_000);
    lua.load("table.sort(setmetatable({3, 1, 2}, {}))")
        .exec()
        .unwrap();
    assert_eq!(budget.get(), 1_000 - compared);
    budget.set(1_000);
    let code = "local t = {} for i = 1, 200 do t[i] = (i * 37) % 101 end table.sort(t)";
    let error = lua.load(code).exec().unwrap_err().to_string();
    assert!(error.contains(BUDGET_MARK), "{error}");
    assert_eq!(budget.get(), 0);
    budget.set(1_000);
    let empty: String = lua.load("return string.rep('', 1 << 62)").eval().unwrap();
    assert_eq!(empty, "");
    let empty: String = lua.load("return ('').rep('', 1 << 62, '')").eval().unwrap();
    assert_eq!(empty, "");
    assert_eq!(budget.get(), 1_000, "string.rep of nothing is not charged");
}
