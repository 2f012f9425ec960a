// Issue 11 item 5 under ao-loader: identity comes from the env. A stranger's first message
// carrying `Type=Process` (its id is not the process id) neither becomes the owner nor
// feeds `init`; the spawn is the message whose id is the process id.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, firstReply, id, makeEnv, readModule, spawnMessage, PROCESS } from "./lib/index.mjs"

const wasm = readModule("counter")
const STRANGER = id("STRANGER")

for (const unsafeMemory of [false, true]) {
  test(`a forged Type=Process first message takes nothing (counter, ${unsafeMemory ? "UNSAFE_MEMORY" : "copying"})`, async () => {
    const p = await AoProcess.load(wasm, { unsafeMemory })
    // The env says who spawned the process (and the spawn's tags: Start = 5).
    p.env = makeEnv({ process: p.process, owner: p.owner, module: p.module, processTags: { Start: "5" } })
    const forged = spawnMessage({ process: p.process, owner: STRANGER, tags: { Start: "1000" } })
    forged.Id = id("FORGED-SPAWN")
    assert.equal(forged.From, STRANGER)
    let res = await p.deliver(forged)
    assert.equal(res.Error, undefined, res.Error)

    const get = async () => firstReply(await p.send({ action: "Get" })).data
    assert.equal(await get(), "5", "init read the env's spawn tags, not the stranger's")

    // The stranger is not the owner: its Reset matches no handler.
    await p.send({ action: "Reset", owner: STRANGER, from: STRANGER })
    assert.equal(await get(), "5")
    res = await p.send({ action: "Reset" })
    assert.equal(res.Output.data, "counter reset", "the env's owner is the owner")

    // The real spawn afterwards is an ordinary message: it changes nothing.
    res = await p.deliver(spawnMessage({ process: PROCESS, owner: p.owner, tags: { Start: "77" } }))
    assert.equal(await get(), "0")
  })
}
