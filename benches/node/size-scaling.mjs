// Cost per byte of the largest admissible messages, per blueprint module and message shape,
// under @permaweb/ao-loader (copying memory, as compute units run it). Linear cost shows as
// a flat time per byte across sizes (issue 11 item 1: a 2 MB Transfer of 64,000 X- tags once
// took 86 s, quadratic).
//
//   node benches/node/size-scaling.mjs [--sizes 1,2,4,8] [--repeat 3] [--json out.json]
//
// Sizes are MiB of message JSON; 8 is the largest a process admits (the message limit is
// 8 MiB; the shape is filled up to 8 MiB - 64 KiB). Modules come from target/ao (build them
// with scripts/build-wasm.sh aoxide-token aoxide-chat aoxide-counter:counter-blueprint
// example-kv-store).
import { writeFileSync } from "node:fs"

import { AoProcess, id, readModule } from "../../tests/conformance/lib/index.mjs"

const MiB = 1024 * 1024
const args = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const sizes = opt("--sizes", "1,2,4").split(",").map(Number)
const repeat = Number(opt("--repeat", "3"))
const jsonOut = opt("--json", null)

const RECIPIENT = id("RECIPIENT")

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
    setup: async p => {
      for (let i = 0; i < 3; i++) await p.send({ action: "Register", from: id(`M${i}`), owner: id(`M${i}`) })
    },
    shapes: {
      "tags (Broadcast)": (p, bytes) => ({ action: "Broadcast", tags: fillTags("X-T", bytes) }),
      "Data (Broadcast to 3)": (p, bytes) => ({ action: "Broadcast", data: "d".repeat(bytes / 4) }),
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
    name: "kv-store",
    crate: "example-kv-store",
    shapes: {
      "tags (Get)": (p, bytes) => ({ action: "Get", tags: [{ name: "Key", value: "k" }, ...fillTags("X-T", bytes)] }),
      "pairs (Set-Many)": (p, bytes) => ({ action: "Set-Many", data: fillPairs(bytes) }),
    },
  },
]

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rows = []
for (const m of MODULES) {
  const wasm = readModule(m.name, { crate: m.crate })
  for (const [shape, make] of Object.entries(m.shapes)) {
    for (const size of sizes) {
      const target = Math.min(size * MiB, 8 * MiB - 64 * 1024)
      const p = await AoProcess.spawn(wasm)
      if (m.setup) await m.setup(p)
      const fields = make(p, target)
      const times = []
      let bytes = 0
      let error
      for (let r = 0; r < repeat; r++) {
        const started = performance.now()
        const res = await p.send(fields)
        times.push(performance.now() - started)
        error ??= res.Error
        bytes = JSON.stringify(fields).length
      }
      const ms = median(times)
      const row = { module: m.name, shape, mib: size, bytes, ms: Number(ms.toFixed(1)), nsPerByte: Number(((ms * 1e6) / bytes).toFixed(1)), error: error ?? null }
      rows.push(row)
      console.log(`${m.name.padEnd(18)} ${shape.padEnd(24)} ${String(size).padStart(2)} MiB  ${row.ms.toFixed(1).padStart(9)} ms  ${row.nsPerByte.toFixed(1).padStart(7)} ns/byte${error ? `  (Error: ${error.slice(0, 60)})` : ""}`)
    }
  }
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(rows, null, 2))
