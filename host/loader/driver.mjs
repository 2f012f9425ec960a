// aoxide-host's ao-loader driver: one AO process of one module, run by the real
// @permaweb/ao-loader as a compute unit runs it, answering aoxide-host (src/loader) over
// stdin and stdout. Started as `node --input-type=module --eval <this file> <package dir>`,
// where <package dir> holds node_modules/@permaweb/ao-loader.
//
// Requests (stdin): a line, then the bytes it announces.
//   init <wasm bytes> <options bytes>    the module, then {"unsafeMemory", "memoryLimit"}
//   handle <message bytes> <env bytes>   one message (JSON-1 message, JSON-1 env)
//   view <part>                          the module's aoxide_view(part), on a copy
// Answers (stdout, nothing else is written there): `ok <n>` or `err <n>`, a newline, then
// n bytes: for `handle`, the result as the module's JSON-1 envelope
// ({"ok":true,"response":{...}}); for `view`, the JSON the export wrote.
//
// As a compute unit: the memory of one result goes into the next call; a call that throws
// (a trap) leaves the memory as it was before it, and the next message gets a fresh
// instance of the compiled module holding that memory. A result with an Error keeps its
// memory (as aoxide-host's other backends and HyperBEAM do). A dry-run (Read-Only) keeps
// nothing: the next message starts from the memory before it.
import { createRequire } from "node:module"
import { join } from "node:path"
import { writeSync } from "node:fs"
import { format } from "node:util"

// The protocol owns stdout: whatever the loader or the module prints goes to stderr.
for (const name of ["log", "info", "debug", "warn"]) {
  console[name] = (...args) => process.stderr.write(format(...args) + "\n")
}

const AoLoader = createRequire(join(process.argv[1], "package.json"))("@permaweb/ao-loader")

const chunks = []
let buffered = 0
let ended = false
let wake = null
process.stdin.on("data", chunk => {
  chunks.push(chunk)
  buffered += chunk.length
  if (wake) wake()
})
process.stdin.on("end", () => {
  ended = true
  if (wake) wake()
})
const more = () => new Promise(resolve => { wake = () => { wake = null; resolve() } })

function take(n) {
  const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
  chunks.length = 0
  if (all.length > n) chunks.push(all.subarray(n))
  buffered -= n
  return all.subarray(0, n)
}

async function line() {
  for (;;) {
    if (chunks.length > 1) chunks.splice(0, chunks.length, Buffer.concat(chunks))
    const at = chunks.length ? chunks[0].indexOf(10) : -1
    if (at >= 0) return take(at + 1).toString("utf8").trim()
    if (ended) return null
    await more()
  }
}

async function bytes(n) {
  while (buffered < n) {
    if (ended) return null
    await more()
  }
  return take(n)
}

function answer(ok, payload) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, "utf8")
  const head = Buffer.from(`${ok ? "ok" : "err"} ${body.length}\n`, "utf8")
  for (const part of [head, body]) {
    let at = 0
    while (at < part.length) at += writeSync(1, part, at)
  }
}

const text = e => (e instanceof Error ? e.message : typeof e === "string" ? e : JSON.stringify(e))

let compiled = null
let options = null
let handle = null
let memory = null

async function init(wasm, opts) {
  compiled = await WebAssembly.compile(wasm)
  options = opts
  return "ready"
}

async function run(msg, env) {
  if (!handle) {
    handle = await AoLoader((info, receive) => WebAssembly.instantiate(compiled, info).then(receive), {
      format: "wasm32-unknown-emscripten4",
      memoryLimit: options.memoryLimit,
      computeLimit: 9000000000000,
      extensions: [],
      ...(options.unsafeMemory ? { UNSAFE_MEMORY: true } : {}),
    })
  }
  // A dry-run persists nothing: its memory is dropped, as a compute unit does (with
  // UNSAFE_MEMORY the live memory changes in place, so it is copied first).
  const readOnly = msg["Read-Only"] === true || msg["Read-Only"] === "true"
  const before = readOnly && options.unsafeMemory && memory
    ? new Uint8Array(memory.buffer ?? memory, memory.byteOffset ?? 0, memory.byteLength).slice()
    : null
  let result
  try {
    result = await handle(memory, msg, env)
  } catch (e) {
    handle = null
    if (before) memory = before
    throw e
  }
  if (!readOnly) memory = result.Memory
  else if (before) memory = before
  const response = { Output: result.Output, Messages: result.Messages, Spawns: result.Spawns, Assignments: result.Assignments }
  if (result.Error !== undefined) response.Error = result.Error
  return JSON.stringify({ ok: true, response })
}

// aoxide_view on a fresh instance holding a copy of the memory: looking changes nothing.
function view(part) {
  let instance = null
  const grow = requested => {
    const mem = instance.exports.memory
    const old = mem.buffer.byteLength
    if (requested <= old) return 1
    try {
      mem.grow(Math.ceil((requested - old) / 65536))
      return 1
    } catch {
      return 0
    }
  }
  instance = new WebAssembly.Instance(compiled, { env: { emscripten_resize_heap: grow } })
  const x = instance.exports
  if (typeof x.aoxide_view !== "function") throw new Error("the module has no `aoxide_view` export")
  x.emscripten_stack_init()
  x.__wasm_call_ctors()
  if (memory) {
    const source = new Uint8Array(memory.buffer ?? memory, memory.byteOffset ?? 0, memory.byteLength)
    if (grow(source.length) !== 1) throw new Error("cannot grow the view's memory")
    new Uint8Array(x.memory.buffer).set(source)
  }
  const at = x.aoxide_view(part) >>> 0
  const heap = new Uint8Array(x.memory.buffer)
  const end = heap.indexOf(0, at)
  if (at === 0 || end < 0) throw new Error(`aoxide_view returned the invalid pointer ${at}`)
  return Buffer.from(heap.subarray(at, end))
}

for (;;) {
  const request = await line()
  if (request === null) break
  const [verb, ...args] = request.split(" ")
  try {
    if (verb === "init") {
      const wasm = await bytes(Number(args[0]))
      const opts = await bytes(Number(args[1]))
      if (wasm === null || opts === null) break
      answer(true, await init(wasm, JSON.parse(opts.toString("utf8"))))
    } else if (verb === "handle") {
      const msg = await bytes(Number(args[0]))
      const env = await bytes(Number(args[1]))
      if (msg === null || env === null) break
      answer(true, await run(JSON.parse(msg.toString("utf8")), JSON.parse(env.toString("utf8"))))
    } else if (verb === "view") {
      answer(true, view(Number(args[0])))
    } else {
      answer(false, `unknown request ${JSON.stringify(request)}`)
    }
  } catch (e) {
    answer(false, text(e))
  }
}
process.exit(0)
