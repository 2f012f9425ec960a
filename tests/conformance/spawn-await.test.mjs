// Spawn-and-await (issue 9 item 1) under the real @permaweb/ao-loader: kv-store's Spawn-Child
// spawns a process and awaits its `Spawned` notice with a continuation kept in linear
// memory, so a FRESH ao-loader instance restored from the memory resumes it. The notice
// counts only from the process itself, signed by an authority; a forged one resumes
// nothing. Both memory modes.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, id, makeEnv, readModule, spawnMessage, tagValue } from "./lib/index.mjs"

const MU = id("MESSENGER")
const CHILD = id("CHILD")
const MALLORY = id("MALLORY")
const ALICE = id("ALICE")

const childSpawned = res => (res.Messages ?? []).filter(m => tagValue(m, "Action") === "Child-Spawned")

for (const unsafeMemory of [false, true]) {
  test(`kv-store awaits the Spawned notice across a restored instance (${unsafeMemory ? "UNSAFE_MEMORY" : "copying"})`, async () => {
    const p = await AoProcess.load(readModule("kv-store"), { unsafeMemory })
    p.env = makeEnv({ process: p.process, owner: p.owner, module: p.module, processTags: { Authority: MU } })
    let res = await p.deliver(spawnMessage({ process: p.process, owner: p.owner, module: p.module }))
    assert.equal(res.Error, undefined, res.Error)

    res = await p.send({ action: "Spawn-Child", tags: { "Child-Module": id("CHILD-MODULE") }, from: ALICE, owner: ALICE })
    assert.equal(res.Error, undefined, res.Error)
    assert.equal(res.Spawns.length, 1)
    const reference = tagValue(res.Spawns[0], "Reference")
    assert.match(reference, /^\d+$/)

    const fresh = await p.fork()
    const notice = (from, owner) => ({ action: "Spawned", from, owner, tags: { Reference: reference, Process: CHILD } })
    for (const [from, owner] of [[MALLORY, MU], [p.process, MALLORY], [MALLORY, MALLORY]]) {
      res = await fresh.send(notice(from, owner))
      assert.deepEqual(childSpawned(res), [], `a notice from ${from} signed by ${owner} resumes nothing`)
    }
    res = await fresh.send(notice(p.process, MU))
    assert.equal(res.Error, undefined, res.Error)
    const told = childSpawned(res)
    assert.equal(told.length, 1, "the messenger's notice resumes the spawn")
    assert.equal(told[0].Target, ALICE, "the continuation answers whoever asked")
    assert.equal(tagValue(told[0], "Process"), CHILD)

    res = await fresh.send(notice(p.process, MU))
    assert.deepEqual(childSpawned(res), [], "resumed once")
  })
}
