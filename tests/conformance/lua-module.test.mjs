// aoxide's Lua layer inside the built module (C Lua 5.3 compiled to wasm32 with wasm
// exception handling), under @permaweb/ao-loader in both memory modes:
//
// - the modules import only env.emscripten_resize_heap;
// - the Lua 5.3 probe answers like the reference Lua 5.3.6 (probe.expected), as it does
//   natively (lua-compat/tests/probe.rs) and on AOS (lua-probe.test.mjs), and so does
//   os.date (lua-compat/tests/date/date.expected);
// - the four Lua blueprint scenarios answer message by message as the real AOS module did
//   (lua-compat/tests/fixtures/aos/*.expected.json), also when a fresh instance continues
//   from the memory of another half-way;
// - the 625-message AOS token trace replays with the Lua token (the same comparison as
//   lua-compat/tests/trace.rs), and both memory modes end with the same memory.
//
// Modules: target/ao/lua-aos.wasm (examples/lua-aos: the AOS environment, blueprints come
// by Eval) and lua-token.wasm (examples/lua-token: blueprints/lua/token.lua loaded at
// spawn); build them with `scripts/build-wasm.sh $(cat scripts/lua-modules.txt)` (which
// needs `scripts/setup-lua-toolchain`).
import { test as nodeTest } from "node:test"
import assert from "node:assert/strict"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import AoLoader from "@permaweb/ao-loader"

import { AoProcess, ROOT, readModule } from "./lib/index.mjs"
import { blueprint, expand, normalize, readExpected, readScenario, runOnAos, scenarioNames } from "./lib/aos.mjs"

