// The mixed example (examples/mixed: a Rust token and a Lua chatroom in one registry, Lua
// calling Rust) as an AO module under @permaweb/ao-loader, both memory modes, as
// examples/mixed/tests/mixed.rs shows it natively: one ordered registry across Lua and
// Rust, a failing Lua handler and a failing Rust handler each leaving the state as the rules
// say, and bad input (Lua errors, an endless loop, C library loops made long by an integer,
// a loop copying large strings, loops reading large data, runaway memory, Eval from a stranger, huge strings) each an
// Error while the process keeps working. A call that traps makes `send` throw, so every
// assertion below also says "no trap".
import { test as nodeTest } from "node:test"
import assert from "node:assert/strict"

import { AoProcess, id, makeEnv, readModule, spawnMessage, tagValue } from "./lib/index.mjs"

// scripts/test sets AOXIDE_SKIP_LUA when the Lua toolchain could not be installed.
const SKIP = process.env.AOXIDE_SKIP_LUA ? "no Lua toolchain (scripts/setup-lua-toolchain could not install it)" : false
const test = (name, options, fn) => (fn ? nodeTest(name, { ...options, skip: SKIP }, fn) : nodeTest(name, { skip: SKIP }, options))
const MODES = [false, true]
const modeName = u => (u ? "UNSAFE_MEMORY" : "copying")
const MiB = 1024 * 1024
const ALICE = id("ALICE")
const BOB = id("BOB")
const CAROL = id("CAROL")
const as = who => ({ from: who, owner: who })
const mixed = () => readModule("mixed", { crate: "example-mixed" })

async function ok(p, fields) {
  const res = await p.send(fields)
  assert.equal(res.Error, undefined, res.Error)
  return res
}

/** Spawned; 1000 units from the process to Alice; Alice, Bob and Carol registered. */
async function spawnMixed(unsafeMemory) {
  const p = await AoProcess.spawn(mixed(), { unsafeMemory })
  await ok(p, { action: "Transfer", tags: { Recipient: ALICE, Quantity: "1000" }, ...as(p.process) })
  for (const who of [ALICE, BOB, CAROL]) await ok(p, { action: "Register", ...as(who) })
  return p
}

/** The Lua handler that reads the Rust token: `{account: balance}` of the members. */
async function richList(p) {
  const res = await ok(p, { action: "Rich-List", ...as(ALICE) })
  return Object.fromEntries(JSON.parse(res.Messages[0].Data))
}

