// Helpers specific to the ping example module (examples/ping).
import assert from "node:assert/strict"

import { firstReply } from "./messages.mjs"

/** Sends Stats and returns the parsed stats object (count, pings, stored, storedBytes, checksum, ...). */
export async function stats(p) {
  const res = await p.send({ action: "Stats" })
  assert.equal(res.Error, undefined, `Stats failed: ${res.Error}`)
  const reply = firstReply(res)
  assert.equal(reply?.action, "Stats")
  return JSON.parse(reply.data)
}

/** Asserts a result is a success whose first reply has `action` (and `data`, when given). */
export function assertReply(res, action, data) {
  assert.equal(res.Error, undefined, `unexpected Error: ${res.Error}`)
  const reply = firstReply(res)
  assert.ok(reply, `no reply in ${JSON.stringify(res).slice(0, 300)}`)
  assert.equal(reply.action, action)
  if (data !== undefined) assert.equal(reply.data, data)
  return reply
}

/** Asserts a result is an Error result (mentioning `pattern`, when given) with no messages. */
export function assertError(res, pattern) {
  assert.equal(typeof res.Error, "string", `expected an Error, got ${JSON.stringify(res).slice(0, 300)}`)
  if (pattern) assert.match(res.Error, pattern)
  assert.deepEqual(res.Messages ?? [], [])
  assert.deepEqual(res.Spawns ?? [], [])
  assert.deepEqual(res.Assignments ?? [], [])
}

/** FNV-1a 64 over the items each followed by 0xff: the checksum ping's Stats reports. */
export function checksum(items) {
  // 64-bit arithmetic in two 32-bit halves (BigInt per byte is far too slow for megabytes).
  // prime = 2^40 + 0x1b3, so h * prime = h * 0x1b3 + (h << 40).
  let hi = 0xcbf29ce4
  let lo = 0x84222325
  const enc = new TextEncoder()
  const step = b => {
    lo = (lo ^ b) >>> 0
    const low = lo * 0x1b3
    const carry = Math.floor(low / 0x100000000)
    hi = (hi * 0x1b3 + carry + ((lo & 0xffffff) * 256)) % 0x100000000
    lo = low % 0x100000000
  }
  for (const item of items) {
    for (const b of enc.encode(item)) step(b)
    step(0xff)
  }
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString()
}
