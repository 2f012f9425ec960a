// The ping module under @permaweb/ao-loader 0.0.49 (what legacy compute units run), format
// wasm32-unknown-emscripten4, in both memory modes.
import assert from "node:assert/strict"
import { describe, it, before } from "node:test"

import { AoProcess, readModule, firstReply, stats, assertReply, assertError, checksum, OWNER, INITIAL_MEMORY } from "./lib/index.mjs"

const wasm = readModule("ping")

const MiB = 1024 * 1024

for (const unsafeMemory of [false, true]) {
  describe(`ao-loader, wasm32-unknown-emscripten4, ${unsafeMemory ? "UNSAFE_MEMORY" : "copied memory"}`, () => {
    let p
    before(async () => {
      p = await AoProcess.spawn(wasm, { unsafeMemory })
    })

    it("returns the live buffer only with UNSAFE_MEMORY", () => {
      if (unsafeMemory) assert.ok(p.memory instanceof ArrayBuffer)
      else assert.ok(p.memory instanceof Uint8Array)
      assert.equal(p.memorySize, INITIAL_MEMORY, "a fresh process stays in its initial memory")
    })

    it("answers Ping with Pong to the sender", async () => {
      const res = await p.send({ action: "Ping" })
      const reply = assertReply(res, "Pong", "pong")
      assert.equal(reply.target, OWNER)
      assert.equal(res.Output.prompt, "aoxide> ")
      assert.equal(typeof res.Output, "object")
    })

    it("carries state across messages", async () => {
      assertReply(await p.send({ action: "Increment" }), "Incremented", "1")
      assertReply(await p.send({ action: "Increment", tags: { By: "41" } }), "Incremented", "42")
      assertReply(await p.send({ action: "Count" }), "Count", "42")
    })

    it("carries state into a fresh instance built from the last Memory", async () => {
      const fresh = await p.fork()
      assertReply(await fresh.send({ action: "Count" }), "Count", "42")
      assertReply(await fresh.send({ action: "Increment" }), "Incremented", "43")
      // The original instance is unaffected by the fork.
      assertReply(await p.send({ action: "Count" }), "Count", "42")
    })

    it("returns an Error for a failing handler and leaves state unchanged", async () => {
      const before = await stats(p)
      const res = await p.send({ action: "Fail", data: "x" })
      assertError(res, /Fail always fails/)
      assert.equal(res.Output.data, "")
      assert.deepEqual(await stats(p), { ...before })
      assertError(await p.send({ action: "Increment", tags: { By: "many" } }), /By/)
      assertReply(await p.send({ action: "Count" }), "Count", "42")
    })

    it("echoes a 4 MiB Data message", async () => {
      const data = "0123456789abcdef".repeat((4 * MiB) / 16)
      const res = await p.send({ action: "Echo", data })
      const reply = assertReply(res, "Echo")
      assert.equal(reply.data.length, data.length)
      assert.equal(reply.data, data)
    })

    it("grows memory far past the initial memory and restores it into a fresh instance", async () => {
      const items = []
      const start = await stats(p)
      for (let i = 0; i < 8; i++) {
        const item = String.fromCharCode(97 + i).repeat(2 * MiB - 1) + "é"
        items.push(item)
        assertReply(await p.send({ action: "Store", data: item }), "Stored", String(start.stored + i + 1))
      }
      assert.ok(p.memorySize >= 4 * INITIAL_MEMORY, `memory is ${p.memorySize} bytes`)
      const s = await stats(p)
      assert.equal(s.stored, start.stored + 8)
      assert.equal(s.checksum, checksum(items))

      const fresh = await p.fork()
      const f = await stats(fresh)
      assert.equal(f.checksum, checksum(items))
      assert.equal(f.count, 42)
      const r = await fresh.send({ action: "Stored", tags: { Index: "5" } })
      assert.equal(firstReply(r).data, items[5])
      assertReply(await fresh.send({ action: "Increment" }), "Incremented", "43")
    })

    it("rolls back a message whose call trapped, on the next call", async () => {
      const before = await stats(p)
      await assert.rejects(p.send({ action: "Panic" }))
      // With copied memory the host still holds the memory from before the trap; with
      // UNSAFE_MEMORY it holds the live, half-changed memory, which the module repairs
      // at the start of the next call.
      const after = await stats(p)
      assert.equal(after.count, before.count)
      assert.equal(after.stored, before.stored)
      assert.equal(after.checksum, before.checksum)
      assertReply(await p.send({ action: "Ping" }), "Pong")
    })
  })
}

describe("ao-loader memory facts", () => {
  it("UNSAFE_MEMORY's ArrayBuffer does not restore into a fresh ao-loader instance unless wrapped", async () => {
    const p = await AoProcess.spawn(wasm, { unsafeMemory: true })
    await p.send({ action: "Increment", tags: { By: "7" } })
    // ao-loader restores with HEAPU8.set(buffer): a bare ArrayBuffer copies nothing.
    const bare = await AoProcess.load(wasm)
    bare.memory = p.memory
    const res = await bare.send({ action: "Count" })
    assert.notEqual(firstReply(res)?.data, "7")
    // Wrapped in a Uint8Array (what AoProcess.fork does) it restores.
    const wrapped = await p.fork()
    assertReply(await wrapped.send({ action: "Count" }), "Count", "7")
  })
})
