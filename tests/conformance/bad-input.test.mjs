// Hostile or broken input at the wasm level: every case gets an Error result (never a trap,
// never "ok": false), and the next message still works with the state intact.
import assert from "node:assert/strict"
import { describe, it, before } from "node:test"

import { AoProcess, HyperBeamInstance, readModule, makeEnv, makeMessage, spawnMessage, firstReply, assertError, assertReply } from "./lib/index.mjs"

const wasm = readModule("ping")
const MiB = 1024 * 1024
const env = makeEnv()
const envJson = JSON.stringify(env)
const enc = new TextEncoder()

describe("bad input through raw pointers (the module's malloc, one instance)", () => {
  let hb
  const count = () => firstReply(hb.call(makeMessage({ action: "Count" }), env).response).data

  before(async () => {
    hb = await HyperBeamInstance.create(wasm)
    assert.equal(hb.call(spawnMessage(), env).ok, true)
    hb.call(makeMessage({ action: "Increment", tags: { By: "11" } }), env)
    assert.equal(count(), "11")
  })

  // name -> [run, what the Error must say]
  const cases = {
    "malformed JSON": [() => hb.callRaw('{"Id": "x", "Tags": [', envJson), /not valid JSON-1/],
    "a JSON string instead of an object": [() => hb.callRaw('"hello"', envJson), /must be a JSON object/],
    "empty message": [() => hb.callRaw("", envJson), /must be a JSON object/],
    "invalid UTF-8 in the message": [() => {
      const good = enc.encode(JSON.stringify(makeMessage({ action: "Increment", data: "@@" })))
      const bad = good.map(b => b)
      const at = bad.indexOf(64) // the first "@" of the data
      bad[at] = 0xff
      bad[at + 1] = 0xfe
      return hb.callRaw(bad, envJson)
    }, /message is not valid UTF-8/],
    "invalid UTF-8 in the env": [() => hb.callRaw(JSON.stringify(makeMessage({ action: "Increment" })), new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])), /env is not valid UTF-8/],
    "a tag with an empty name": [() => hb.call(makeMessage({ action: "Increment", tags: [{ name: "", value: "1" }] }), env), /empty name/],
    "a tag without a name": [() => hb.callRaw(JSON.stringify({ ...makeMessage({ action: "Increment" }), Tags: [{ value: "1" }, { name: "Action", value: "Increment" }] }), envJson), /empty name/],
    "a null env (JSON null)": [() => hb.callRaw(JSON.stringify(makeMessage({ action: "Increment" })), "null"), /env must be a JSON object/],
    "a null env pointer": [() => hb.callRaw(JSON.stringify(makeMessage({ action: "Increment" })), null), /env pointer is null/],
    "a null message pointer": [() => hb.callRaw(null, envJson), /message pointer is null/],
    "10 MiB of Data": [() => hb.call(makeMessage({ action: "Store", data: "d".repeat(10 * MiB) }), env), /over the limit of 8388608 bytes/],
    "a pointer past the end of memory": [() => JSON.parse(hb.readCString(hb.exports.handle(0xfffffff0, 0xfffffff0) >>> 0)), /outside memory/],
    "a message that is not NUL-terminated": [() => {
      // A page the allocator has never seen (it always grows from the current end of
      // memory), filled with "A" up to the very end: no NUL anywhere after `at`.
      const at = hb.memory.grow(1) * 65536
      new Uint8Array(hb.memory.buffer).fill(0x41, at)
      return JSON.parse(hb.readCString(hb.exports.handle(at, hb.writeCString(enc.encode(envJson))) >>> 0))
    }, /not NUL-terminated/],
  }

  for (const [name, [run, says]] of Object.entries(cases)) {
    it(`${name}: Error result, state intact`, () => {
      const out = run()
      assert.equal(out.ok, true)
      assertError(out.response, says)
      assert.equal(count(), "11")
    })
  }

  it("an env without a process id, while the process has no identity yet: Error result, no state made", async () => {
    const fresh = await HyperBeamInstance.create(wasm)
    assertError(fresh.call(spawnMessage(), { Process: { Owner: "x" } }).response, /env has no Process.Id/)
    assert.equal(fresh.call(spawnMessage(), env).ok, true, "the proper spawn still works")
    // Once the identity is known, later envs are only checked to be JSON objects: the
    // runtime never reads them again (documented on Env::check_json).
    const out = fresh.call(makeMessage({ action: "Increment" }), { Process: { Owner: "x" } })
    assertReply(out.response, "Incremented", "1")
  })

  it("ignores free() and stack restores of addresses it never handed out", () => {
    for (const addr of [0, 1, 16, 4096, 0x7ffffff0, 0xfffffff0]) hb.exports.free(addr)
    const block = hb.exports.malloc(64)
    hb.exports.free(block)
    hb.exports.free(block) // double free: ignored
    const saved = hb.exports.emscripten_stack_get_current()
    assert.notEqual(saved, 0)
    const a = hb.exports._emscripten_stack_alloc(1000)
    assert.equal(a % 16, 0)
    hb.exports._emscripten_stack_restore(12345) // not a saved value: ignored
    hb.exports._emscripten_stack_restore(saved)
    hb.exports._emscripten_stack_restore(saved)
    assert.equal(hb.exports.emscripten_stack_get_current(), saved)
    assert.equal(count(), "11")
    assertReply(hb.call(makeMessage({ action: "Increment" }), env).response, "Incremented", "12")
  })
})

describe("calls that trap, in one instance that is kept", () => {
  it("a thousand panics do not exhaust the shadow stack (handle resets it on entry)", async () => {
    const hb = await HyperBeamInstance.create(wasm)
    hb.call(spawnMessage(), env)
    hb.call(makeMessage({ action: "Increment", tags: { By: "4" } }), env)
    for (let i = 0; i < 1000; i++) {
      assert.throws(() => hb.call(makeMessage({ action: "Panic" }), env), WebAssembly.RuntimeError)
    }
    // Without the reset, about 570 panics leave no stack and every later call traps.
    assertReply(hb.call(makeMessage({ action: "Count" }), env).response, "Count", "4")
  })
})

describe("bad input through ao-loader", () => {
  let p
  before(async () => {
    p = await AoProcess.spawn(wasm)
    await p.send({ action: "Increment", tags: { By: "3" } })
  })

  it("rejects 10 MiB of Data with an Error result and keeps working", async () => {
    const res = await p.send({ action: "Store", data: "d".repeat(10 * MiB) })
    assertError(res, /over the limit/)
    assertReply(await p.send({ action: "Count" }), "Count", "3")
  })

  it("answers a null env with an Error result", async () => {
    assertError(await p.deliver(makeMessage({ action: "Increment" }), null))
    assertReply(await p.send({ action: "Count" }), "Count", "3")
  })

  it("answers an empty tag name with an Error result", async () => {
    assertError(await p.send({ action: "Increment", tags: [{ name: "", value: "x" }] }), /empty name/)
    assertReply(await p.send({ action: "Count" }), "Count", "3")
  })

  it("answers a message without an Action that no handler takes with an Error", async () => {
    assertError(await p.send({ tags: { Foo: "bar" } }))
    assertReply(await p.send({ action: "Count" }), "Count", "3")
  })
})
