// Where the built modules are, and reading them with a clear error when they are missing.
import { existsSync, readFileSync } from "node:fs"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..")

/**
 * The folder scripts/build-wasm.sh writes to: $AO_MODULES_DIR, else $CARGO_TARGET_DIR/ao,
 * else <repo>/target/ao.
 */
export function modulesDir() {
  if (process.env.AO_MODULES_DIR) return resolve(process.env.AO_MODULES_DIR)
  const target = process.env.CARGO_TARGET_DIR
  if (target) return join(isAbsolute(target) ? target : join(ROOT, target), "ao")
  return join(ROOT, "target", "ao")
}

/**
 * Path of module `name` ("ping"); `variant` "metering" selects the lowered build.
 */
export function modulePath(name, { variant } = {}) {
  return join(modulesDir(), variant ? `${name}.${variant}.wasm` : `${name}.wasm`)
}

/** The bytes of module `name`; throws with the command to build it when missing. */
export function readModule(name, { variant, crate } = {}) {
  const path = modulePath(name, { variant })
  if (!existsSync(path)) {
    throw new Error(
      `missing ${path}\n  build it first: scripts/build-wasm.sh ${crate ?? `example-${name}`}`,
    )
  }
  return readFileSync(path)
}

/**
 * The initial memory (bytes) the modules are linked with: the `--initial-memory=` link
 * argument in the workspace's `.cargo/config.toml`, the one place it is set.
 */
export const INITIAL_MEMORY = (() => {
  const config = readFileSync(join(ROOT, ".cargo", "config.toml"), "utf8")
  const found = /--initial-memory=(\d+)/.exec(config)
  if (!found) throw new Error("no --initial-memory= link argument in .cargo/config.toml")
  return Number(found[1])
})()
