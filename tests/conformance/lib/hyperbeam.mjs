// HyperBEAM's json-iface device, emulated: plain WebAssembly.instantiate with every import
// stubbed to return 0, no initialiser called, msg and env written with the module's
// `malloc` (never freed), `handle` called, and the memory snapshot restored into a FRESH
// instance for the next message.

/** Stub imports for `module`: every function import returns 0 and is counted in `calls`. */
export function stubImports(module, calls = new Map()) {
  const imports = {}
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind !== "function") throw new Error(`cannot stub ${i.kind} import ${i.module}.${i.name}`)
    imports[i.module] ??= {}
    const key = `${i.module}.${i.name}`
    imports[i.module][i.name] = () => {
      calls.set(key, (calls.get(key) ?? 0) + 1)
      return 0
    }
  }
  return imports
}

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/** One instance of a module, driven the way HyperBEAM drives it. */
export class HyperBeamInstance {
  constructor(module, instance, calls) {
    this.module = module
    this.instance = instance
    this.exports = instance.exports
    this.calls = calls
    /** True when a snapshot was larger than this fresh instance and HyperBEAM would drop it. */
    this.droppedRestore = false
  }

  /**
   * A fresh instance of `wasm` (bytes or a compiled WebAssembly.Module). With `snapshot`,
   * its bytes are copied in: when the snapshot is larger than the fresh memory, HyperBEAM
   * drops it (`droppedRestore` is set, nothing is copied) unless `growToFit`.
   */
  static async create(wasm, { snapshot = null, growToFit = false } = {}) {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm)
    const calls = new Map()
    const instance = await WebAssembly.instantiate(module, stubImports(module, calls))
    const hb = new HyperBeamInstance(module, instance, calls)
    if (snapshot) hb.restore(snapshot, { growToFit })
    return hb
  }

  get memory() {
    return this.exports.memory
  }

  restore(snapshot, { growToFit = false } = {}) {
    const bytes = snapshot instanceof Uint8Array ? snapshot : new Uint8Array(snapshot)
    const have = this.memory.buffer.byteLength
    if (bytes.byteLength > have) {
      if (!growToFit) {
        this.droppedRestore = true
        return
      }
      this.memory.grow(Math.ceil((bytes.byteLength - have) / 65536))
    }
    new Uint8Array(this.memory.buffer).set(bytes)
  }

  /** A copy of the whole memory. */
  snapshot() {
    return new Uint8Array(this.memory.buffer).slice()
  }

  /** Writes `bytes` plus a NUL with the module's malloc; returns the address. */
  writeCString(bytes) {
    const addr = this.exports.malloc(bytes.length + 1) >>> 0
    if (addr === 0) throw new Error("malloc returned 0")
    const heap = new Uint8Array(this.memory.buffer)
    heap.set(bytes, addr)
    heap[addr + bytes.length] = 0
    return addr
  }

  /** Reads the NUL-terminated UTF-8 string at `addr`. */
  readCString(addr) {
    const heap = new Uint8Array(this.memory.buffer)
    let end = addr
    while (end < heap.length && heap[end] !== 0) end++
    if (end === heap.length) throw new Error(`string at ${addr} is not NUL-terminated`)
    return decoder.decode(heap.subarray(addr, end))
  }

  /**
   * Calls handle with raw bytes (or strings; null passes a null pointer) and returns the
   * parsed JSON-1 result `{ok, response}`.
   */
  callRaw(msg, env) {
    const ptr = v => (v === null ? 0 : this.writeCString(typeof v === "string" ? encoder.encode(v) : v))
    const m = ptr(msg)
    const e = ptr(env)
    const out = this.exports.handle(m, e) >>> 0
    return JSON.parse(this.readCString(out))
  }

  /** Calls handle with message and env objects; returns the parsed `{ok, response}`. */
  call(msg, env) {
    return this.callRaw(JSON.stringify(msg), JSON.stringify(env))
  }
}

/**
 * A process on the HyperBEAM-style host. `kept: true` runs every message in ONE instance
 * (HyperBEAM keeping a process' instance between messages: after a trap the instance holds
 * whatever the trapped call left, and the arguments it `malloc`ed stay allocated);
 * `kept: false` runs each in a fresh instance restored from the previous snapshot.
 * `deliver` returns the JSON-1 `response`, or `{ trapped }` when `handle` threw.
 */
export class HyperBeamProcess {
  constructor(module, env, { kept = true } = {}) {
    this.module = module
    this.env = env
    this.kept = kept
    this.instance = null
    this.snapshot = null
  }

  static async create(wasm, env, options = {}) {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm)
    return new HyperBeamProcess(module, env, options)
  }

  /** The instance the next message runs in. */
  async current() {
    if (this.kept && this.instance) return this.instance
    this.instance = await HyperBeamInstance.create(this.module, { snapshot: this.snapshot, growToFit: true })
    return this.instance
  }

  async deliver(msg) {
    const hb = await this.current()
    let out
    try {
      out = hb.call(msg, this.env)
    } catch (trapped) {
      return { trapped }
    }
    if (!out.ok) throw new Error(`handle answered ok=false: ${JSON.stringify(out.response)}`)
    if (!this.kept && !msg["Read-Only"]) this.snapshot = hb.snapshot()
    return out.response
  }

  /** Memory size in bytes of the instance the last message ran in. */
  get memorySize() {
    return this.instance ? this.instance.memory.buffer.byteLength : 0
  }
}
