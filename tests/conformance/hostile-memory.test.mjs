// Issue 11 items 3 and 4 under ao-loader, both memory modes: memory is bounded and a trap
// does not cripple the instance.
//
// - Outputs are bounded while they are built: an 8 MiB Broadcast to 520 chat members (4 GiB
//   of notices) is an Error, not an out-of-memory trap, and a 1,000-byte one works after.
// - After calls that trapped holding 8 MiB messages, the instance reuses the memory: the
//   allocator's end of heap lives in the snapshot, so the pre-trap memory written back into
//   the grown instance leaves the rest free for it, and the arguments the host never freed
//   (emscripten skips stackRestore when a call throws) are freed by the next call.
// - The module enforces the process' Memory-Limit, and the inbox is bounded in bytes.
// - The same in a HyperBEAM instance that is kept between messages (where a 10 KB Broadcast
//   once trapped after an 8 MiB one): the arguments HyperBEAM `malloc`ed for a call that
//   trapped are freed by the next call, so traps do not pile up memory.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, HyperBeamProcess, id, makeEnv, makeMessage, readModule, spawnMessage, tagValue } from "./lib/index.mjs"

const MiB = 1024 * 1024
const MODES = [false, true]
const modeName = u => (u ? "UNSAFE_MEMORY" : "copying")

/** Delivers, returning the result or { trapped: error } when the call threw. */
async function tryDeliver(p, fields) {
  try {
    return await p.send(fields)
  } catch (trapped) {
    return { trapped }
  }
}

for (const unsafeMemory of MODES) {
  test(`an 8 MiB Broadcast to 520 members is an Error, then a small one works (chat, ${modeName(unsafeMemory)})`, { timeout: 300_000 }, async () => {
    const p = await AoProcess.spawn(readModule("chat", { crate: "aoxide-chat" }), { unsafeMemory })
    for (let i = 0; i < 520; i++) {
      const member = id(`MEMBER-${i}`)
      const res = await p.send({ action: "Register", owner: member, from: member })
      assert.equal(res.Error, undefined, res.Error)
    }
    const stranger = id("STRANGER")
    const big = await tryDeliver(p, { action: "Broadcast", data: "b".repeat(8 * MiB - 4096), owner: stranger, from: stranger })
    assert.equal(big.trapped, undefined, `the big Broadcast trapped: ${big.trapped}`)
    assert.match(big.Error ?? "", /output would be more than \d+ bytes, over the limit of 16777216/)
    assert.deepEqual(big.Messages ?? [], [])

    const small = await p.send({ action: "Broadcast", data: "s".repeat(1000), owner: stranger, from: stranger })
    assert.equal(small.Error, undefined, small.Error)
    const notices = small.Messages.filter(m => tagValue(m, "Action") === "Broadcast-Notice")
    assert.equal(notices.length, 520)
  })

  test(`calls that trapped holding 8 MiB do not cripple the instance (ping, ${modeName(unsafeMemory)})`, { timeout: 300_000 }, async () => {
    const p = await AoProcess.spawn(readModule("ping"), { unsafeMemory })
    const data = "p".repeat(8 * MiB - 4096)
    let sizeAfterFirst = 0
    for (let i = 0; i < 8; i++) {
      const res = await tryDeliver(p, { action: "Panic", data })
      assert.ok(res.trapped, "Panic traps in wasm")
      const echo = await p.send({ action: "Echo", data: "e".repeat(1000) })
      assert.equal(echo.Error, undefined, echo.Error)
      if (i === 0) sizeAfterFirst = p.memorySize
    }
    const echo = await p.send({ action: "Echo", data })
    assert.equal(echo.Messages[0].Data.length, data.length, "an 8 MiB Echo still works")
    const stats = JSON.parse((await p.send({ action: "Stats" })).Messages[0].Data)
    assert.equal(stats.count, 0, "every trapped Panic was undone")
    // Before: every trap left 8 MiB the allocator could never use again.
    assert.ok(p.memorySize <= sizeAfterFirst + 24 * MiB, `memory grew from ${sizeAfterFirst} to ${p.memorySize} bytes over 8 traps`)
  })

  test(`the process' Memory-Limit refuses what would pass it, and the inbox is bounded in bytes (ping, ${modeName(unsafeMemory)})`, { timeout: 300_000 }, async () => {
    const p = await AoProcess.load(readModule("ping"), { unsafeMemory })
    p.env = makeEnv({ process: p.process, owner: p.owner, module: p.module, processTags: { "Memory-Limit": "64-mb" } })
    const spawned = await p.deliver(spawnMessage({ process: p.process, owner: p.owner, module: p.module }))
    assert.equal(spawned.Error, undefined, spawned.Error)

    // 30 unhandled 2 MiB messages: the inbox keeps at most 8 MiB of them.
    for (let i = 0; i < 30; i++) {
      const res = await tryDeliver(p, { action: "Nobody-Handles-This", data: "i".repeat(2 * MiB) })
      assert.equal(res.trapped, undefined, `unhandled message ${i} trapped`)
      assert.equal(res.Error, undefined, res.Error)
    }
    assert.ok(p.memorySize < 48 * MiB, `memory is ${p.memorySize} bytes after 30 unhandled 2 MiB messages`)

    // Store 4 MiB items until the limit: an Error, never a trap, and the state stays.
    let stored = 0
    let refused
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await tryDeliver(p, { action: "Store", data: "s".repeat(4 * MiB) })
      assert.equal(res.trapped, undefined, `Store ${i} trapped: ${res.trapped}`)
      if (res.Error) refused = res.Error
      else stored++
    }
    assert.match(refused ?? "", /over the process' limit of 67108864/)
    assert.ok(stored >= 3, `stored ${stored} items before the limit`)
    const stats = JSON.parse((await p.send({ action: "Stats" })).Messages[0].Data)
    assert.equal(stats.stored, stored, "what was stored before the refusal is intact")
    assert.ok(p.memorySize <= 64 * MiB + 16 * MiB, `memory is ${p.memorySize} bytes`)
  })
}

