// A local AO network for aoxide's end-to-end tests: WAO's gateway, bundler, MU, SU and CU
// (the pinned `wao` package's classes) on five consecutive ports of 127.0.0.1.
//
// Usage: node server.mjs [--port P]   (gateway P, bundler P+1, MU P+2, SU P+3, CU P+4)
//
// Differences from the stock classes, each fixing a measured defect:
// - the bundler verifies an uploaded item (400 if it does not verify) and stores it where
//   the gateway serves it (GraphQL, data), so a spawn finds the module;
// - the gateway serves an uploaded item's data byte for byte (the stock route mangles
//   binary data through a UTF-8 string);
// - the MU verifies every item's signature and answers 400 for a bad one;
// - the MU delivers the messages a spawn's own evaluation sent, as it does those of a
//   message (the stock one drops them);
// - every route's failure is a 500 answer, not an unhandled rejection that ends the server;
// - every port is bound to 127.0.0.1 only.
// Prints exactly one line on stdout, `AO-SERVER READY {json}` (the five URLs, the scheduler
// address, and the MU's address to spawn with as `Authority`), once all five ports accept
// connections; all logs go to stderr. Exits on SIGTERM, SIGINT, or when stdin closes.
import net from "node:net"

const HOST = "127.0.0.1"
const READY = "AO-SERVER READY"

// WAO logs with console.log (and its dotenv at import time): stdout carries only the ready
// line, so both are set before the packages load.
console.log = (...args) => console.error(...args)
process.env.DOTENV_CONFIG_QUIET = "true"
const stdout = line => process.stdout.write(line + "\n")
const { DataItem } = await import("@dha-team/arbundles")
const { Server, Adaptor, connect, su, mu } = await import("wao/test")

function parsePort(argv) {
  const at = argv.indexOf("--port")
  const port = at >= 0 ? Number(argv[at + 1]) : 4000
  if (!Number.isInteger(port) || port < 1 || port > 65531) {
    console.error(`--port must be 1..65531, got ${argv[at + 1]}`)
    process.exit(2)
  }
  return port
}

async function verified(body) {
  if (!Buffer.isBuffer(body) || body.length === 0) return null
  try {
    if (!(await DataItem.verify(body))) return null
    return new DataItem(body)
  } catch {
    return null
  }
}

class VerifyingAdaptor extends Adaptor {
  // The data of the items uploaded to the bundler, by id.
  uploads = new Map()

  // Bundler: verify, then store the item as the gateway's own uploads are stored.
  async bd_post_tx({ body }) {
    const item = await verified(body)
    if (!item) {
      return { status: 400, error: "the data item does not verify (ANS-104 signature)" }
    }
    await this._ar.postItems(item, su.jwk)
    this.uploads.set(item.id, Buffer.from(item.rawData))
    return { json: { id: item.id, timestamp: Date.now() } }
  }

  // Gateway `GET /:id`: the stock route passes the data through a UTF-8 string, which
  // mangles binary data (a module): serve uploaded items' bytes as they are.
  async ar_get_id(req) {
    const data = this.uploads.get(req.params.id)
    if (data) return { send: data }
    return await super.ar_get_id(req)
  }

  // MU: refuse items whose signature is wrong.
  async mu_post_root(req) {
    const item = await verified(req.body)
    if (!item) {
      return { status: 400, error: "the data item does not verify (ANS-104 signature)" }
    }
    const answer = await super.mu_post_root({ ...req, body: req.body })
    if (answer.json && item.tags.some(t => t.name === "Type" && t.value === "Process")) {
      await this.pushSpawnOutbox(item.id)
    }
    return answer
  }

  // The stock MU delivers the messages a message's evaluation sent, but not those the
  // spawn's own evaluation sent (a process that asks another one something at spawn never
  // gets its answer): deliver them the same way.
  async pushSpawnOutbox(pid) {
    const spawned = await this.mem.get("msgs", pid)
    for (const m of spawned?.res?.Messages ?? []) {
      if (!m.Target || !(await this.mem.get("env", m.Target))) continue
      await this.message({
        for: pid,
        process: m.Target,
        tags: m.Tags,
        data: m.Data,
        signer: mu.signer,
        from: pid,
        target: m.Target,
      })
    }
  }
}

class LocalServer extends Server {
  launch(name, app, paths) {
    const device = name.toLowerCase()
    const port = this.ports[device]
    for (const method in paths) {
      for (const path of paths[method]) {
        app[method](path, async (req, res) => {
          try {
            await this.adaptor.get(this.req(req, device, path), this.res(res))
          } catch (e) {
            console.error(`${name} ${method.toUpperCase()} ${req.path}:`, e)
            if (!res.headersSent) res.status(500).json({ error: String(e?.message ?? e) })
          }
        })
      }
    }
    const server = app.listen(port, HOST)
    server.on("error", e => {
      console.error(`${name} cannot listen on ${HOST}:${port}: ${e.message}`)
      process.exit(3)
    })
    this.servers.push(server)
  }
}

function accepts(port) {
  return new Promise(resolve => {
    const socket = net.connect({ host: HOST, port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })
}

async function waitReady(ports, deadlineMs) {
  const end = Date.now() + deadlineMs
  while (Date.now() < end) {
    const up = await Promise.all(ports.map(accepts))
    if (up.every(Boolean)) return true
    await new Promise(r => setTimeout(r, 50))
  }
  return false
}

process.on("unhandledRejection", e => console.error("unhandled rejection:", e))

const base = parsePort(process.argv)
const ports = { ar: base, bd: base + 1, mu: base + 2, su: base + 3, cu: base + 4 }
const { mem } = connect(undefined, { log: false })
const adaptor = new VerifyingAdaptor({ aoconnect: mem, log: false })
const server = new LocalServer({ ...ports, aoconnect: mem, adaptor })

let stopping = false
function stop(why) {
  if (stopping) return
  stopping = true
  console.error(`ao-server: stopping (${why})`)
  for (const s of server.servers) s.close()
  // Keep-alive sockets may hold a close open: exit regardless, soon.
  setTimeout(() => process.exit(0), 200).unref()
}
process.on("SIGTERM", () => stop("SIGTERM"))
process.on("SIGINT", () => stop("SIGINT"))
process.stdin.on("end", () => stop("stdin closed"))
process.stdin.on("error", () => stop("stdin error"))
process.stdin.resume()

if (await waitReady(Object.values(ports), 15000)) {
  const url = p => `http://${HOST}:${p}`
  stdout(
    `${READY} ${JSON.stringify({
      gateway: url(ports.ar),
      bundler: url(ports.bd),
      mu: url(ports.mu),
      su: url(ports.su),
      cu: url(ports.cu),
      scheduler: "_GQ33BkPtZrqxA84vM8Zk-N2aO0toNNu_C-l-rawrBA",
      // The MU signs the messages it forwards: spawn with it as the `Authority`.
      authority: mu.addr,
    })}`
  )
} else {
  console.error("ao-server: the ports did not all accept connections within 15 s")
  process.exit(4)
}
