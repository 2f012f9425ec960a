// Cost per byte of the largest admissible messages, per blueprint module and message shape,
// under @permaweb/ao-loader (copying memory, as compute units run it). Linear cost shows as
// a flat time per byte across sizes (issue 11 item 1: a 2 MB Transfer of 64,000 X- tags once
// took 86 s, quadratic).
//
//   node benches/node/size-scaling.mjs [--sizes 1,2,4,8] [--repeat 3] [--only token,game] [--json out.json]
//
// Sizes are MiB of message JSON; 8 (the default's last) is the largest a process admits:
// the message limit is 8 MiB of JSON, and the whole message is filled up to 8 MiB - 4 KiB.
// A message the module refused as too large fails the run. The summary gives, per shape, the time per byte at
// the largest size over the time per byte at the smallest: about 1 for linear cost, about
// the size ratio (8) for quadratic. Modules come from target/ao (build them with
// scripts/build-wasm.sh aoxide-token aoxide-chat aoxide-counter:counter-blueprint
// example-game example-kv-store).
import { writeFileSync } from "node:fs"

import { AoProcess, id, makeMessage, readModule } from "../../tests/conformance/lib/index.mjs"

const MiB = 1024 * 1024
const args = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const sizes = opt("--sizes", "1,2,4,8").split(",").map(Number)
const only = opt("--only", null)?.split(",")
const repeat = Number(opt("--repeat", "3"))
const jsonOut = opt("--json", null)

const RECIPIENT = id("RECIPIENT")
const PLAYER = id("PLAYER")

/** Tags filling about `bytes` of JSON, named `prefix<n>`. */
function fillTags(prefix, bytes) {
  const tags = []
  let used = 0
  for (let i = 0; used < bytes; i++) {
    const t = { name: `${prefix}${i}`, value: `v${i}` }
    used += t.name.length + t.value.length + 22
    tags.push(t)
  }
  return tags
}

/** Set-Many data of about `bytes`: pairs of 100-byte values. */
function fillPairs(bytes) {
  const pairs = {}
  const value = "v".repeat(100)
  for (let i = 0; i * 120 < bytes; i++) pairs[`k${i}`] = value
  return JSON.stringify(pairs)
}

const MODULES = [
  {
    name: "token",
    crate: "aoxide-token",
    shapes: {
      "X- tags (Transfer)": (p, bytes) => ({ action: "Transfer", from: p.process, owner: p.process, tags: [{ name: "Recipient", value: RECIPIENT }, { name: "Quantity", value: "1" }, ...fillTags("X-T", bytes)] }),
      "other tags (Transfer)": (p, bytes) => ({ action: "Transfer", from: p.process, owner: p.process, tags: [{ name: "Recipient", value: RECIPIENT }, { name: "Quantity", value: "1" }, ...fillTags("Y-T", bytes)] }),
      "Data (Transfer)": (p, bytes) => ({ action: "Transfer", from: p.process, owner: p.process, tags: { Recipient: RECIPIENT, Quantity: "1" }, data: "d".repeat(bytes) }),
    },
  },
  {
    name: "chat",
    crate: "aoxide-chat",
    // One member: a Broadcast's output is its data once, so the whole 8 MiB is admissible
    // (the output limit is 16 MiB).
    setup: async p => {
      await p.send({ action: "Register", from: id("M0"), owner: id("M0") })
    },
    shapes: {
      "tags (Broadcast)": (p, bytes) => ({ action: "Broadcast", tags: fillTags("X-T", bytes) }),
      "Data (Broadcast)": (p, bytes) => ({ action: "Broadcast", data: "d".repeat(bytes) }),
    },
  },
  {
    name: "counter-blueprint",
    crate: "aoxide-counter:counter-blueprint",
    shapes: {
      "tags (Increment)": (p, bytes) => ({ action: "Increment", tags: fillTags("X-T", bytes) }),
      "Data (Increment)": (p, bytes) => ({ action: "Increment", data: "d".repeat(bytes) }),
    },
  },
  {
    name: "game",
    crate: "example-game",
    setup: async p => {
      // A player with the welcome bonus, to stake from.
      const res = await p.send({ action: "Join", from: PLAYER, owner: PLAYER })
      if (res.Error) throw new Error(`Join failed: ${res.Error}`)
    },
    shapes: {
      "X- tags (Transfer)": (p, bytes) => ({ action: "Transfer", from: p.process, owner: p.process, tags: [{ name: "Recipient", value: RECIPIENT }, { name: "Quantity", value: "1" }, ...fillTags("X-T", bytes)] }),
      "tags (Guess)": (p, bytes) => ({ action: "Guess", from: PLAYER, owner: PLAYER, tags: [{ name: "Number", value: "3" }, { name: "Stake", value: "1" }, ...fillTags("Y-T", bytes)] }),
      "Data (Join)": (p, bytes) => ({ action: "Join", from: PLAYER, owner: PLAYER, data: "d".repeat(bytes) }),
    },
  },
  {
    name: "kv-store",
    crate: "example-kv-store",
    shapes: {
      "tags (Get)": (p, bytes) => ({ action: "Get", tags: [{ name: "Key", value: "k" }, ...fillTags("X-T", bytes)] }),
      "pairs (Set-Many)": (p, bytes) => ({ action: "Set-Many", data: fillPairs(bytes) }),
    },
  },
]

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
/** The message limit is 8 MiB of JSON; the largest shape leaves 4 KiB below it. */
const LARGEST = 8 * MiB - 4096

