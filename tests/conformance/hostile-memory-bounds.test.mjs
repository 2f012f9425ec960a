// Issue 11 item 4 under ao-loader, both memory modes, on the token blueprint: refused or
// unhandled input does not stay in memory longer than its call.
//
// - A refused 32 MiB message (over the 8 MiB message limit) once left 57 MiB. Memory cannot
//   shrink once grown, so the check is that the space is free again: right after it, an
//   8 MiB message is handled without memory growing at all.
// - 30 unhandled 8 MiB messages once left 308 MiB, and a small Transfer under the copying
//   loader then took 681 ms instead of 5.6 ms (the loader copies the whole memory per
//   message). The inbox is bounded in bytes, so memory stops growing after the first few
//   and stays far below that; the small Transfer then costs what memory costs. Asserted on
//   memory size, not on time.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, id, readModule, tagValue } from "./lib/index.mjs"

const MiB = 1024 * 1024
const token = () => readModule("token", { crate: "aoxide-token" })
const modeName = u => (u ? "UNSAFE_MEMORY" : "copying")

for (const unsafeMemory of [false, true]) {
  test(`a refused 32 MiB message leaves its space free (token, ${modeName(unsafeMemory)})`, { timeout: 300_000 }, async () => {
    const p = await AoProcess.spawn(token(), { unsafeMemory })
    const res = await p.send({ action: "Balance", data: "x".repeat(32 * MiB) })
    assert.match(res.Error ?? "", /over the limit of 8388608 bytes/)
    const grown = p.memorySize
    assert.ok(grown < 40 * MiB, `memory is ${grown} bytes after the refusal (the 32 MiB argument and little more)`)

    // The argument's space is free: an 8 MiB message and its parsed copy fit in it.
    const transfer = await p.send({ action: "Transfer", from: p.process, owner: p.process, tags: { Recipient: id("BOB"), Quantity: "5" }, data: "d".repeat(8 * MiB - 64 * 1024) })
    assert.equal(transfer.Error, undefined, transfer.Error)
    assert.equal(p.memorySize, grown, "handling an 8 MiB message after the refusal did not grow memory")
  })

  test(`30 unhandled 8 MiB messages leave memory bounded, and a small Transfer works (token, ${modeName(unsafeMemory)})`, { timeout: 600_000 }, async () => {
    const p = await AoProcess.spawn(token(), { unsafeMemory })
    const sizes = []
    for (let i = 0; i < 30; i++) {
      const res = await p.send({ action: "Nobody-Handles-This", data: "u".repeat(8 * MiB - 64 * 1024) })
      assert.equal(res.Error, undefined, res.Error)
      sizes.push(p.memorySize)
    }
    // Nothing accumulates: the inbox keeps at most 8 MiB of unhandled messages.
    assert.ok(sizes[29] <= sizes[9] + 8 * MiB, `memory grew from ${sizes[9]} to ${sizes[29]} bytes over messages 10 to 30`)
    assert.ok(sizes[29] < 64 * MiB, `memory is ${sizes[29]} bytes after 30 unhandled 8 MiB messages (was 308 MiB)`)

    const before = p.memorySize
    const res = await p.send({ action: "Transfer", from: p.process, owner: p.process, tags: { Recipient: id("BOB"), Quantity: "5" } })
    assert.equal(res.Error, undefined, res.Error)
    assert.ok(res.Messages.some(m => tagValue(m, "Action") === "Debit-Notice"))
    assert.equal(p.memorySize, before, "the small Transfer needed no more memory")
  })
}
