// Assignments under ao-loader: a message addressed (Target) to another process, given to
// this one by a scheduler, is refused unless the process takes it, as AOS 2.0.4 refuses it
// without `ao.addAssignable`. Without that, a Transfer Alice signed for one token, assigned
// to another token where she holds a balance, would move her funds there.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, firstReply, id, makeMessage, readModule } from "./lib/index.mjs"

const ALICE = id("ALICE")
const BOB = id("BOB")
const OTHER_TOKEN = id("OTHER-TOKEN")
const stripAnsi = s => String(s).replace(/\x1b\[[0-9;]*m/g, "")

for (const unsafeMemory of [false, true]) {
  const mode = unsafeMemory ? "UNSAFE_MEMORY" : "copying"

  test(`the token refuses a Transfer assigned from another token (${mode})`, async () => {
    const p = await AoProcess.spawn(readModule("token"), { unsafeMemory })
    // The supply starts at the process; it funds Alice.
    await p.send({ action: "Transfer", tags: { Recipient: ALICE, Quantity: "100" }, from: p.process, owner: p.process })
    const balance = async who => firstReply(await p.send({ action: "Balance", tags: { Target: who } })).data
    assert.equal(await balance(ALICE), "100")
    // Alice's Transfer for the other token, assigned to this one.
    const res = await p.deliver(makeMessage({ process: OTHER_TOKEN, owner: ALICE, from: ALICE, action: "Transfer", tags: { Recipient: BOB, Quantity: "60" } }))
    assert.equal(res.Error, undefined, res.Error)
    assert.deepEqual(res.Messages, [])
    assert.match(res.Output.data, /^Assignment is not trusted! From: /)
    assert.equal(await balance(ALICE), "100")
    assert.equal(await balance(BOB), "0")
    // Addressed to this token, the same Transfer goes through.
    await p.send({ action: "Transfer", tags: { Recipient: BOB, Quantity: "60" }, owner: ALICE, from: ALICE })
    assert.equal(await balance(BOB), "60")
  })

  test(`a Lua process takes an assignment once ao.addAssignable names it (${mode})`, { skip: process.env.AOXIDE_SKIP_LUA ? "no Lua toolchain" : false }, async () => {
    const p = await AoProcess.spawn(readModule("lua-aos", { crate: "example-lua-aos" }), { unsafeMemory })
    await p.send({ action: "Eval", data: `Handlers.add("Hit", "Hit", function() Hits = (Hits or 0) + 1 end)` })
    const assigned = () => p.deliver(makeMessage({ process: OTHER_TOKEN, owner: BOB, from: BOB, action: "Hit" }))
    const hits = async () => stripAnsi((await p.send({ action: "Eval", data: "return tostring(Hits)" })).Output.data)
    let res = await assigned()
    assert.match(res.Output.data, /^Assignment is not trusted! From: /)
    assert.equal(await hits(), "nil")
    await p.send({ action: "Eval", data: `ao.addAssignable("hits", { Action = "Hit" })` })
    res = await assigned()
    assert.equal(res.Error, undefined, res.Error)
    assert.equal(await hits(), "1")
  })
}