for (const unsafeMemory of MODES) {
  test(`mixed: Lua and Rust handlers in one registry, failures leave the state as the rules say (${modeName(unsafeMemory)})`, async () => {
    const p = await spawnMixed(unsafeMemory)

    // Lua's prepended Audit runs in front of the Rust token's Transfer and continues into it.
    let res = await ok(p, { action: "Transfer", tags: { Recipient: BOB, Quantity: "10" }, ...as(ALICE) })
    assert.equal(res.Output.data, `audit: ${ALICE} sends 10`)
    assert.equal(tagValue(res.Messages[0], "Action"), "Debit-Notice")
    assert.deepEqual(await richList(p), { [ALICE]: "990", [BOB]: "10", [CAROL]: "0" })

    // Lua moves the Rust token.
    res = await ok(p, { action: "Tip", tags: { Recipient: BOB, Quantity: "25" }, ...as(ALICE) })
    assert.equal(res.Messages[0].Data, "Tipped 25")
    assert.deepEqual(await richList(p), { [ALICE]: "965", [BOB]: "35", [CAROL]: "0" })

    // A failing Lua handler: the Rust payment it made goes back with the message.
    res = await p.send({ action: "Tip", tags: { Recipient: BOB, Quantity: "25", Fail: "yes" }, ...as(ALICE) })
    assert.match(res.Error ?? "", /tip refused after paying/)
    assert.match(res.Error, /stack traceback/)
    assert.deepEqual(res.Messages ?? [], [])
    assert.deepEqual(await richList(p), { [ALICE]: "965", [BOB]: "35", [CAROL]: "0" })
    // A Rust error raised inside Lua (the token refuses) fails the message too.
    res = await p.send({ action: "Tip", tags: { Recipient: ALICE, Quantity: "5" }, ...as(CAROL) })
    assert.match(res.Error ?? "", /nsufficient/)

    // The Rust fee runs before the Lua Broadcast: paid, then the broadcast goes out.
    res = await ok(p, { action: "Broadcast", data: "hi all", ...as(ALICE) })
    const notices = res.Messages.filter(m => tagValue(m, "Action") === "Broadcast-Notice")
    assert.deepEqual(notices.map(m => m.Target), [ALICE, BOB, CAROL])
    assert.equal(notices[0].Data, "hi all")
    assert.deepEqual(await richList(p), { [ALICE]: "964", [BOB]: "35", [CAROL]: "0" })
    // A failing Rust handler (Carol cannot pay): the Lua broadcast never runs, nothing is sent.
    res = await p.send({ action: "Broadcast", data: "spam", ...as(CAROL) })
    assert.match(res.Error ?? "", /Broadcast-Fee/)
    assert.deepEqual(res.Messages ?? [], [])
    assert.deepEqual(await richList(p), { [ALICE]: "964", [BOB]: "35", [CAROL]: "0" })
  })

  test(`mixed: bad input is an Error and the process keeps working (${modeName(unsafeMemory)})`, { timeout: 300_000 }, async () => {
    const p = await spawnMixed(unsafeMemory)
    // Eval from a stranger is not run: it goes to the Inbox with a notice.
    let res = await ok(p, { action: "Eval", data: "Members = {}", ...as(ALICE) })
    assert.match(res.Output.data, /^New Message From/)
    res = await ok(p, { action: "Eval", data: "#Members" })
    assert.equal(res.Output.data, "3")

    // Lua errors: a runtime error with a table as its value, a syntax error.
    res = await p.send({ action: "Eval", data: "error({ code = 42 })" })
    assert.match(res.Error ?? "", /Eval/)
    res = await p.send({ action: "Eval", data: "this is not lua" })
    assert.match(res.Error ?? "", /syntax error/)

    // An endless loop in a handler: bounded by the instruction budget, also inside pcall.
    await ok(p, { action: "Eval", data: "Handlers.add('Spin', function() while true do end end)" })
    res = await p.send({ action: "Spin", ...as(ALICE) })
    assert.match(res.Error ?? "", /instruction budget/)
    res = await p.send({ action: "Eval", data: "pcall(function() while true do end end) return 'escaped'" })
    assert.match(res.Error ?? "", /instruction budget/)
    // The budget's hook cannot be switched off: `require('debug')` is the trimmed library.
    res = await p.send({ action: "Eval", data: "require('debug').sethook() while true do end" })
    assert.match(res.Error ?? "", /attempt to call a nil value/)

    // Loops of Lua's C library that an integer alone makes long (each ran for ever): charged
    // to the budget, or answered at once (lua-compat/src/vm/bounded.rs).
    res = await p.send({ action: "Eval", data: "table.move({}, 1, math.maxinteger, 1)" })
    assert.match(res.Error ?? "", /instruction budget/)
    const lying = "setmetatable({}, { __len = function() return 1 << 62 end })"
    res = await p.send({ action: "Eval", data: `pcall(table.insert, ${lying}, 1, 'x') return 'escaped'` })
    assert.match(res.Error ?? "", /instruction budget/)
    res = await ok(p, { action: "Eval", data: "return '[' .. string.rep('', math.maxinteger) .. ']'" })
    assert.equal(res.Output.data, "[]")
    // `table.sort` without a comparator pays per comparison through a comparator of the
    // layer's (a list made against Lua's fixed pivots took n^2 / 4 comparisons in one call;
    // tests/engine.rs), and sorts as Lua does.
    res = await ok(p, { action: "Eval", data: "local t = {} for i = 1, 300 do t[i] = (i * 37) % 101 end table.sort(t) return t[1] .. ',' .. t[150] .. ',' .. t[300]" })
    assert.equal(res.Output.data, "0,50,100")
    // Lua's pattern matching, whose backtracking grows with a power of the subject's length:
    // charged per step (lua-compat/src/vm/pattern/), so `pcall` cannot outlast the budget.
    res = await p.send({ action: "Eval", data: "pcall(string.find, string.rep('a', 30000), '.-.-.-b') return 'escaped'" })
    assert.match(res.Error ?? "", /instruction budget/)
    res = await ok(p, { action: "Eval", data: "return (string.gsub('key = value', '^(%w+)%s*=%s*(%w+)$', '%2=%1'))" })
    assert.equal(res.Output.data, "value=key")
    // Instructions whose time grows with the bytes they write: the heap's growth is charged
    // to the budget (lua-compat/src/vm/metered.rs), so a loop of a few instructions that
    // copies 1 MiB a turn ends at the budget instead of copying for hours.
    res = await p.send({ action: "Eval", data: "local s = string.rep('d', 1024 * 1024) for i = 1, 1e6 do local t = s .. i end return 'copied'" })
    assert.match(res.Error ?? "", /instruction budget/)
    // Library functions that read much and write little pay for what they read
    // (lua-compat/src/vm/reads.rs): each loop below costs 250 M to 2,000 M instructions of
    // the 200 M budget; uncharged, each answered after 1.4 to 8 s (the Lua token's module
    // of c8ea4da under ao-loader, UNSAFE_MEMORY, on a loaded 2-core machine).
    for (const loop of [
      "local s = string.rep('d', 1024 * 1024) local c = require('.crypto') for i = 1, 300 do c.digest.sha2_256(s) end",
      "local s = string.rep('d', 1024 * 1024) for i = 1, 1000 do utf8.len(s) end",
      "local t = {} for i = 1, 100000 do t[i] = '' end for i = 1, 2500 do table.concat(t) end",
      "local t = {} for i = 1, 100000 do t[i] = i end local json = require('json') for i = 1, 100 do json.encode(t) end",
    ]) {
      res = await p.send({ action: "Eval", data: `${loop} return 'read'` })
      assert.match(res.Error ?? "", /instruction budget/, loop)
    }

    // Huge strings through a Lua handler (2 MiB, to three members) and through Eval.
    const big = "z".repeat(2 * MiB)
    res = await ok(p, { action: "Broadcast", data: big, ...as(ALICE) })
    assert.equal(res.Messages[0].Data.length, big.length)
    res = await ok(p, { action: "Eval", data: "return #string.rep('ab', 4 * 1024 * 1024)" })
    assert.equal(res.Output.data, String(8 * MiB))

    // Runaway memory: the Lua heap limit, an Error, not a trap.
    res = await p.send({ action: "Eval", data: "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end" })
    assert.match(res.Error ?? "", /memory limit|not enough memory/)

    // Still working, with the state it had.
    res = await ok(p, { action: "Register", ...as(ALICE) })
    assert.equal(res.Messages[0].Data, "Already registered.")
    // Alice paid the one broadcast fee; the failed messages changed nothing.
    assert.deepEqual(await richList(p), { [ALICE]: "999", [BOB]: "0", [CAROL]: "0" })
  })

  test(`runaway Lua memory under a small Memory-Limit is an Error, not a trap (lua-aos, ${modeName(unsafeMemory)})`, { timeout: 300_000 }, async () => {
    const p = await AoProcess.load(readModule("lua-aos", { crate: "example-lua-aos" }), { unsafeMemory })
    p.env = makeEnv({ processTags: { "Memory-Limit": "48-mb" } })
    let res = await p.deliver(spawnMessage({ tags: { "Memory-Limit": "48-mb" } }))
    assert.equal(res.Error, undefined, res.Error)
    await ok(p, { action: "Eval", data: "Keep = 'kept'" })
    // Without the module lowering the Lua heap limit (256 MiB) to what 48 MiB can hold,
    // mlua would abort (a trap) when the allocator fails. ao-loader grows memory by more
    // than asked (emscripten's over-growth), so the size is checked with some room, and
    // later rounds reuse the memory of the earlier ones: it stops growing (where the heap
    // settles after the first one or two depends on where the collector left free blocks).
    const sizes = []
    for (let round = 0; round < 4; round++) {
      res = await p.send({ action: "Eval", data: "local t = {} for i = 1, 1e9 do t[i] = string.rep('y', 8192) .. i end" })
      assert.match(res.Error ?? "", /memory limit|not enough memory/)
      sizes.push(p.memorySize)
      assert.ok(p.memorySize <= 64 * MiB, `memory ${p.memorySize} stays near the process limit`)
    }
    assert.equal(sizes[3], sizes[1], `later runaways reuse the memory of the earlier ones: ${sizes}`)
    assert.equal(sizes[2], sizes[1], `later runaways reuse the memory of the earlier ones: ${sizes}`)
    res = await ok(p, { action: "Eval", data: "return Keep .. #string.rep('k', 1000)" })
    assert.equal(res.Output.data, "kept1000")
  })
}
