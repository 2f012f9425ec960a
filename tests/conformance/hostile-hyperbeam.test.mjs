// Issue 11 item 2 under the HyperBEAM-style host: HyperBEAM restores each snapshot into a
// FRESH instance of the initial size and drops a larger one (the process would restart
// blank). The HyperBEAM profile (`AOXIDE_MEMORY_BUDGET=16777216 scripts/build-wasm.sh
// aoxide-token`, docs/limits.md) links the token with its whole budget as initial memory
// and never grows: a message too large for the budget is refused (an Error, or `malloc`
// returning 0 so the host rejects the call), and every balance survives the attack.
import assert from "node:assert/strict"
import { test } from "node:test"

import { HyperBeamInstance, firstReply, id, makeEnv, makeMessage, readModule, spawnMessage } from "./lib/index.mjs"

const BUDGET = 16 * 1024 * 1024
const env = makeEnv({ withModule: false })
const hb = m => {
  delete m.Timestamp
  delete m["Block-Height"]
  delete m.Module
  return m
}

class Process {
  constructor(module) {
    this.module = module
    this.snapshot = null
  }
  /** Runs `msg` in a fresh instance; a call the host rejects keeps the previous snapshot. */
  async deliver(msg) {
    const inst = await HyperBeamInstance.create(this.module, { snapshot: this.snapshot })
    assert.equal(inst.droppedRestore, false, "HyperBEAM would drop this snapshot and restart the process blank")
    assert.equal(inst.memory.buffer.byteLength, BUDGET, "the initial memory is the budget")
    let out
    try {
      out = inst.call(msg, env)
    } catch (rejected) {
      return { rejected: String(rejected) }
    }
    assert.equal(out.ok, true)
    assert.equal(inst.memory.buffer.byteLength, BUDGET, "memory never grows past the budget")
    if (!msg["Read-Only"]) this.snapshot = inst.snapshot()
    return out.response
  }
  send(fields) {
    return this.deliver(hb(makeMessage(fields)))
  }
}

test("the HyperBEAM profile keeps every balance through the large-message attack (token)", { timeout: 300_000 }, async () => {
  const module = await WebAssembly.compile(readModule("token.hyperbeam", { crate: "aoxide-token (AOXIDE_MEMORY_BUDGET=16777216)" }))
  const p = new Process(module)
  const PID = env.Process.Id
  assert.equal((await p.deliver(hb(spawnMessage()))).Error, undefined)
  const alice = id("ALICE")
  let res = await p.send({ action: "Transfer", tags: { Recipient: alice, Quantity: "777" }, from: PID, owner: PID })
  assert.equal(res.Error, undefined, res.Error)
  const balance = async () => firstReply(await p.send({ action: "Balance", tags: { Target: alice } })).data

  const stranger = id("STRANGER")
  const KB = 1024
  const outcomes = []
  for (const [size, readOnly] of [[510 * KB, true], [510 * KB, false], [3 * 1024 * KB, false], [6 * 1024 * KB, false], [7 * 1024 * KB, true], [9 * 1024 * KB, false], [510 * KB, false]]) {
    const r = await p.send({ action: "Balance", data: "a".repeat(size), owner: stranger, from: stranger, readOnly })
    outcomes.push(r.rejected ? "rejected" : r.Error ? "error" : "ok")
    assert.equal(await balance(), "777", `after a ${size}-byte message`)
  }
  // Small enough messages are handled, the largest refused: whatever happens, nothing is lost.
  assert.equal(outcomes[0], "ok")
  assert.ok(outcomes.some(o => o !== "ok"), `some message was too large for the budget: ${outcomes}`)
  res = await p.send({ action: "Transfer", tags: { Recipient: id("BOB"), Quantity: "1" }, from: alice, owner: alice })
  assert.equal(res.Error, undefined, res.Error)
  assert.equal(await balance(), "776")
})