// scripts/test sets AOXIDE_SKIP_LUA when the Lua toolchain could not be installed.
const SKIP = process.env.AOXIDE_SKIP_LUA ? "no Lua toolchain (scripts/setup-lua-toolchain could not install it)" : false
const test = (name, options, fn) => (fn ? nodeTest(name, { ...options, skip: SKIP }, fn) : nodeTest(name, { skip: SKIP }, options))
const MODES = [false, true]
const modeName = u => (u ? "UNSAFE_MEMORY" : "copying")
const luaAos = () => readModule("lua-aos", { crate: "example-lua-aos" })
const luaToken = () => readModule("lua-token", { crate: "example-lua-token" })
const stripAnsi = s => s.replace(/\x1b\[[0-9;]*m/g, "")

test("the Lua modules import only env.emscripten_resize_heap, use legacy exception handling and are pre-initialised", () => {
  for (const [name, crate] of [["lua-aos", "example-lua-aos"], ["lua-token", "example-lua-token"], ["mixed", "example-mixed"]]) {
    const module = new WebAssembly.Module(readModule(name, { crate }))
    const imports = WebAssembly.Module.imports(module).map(i => `${i.module}.${i.name}`)
    assert.deepEqual(imports, ["env.emscripten_resize_heap"], name)
    // The build ran the Lua layer's aoxide_preinit (the VM with the AOS environment built
    // ahead of any spawn), baked the memory into the data and removed the export.
    const exports = WebAssembly.Module.exports(module).map(e => e.name)
    assert.ok(!exports.includes("aoxide_preinit"), `${name} was not pre-initialised: ${exports}`)
  }
})

/** A probe script's file and its expected report (trailing newlines dropped). */
const probe = (script, expected) => [
  readFileSync(join(ROOT, script), "utf8"),
  readFileSync(join(ROOT, expected), "utf8").replace(/\n+$/, ""),
]

/**
 * Evals `script` (a probe returning its report) in the Lua module and asserts every line is
 * `expected`'s (written by `reference`), but the answers `kept` allows for a line.
 */
async function assertReport(unsafeMemory, [script, expected], reference, kept = {}) {
  const p = await AoProcess.spawn(luaAos(), { unsafeMemory })
  const res = await p.send({ action: "Eval", data: script })
  assert.equal(res.Error, undefined, res.Error)
  const got = String(res.Output.data).split("\n")
  const want = expected.split("\n")
  const differ = want
    .map((line, i) => [line, got[i]])
    .filter(([w, g]) => w !== g && kept[w] !== g)
    .map(([w, g]) => `${reference}: ${w}\n   module: ${g}`)
  assert.deepEqual(differ, [], differ.slice(0, 20).join("\n"))
  assert.equal(got.length, want.length)
}

// As natively (lua-compat/tests/probe.rs): Eval runs in a coroutine.
const KEPT = { 'running = "thread", true': 'running = "thread", false' }

for (const unsafeMemory of MODES) {
  test(`the Lua 5.3 probe answers like the reference Lua 5.3.6 (${modeName(unsafeMemory)})`, () =>
    assertReport(unsafeMemory, probe("lua-compat/tests/probe/probe.lua", "lua-compat/tests/probe/probe.expected"), "reference", KEPT))
}

// os.date as natively (lua-compat/tests/date.rs): Lua 5.3.6 on glibc's answers, from the
// Rust code the module carries (no clock, no time zone).
test("os.date answers like the reference Lua 5.3.6 in the module", () =>
  assertReport(true, probe("lua-compat/tests/date/date.lua", "lua-compat/tests/date/date.expected"), "reference"))

// .bint as natively (lua-compat/tests/bint.rs): what AOS 2.0.4 answered (bint.expected;
// lua-probe.test.mjs checks that AOS still answers it).
test(".bint answers as AOS 2.0.4's in the module", () =>
  assertReport(true, probe("lua-compat/tests/bint/bint.lua", "lua-compat/tests/bint/bint.expected"), "AOS"))

// The one difference kept on purpose, as natively (lua-compat/tests/side_by_side.rs):
// AOS 2.0.4 leaves the spawn message in its Inbox, so the owner's `#Inbox` prints one more.
const SPAWN_IN_INBOX = { token: 1, staking: 1, chatroom: 0, voting: 0 }

/** Asserts that `out` is what AOS answered to message `i`; returns 1 for the kept difference. */
function assertAsAos(name, messages, i, out, aos) {
  const where = `${name} seq ${i} (${messages[i].label})`
  if (messages[i].label === "owner counts the Inbox" && Number(aos.output) === Number(out.output) + 1) {
    assert.deepEqual({ ...out, output: aos.output }, aos, where)
    return 1
  }
  assert.deepEqual(out, aos, where)
  return 0
}

for (const name of scenarioNames()) {
  for (const unsafeMemory of MODES) {
    test(`${name}: the module answers every message as AOS did (${modeName(unsafeMemory)})`, async () => {
      const expected = readExpected(name)
      const messages = expand(readScenario(name))
      const outputs = await runOnAos(messages, luaAos(), { unsafeMemory })
      assert.equal(outputs.length, expected.outputs.length)
      let kept = 0
      outputs.forEach((out, i) => {
        kept += assertAsAos(name, messages, i, out, expected.outputs[i])
      })
      assert.equal(kept, SPAWN_IN_INBOX[name], "Inbox counts with AOS's spawn message")
    })
  }
}

// ao.clearOutbox() as AOS 2.0.4 does it: what the message sent so far (messages, spawns,
// assignments) is dropped, printed output stays, references go on; a handler that clears
// and then fails sends nothing. Run on AOS and on lua-aos.wasm, compared message by message
// (lua-compat/tests/environment.rs asserts the same natively).
const CLEAR_OUTBOX = [
  { action: "Eval", data: `Handlers.add("Clear", "Clear", function(msg)
  print("before")
  ao.send({ Target = "A", Data = "one" })
  Spawn("MODULE_ID", { Data = "s" })
  Assign({ Processes = { "P1" }, Message = "MSG_ID" })
  ao.clearOutbox()
  print("after")
  ao.send({ Target = "B", Data = "two" })
  print(#ao.outbox.Messages .. " " .. #ao.outbox.Spawns .. " " .. #ao.outbox.Assignments)
end)
Handlers.add("Clear-Fail", "Clear-Fail", function()
  Send({ Target = "C" }) ao.clearOutbox() Send({ Target = "D" }) error("no")
end)` },
  { action: "Clear", from: "ALICE" },
  { action: "Clear", from: "BOB" },
  // Last: after a failed message AOS under a bare ao-loader keeps the references it took,
  // while aoxide rolls them back (as a compute unit that discards the failed memory does).
  { action: "Clear-Fail", from: "ALICE" },
]

test("ao.clearOutbox answers as on AOS (both memory modes)", async () => {
  const messages = expand({ name: "clear-outbox", steps: CLEAR_OUTBOX })
  const aos = await runOnAos(messages)
  assert.deepEqual(aos.map(o => o.error), [false, false, false, false, true])
  // AOS's Assign also prints a line of its own, which aoxide's does not (not about clearing).
  const ASSIGN_LINE = "Assignment added to outbox.\n"
  for (const i of [2, 3]) aos[i].output = aos[i].output.replace(ASSIGN_LINE, "")
  assert.equal(aos[2].output, "before\nafter\n1 0 0")
  assert.deepEqual(aos[2].messages.map(m => [m.Target, m.Tags.Reference]), [["B", "3"]])
  for (const unsafeMemory of MODES) {
    const outputs = await runOnAos(messages, luaAos(), { unsafeMemory })
    outputs.forEach((out, i) => {
      // The spawn and the Eval print AOS's own texts (not comparable); the rest must agree.
      if (i > 1) assert.deepEqual(out, aos[i], `seq ${i} (${modeName(unsafeMemory)})`)
    })
  }
})

test("a fresh instance continues from another's memory half-way through each scenario", async () => {
  const wasm = luaAos()
  const load = () => AoLoader(wasm, { format: "wasm32-unknown-emscripten4", memoryLimit: "1-gb", computeLimit: 9e12 })
  for (const name of scenarioNames()) {
    const expected = readExpected(name)
    const messages = expand(readScenario(name))
    const half = Math.floor(messages.length / 2)
    let handle = await load()
    let memory = null
    for (const [i, { msg, env, eval: file }] of messages.entries()) {
      if (i === half) {
        // A compute unit restoring a checkpoint: a new instance, the memory copied in.
        handle = await load()
        memory = new Uint8Array(memory).slice()
      }
      const result = await handle(memory, file ? { ...msg, Data: blueprint(file) } : msg, env)
      memory = result.Memory
      assertAsAos(name, messages, i, normalize(result), expected.outputs[i])
    }
  }
})

// The AOS token trace (tests/fixtures/aos-token-trace), compared as in
// lua-compat/tests/trace.rs: outcome class, every message (Target, tags as a map, Data byte
// for byte, Anchor), spawns, assignments, the printed output without colours. Kept on
// purpose (counted): AOS's "WARN: No target specified" lines, and Balances replies
// compared as JSON objects (AOS orders keys by its hash, aoxide's json sorts them).
function loadTrace() {
  const dir = join(ROOT, "tests/fixtures/aos-token-trace")
  const gunzip = name => gunzipSync(readFileSync(join(dir, name))).toString("utf8")
  const messages = gunzip("messages.jsonl.gz").split("\n").filter(Boolean).map(l => JSON.parse(l))
  const outputs = JSON.parse(gunzip("outputs.json.gz"))
  assert.equal(messages.length, 625)
  return { messages, outputs }
}

function tagMap(tags) {
  const map = {}
  for (const { name, value } of tags ?? []) {
    if (name in map) throw new Error(`tag ${name} sent twice`)
    map[name] = value
  }
  return map
}

function sameObject(a, b) {
  try {
    const [x, y] = [JSON.parse(a), JSON.parse(b)]
    return x && typeof x === "object" && !Array.isArray(x) && assert.deepEqual(x, y) === undefined
  } catch {
    return false
  }
}

function compareTrace(expected, actual, kept) {
  const wantError = expected.Error !== undefined
  if (wantError !== (actual.Error !== undefined)) return `outcome class: AOS error=${wantError}, module: ${actual.Error}`
  if (wantError) return null
  const want = expected.Messages ?? []
  const got = actual.Messages ?? []
  if (want.length !== got.length) return `${want.length} messages expected, ${got.length} sent`
  for (const [i, w] of want.entries()) {
    const a = got[i]
    if ((w.Target ?? null) !== (a.Target ?? null)) return `message ${i}: Target ${w.Target} != ${a.Target}`
    try {
      assert.deepEqual(tagMap(a.Tags), tagMap(w.Tags))
    } catch (e) {
      return `message ${i}: tags ${e.message}`
    }
    if (w.Data !== a.Data) {
      if (sameObject(w.Data, a.Data)) kept.balancesAsObjects++
      else return `message ${i}: Data ${JSON.stringify(w.Data)} != ${JSON.stringify(a.Data)}`
    }
    if (w.Anchor !== a.Anchor) return `message ${i}: Anchor ${w.Anchor} != ${a.Anchor}`
  }
  for (const what of ["Spawns", "Assignments"]) {
    if ((expected[what] ?? []).length !== (actual[what] ?? []).length) return `${what} differ`
  }
  const lines = stripAnsi(String(expected.Output?.data ?? "")).split("\n").filter(l => {
    if (l.startsWith("WARN: No target specified for message.")) {
      kept.noTargetWarning++
      return false
    }
    return true
  })
  const wantOutput = lines.join("\n")
  const gotOutput = String(actual.Output?.data ?? "")
  if (wantOutput !== gotOutput) return `Output ${JSON.stringify(wantOutput)} != ${JSON.stringify(gotOutput)}`
  return null
}

const traceDigests = []
for (const unsafeMemory of MODES) {
  test(`the Lua token replays the 625-message AOS token trace (lua-token.wasm, ${modeName(unsafeMemory)})`, { timeout: 600_000 }, async () => {
    const { messages, outputs } = loadTrace()
    const token = blueprint("token.lua")
    const handle = await AoLoader(luaToken(), {
      format: "wasm32-unknown-emscripten4", memoryLimit: "1-gb", computeLimit: 9e12,
      ...(unsafeMemory ? { UNSAFE_MEMORY: true } : {}),
    })
    let memory = null
    const kept = { noTargetWarning: 0, balancesAsObjects: 0 }
    const failures = []
    for (const [seq, line] of messages.entries()) {
      // The recording omits the blueprint it evaluated; the module already holds the Lua
      // token, and the Eval of the same file again leaves its state as it is.
      const msg = seq === 1 ? { ...line.msg, Data: token } : line.msg
      const result = await handle(memory, msg, line.env)
      memory = result.Memory
      const problem = compareTrace(outputs[seq], result, kept)
      if (problem) failures.push(`seq ${seq} (${line.label}): ${problem}`)
    }
    assert.deepEqual(failures, [], `${failures.length} of 625 differ:\n${failures.slice(0, 10).join("\n")}`)
    assert.equal(kept.noTargetWarning, 304, "one per patch message")
    assert.equal(kept.balancesAsObjects, 2, "the two Balances replies")
    // Determinism: the same memory, byte for byte, in either memory mode.
    const digest = createHash("sha256").update(new Uint8Array(memory)).digest("hex")
    traceDigests.push(digest)
    if (traceDigests.length === 2) assert.equal(traceDigests[0], traceDigests[1], "both modes end with the same memory")
  })
}
