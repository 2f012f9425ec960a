// Makes `handle` reset the shadow-stack pointer on entry. Used by scripts/build-wasm.sh:
//   node tests/conformance/lib/reset-stack.mjs in.wasm out.wasm
//
// Why: Rust keeps its stack pointer in the mutable wasm global `__stack_pointer`. When a
// call traps (a panic under panic = "abort"), the frames it had pushed are never popped, and
// a host that keeps using the same instance (ao-loader's handle function, a compute unit
// caching it) starts every later call that much lower. Measured on ping: about 570 panicking
// messages exhaust the 1 MiB stack and every call after that traps, for good. Nothing runs
// on the shadow stack between host calls, so setting the pointer back to its initial value
// when `handle` is entered is always right. Stable Rust cannot write that global, so the
// module is patched after linking: `handle` is re-exported as a wrapper that does
// `global.set $__stack_pointer (initial value)` and then calls the original.
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

import binaryen from "binaryen"

/** The wrapper's internal name (also how `isPatched` recognises a patched module). */
export const ENTRY = "aoxide_handle_entry"

/** Returns the patched bytes of `bytes` (a linked module from rustc). */
export function resetStackOnEntry(bytes) {
  const mod = binaryen.readBinary(bytes)
  try {
    const mutable = []
    for (let i = 0; i < mod.getNumGlobals(); i++) {
      const g = binaryen.getGlobalInfo(mod.getGlobalByIndex(i))
      if (g.mutable) mutable.push(g)
    }
    if (mutable.length !== 1 || mutable[0].type !== binaryen.i32 || mutable[0].module) {
      throw new Error(`expected exactly one mutable i32 global (the stack pointer), found ${mutable.map(g => g.name).join(", ") || "none"}`)
    }
    const sp = mutable[0]
    const init = binaryen.getExpressionInfo(sp.init)
    if (init.id !== binaryen.ConstId) throw new Error("the stack pointer's initial value is not a constant")
    const exp = mod.getExport("handle")
    if (!exp) throw new Error("no `handle` export")
    const target = binaryen.getExportInfo(exp).value
    if (target === ENTRY) return bytes // already patched
    const params = binaryen.createType([binaryen.i32, binaryen.i32])
    mod.addFunction(
      ENTRY,
      params,
      binaryen.i32,
      [],
      mod.block(null, [
        mod.global.set(sp.name, mod.i32.const(init.value)),
        mod.call(target, [mod.local.get(0, binaryen.i32), mod.local.get(1, binaryen.i32)], binaryen.i32),
      ], binaryen.i32),
    )
    mod.removeExport("handle")
    mod.addFunctionExport(ENTRY, "handle")
    if (!mod.validate()) throw new Error("the patched module does not validate")
    return mod.emitBinary()
  } finally {
    mod.dispose()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2)
  if (!input || !output) {
    console.error("usage: node reset-stack.mjs in.wasm out.wasm")
    process.exit(2)
  }
  writeFileSync(output, resetStackOnEntry(readFileSync(input)))
}