/** Bytes of the message's JSON as the host passes it to `handle`. */
const messageBytes = (p, fields) => JSON.stringify(makeMessage({ process: p.process, owner: p.owner, module: p.module, ...fields })).length

/** The shape filled so that the whole message is at most `target` bytes of JSON. */
function fit(p, make, target) {
  let fill = target
  for (;;) {
    const fields = make(p, fill)
    const over = messageBytes(p, fields) - target
    if (over <= 0) return fields
    fill -= over + 256
  }
}
const rows = []
for (const m of MODULES) {
  if (only && !only.includes(m.name)) continue
  const wasm = readModule(m.name, { crate: m.crate })
  for (const [shape, make] of Object.entries(m.shapes)) {
    for (const size of sizes) {
      const target = Math.min(size * MiB, LARGEST)
      const p = await AoProcess.spawn(wasm)
      if (m.setup) await m.setup(p)
      const fields = fit(p, make, target)
      const bytes = messageBytes(p, fields)
      const times = []
      let error
      for (let r = 0; r < repeat; r++) {
        const started = performance.now()
        const res = await p.send(fields)
        times.push(performance.now() - started)
        error ??= res.Error
      }
      if (/over the limit of/.test(error ?? "")) throw new Error(`${m.name} ${shape} at ${size} MiB was refused as too large: ${error}`)
      const ms = median(times)
      const row = { module: m.name, shape, mib: size, bytes, ms: Number(ms.toFixed(1)), nsPerByte: Number(((ms * 1e6) / bytes).toFixed(1)), error: error ?? null }
      rows.push(row)
      console.log(`${m.name.padEnd(18)} ${shape.padEnd(24)} ${String(size).padStart(2)} MiB  ${row.ms.toFixed(1).padStart(9)} ms  ${row.nsPerByte.toFixed(1).padStart(7)} ns/byte${error ? `  (Error: ${error.slice(0, 60)})` : ""}`)
    }
  }
}

// Per shape: time per byte at the largest size over time per byte at the smallest.
console.log(`\nlinearity: ns/byte at ${Math.max(...sizes)} MiB / ns/byte at ${Math.min(...sizes)} MiB (1 = linear, ${Math.max(...sizes) / Math.min(...sizes)} = quadratic)`)
const summary = []
for (const key of new Set(rows.map(r => `${r.module}\t${r.shape}`))) {
  const [module, shape] = key.split("\t")
  const mine = rows.filter(r => r.module === module && r.shape === shape)
  const small = mine.reduce((a, b) => (a.mib <= b.mib ? a : b))
  const large = mine.reduce((a, b) => (a.mib >= b.mib ? a : b))
  const ratio = Number((large.nsPerByte / small.nsPerByte).toFixed(2))
  summary.push({ module, shape, ratio })
  console.log(`${module.padEnd(18)} ${shape.padEnd(24)} ${ratio.toFixed(2).padStart(6)}`)
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ rows, summary }, null, 2))
