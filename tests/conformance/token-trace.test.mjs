// Replays the recorded AOS token trace (625 messages fed to the real AOS module with the
// AOS token blueprint) into the aoxide token module (blueprints/token, built with
// `scripts/build-wasm.sh aoxide-token`) under @permaweb/ao-loader, format
// wasm32-unknown-emscripten4, carrying Memory from each result to the next message as a
// compute unit does. Same assertions as blueprints/token/tests/trace.rs: outcome class,
// every outgoing message (Target, tags as a name -> value map, Data byte for byte, Anchor)
// and the printed output without ANSI colours. The differences kept on purpose are listed
// in blueprints/token/README.md; each is matched by name and counted.
//
// The trace is the in-repo copy in tests/fixtures/aos-token-trace (the same files the two
// token replays read: tests/support/aos_trace.rs).
import { test } from "node:test"
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"
import AoLoader from "@permaweb/ao-loader"
import { ROOT, readModule } from "./lib/modules.mjs"

const PID = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU"
const STRANGER = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE"

function traceDir() {
  return join(ROOT, "tests/fixtures/aos-token-trace")
}

function loadTrace() {
  const dir = traceDir()
  const gunzip = name => gunzipSync(readFileSync(join(dir, name))).toString("utf8")
  const messages = gunzip("messages.jsonl.gz").split("\n").filter(Boolean).map(l => JSON.parse(l))
  const outputs = JSON.parse(gunzip("outputs.json.gz"))
  assert.equal(messages.length, 625)
  assert.equal(outputs.length, 625)
  return { messages, outputs }
}

const stripAnsi = s => s.replace(/\x1b\[[0-9;]*m/g, "")

/** Sorts object keys recursively, so that JSON values compare regardless of key order. */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical)
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map(k => [k, canonical(v[k])]))
  }
  return v
}

function tagMap(tags) {
  const map = {}
  for (const { name, value } of tags ?? []) {
    if (name in map) throw new Error(`tag ${name} sent twice`)
    map[name] = canonical(value)
  }
  return canonical(map)
}

/** Compares Balances replies as objects; an account AOS lists with "0" may be absent. */
function sameBalances(expected, actual, kept) {
  let e, a
  try {
    e = JSON.parse(expected)
    a = JSON.parse(actual)
  } catch {
    return false
  }
  if (!e || !a || typeof e !== "object" || typeof a !== "object") return false
  for (const [k, v] of Object.entries(a)) if (e[k] !== v) return false
  let zeros = 0
  for (const [k, v] of Object.entries(e)) {
    if (!(k in a)) {
      if (v !== "0") return false
      zeros++
    }
  }
  kept.noZeroEntries += zeros
  return true
}

function compare(seq, expected, actual, kept) {
  const expectedError = expected.Error !== undefined
  const actualError = actual.Error !== undefined && actual.Error !== null
  if (expectedError !== actualError) {
    return `outcome class: AOS error=${expectedError}, aoxide error=${JSON.stringify(actual.Error)}`
  }
  if (expectedError) return null

  const want = expected.Messages ?? []
  const got = actual.Messages ?? []
  if (want.length !== got.length) {
    return `${want.length} messages expected, ${got.length} sent: ${JSON.stringify(got)}`
  }
  for (let i = 0; i < want.length; i++) {
    const w = want[i]
    const a = got[i]
    if ((w.Target ?? null) !== (a.Target ?? null)) return `message ${i}: Target ${w.Target} != ${a.Target}`
    let at
    try {
      at = tagMap(a.Tags)
    } catch (e) {
      return `message ${i}: ${e.message}`
    }
    const wt = tagMap(w.Tags)
    if (JSON.stringify(wt) !== JSON.stringify(at)) {
      return `message ${i}: tags\n AOS    ${JSON.stringify(wt)}\n aoxide ${JSON.stringify(at)}`
    }
    const wd = w.Data ?? null
    const ad = a.Data ?? null
    if (wd !== ad && !(wd !== null && ad !== null && sameBalances(wd, ad, kept))) {
      return `message ${i}: Data ${JSON.stringify(wd)} != ${JSON.stringify(ad)}`
    }
    if (w.Anchor !== a.Anchor) return `message ${i}: Anchor ${w.Anchor} != ${a.Anchor}`
  }
  for (const what of ["Spawns", "Assignments"]) {
    const n = (expected[what] ?? []).length
    const m = (actual[what] ?? []).length
    if (n !== m) return `${what}: ${n} != ${m}`
  }

  const lines = []
  for (const line of stripAnsi(expected.Output?.data ?? "").split("\n")) {
    if (line.startsWith("WARN: No target specified for message.")) kept.noTargetWarning++
    else lines.push(line)
  }
  const wantOutput = lines.join("\n")
  const output = actual.Output
  const gotOutput = typeof output === "string" ? output : (output?.data ?? "")
  if (seq === 1) {
    if (wantOutput === "" && gotOutput === "New Message From IsL...u_o: Action = Eval") {
      kept.evalNotice++
      return null
    }
    return `Eval output ${JSON.stringify(gotOutput)}`
  }
  if (wantOutput !== gotOutput) {
    return `Output.data ${JSON.stringify(wantOutput)} != ${JSON.stringify(gotOutput)}`
  }
  return null
}

test("the aoxide token module answers the AOS token trace as AOS did", async () => {
  const { messages, outputs } = loadTrace()
  const wasm = readModule("token", { crate: "aoxide-token" })
  const handle = await AoLoader(wasm, {
    format: "wasm32-unknown-emscripten4",
    inputEncoding: "JSON-1",
    outputEncoding: "JSON-1",
    memoryLimit: "1-gb",
    computeLimit: (9e12).toString(),
    extensions: [],
  })

  const kept = { noTargetWarning: 0, evalNotice: 0, noZeroEntries: 0 }
  const failures = []
  let passed = 0
  let patches = 0
  let memory = null
  let last = null
  for (let seq = 0; seq < messages.length; seq++) {
    const line = messages[seq]
    assert.equal(line.seq, seq)
    const result = await handle(seq === 0 ? null : memory, line.msg, line.env)
    memory = result.Memory
    last = result
    patches += (result.Messages ?? []).filter(m =>
      (m.Tags ?? []).some(t => t.name === "device" && t.value === "patch@1.0"),
    ).length
    const problem = compare(seq, outputs[seq], result, kept)
    if (problem === null) passed++
    else failures.push(`seq ${seq} (${line.label}): ${problem}`)
  }

  console.log(`token trace replay (wasm, ao-loader): ${passed}/${messages.length} messages matched AOS`)
  console.log(`documented differences met: ${JSON.stringify(kept)}`)
  assert.deepEqual(failures, [], `${failures.length} messages differ`)
  assert.equal(passed, 625)
  assert.equal(kept.evalNotice, 1)
  assert.equal(kept.noZeroEntries, 1, "the stranger's refused transfer (seq 609)")
  assert.equal(patches, 304)
  assert.equal(kept.noTargetWarning, patches, "one per patch message")

  // The final Balances reply (seq 624) is the whole ledger: the supply adds up.
  const balances = JSON.parse(last.Messages[0].Data)
  assert.equal(balances[PID], "9000000000001000")
  assert.equal(balances[STRANGER], undefined)
  const sum = Object.values(balances).reduce((a, v) => a + BigInt(v), 0n)
  assert.equal(sum, 10000000000001000n)
})
