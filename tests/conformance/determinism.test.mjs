// Issue 11, determinism in CI: long generated sequences (lib/sequences.mjs) for ping (300
// messages: increments, stores that grow memory past 20 MiB, echoes, failing handlers,
// dry-runs, unhandled messages) and for the token blueprint (300 messages: transfers with
// X- tags and Cast, refused and malformed transfers, Mint, Burn, reads, dry-runs, unhandled
// messages, data up to 3 MB), replayed under ao-loader with copied memory, with
// UNSAFE_MEMORY, in a fresh instance restored from the copied memory halfway, and on the
// wasmi backend of aoxide-host (host/examples/replay.rs, run through cargo, once straight
// and once restored halfway). The memory hash (SHA-256 of the whole linear memory) must be
// identical after every message, and so must every result.
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
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"

import { AoProcess, HyperBeamInstance, ROOT, modulePath, pingSequence, readModule, tokenSequence } from "./lib/index.mjs"

const MiB = 1024 * 1024

const BLUEPRINTS = [
  { name: "ping", crate: "example-ping", sequence: pingSequence(300), grows: 16 * MiB },
  { name: "token", crate: "aoxide-token", sequence: tokenSequence(300), grows: 4 * MiB },
]

const hash = mem => createHash("sha256").update(new Uint8Array(mem)).digest("hex")
const strip = res => JSON.stringify({ Error: res.Error, Output: res.Output, Messages: res.Messages, Spawns: res.Spawns, Assignments: res.Assignments })

/** Replays under ao-loader; with `restoreAt`, goes on from there in a fresh instance. */
async function replayLoader(wasm, { env, messages }, options = {}, restoreAt = null) {
  let p = await AoProcess.load(wasm, options)
  const rows = []
  for (let i = 0; i < messages.length; i++) {
    if (i === restoreAt) p = await p.fork()
    const res = await p.deliver(messages[i], env)
    rows.push({ result: strip(res), hash: hash(p.memory), size: p.memorySize })
  }
  return rows
}

/** Replays on aoxide-host's wasm backend (wasmi) through `cargo run --example replay`. */
function replayWasmi(name, { env, messages }, restoreAt = null) {
  const dir = mkdtempSync(join(tmpdir(), "aoxide-determinism-"))
  try {
    const input = join(dir, "in.jsonl")
    const output = join(dir, "out.jsonl")
    const envJson = JSON.stringify(env)
    writeFileSync(input, messages.map(m => JSON.stringify({ msg: JSON.stringify(m), env: envJson })).join("\n") + "\n")
    const args = ["run", "--quiet", "--locked", "-p", "aoxide-host", "--features", "wasm", "--example", "replay", "--", modulePath(name), input, output]
    if (restoreAt !== null) args.push("--restore-at", String(restoreAt))
    const run = spawnSync("cargo", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    assert.equal(run.status, 0, `cargo ${args.join(" ")} failed: ${run.error ?? ""}${run.stderr}`)
    return readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map(line => {
        const row = JSON.parse(line)
        assert.equal(row.error, undefined, `wasmi: ${row.error}`)
        const out = JSON.parse(row.result)
        assert.equal(out.ok, true)
        return { result: strip(out.response), hash: row.hash, size: row.size }
      })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const b of BLUEPRINTS) {
  test(`${b.name}: ao-loader copying, UNSAFE_MEMORY, a restored instance and wasmi agree on every memory hash`, { timeout: 900_000 }, async () => {
    const wasm = readModule(b.name, { crate: b.crate })
    const n = b.sequence.messages.length
    const half = Math.floor(n / 2)
    const copying = await replayLoader(wasm, b.sequence)
    const runs = {
      UNSAFE_MEMORY: await replayLoader(wasm, b.sequence, { unsafeMemory: true }),
      "restored halfway": await replayLoader(wasm, b.sequence, {}, half),
      wasmi: replayWasmi(b.name, b.sequence),
      "wasmi restored halfway": replayWasmi(b.name, b.sequence, half),
    }

    assert.ok(copying.at(-1).size - copying[0].size >= b.grows, `memory grew from ${copying[0].size} to ${copying.at(-1).size} bytes`)
    assert.ok(new Set(copying.map(r => r.hash)).size > n / 2, "the memory changes along the sequence")
    for (const [mode, rows] of Object.entries(runs)) {
      assert.equal(rows.length, n, mode)
      for (let i = 0; i < n; i++) {
        assert.equal(rows[i].result, copying[i].result, `result ${i} (${mode})`)
        assert.equal(rows[i].size, copying[i].size, `memory size after message ${i} (${mode})`)
        assert.equal(rows[i].hash, copying[i].hash, `memory hash after message ${i} (${mode})`)
      }
    }
    // The sequence does what it says: errors, replies and growth all happen.
    assert.ok(copying.some(r => JSON.parse(r.result).Error), "some messages fail")
    assert.ok(copying.filter(r => JSON.parse(r.result).Messages?.length).length > n / 3, "most messages reply")
  })
}

async function replayHyperBeam(wasm, { env, messages }) {
  const module = await WebAssembly.compile(wasm)
  let snapshot = null
  const rows = []
  for (const msg of messages) {
    const hb = await HyperBeamInstance.create(module, { snapshot, growToFit: true })
    const out = hb.call(msg, env)
    if (!msg["Read-Only"]) snapshot = hb.snapshot()
    rows.push({ result: strip(out.response), hash: hash(hb.memory.buffer) })
  }
  return rows
}

test("the HyperBEAM-style host gets the same results; its memory differs only by where the host puts arguments", { timeout: 600_000 }, async () => {
  const wasm = readModule("ping")
  const sequence = BLUEPRINTS[0].sequence
  const n = sequence.messages.length
  const loader = await replayLoader(wasm, sequence)
  const hb1 = await replayHyperBeam(wasm, sequence)
  const hb2 = await replayHyperBeam(wasm, sequence)
  let differing = 0
  for (let i = 0; i < n; i++) {
    assert.equal(hb1[i].result, loader[i].result, `result ${i}`)
    assert.equal(hb1[i].hash, hb2[i].hash, `two HyperBEAM runs agree after message ${i}`)
    if (hb1[i].hash !== loader[i].hash) differing++
  }
  // The arguments' blocks differ (malloc vs argument stack), so the hashes do.
  assert.ok(differing > 0, "HyperBEAM's memory differs from ao-loader's")
  // And the state is the same: ping's checksum of everything stored, its counters.
  const isStats = i => sequence.messages[i].Tags[0]?.value === "Stats"
  const stats = loader.filter((_, i) => isStats(i)).map(r => r.result)
  assert.ok(stats.length > 10)
  assert.deepEqual(hb1.filter((_, i) => isStats(i)).map(r => r.result), stats)
})
