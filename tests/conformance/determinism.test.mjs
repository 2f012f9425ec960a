// Issue 11, determinism in CI: one generated sequence of 300 messages (increments, stores
// that grow memory past 20 MiB, echoes, failing handlers, dry-runs, unhandled messages),
// replayed on the ping module under ao-loader with copied memory, with UNSAFE_MEMORY, and in
// a fresh instance restored from the copied memory halfway; the memory hash (SHA-256 of the
// whole linear memory) must be identical after every message, and so must every result.
//
// The HyperBEAM-style host (lib/hyperbeam.mjs) gets the same results but other memory
// hashes, by design of the hosts, not by non-determinism: it writes the message and env
// with the module's `malloc` (blocks with a malloc header, freed at the end of `handle`)
// where ao-loader uses the emscripten argument stack (`_emscripten_stack_alloc` blocks,
// freed by `_emscripten_stack_restore` after `handle` returns), so the arguments and the
// result sit at other heap addresses and the freed blocks leave other bytes behind;
// ao-loader also writes its stack cookies at instantiation. The test checks that the
// results and the state (ping's checksummed Stats) are equal, and that two HyperBEAM runs
// give identical hashes (deterministic among themselves).
import assert from "node:assert/strict"
import { createHash } from "node:crypto"
import { test } from "node:test"

import { AoProcess, HyperBeamInstance, makeEnv, makeMessage, readModule, spawnMessage, PROCESS, OWNER, MODULE } from "./lib/index.mjs"

const wasm = readModule("ping")
const N = 300
const HALF = 150

/** The generated sequence: the same on every run (an LCG, no Math.random). */
function sequence() {
  let s = 0x2545f491
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0)
  const out = []
  for (let i = 0; i < N; i++) {
    const r = next() % 100
    const common = { msgId: `MSG-${String(i).padStart(39, "0")}`, timestamp: 1_700_000_000_000 + i * 1000, blockHeight: 1000 + i }
    if (r < 30) out.push({ action: "Increment", tags: { By: String(next() % 1000) }, ...common })
    else if (r < 45) out.push({ action: "Store", data: "s".repeat(next() % (i > 200 ? 1_500_000 : 60_000)), ...common })
    else if (r < 60) out.push({ action: "Echo", data: "e".repeat(next() % 5000), ...common })
    else if (r < 70) out.push({ action: "Fail", data: "f", ...common })
    else if (r < 80) out.push({ action: "Increment", readOnly: true, ...common })
    else if (r < 90) out.push({ action: "Unknown-" + (next() % 5), data: "u".repeat(next() % 2000), ...common })
    else out.push({ action: "Stats", ...common })
  }
  return out
}

const hash = mem => createHash("sha256").update(new Uint8Array(mem)).digest("hex")
const strip = res => JSON.stringify({ Error: res.Error, Output: res.Output, Messages: res.Messages, Spawns: res.Spawns, Assignments: res.Assignments })

async function replayLoader(options, from = 0, p = null) {
  p ??= await AoProcess.spawn(wasm, options)
  const rows = []
  const seq = sequence()
  for (let i = from; i < N; i++) {
    const res = await p.deliver(makeMessage({ process: p.process, owner: p.owner, module: p.module, ...seq[i] }))
    rows.push({ result: strip(res), hash: hash(p.memory), size: p.memorySize })
  }
  return { rows, p }
}

test("ao-loader copying, UNSAFE_MEMORY and a restored instance agree on every memory hash", { timeout: 600_000 }, async () => {
  const copying = await replayLoader({})
  const unsafe = await replayLoader({ unsafeMemory: true })
  // Restored midway: replay the first half, fork a fresh instance from its memory, go on.
  const first = await AoProcess.spawn(wasm, {})
  const seq = sequence()
  for (let i = 0; i < HALF; i++) await first.deliver(makeMessage({ process: first.process, owner: first.owner, module: first.module, ...seq[i] }))
  const restored = await replayLoader({}, HALF, await first.fork())

  assert.ok(copying.rows.at(-1).size > 8 * 1024 * 1024, `memory grew to ${copying.rows.at(-1).size} bytes`)
  for (let i = 0; i < N; i++) {
    assert.equal(unsafe.rows[i].result, copying.rows[i].result, `result ${i} (UNSAFE_MEMORY)`)
    assert.equal(unsafe.rows[i].hash, copying.rows[i].hash, `memory hash after message ${i} (UNSAFE_MEMORY)`)
    if (i >= HALF) {
      assert.equal(restored.rows[i - HALF].result, copying.rows[i].result, `result ${i} (restored)`)
      assert.equal(restored.rows[i - HALF].hash, copying.rows[i].hash, `memory hash after message ${i} (restored)`)
    }
  }
})

async function replayHyperBeam() {
  const module = await WebAssembly.compile(wasm)
  const env = makeEnv({ process: PROCESS, owner: OWNER, module: MODULE })
  let snapshot = null
  const call = async msg => {
    const hb = await HyperBeamInstance.create(module, { snapshot, growToFit: true })
    const out = hb.call(msg, env)
    if (!msg["Read-Only"]) snapshot = hb.snapshot()
    return { result: strip(out.response), hash: hash(hb.memory.buffer) }
  }
  await call(spawnMessage())
  const rows = []
  for (const fields of sequence()) rows.push(await call(makeMessage(fields)))
  return rows
}

test("the HyperBEAM-style host gets the same results; its memory differs only by where the host puts arguments", { timeout: 600_000 }, async () => {
  const loader = await replayLoader({})
  const hb1 = await replayHyperBeam()
  const hb2 = await replayHyperBeam()
  let differing = 0
  for (let i = 0; i < N; i++) {
    assert.equal(hb1[i].result, loader.rows[i].result, `result ${i}`)
    assert.equal(hb1[i].hash, hb2[i].hash, `two HyperBEAM runs agree after message ${i}`)
    if (hb1[i].hash !== loader.rows[i].hash) differing++
  }
  // The arguments' blocks differ (malloc vs argument stack), so the hashes do.
  assert.ok(differing > 0, "HyperBEAM's memory differs from ao-loader's")
  // And the state is the same: ping's checksum of everything stored, its counters.
  const stats = loader.rows.filter((_, i) => sequence()[i].action === "Stats").map(r => r.result)
  const hbStats = hb1.filter((_, i) => sequence()[i].action === "Stats").map(r => r.result)
  assert.deepEqual(hbStats, stats)
})
