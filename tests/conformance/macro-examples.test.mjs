// The processes written with #[aoxide::process]/#[aoxide::handlers] (examples/counter,
// examples/kv-store) and the composed game (examples/game), built to wasm and run under
// the real @permaweb/ao-loader in both memory modes.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, firstReply, readModule, spawnMessage, tagValue, id } from "./lib/index.mjs"

const MODES = [
  { name: "copying", unsafeMemory: false },
  { name: "UNSAFE_MEMORY", unsafeMemory: true },
]

async function spawn(name, options, spawnTags = {}) {
  const wasm = readModule(name)
  const p = await AoProcess.load(wasm, options)
  const res = await p.deliver(spawnMessage({ process: p.process, owner: p.owner, module: p.module, tags: spawnTags }))
  assert.equal(res.Error, undefined, `spawn failed: ${res.Error}`)
  return { p, res }
}

function patchOf(res) {
  return res.Messages.find(m => tagValue(m, "device") === "patch@1.0")
}

for (const mode of MODES) {
  test(`counter (macros) under ao-loader, ${mode.name}`, async () => {
    const { p, res: spawned } = await spawn("counter", { unsafeMemory: mode.unsafeMemory }, { Start: "40" })
    assert.deepEqual(patchOf(spawned)?.Tags.find(t => t.name === "count")?.value, 40, "patch@1.0 after init")

    let res = await p.send({ action: "Increment", tags: { By: "2" } })
    assert.equal(res.Error, undefined)
    assert.equal(firstReply(res).data, "42")
    assert.equal(firstReply(res).target, p.owner)
    assert.equal(patchOf(res).Target, undefined, "the patch message has no target")

    // A tag that does not parse: an Error naming the tag, and nothing changes.
    res = await p.send({ action: "Increment", tags: { By: "-3" } })
    assert.match(res.Error, /tag `By` has value "-3"/)
    assert.deepEqual(res.Messages ?? [], [])
    res = await p.send({ action: "Get" })
    assert.equal(firstReply(res).data, "42")

    // Read-only handler in a dry-run; a mutating dry-run persists nothing.
    res = await p.dryRun({ action: "Increment", tags: { By: "100" } })
    assert.equal(firstReply(res).data, "142", "dry-run answers")
    res = await p.send({ action: "Get" })
    assert.equal(firstReply(res).data, "42", "dry-run persisted nothing")

    // Owner-only: a stranger's Reset does not match the handler; the owner's does.
    const stranger = id("STRANGER")
    await p.send({ action: "Reset", owner: stranger, from: stranger })
    assert.equal(firstReply(await p.send({ action: "Get" })).data, "42")
    res = await p.send({ action: "Reset" })
    assert.equal(res.Output.data, "counter reset")

    // State survives a fresh instance restored from the memory.
    await p.send({ action: "Increment", tags: { By: "7" } })
    const fresh = await p.fork()
    assert.equal(firstReply(await fresh.send({ action: "Get" })).data, "7")
  })

  test(`kv-store (macros) under ao-loader, ${mode.name}`, async () => {
    const { p } = await spawn("kv-store", { unsafeMemory: mode.unsafeMemory })
    let res = await p.send({ action: "Set", tags: { Key: "colour" }, data: "blue" })
    assert.equal(res.Error, undefined, res.Error)
    res = await p.send({ action: "Get", tags: { Key: "colour" } })
    const reply = firstReply(res)
    assert.equal(reply.action, "Value")
    assert.equal(reply.data, "blue")

    // Set-Many is all-or-nothing: one bad key fails the whole message.
    res = await p.send({ action: "Set-Many", data: JSON.stringify({ a: "1", "": "2" }) })
    assert.equal(typeof res.Error, "string")
    res = await p.send({ action: "Get", tags: { Key: "a" } })
    assert.equal(tagValue(firstReply(res).message, "Found"), "false")

    // JSON data in, JSON out.
    res = await p.send({ action: "Set-Many", data: JSON.stringify({ a: "1", b: "2" }) })
    assert.equal(res.Error, undefined, res.Error)
    res = await p.send({ action: "List" })
    assert.deepEqual(JSON.parse(firstReply(res).data), ["a", "b", "colour"])

    // Values over 1 KiB are refused by a `when` handler ordered before `set`.
    res = await p.send({ action: "Set", tags: { Key: "big" }, data: "x".repeat(2000) })
    assert.equal(typeof res.Error, "string")
  })
}

test("game (own handlers + token + chat in one module) under ao-loader", async () => {
  const { p } = await spawn("game", {})
  let res = await p.send({ action: "Register" })
  assert.equal(res.Error, undefined, res.Error)
  assert.equal(firstReply(res).data, "Registered.")
  res = await p.send({ action: "Info" })
  assert.equal(res.Error, undefined, res.Error)
  assert.ok(tagValue(res.Messages[0], "ticker"), "token Info answers")
  res = await p.send({ action: "Balance" })
  assert.equal(res.Error, undefined, res.Error)
  assert.ok(/^\d+$/.test(firstReply(res).data))
})
