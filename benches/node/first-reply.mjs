// Spawn to first reply (--lua): how long a compute unit takes from a module's
// bytes to its first answered message (spawn, token loaded, first Balance), with
// and without the compile. spawnToFirstReply runs firstReplyChild in a child node
// per memory mode: this very file, run with --first-reply-child JOB (the entry at
// the bottom), so the child loads none of the report or loader-floor code.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

import { DEFAULTS } from './cli-options.mjs';
import { makeRng, PID, INITIAL_SUPPLY, ENV, Feed } from './feed.mjs';
import { checkBalance } from './checks.mjs';
import { AoLoader, loaderOptions } from './loader-options.mjs';
import { moduleSpecs } from './module-specs.mjs';
import { now, median, round, gc, MiB } from './stats.mjs';

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
export async function firstReplyChild(job) {
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
export function spawnToFirstReply(result, specs, o, log) {
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

// The child's entry: this file run as a script (spawnToFirstReply above) with
// --first-reply-child JOB prints the JSON of firstReplyChild(JOB).
const childAt = process.argv.indexOf('--first-reply-child');
if (childAt > 0 && process.argv[1] === fileURLToPath(import.meta.url)) {
  firstReplyChild(JSON.parse(process.argv[childAt + 1])).catch((e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
}
