// Long generated message sequences for the determinism test: the same on every run (an LCG,
// no Math.random), built ONCE as message objects (ids, timestamps and nonces fixed), so that
// every host replays byte-identical JSON.
import { id, makeEnv, makeMessage, spawnMessage } from "./messages.mjs"

/** A deterministic generator of 32-bit values. */
function lcg(seed) {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0)
}

const common = i => ({ msgId: id(`MSG-${String(i).padStart(6, "0")}`), timestamp: 1_700_000_000_000 + i * 1000, blockHeight: 1000 + i })

/**
 * Ping: increments, stores that grow memory past 20 MiB, echoes, failing handlers,
 * dry-runs, unhandled messages. `{ env, messages }`, the spawn first.
 */
export function pingSequence(n = 300) {
  const next = lcg(0x2545f491)
  const messages = [spawnMessage()]
  for (let i = 0; i < n; i++) {
    const r = next() % 100
    const c = common(i)
    if (r < 30) messages.push(makeMessage({ action: "Increment", tags: { By: String(next() % 1000) }, ...c }))
    else if (r < 45) messages.push(makeMessage({ action: "Store", data: "s".repeat(next() % (i > 200 ? 1_500_000 : 60_000)), ...c }))
    else if (r < 60) messages.push(makeMessage({ action: "Echo", data: "e".repeat(next() % 5000), ...c }))
    else if (r < 70) messages.push(makeMessage({ action: "Fail", data: "f", ...c }))
    else if (r < 80) messages.push(makeMessage({ action: "Increment", readOnly: true, ...c }))
    else if (r < 90) messages.push(makeMessage({ action: "Unknown-" + (next() % 5), data: "u".repeat(next() % 2000), ...c }))
    else messages.push(makeMessage({ action: "Stats", ...c }))
  }
  return { env: makeEnv(), messages }
}

/**
 * The token blueprint: the process hands out units, accounts transfer among themselves
 * (some too much: Transfer-Error; some malformed: Error), X- tags, Cast, Mint, Burn,
 * balance reads, dry-runs, unhandled messages, and Data up to 3 MB that grows memory.
 * `{ env, messages }`, the spawn first.
 */
export function tokenSequence(n = 300) {
  const next = lcg(0x1b873593)
  const env = makeEnv()
  const pid = env.Process.Id
  const accounts = Array.from({ length: 40 }, (_, k) => id(`ACCOUNT-${k}`))
  const pick = () => accounts[next() % accounts.length]
  const messages = [spawnMessage({ tags: { Ticker: "DET", Name: "determinism" } })]
  for (let i = 0; i < n; i++) {
    const r = next() % 100
    const c = common(i)
    const self = { from: pid, owner: pid }
    const who = pick()
    const as = { from: who, owner: who }
    if (r < 20) messages.push(makeMessage({ action: "Transfer", tags: { Recipient: pick(), Quantity: String(1 + (next() % 100000)) }, ...self, ...c }))
    else if (r < 40) {
      const tags = { Recipient: pick(), Quantity: String(1 + (next() % 5000)) }
      for (let k = next() % 4; k > 0; k--) tags[`X-Note-${k}`] = "n".repeat(next() % 200)
      if (next() % 10 === 0) tags.Cast = "true"
      messages.push(makeMessage({ action: "Transfer", tags, ...as, ...c }))
    } else if (r < 45) messages.push(makeMessage({ action: "Transfer", tags: { Recipient: pick(), Quantity: ["-5", "0", "abc", "007"][next() % 4] }, ...as, ...c }))
    else if (r < 55) messages.push(makeMessage({ action: "Transfer", tags: { Recipient: pick(), Quantity: "1" }, data: "d".repeat(next() % (i > 200 ? 3_000_000 : 200_000)), ...self, ...c }))
    else if (r < 62) messages.push(makeMessage({ action: "Balance", tags: { Target: pick() }, ...as, ...c }))
    else if (r < 66) messages.push(makeMessage({ action: "Balances", ...as, ...c }))
    else if (r < 70) messages.push(makeMessage({ action: "Mint", tags: { Quantity: String(1 + (next() % 1000)) }, ...(next() % 2 ? self : as), ...c }))
    else if (r < 75) messages.push(makeMessage({ action: "Burn", tags: { Quantity: String(1 + (next() % 300)) }, ...as, ...c }))
    else if (r < 82) messages.push(makeMessage({ action: "Transfer", tags: { Recipient: pick(), Quantity: "3" }, readOnly: true, ...self, ...c }))
    else if (r < 90) messages.push(makeMessage({ action: "Unknown-" + (next() % 3), data: "u".repeat(next() % 100_000), ...as, ...c }))
    else if (r < 95) messages.push(makeMessage({ action: "Info", ...as, ...c }))
    else messages.push(makeMessage({ action: "Total-Supply", ...as, ...c }))
  }
  return { env, messages }
}
