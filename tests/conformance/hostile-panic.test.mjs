// Issue 9 item 7 under ao-loader: a panic's text reaches the user. In wasm a panic aborts
// and ao-loader reports only `RuntimeError: unreachable`; the panic hook records the text in
// linear memory (runtime/src/abi/panic.rs). With UNSAFE_MEMORY (the host keeps the memory
// the trapped call left) the next message's output carries it; any host can read the
// record straight after the trap. The copying loader writes the pre-trap memory back, so
// there only the trap is recorded (documented in docs/limits.md).
import assert from "node:assert/strict"
import { test } from "node:test"

import { AoProcess, readModule, HyperBeamInstance, makeEnv, makeMessage, spawnMessage } from "./lib/index.mjs"

const wasm = readModule("ping")
const MAGIC = new TextEncoder().encode("AOXIDE-PANIC-v1\0")

/** The panic record in `memory` (see runtime/src/abi/panic.rs), or undefined. */
function panicRecord(memory) {
  const bytes = new Uint8Array(memory)
  outer: for (let at = 0; at + MAGIC.length + 4 <= bytes.length; at += 4) {
    for (let i = 0; i < MAGIC.length; i++) if (bytes[at + i] !== MAGIC[i]) continue outer
    const len = new DataView(bytes.buffer, bytes.byteOffset + at + 16, 4).getUint32(0, true)
    return new TextDecoder().decode(bytes.subarray(at + 20, at + 20 + len))
  }
  return undefined
}

test("a panic's text reaches the next output when the host keeps the memory (ping, UNSAFE_MEMORY)", async () => {
  const p = await AoProcess.spawn(wasm, { unsafeMemory: true })
  const live = p.memory
  await assert.rejects(p.send({ action: "Panic" }), /unreachable/)
  // Read straight after the trap, as a host can.
  assert.match(panicRecord(live) ?? "", /^panicked at examples\/ping\/src\/lib\.rs:\d+: Panic always panics$/)
  const res = await p.send({ action: "Count" })
  assert.equal(res.Error, undefined, res.Error)
  assert.match(res.Output.data, /^previous message trapped: panicked at examples\/ping\/src\/lib\.rs:\d+: Panic always panics/)
  assert.equal(res.Messages[0].Data, "0", "the panicking message was undone")
  const again = await p.send({ action: "Count" })
  assert.doesNotMatch(again.Output.data ?? "", /trapped/, "reported once")
})

test("a panic's text is in the memory a HyperBEAM-style host holds after the trap", async () => {
  const module = await WebAssembly.compile(wasm)
  const env = makeEnv({ withModule: false })
  const hb = await HyperBeamInstance.create(module)
  assert.equal(hb.call(spawnMessage(), env).ok, true)
  assert.throws(() => hb.call(makeMessage({ action: "Panic" }), env), /unreachable/)
  assert.match(panicRecord(hb.memory.buffer) ?? "", /Panic always panics/)
  // The same instance goes on, and says why the last call failed.
  const out = hb.call(makeMessage({ action: "Count" }), env)
  assert.match(out.response.Output.data, /previous message trapped: .*Panic always panics/)
})
