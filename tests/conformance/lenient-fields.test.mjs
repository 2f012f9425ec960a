// The lenient-field rules of `aoxide::protocol` hold in the module under ao-loader, as
// natively (the module runs the same reader): `Read-Only: "yes"` and `Timestamp: "+5"`
// are errors that change nothing; a lone surrogate in a tag value reads as U+FFFD.
import assert from "node:assert/strict"
import { describe, it } from "node:test"

import { AoProcess, readModule, makeMessage, firstReply } from "./lib/index.mjs"

const wasm = readModule("ping")

describe("lenient fields under ao-loader", () => {
  it("refuses what the protocol table refuses and keeps the state", async () => {
    const p = await AoProcess.spawn(wasm)
    const count = async () => firstReply(await p.send({ action: "Count" })).data
    await p.send({ action: "Increment", tags: { By: "3" } })
    assert.equal(await count(), "3")

    const readOnlyYes = { ...makeMessage({ action: "Increment", tags: { By: "1" } }), "Read-Only": "yes" }
    const res1 = await p.deliver(readOnlyYes)
    assert.match(res1.Error ?? "", /expected a boolean, got \\?"yes\\?"/)

    const plusFive = { ...makeMessage({ action: "Increment", tags: { By: "1" } }), Timestamp: "+5" }
    const res2 = await p.deliver(plusFive)
    assert.match(res2.Error ?? "", /expected an integer, got \\?"\+5\\?"/)
    assert.equal(await count(), "3", "neither message changed anything")

    // JSON.stringify writes a lone surrogate as a \ud800 escape: read as U+FFFD.
    const res3 = await p.send({ action: "Increment", tags: { By: "2", Note: "a\ud800b" } })
    assert.equal(res3.Error, undefined)
    assert.equal(await count(), "5")
  })
})
