// Awaiting a reply (issue 9 item 1) under the real @permaweb/ao-loader: the auction example
// keeps its pending continuations in linear memory, so a FRESH ao-loader instance restored
// from the memory resumes them; a forged answer resumes nothing. Both memory modes.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, HyperBeamInstance, makeEnv, makeMessage, readModule, spawnMessage, tagValue, id } from "./lib/index.mjs"

const TOKEN = id("TOKEN")
const BOB = id("BOB")
const MALLORY = id("MALLORY")
const LATER = 1_800_000_000_000

const MODES = [
  { name: "copying", unsafeMemory: false },
  { name: "UNSAFE_MEMORY", unsafeMemory: true },
]

const withAction = (res, action) => (res.Messages ?? []).filter(m => tagValue(m, "Action") === action)

for (const mode of MODES) {
  test(`auction awaits the token's answers under ao-loader, ${mode.name}`, async () => {
    const p = await AoProcess.load(readModule("auction"), { unsafeMemory: mode.unsafeMemory })
    let res = await p.deliver(spawnMessage({ process: p.process, owner: p.owner, module: p.module, tags: { Token: TOKEN, Duration: "1000" } }))
    assert.equal(res.Error, undefined, res.Error)
    const info = withAction(res, "Info")[0]
    assert.equal(info.Target, TOKEN, "at spawn it asks the token for Info")

    // The token's Info reply (no Action, like the token blueprint's) resumes the spawn-time wait.
    res = await p.send({ from: TOKEN, owner: TOKEN, tags: { "X-Reference": tagValue(info, "Reference"), ticker: "COIN" } })
    assert.equal(res.Error, undefined, res.Error)

    res = await p.send({ from: TOKEN, owner: TOKEN, action: "Credit-Notice", tags: { Sender: BOB, Quantity: "25" } })
    assert.equal(res.Error, undefined, res.Error)
    assert.equal(withAction(res, "Bid-Accepted")[0]?.Target, BOB)

    res = await p.send({ from: BOB, owner: BOB, action: "Settle", timestamp: LATER })
    assert.equal(res.Error, undefined, res.Error)
    const payout = withAction(res, "Transfer")[0]
    assert.equal(payout.Target, TOKEN)
    assert.equal(tagValue(payout, "Quantity"), "25")
    const reference = tagValue(payout, "Reference")

    // A fresh instance from the memory (a compute unit restoring a checkpoint).
    const fresh = await p.fork()
    const answer = from => ({ from, owner: from, action: "Debit-Notice", tags: { "X-Reference": reference }, timestamp: LATER + 10 })
    res = await fresh.send(answer(MALLORY))
    assert.equal(res.Error, undefined, res.Error)
    assert.deepEqual(withAction(res, "Auction-Won"), [], "a forged answer resumes nothing")

    res = await fresh.send(answer(TOKEN))
    assert.equal(res.Error, undefined, res.Error)
    assert.equal(withAction(res, "Auction-Won")[0]?.Target, BOB, "the token's answer resumes the payout")

    res = await fresh.send(answer(TOKEN))
    assert.deepEqual(withAction(res, "Auction-Won"), [], "resumed once")

    const state = JSON.parse((await fresh.dryRun({ action: "Auction-Info", timestamp: LATER + 20 })).Messages[0].Data)
    assert.equal(state.phase, "Paid")
    assert.equal(state.ticker, "COIN")
  })
}

// HyperBEAM's json-iface: no Timestamp in messages, no Module in the env, and every message
// in a FRESH instance restored from the previous snapshot (issue 9 items 1 and 6).
const hbEnv = makeEnv({ withModule: false })
const noTime = m => {
  delete m.Timestamp
  delete m["Block-Height"]
  delete m.Module
  return m
}

class HyperBeamProcess {
  constructor(module) {
    this.module = module
    this.snapshot = null
  }
  async deliver(msg) {
    const hb = await HyperBeamInstance.create(this.module, { snapshot: this.snapshot })
    const out = hb.call(msg, hbEnv)
    assert.equal(out.ok, true)
    this.snapshot = hb.snapshot()
    return out.response
  }
}

test("HyperBEAM-style host: time is never a made-up 0, and waits survive fresh instances", async () => {
  const module = await WebAssembly.compile(readModule("auction"))
  const tags = { Token: TOKEN, Duration: "1000" }

  // No Timestamp and none seen: the spawn says so instead of ending the auction at 1000 ms.
  const timeless = new HyperBeamProcess(module)
  let res = await timeless.deliver(noTime(spawnMessage({ tags })))
  assert.match(res.Error, /no time is known/)

  // A spawn with a Timestamp: later messages without one fall back to it (never to 0).
  const p = new HyperBeamProcess(module)
  const spawn = spawnMessage({ tags })
  res = await p.deliver(spawn)
  assert.equal(res.Error, undefined, res.Error)
  const info = withAction(res, "Info")[0]
  res = await p.deliver(noTime(makeMessage({ from: TOKEN, owner: TOKEN, tags: { "X-Reference": tagValue(info, "Reference"), ticker: "COIN" } })))
  assert.equal(res.Error, undefined, res.Error)
  res = await p.deliver(noTime(makeMessage({ from: TOKEN, owner: TOKEN, action: "Credit-Notice", tags: { Sender: BOB, Quantity: "7" } })))
  assert.equal(withAction(res, "Bid-Accepted")[0]?.Target, BOB, "open at the last known time")
  res = await p.deliver(noTime(makeMessage({ from: BOB, owner: BOB, action: "Settle" })))
  assert.match(res.Error, new RegExp(`runs until ${spawn.Timestamp + 1000}; it is ${spawn.Timestamp}`))
  res = await p.deliver(noTime(makeMessage({ action: "Auction-Info", readOnly: true })))
  const state = JSON.parse(res.Messages[0].Data)
  assert.equal(state.ticker, "COIN", "the spawn-time wait resumed in a fresh instance")
  assert.equal(state.best.bidder, BOB)
})
