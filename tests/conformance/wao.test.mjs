// The ping module under wao 0.35.7's in-memory AO (its own ao-loader 0.0.44 underneath):
// postModule with the Module-Format tag, spawn, messages, dry-runs; spawns from a process by
// the kv-store module (ping does not spawn). wao keeps the memory of a
// result even when it is an Error, so rollback must happen inside the module.
import assert from "node:assert/strict"
import { describe, it, before } from "node:test"

import { AO, acc } from "wao/test"

import { readModule, firstReply, assertReply, assertError, checksum } from "./lib/index.mjs"

const wasm = readModule("ping")
const MiB = 1024 * 1024

describe("wao in-memory AO", () => {
  let ao, module, pid

  const msg = async (act, tags = {}, data) => {
    const { res, err } = await ao.msg({ pid, act, tags, data })
    assert.equal(err, null, `wao error: ${err}`)
    return res
  }
  const dry = async (act, tags = {}, data) => {
    const { res, err } = await ao.dry({ pid, act, tags, data })
    assert.equal(err, null, `wao error: ${err}`)
    return res
  }
  const statsOf = async () => JSON.parse(firstReply(await dry("Stats")).data)

  before(async () => {
    // log: false, or wao evaluates a Lua logging snippet in every spawned process.
    ao = await new AO({ log: false }).init(acc[0])
    ;({ id: module } = await ao.postModule({
      data: wasm,
      tags: {
        "Module-Format": "wasm32-unknown-emscripten4",
        "Memory-Limit": "1-gb",
        "Compute-Limit": "9000000000000",
      },
    }))
    assert.ok(module)
    let err
    ;({ pid, err } = await ao.spwn({ module, tags: { Name: "ping" } }))
    assert.equal(err, null)
    assert.ok(pid)
  })

  it("answers Ping with Pong to the sender", async () => {
    const reply = assertReply(await msg("Ping"), "Pong", "pong")
    assert.equal(reply.target, acc[0].addr)
  })

  it("carries state across messages and answers dry-runs without persisting them", async () => {
    assertReply(await msg("Increment"), "Incremented", "1")
    assertReply(await msg("Increment", { By: "9" }), "Incremented", "10")
    assertReply(await dry("Increment", { By: "1000" }), "Incremented", "1010")
    assertReply(await dry("Count"), "Count", "10")
    assertReply(await msg("Count"), "Count", "10")
  })

  it("knows its process id and owner from the env wao passes", async () => {
    const s = await statsOf()
    assert.equal(s.process, pid)
    assert.equal(s.owner, acc[0].addr)
  })

  it("returns an Error for a failing handler and keeps state (wao keeps the memory)", async () => {
    const before = await statsOf()
    assertError(await msg("Fail", {}, "x"), /Fail always fails/)
    assertError(await msg("Increment", { By: "-1" }), /By/)
    assert.deepEqual(await statsOf(), before)
  })

  it("stores data far past the initial memory", async () => {
    const items = []
    for (let i = 0; i < 4; i++) {
      const item = String(i).repeat(2 * MiB)
      items.push(item)
      assertReply(await msg("Store", {}, item), "Stored", String(i + 1))
    }
    const s = await statsOf()
    assert.equal(s.stored, 4)
    assert.equal(s.checksum, checksum(items))
    assertReply(await msg("Count"), "Count", "10")
  })

  it("reports spawns in the result (the kv-store example spawns)", async () => {
    const { id: kvModule } = await ao.postModule({
      data: readModule("kv-store"),
      tags: {
        "Module-Format": "wasm32-unknown-emscripten4",
        "Memory-Limit": "1-gb",
        "Compute-Limit": "9000000000000",
      },
    })
    assert.ok(kvModule)
    const { pid: kv, err } = await ao.spwn({ module: kvModule, tags: { Name: "kv-store" } })
    assert.equal(err, null)
    const sent = await ao.msg({ pid: kv, act: "Spawn-Child", tags: { "Child-Module": module } })
    assert.equal(sent.err, null, `wao error: ${sent.err}`)
    const spawned = sent.res
    assert.equal(spawned.Error, undefined)
    assert.equal(spawned.Spawns.length, 1)
    const tags = Object.fromEntries(spawned.Spawns[0].Tags.map(t => [t.name, t.value]))
    assert.equal(tags.Module, module)
    assert.equal(tags["From-Process"], kv)
    assert.equal(tags.Type, "Process")
  })
})
