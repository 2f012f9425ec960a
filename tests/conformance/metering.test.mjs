// The metering format: ao-loader rewrites the binary to count gas with a parser that knows
// no bulk-memory opcodes, so the lowered build (ping.metering.wasm) is the one to publish
// with Module-Format wasm32-unknown-emscripten-metering.
import assert from "node:assert/strict"
import { describe, it } from "node:test"

import { AoProcess, METERING_FORMAT, readModule, stats, assertReply, assertError } from "./lib/index.mjs"

const metered = readModule("ping", { variant: "metering" })
const plain = readModule("ping")

describe("ao-loader, wasm32-unknown-emscripten-metering", () => {
  it("runs the lowered module, reports gas, and carries state", async () => {
    const p = await AoProcess.spawn(metered, { format: METERING_FORMAT })
    const res = await p.send({ action: "Ping" })
    assertReply(res, "Pong", "pong")
    assert.ok(res.GasUsed > 1_000_000, `gas used: ${res.GasUsed}`)
    assertReply(await p.send({ action: "Increment", tags: { By: "2" } }), "Incremented", "2")
    assertError(await p.send({ action: "Fail" }), /Fail always fails/)
    const fresh = await p.fork()
    assertReply(await fresh.send({ action: "Count" }), "Count", "2")
    const data = "m".repeat(1024 * 1024)
    assertReply(await fresh.send({ action: "Echo", data }), "Echo", data)
    assert.equal((await stats(fresh)).count, 2)
  })

  it("stops a call that runs out of gas", async () => {
    // Even the spawn costs more than 1000 gas.
    await assert.rejects(AoProcess.spawn(metered, { format: METERING_FORMAT, computeLimit: 1_000 }), /out of gas/)
  })

  it("cannot meter the module that was not lowered (bulk-memory opcodes)", async () => {
    await assert.rejects(AoProcess.spawn(plain, { format: METERING_FORMAT }))
  })
})
