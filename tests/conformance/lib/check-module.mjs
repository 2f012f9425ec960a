// Asserts that a module has exactly the AO module ABI's imports and exports
// (shared/spec/module-abi.md). Usable as a library and as a command:
//   node tests/conformance/lib/check-module.mjs target/ao/ping.wasm ...
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** The only import a module may have. */
export const ALLOWED_IMPORTS = ["env.emscripten_resize_heap"]

/** Exports every host needs, with their kind. */
export const REQUIRED_EXPORTS = {
  memory: "memory",
  __indirect_function_table: "table",
  __wasm_call_ctors: "function",
  handle: "function",
  malloc: "function",
  free: "function",
  emscripten_stack_init: "function",
  emscripten_stack_get_end: "function",
  emscripten_stack_get_current: "function",
  _emscripten_stack_alloc: "function",
  _emscripten_stack_restore: "function",
}

/** Extra exports the linker adds, tolerated (immutable globals, unused by hosts). */
export const TOLERATED_EXPORTS = ["__heap_base", "__data_end"]

/**
 * Checks `bytes` and returns a list of problems (empty when the module conforms), plus the
 * module's imports and exports.
 */
export function checkModule(bytes) {
  const problems = []
  let mod
  try {
    mod = new WebAssembly.Module(bytes)
  } catch (e) {
    return { problems: [`does not compile: ${e.message}`], imports: [], exports: [] }
  }
  const imports = WebAssembly.Module.imports(mod)
  const exports = WebAssembly.Module.exports(mod)
  for (const i of imports) {
    const name = `${i.module}.${i.name}`
    if (!ALLOWED_IMPORTS.includes(name) || i.kind !== "function") {
      problems.push(`unexpected import ${name} (${i.kind})`)
    }
  }
  const byName = new Map(exports.map(e => [e.name, e.kind]))
  for (const [name, kind] of Object.entries(REQUIRED_EXPORTS)) {
    if (!byName.has(name)) problems.push(`missing export ${name}`)
    else if (byName.get(name) !== kind) problems.push(`export ${name} is a ${byName.get(name)}, expected ${kind}`)
  }
  for (const [name, kind] of byName) {
    if (!(name in REQUIRED_EXPORTS) && !TOLERATED_EXPORTS.includes(name)) {
      problems.push(`unexpected export ${name} (${kind})`)
    }
  }
  return { problems, imports, exports }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false
  for (const path of process.argv.slice(2)) {
    const { problems } = checkModule(readFileSync(path))
    if (problems.length) {
      failed = true
      console.error(`${path}: does not conform to the AO module ABI:\n  ${problems.join("\n  ")}`)
    } else {
      console.error(`${path}: imports and exports conform`)
    }
  }
  process.exit(failed ? 1 : 0)
}
