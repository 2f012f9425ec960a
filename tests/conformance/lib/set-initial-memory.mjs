// Sets the initial memory of a linked module (the HyperBEAM profile of scripts/build-wasm.sh):
//   node tests/conformance/lib/set-initial-memory.mjs in.wasm out.wasm <bytes>
//
// Only the memory section's minimum changes: static data, the stack and `__heap_base` stay
// where the linker put them, and the heap takes everything from `__heap_base` to the end of
// the initial memory (runtime/src/abi/heap.rs). Rewriting the section after linking spares a
// rebuild of every dependency with other RUSTFLAGS.
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const PAGE = 65536

function readLeb(bytes, at) {
  let value = 0
  let shift = 0
  for (;;) {
    const b = bytes[at++]
    value += (b & 0x7f) * 2 ** shift
    shift += 7
    if (b < 0x80) return [value, at]
  }
}

function leb(value) {
  const out = []
  do {
    let b = value % 128
    value = Math.floor(value / 128)
    if (value > 0) b |= 0x80
    out.push(b)
  } while (value > 0)
  return out
}

/** The bytes of `bytes` with an initial memory of `initial` bytes (a multiple of 64 KiB). */
export function setInitialMemory(bytes, initial) {
  if (!Number.isInteger(initial) || initial <= 0 || initial % PAGE !== 0) {
    throw new Error(`initial memory must be a positive multiple of ${PAGE}, got ${initial}`)
  }
  const pages = initial / PAGE
  const parts = [bytes.subarray(0, 8)]
  let at = 8
  let found = false
  while (at < bytes.length) {
    const id = bytes[at]
    const [size, body] = readLeb(bytes, at + 1)
    const end = body + size
    if (id === 5) {
      const [count, p] = readLeb(bytes, body)
      if (count !== 1) throw new Error(`expected one memory, found ${count}`)
      const flags = bytes[p]
      if (flags !== 0 && flags !== 1) throw new Error(`unsupported memory flags ${flags}`)
      let [, q] = readLeb(bytes, p + 1)
      const fields = [1, flags, ...leb(pages)]
      if (flags === 1) {
        const [max, r] = readLeb(bytes, q)
        if (max < pages) throw new Error(`the maximum memory (${max} pages) is below ${pages}`)
        fields.push(...leb(max))
        q = r
      }
      parts.push(Uint8Array.from([5, ...leb(fields.length), ...fields]))
      found = true
    } else {
      parts.push(bytes.subarray(at, end))
    }
    at = end
  }
  if (!found) throw new Error("the module defines no memory")
  return Buffer.concat(parts)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output, initial] = process.argv.slice(2)
  writeFileSync(output, setInitialMemory(readFileSync(input), Number(initial)))
}
