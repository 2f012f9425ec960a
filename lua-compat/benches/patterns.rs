//! `string.gsub`, `gmatch`, `find` and `match` over a 1 MiB subject: Lua's C functions
//! against the Lua layer's (`src/vm/pattern/`, which pay the instruction budget per step),
//! natively, in two VMs that differ only in those functions.

use aoxide_lua::PatternDifferential;
use criterion::{criterion_group, criterion_main, Criterion};

const CALLS: [(&str, &str); 6] = [
    ("gsub_spaces", "return select(2, string.gsub(s, '%s+', ''))"),
    (
        "gsub_captures",
        "return select(2, string.gsub(s, '(%w+)%s*=%s*(%w+)', '%2=%1'))",
    ),
    (
        "gmatch_words",
        "local n = 0 for w in string.gmatch(s, '%a+') do n = n + 1 end return n",
    ),
    ("find_plain", "return string.find(s, 'zzz', 1, true) or 0"),
    ("find_scan", "return string.find(s, 'v%a+;$') or 0"),
    ("match_lazy", "return #(string.match(s, '^(.-)zzz') or '')"),
];

fn patterns(c: &mut Criterion) {
    // An unlimited budget: what is measured is the matching, not the budget running out.
    let both = PatternDifferential::new(u64::MAX);
    let (ours, plain) = both.vms();
    for lua in [ours, plain] {
        lua.load("s = string.rep('hello world, key = value; ', 40000)")
            .exec()
            .unwrap();
    }
    let mut group = c.benchmark_group("patterns");
    group.sample_size(10);
    for (name, code) in CALLS {
        for (side, lua) in [("lua_c", plain), ("aoxide", ours)] {
            let f = lua.load(code).into_function().unwrap();
            let expected: i64 = f.call(()).unwrap();
            group.bench_function(format!("{name}/{side}"), |b| {
                b.iter(|| assert_eq!(f.call::<i64>(()).unwrap(), expected))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, patterns);
criterion_main!(benches);