// HyperBEAM's json-iface with the process' instance kept between messages: the trapped
// call's memory stays as it was, and HyperBEAM never frees the arguments it malloc'ed.
const hbEnv = makeEnv({ withModule: false })
const hbMessage = fields => {
  const m = makeMessage(fields)
  delete m.Module
  return m
}

test("a kept HyperBEAM instance: an 8 MiB Broadcast to 520 members is an Error, then a 10 KB one works (chat)", { timeout: 300_000 }, async () => {
  const p = await HyperBeamProcess.create(readModule("chat", { crate: "aoxide-chat" }), hbEnv, { kept: true })
  assert.equal((await p.deliver(spawnMessage())).Error, undefined)
  for (let i = 0; i < 520; i++) {
    const member = id(`MEMBER-${i}`)
    const res = await p.deliver(hbMessage({ action: "Register", owner: member, from: member }))
    assert.equal(res.Error, undefined, res.Error ?? String(res.trapped))
  }
  const stranger = id("STRANGER")
  const big = await p.deliver(hbMessage({ action: "Broadcast", data: "b".repeat(8 * MiB - 4096), owner: stranger, from: stranger }))
  assert.equal(big.trapped, undefined, `the big Broadcast trapped: ${big.trapped}`)
  assert.match(big.Error ?? "", /over the limit of 16777216/)

  const small = await p.deliver(hbMessage({ action: "Broadcast", data: "s".repeat(10 * 1024), owner: stranger, from: stranger }))
  assert.equal(small.trapped, undefined, `the 10 KB Broadcast trapped: ${small.trapped}`)
  assert.equal(small.Error, undefined, small.Error)
  assert.equal(small.Messages.filter(m => tagValue(m, "Action") === "Broadcast-Notice").length, 520)
})

test("a kept HyperBEAM instance: calls that trapped holding 8 MiB do not cripple it (ping)", { timeout: 300_000 }, async () => {
  const p = await HyperBeamProcess.create(readModule("ping"), hbEnv, { kept: true })
  assert.equal((await p.deliver(spawnMessage())).Error, undefined)
  const data = "p".repeat(8 * MiB - 4096)
  let sizeAfterFirst = 0
  for (let i = 0; i < 8; i++) {
    const res = await p.deliver(hbMessage({ action: "Panic", data }))
    assert.ok(res.trapped, "Panic traps in wasm")
    const echo = await p.deliver(hbMessage({ action: "Echo", data: "e".repeat(10 * 1024) }))
    assert.equal(echo.trapped, undefined, `a 10 KB Echo after trap ${i} trapped: ${echo.trapped}`)
    assert.equal(echo.Error, undefined, echo.Error)
    assert.equal(echo.Messages[0].Data.length, 10 * 1024)
    if (i === 0) sizeAfterFirst = p.memorySize
  }
  const echo = await p.deliver(hbMessage({ action: "Echo", data }))
  assert.equal(echo.Messages?.[0]?.Data.length, data.length, "an 8 MiB Echo still works")
  const stats = JSON.parse((await p.deliver(hbMessage({ action: "Stats" }))).Messages[0].Data)
  assert.equal(stats.count, 0, "every trapped Panic was undone")
  // Before: every trap kept its 8 MiB argument allocated (HyperBEAM never frees it).
  assert.ok(p.memorySize <= sizeAfterFirst + 24 * MiB, `memory grew from ${sizeAfterFirst} to ${p.memorySize} bytes over 8 traps`)
})
