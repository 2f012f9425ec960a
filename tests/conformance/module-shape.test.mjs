// The built modules import and export exactly the AO module ABI (docs/module-abi.md).
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { isAbsolute, join } from "node:path"
import { describe, it } from "node:test"

import { modulePath, readModule, HyperBeamInstance, makeEnv, makeMessage, spawnMessage, INITIAL_MEMORY, ROOT } from "./lib/index.mjs"

// The one validator is Rust's (aoxide_build::check_module, over the table in
// runtime/src/module_abi.rs); scripts/build-wasm.sh leaves its binary in the target dir.
function cargoAo() {
  const target = process.env.CARGO_TARGET_DIR
  const dir = target ? (isAbsolute(target) ? target : join(ROOT, target)) : join(ROOT, "target")
  const bin = join(dir, "debug", "cargo-ao")
  if (!existsSync(bin)) throw new Error(`missing ${bin}: run scripts/build-wasm.sh first`)
  return bin
}


for (const variant of [undefined, "metering"]) {
  describe(`ping${variant ? `.${variant}` : ""}.wasm`, () => {
    const wasm = readModule("ping", { variant })

    it("imports only env.emscripten_resize_heap and exports the ABI (cargo ao check)", () => {
      const out = execFileSync(cargoAo(), ["check", "--json", modulePath("ping", { variant })], { encoding: "utf8" })
      const [{ report, dev }] = JSON.parse(out)
      assert.equal(dev, false, "a dev module (no binaryen): scripts/build-wasm.sh builds with --release")
      assert.deepEqual(report.imports, ["env.emscripten_resize_heap"])
      if (variant === "metering") assert.equal(report.mvp_opcodes_only, true, "bulk-memory or trunc_sat opcodes left")
      // What the host sees agrees with the validator.
      const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm))
      assert.deepEqual(imports.map(i => `${i.module}.${i.name}`), report.imports)
    })

    it("has one mutable global, the stack pointer, and handle resets it on entry", async () => {
      const { default: binaryen } = await import("binaryen")
      const mod = binaryen.readBinary(wasm)
      try {
        const mutable = []
        for (let i = 0; i < mod.getNumGlobals(); i++) {
          const g = binaryen.getGlobalInfo(mod.getGlobalByIndex(i))
          if (g.mutable) mutable.push(g)
        }
        assert.equal(mutable.length, 1, "state must live in linear memory, not in wasm globals")
        // -Oz may rename or inline the wrapper; its body must set the stack pointer first.
        const handle = binaryen.getExportInfo(mod.getExport("handle")).value
        const body = mod.emitText().split("\n")
        const start = body.findIndex(l => l.startsWith(` (func $${handle} `))
        assert.ok(start >= 0, `no function ${handle}`)
        const firstSet = body.slice(start, start + 200).find(l => l.includes("global.set"))
        assert.ok(firstSet && firstSet.includes(mutable[0].name), "handle does not reset the stack pointer")
      } finally {
        mod.dispose()
      }
    })

    it("starts with the initial memory from the link arguments and no memory maximum", async () => {
      const hb = await HyperBeamInstance.create(wasm)
      assert.equal(hb.memory.buffer.byteLength, INITIAL_MEMORY)
      hb.memory.grow(1) // throws when a maximum is set at the initial size
    })

    it("keeps the stack-cookie area and the argument stack sane before any message", async () => {
      const hb = await HyperBeamInstance.create(wasm)
      const end = hb.exports.emscripten_stack_get_end() >>> 0
      assert.equal(end % 4, 0)
      assert.ok(end >= 4 && end + 8 <= INITIAL_MEMORY)
      assert.notEqual(hb.exports.emscripten_stack_get_current(), 0)
      hb.exports.emscripten_stack_init()
      hb.exports.__wasm_call_ctors()
    })

    it("never writes the stack-cookie area or address 0 (ao-loader's cookies survive)", async () => {
      const hb = await HyperBeamInstance.create(wasm)
      const end = hb.exports.emscripten_stack_get_end() >>> 0
      const u32 = () => new Uint32Array(hb.memory.buffer)
      // What ao-loader's writeStackCookie does at instantiation.
      u32()[end >>> 2] = 0x02135467
      u32()[(end + 4) >>> 2] = 0x89bacdfe
      u32()[0] = 0x63736d65
      const env = makeEnv()
      hb.call(spawnMessage(), env)
      for (let i = 0; i < 5; i++) hb.call(makeMessage({ action: "Store", data: "c".repeat(1 << 20) }), env)
      hb.call(makeMessage({ action: "Ping" }), env)
      assert.ok(hb.memory.buffer.byteLength > INITIAL_MEMORY)
      assert.equal(u32()[end >>> 2], 0x02135467)
      assert.equal(u32()[(end + 4) >>> 2], 0x89bacdfe)
      assert.equal(u32()[0], 0x63736d65)
    })
  })
}
