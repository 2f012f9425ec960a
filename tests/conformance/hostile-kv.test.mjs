// Issue 11 item 6 under ao-loader: the kv-store example's attacks. Set-Many obeys Set's
// 1 KiB value limit; a write's patch@1.0 stays small however large the store is; a Delete
// from a stranger is an Error that counts nothing and sends nothing.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, id, readModule, tagValue } from "./lib/index.mjs"

const wasm = readModule("kv-store")
const STRANGER = id("STRANGER")

for (const unsafeMemory of [false, true]) {
  test(`kv-store attacks hold (${unsafeMemory ? "UNSAFE_MEMORY" : "copying"})`, async () => {
    const p = await AoProcess.spawn(wasm, { unsafeMemory })
    const stranger = { owner: STRANGER, from: STRANGER }

    let res = await p.send({ action: "Set-Many", data: JSON.stringify({ a: "1", big: "x".repeat(1025) }), ...stranger })
    assert.match(res.Error ?? "", /over the limit of 1024/)
    res = await p.send({ action: "Get", tags: { Key: "a" } })
    assert.equal(tagValue(res.Messages[0], "Found"), "false", "nothing of the refused Set-Many stayed")

    // Fill the store with about 4 MB, then write one byte: the result stays small.
    const value = "v".repeat(1024)
    for (let batch = 0; batch < 40; batch++) {
      const pairs = {}
      for (let i = 0; i < 100; i++) pairs[`k${batch}-${i}`] = value
      res = await p.send({ action: "Set-Many", data: JSON.stringify(pairs), ...stranger })
      assert.equal(res.Error, undefined, res.Error)
    }
    res = await p.send({ action: "Set", tags: { Key: "one" }, data: "1", ...stranger })
    assert.equal(res.Error, undefined, res.Error)
    assert.ok(JSON.stringify(res).length < 4096, `a 1-byte Set returned ${JSON.stringify(res).length} bytes`)
    const patch = res.Messages.find(m => tagValue(m, "device") === "patch@1.0")
    assert.equal(patch.Tags.find(t => t.name === "writes")?.value, 41)

    res = await p.send({ action: "Delete", tags: { Key: "one" }, ...stranger })
    assert.match(res.Error ?? "", /only the owner or the process may delete/)
    assert.deepEqual(res.Messages ?? [], [], "a refused Delete sends no patch")
    res = await p.send({ action: "Delete", tags: { Key: "one" } })
    assert.equal(res.Error, undefined, res.Error)
    const after = res.Messages.find(m => tagValue(m, "device") === "patch@1.0")
    assert.equal(after.Tags.find(t => t.name === "writes")?.value, 42, "the refused Delete counted nothing")
  })
}
