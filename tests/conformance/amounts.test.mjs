// U256 amounts are decimal strings in every serde path (issue 9 item 5), through the built
// auction module under the real @permaweb/ao-loader: amounts past 2^128 go in as decimal
// tags, live in state, and come out decimal in the Auction-Info JSON (serde), in the refund
// and payout tags, and again from a fresh instance restored from the memory.
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, id, readModule, spawnMessage, tagValue } from "./lib/index.mjs"

const TOKEN = id("TOKEN")
const BOB = id("BOB")
const CAROL = id("CAROL")
const RESERVE = (2n ** 200n).toString()
const FIRST = (2n ** 200n + 1n).toString()
const SECOND = (2n ** 255n + 7n).toString()
const T0 = 1_700_000_000_000

const withAction = (res, action) => (res.Messages ?? []).filter(m => tagValue(m, "Action") === action)

test("amounts past 2^128 are decimal in the auction module's JSON and tags under ao-loader", async () => {
  const p = await AoProcess.load(readModule("auction"))
  let res = await p.deliver(spawnMessage({ process: p.process, owner: p.owner, module: p.module, tags: { Token: TOKEN, Duration: "100000", Reserve: RESERVE } }))
  assert.equal(res.Error, undefined, res.Error)
  const credit = (sender, quantity, i) => p.send({ from: TOKEN, owner: TOKEN, action: "Credit-Notice", tags: { Sender: sender, Quantity: quantity }, timestamp: T0 + i })

  res = await credit(BOB, FIRST, 1)
  assert.equal(res.Error, undefined, res.Error)
  assert.equal(tagValue(withAction(res, "Bid-Accepted")[0], "Quantity"), FIRST)
  let state = JSON.parse((await p.send({ action: "Auction-Info", timestamp: T0 + 2 })).Messages[0].Data)
  assert.equal(state.reserve, RESERVE)
  assert.equal(state.best.amount, FIRST)

  res = await credit(CAROL, SECOND, 3)
  const refund = withAction(res, "Transfer")[0]
  assert.equal(tagValue(refund, "Recipient"), BOB)
  assert.equal(tagValue(refund, "Quantity"), FIRST)

  const fresh = await p.fork()
  state = JSON.parse((await fresh.send({ action: "Auction-Info", timestamp: T0 + 4 })).Messages[0].Data)
  assert.deepEqual([state.reserve, state.best.amount, state.best.bidder], [RESERVE, SECOND, CAROL])
  res = await fresh.send({ action: "Settle", timestamp: T0 + 200_000 })
  assert.equal(res.Error, undefined, res.Error)
  assert.equal(tagValue(withAction(res, "Transfer")[0], "Quantity"), SECOND)
})
