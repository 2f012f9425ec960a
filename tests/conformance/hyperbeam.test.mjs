// The ping module driven the way HyperBEAM's json-iface device drives it: plain
// WebAssembly.instantiate, every import stubbed to return 0 (so memory grows through the
// module's memory.grow fallback), no initialiser, msg/env written with the module's malloc,
// and every message run in a FRESH instance restored from the previous snapshot.
import assert from "node:assert/strict"
import { describe, it, before } from "node:test"

import { HyperBeamInstance, readModule, makeEnv, makeMessage, spawnMessage, firstReply, checksum, INITIAL_MEMORY } from "./lib/index.mjs"

const wasm = readModule("ping")

const MiB = 1024 * 1024
// HyperBEAM sends the Process only, and no Timestamp, Block-Height or Module in messages.
const env = makeEnv({ withModule: false })
const hbMessage = fields => {
  const m = makeMessage(fields)
  delete m.Timestamp
  delete m["Block-Height"]
  delete m.Module
  return m
}

/** A process whose every message runs in a fresh instance restored from the last snapshot. */
class HyperBeamProcess {
  constructor(module, { growToFit = false } = {}) {
    this.module = module
    this.snapshot = null
    this.growToFit = growToFit
    this.resizeCalls = 0
  }
  async deliver(msg) {
    const hb = await HyperBeamInstance.create(this.module, { snapshot: this.snapshot, growToFit: this.growToFit })
    assert.equal(hb.droppedRestore, false, "HyperBEAM would drop this snapshot (larger than the initial memory)")
    const out = hb.call(msg, env)
    assert.equal(out.ok, true)
    this.resizeCalls += hb.calls.get("env.emscripten_resize_heap") ?? 0
    this.snapshot = hb.snapshot()
    return out.response
  }
  send(fields) {
    return this.deliver(hbMessage(fields))
  }
  async stats() {
    return JSON.parse(firstReply(await this.send({ action: "Stats" })).data)
  }
}

describe("HyperBEAM-style host (stubbed imports, fresh instance per message)", () => {
  let module
  before(async () => {
    module = await WebAssembly.compile(wasm)
  })

  it("spawns, keeps state in the snapshot, and stays inside the initial memory", async () => {
    const p = new HyperBeamProcess(module)
    const spawn = spawnMessage()
    delete spawn.Timestamp
    delete spawn["Block-Height"]
    const r = await p.deliver(spawn)
    assert.equal(r.Error, undefined)
    assert.equal(r.Output.data, "ping process ready")
    for (let i = 1; i <= 20; i++) {
      const res = await p.send({ action: "Increment" })
      assert.equal(firstReply(res).data, String(i))
    }
    assert.equal(firstReply(await p.send({ action: "Ping" })).action, "Pong")
    const echo = await p.send({ action: "Echo", data: "x".repeat(100_000) })
    assert.equal(firstReply(echo).data.length, 100_000)
    assert.equal(firstReply(await p.send({ action: "Count" })).data, "20")
    // The messages HyperBEAM mallocs are never freed, yet the memory stays at its initial
    // size, so HyperBEAM's restore (which drops larger snapshots) keeps working.
    assert.equal(p.snapshot.byteLength, INITIAL_MEMORY)
    assert.equal(p.resizeCalls, 0)
  })

  it("rolls back a failing handler inside the module (HyperBEAM keeps the memory)", async () => {
    const p = new HyperBeamProcess(module)
    await p.deliver(spawnMessage())
    await p.send({ action: "Increment", tags: { By: "5" } })
    const before = await p.stats()
    const res = await p.send({ action: "Fail" })
    assert.match(res.Error, /Fail always fails/)
    assert.deepEqual(res.Messages, [])
    assert.deepEqual(await p.stats(), before)
  })

  it("repairs the state at the next call after a trap, in a fresh instance", async () => {
    const p = new HyperBeamProcess(module)
    await p.deliver(spawnMessage())
    await p.send({ action: "Increment", tags: { By: "9" } })
    const before = await p.stats()
    const hb = await HyperBeamInstance.create(module, { snapshot: p.snapshot })
    assert.throws(() => hb.call(hbMessage({ action: "Panic" }), env), WebAssembly.RuntimeError)
    // Keep the memory of the trapped call, as a host that does not discard it would.
    p.snapshot = hb.snapshot()
    assert.deepEqual(await p.stats(), before)
    assert.equal(firstReply(await p.send({ action: "Count" })).data, "9")
  })

  it("grows memory with memory.grow when emscripten_resize_heap returns 0, and restores it", async () => {
    const p = new HyperBeamProcess(module, { growToFit: true })
    await p.deliver(spawnMessage())
    const items = []
    for (let i = 0; i < 5; i++) {
      const item = String.fromCharCode(65 + i).repeat(MiB + i)
      items.push(item)
      assert.equal(firstReply(await p.send({ action: "Store", data: item })).data, String(i + 1))
    }
    assert.ok(p.resizeCalls > 0, "the module asked the host first")
    assert.ok(p.snapshot.byteLength > 2 * INITIAL_MEMORY, `memory is ${p.snapshot.byteLength}`)
    const s = await p.stats()
    assert.equal(s.stored, 5)
    assert.equal(s.checksum, checksum(items))
    assert.equal(firstReply(await p.send({ action: "Stored", tags: { Index: "3" } })).data, items[3])
  })

  it("frees the msg and env HyperBEAM mallocs: thousands of messages stay in the initial memory", async () => {
    const hb = await HyperBeamInstance.create(module)
    hb.call(spawnMessage(), env)
    const data = "p".repeat(4096)
    for (let i = 0; i < 3000; i++) {
      const out = hb.call(hbMessage({ action: "Echo", data }), env)
      assert.equal(out.response.Messages[0].Data.length, data.length)
    }
    // 3000 leaked messages would be over 12 MiB.
    assert.equal(hb.memory.buffer.byteLength, INITIAL_MEMORY)
    // A host that frees them itself afterwards changes nothing (the second free is ignored).
    const m = hb.writeCString(new TextEncoder().encode(JSON.stringify(hbMessage({ action: "Count" }))))
    const e = hb.writeCString(new TextEncoder().encode(JSON.stringify(env)))
    const out = JSON.parse(hb.readCString(hb.exports.handle(m, e) >>> 0))
    hb.exports.free(m)
    hb.exports.free(e)
    assert.equal(out.response.Messages[0].Data, "0")
    assert.equal(firstReply(hb.call(hbMessage({ action: "Increment" }), env).response).data, "1")
  })

  it("would lose a snapshot larger than the initial memory (why --initial-memory matters)", async () => {
    const hb = await HyperBeamInstance.create(module)
    hb.call(spawnMessage(), env)
    hb.call(hbMessage({ action: "Store", data: "z".repeat(6 * MiB) }), env)
    const big = hb.snapshot()
    assert.ok(big.byteLength > INITIAL_MEMORY)
    const fresh = await HyperBeamInstance.create(module, { snapshot: big })
    assert.equal(fresh.droppedRestore, true)
  })
})
