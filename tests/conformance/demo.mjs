// Runs a built process module under the real @permaweb/ao-loader and prints each exchange.
//
//   node demo.mjs <module.wasm> <step>...
//
// A step is `Action`, `Action:Tag=Value,Tag=Value` or `Action:Tag=Value@data` (the text
// after `@` is the message Data). The spawn message goes first; memory carries from each
// result to the next message, as a compute unit does.
import { readFileSync } from "node:fs"

import { AoProcess } from "./lib/loader.mjs"

const [wasmPath, ...steps] = process.argv.slice(2)
if (!wasmPath) {
  console.error("usage: node demo.mjs <module.wasm> <step>...")
  process.exit(2)
}

function parseStep(step) {
  const [head, data = ""] = step.split("@")
  const [action, rest = ""] = head.split(":")
  const tags = {}
  for (const pair of rest.split(",").filter(Boolean)) {
    const [name, value = ""] = pair.split("=")
    tags[name] = value
  }
  return { action, tags, data }
}

function show(label, res) {
  console.log(`\n> ${label}`)
  if (res.Error) {
    console.log(`  Error: ${res.Error}`)
    return
  }
  if (res.Output?.data) console.log(`  Output: ${res.Output.data}`)
  for (const m of res.Messages ?? []) {
    const tags = Object.fromEntries((m.Tags ?? []).map(t => [t.name, t.value]))
    const { "Data-Protocol": _dp, Variant: _v, Type: _t, ...shown } = tags
    console.log(`  -> ${m.Target ?? "(no target)"} ${JSON.stringify(shown)}${m.Data ? ` data=${JSON.stringify(m.Data)}` : ""}`)
  }
}

const wasm = readFileSync(wasmPath)
const started = performance.now()
const proc = await AoProcess.spawn(wasm)
console.log(`spawned ${proc.process} from ${wasmPath} (${wasm.length} bytes) in ${(performance.now() - started).toFixed(1)} ms`)
for (const step of steps) {
  const fields = parseStep(step)
  show(step, await proc.send(fields))
}
console.log(`\nmemory after ${steps.length} messages: ${proc.memory.byteLength} bytes`)
