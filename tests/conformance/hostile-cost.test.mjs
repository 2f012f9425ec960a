// Issue 11 item 1 under ao-loader: one message costs O(its size). A Transfer carrying
// 64,000 `X-*` tags (about 2 MB) once took 86 s (every forwarded tag was looked up by a
// linear scan, twice); tag lookups are indexed now. The time bound below is a hang guard,
// not a benchmark (benches/node/size-scaling.mjs measures the cost per byte): linear cost
// is well under a second here, the quadratic one was 86 s.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, id, readModule, tagValue } from "./lib/index.mjs"

const HANG_GUARD_MS = 20_000

test("a Transfer with 64,000 X- tags forwards them all in linear time (token, copying)", { timeout: 120_000 }, async () => {
  const p = await AoProcess.spawn(readModule("token", { crate: "aoxide-token" }))
  const recipient = id("RECIPIENT")
  const tags = [
    { name: "Recipient", value: recipient },
    { name: "Quantity", value: "7" },
  ]
  const N = 64_000
  for (let i = 0; i < N; i++) tags.push({ name: `X-T${i}`, value: `v${i}` })
  // A repeated name: only its first value is forwarded.
  tags.push({ name: "X-T0", value: "second" })
  const started = performance.now()
  const res = await p.send({ action: "Transfer", tags, from: p.process, owner: p.process })
  const ms = performance.now() - started
  assert.equal(res.Error, undefined, res.Error)
  const debit = res.Messages.find(m => tagValue(m, "Action") === "Debit-Notice")
  const credit = res.Messages.find(m => tagValue(m, "Action") === "Credit-Notice")
  for (const notice of [debit, credit]) {
    const x = notice.Tags.filter(t => t.name.startsWith("X-"))
    // X-Reference is added to the reply; the rest are the forwarded tags, once each.
    const forwarded = x.filter(t => t.name !== "X-Reference")
    assert.equal(forwarded.length, N)
    assert.equal(tagValue(notice, "X-T0"), "v0")
    assert.equal(tagValue(notice, `X-T${N - 1}`), `v${N - 1}`)
  }
  console.log(`# 64,000 X- tags: ${ms.toFixed(0)} ms`)
  assert.ok(ms < HANG_GUARD_MS, `the Transfer took ${ms.toFixed(0)} ms (hang guard ${HANG_GUARD_MS} ms)`)
})
