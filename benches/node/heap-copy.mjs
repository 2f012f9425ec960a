// What rolling back Lua globals by a heap copy would cost: `memory.copy` of N MiB inside a
// wasm module (a per-message snapshot of the heap, restored when the message fails), timed
// under node. Run: node benches/node/heap-copy.mjs (no build needed). lua-compat/README.md
// ("A failed message and Lua globals") cites its figures.
const str = s => [s.length, ...Buffer.from(s)]
const sec = (id, bytes) => [id, ...leb(bytes.length), ...bytes]
function leb(n) { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b) } while (n); return out }
const body = [0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfc, 0x0a, 0, 0, 0x0b]
const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...sec(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]),
  ...sec(3, [1, 0]),
  ...sec(5, [1, 0, ...leb(1100)]),
  ...sec(7, [2, ...str("copy"), 0, 0, ...str("mem"), 2, 0]),
  ...sec(10, [1, ...leb(body.length), ...body])])
const { instance } = await WebAssembly.instantiate(bytes)
const copy = instance.exports.copy
const MiB = 1 << 20
new Uint8Array(instance.exports.mem.buffer).fill(7, 0, 34 * MiB)
for (const n of [1, 2, 4, 8, 16, 32]) {
  const reps = 200, t = []
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); copy(34 * MiB, 0, n * MiB); t.push(performance.now() - t0) }
  t.sort((a, b) => a - b)
  console.log(`${n} MiB: min ${(t[0] * 1000).toFixed(0)} us, median ${(t[reps >> 1] * 1000).toFixed(0)} us`)
}
