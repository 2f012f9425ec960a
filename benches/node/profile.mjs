#!/usr/bin/env node
// Where a token module spends its time under ao-loader: runs N Transfers
// (UNSAFE_MEMORY, memory carried like a CU) under the V8 sampling profiler and
// prints self time by function, wasm and JS alike. Use a wasm with a name
// section (the cargo artefact before wasm-opt) to get Rust symbol names.
//
//   node benches/node/profile.mjs --aoxide target/wasm32-unknown-unknown/release/aoxide_token.wasm [--n 20000]
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const AoLoader = require('@permaweb/ao-loader');

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const path = arg('--aoxide');
if (!path) { console.error('usage: profile.mjs --aoxide PATH [--n 20000] [--mode unsafe|copy] [--top 30]'); process.exit(2); }
const n = Number(arg('--n', '20000'));
const mode = arg('--mode', 'unsafe');
const top = Number(arg('--top', '30'));

const PID = 'KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU';
const OWNER = 'IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o';
const AUTHORITY = 'FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI';
const ptags = [
  { name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' }, { name: 'Type', value: 'Process' },
  { name: 'Module', value: 'ISShJH1ij-hPPt9St5UFFr_8Ys3Kj5cyg7zrMGt7H9s' }, { name: 'Authority', value: AUTHORITY },
];
const env = { Process: { Id: PID, Owner: OWNER, Tags: ptags }, Module: { Id: 'ISShJH1ij-hPPt9St5UFFr_8Ys3Kj5cyg7zrMGt7H9s', Tags: [] } };
let seq = 0;
const id = (k) => (`${k}_${seq}_`.padEnd(43, 'x')).slice(0, 43);
const msg = (tags, extra = {}) => ({
  Id: id('m'), Target: PID, Owner: OWNER, From: OWNER, Data: '', 'Block-Height': '1000',
  Timestamp: String(1700000000000 + ++seq * 1000), Module: 'M', Cron: false,
  Tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' }, { name: 'Type', value: 'Message' }, ...tags],
  ...extra,
});

const handle = await AoLoader(readFileSync(resolve(path)), {
  format: 'wasm32-unknown-emscripten4', memoryLimit: '1-gb', computeLimit: 9e12, UNSAFE_MEMORY: mode === 'unsafe',
});
let r = await handle(null, { ...msg([]), Id: PID, Tags: ptags }, env);
r = await handle(r.Memory, msg([{ name: 'From-Process', value: PID }, { name: 'Action', value: 'Transfer' },
  { name: 'Recipient', value: OWNER }, { name: 'Quantity', value: '1000000000000000' }], { From: PID, Owner: AUTHORITY }), env);
const transfer = () => msg([{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: id('r') }, { name: 'Quantity', value: '1' }]);
for (let i = 0; i < 500; i++) r = await handle(r.Memory, transfer(), env);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  r = await handle(r.Memory, transfer(), env);
  if (r.Error) throw new Error(r.Error);
}
const ms = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');

const self = new Map();
const dt = new Map();
for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) || 0) + (profile.timeDeltas[i] || 0));
let total = 0;
for (const node of profile.nodes) {
  const t = dt.get(node.id) || 0;
  total += t;
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url ? `[${f.url.split('/').slice(-1)[0]}${f.url.startsWith('wasm') ? '' : `:${f.lineNumber + 1}`}]` : ''}`;
  self.set(key, (self.get(key) || 0) + t);
}
const cats = new Map();
const cat = (k) => {
  if (!k.includes('.wasm')) {
    if (k.startsWith('(garbage collector)')) return 'js: garbage collector';
    if (k.includes('index.cjs')) return 'js: ao-loader (JSON.stringify/parse, string copies, memory copies)';
    return 'js: other (this script, idle, program)';
  }
  k = k.slice(0, k.lastIndexOf(' ['));  // the function name only, not the url
  if (/serde/.test(k)) return 'wasm: serde / serde_json (parse input, write result)';
  if (/dlmalloc|talc|alloc[0-9]*alloc|raw_vec|RawVec|_rust_alloc|__rdl|memalign|realloc|deallocate|drop_in_place/.test(k)) return 'wasm: allocator, vec growth, drops';
  if (/aoxide/.test(k)) return 'wasm: aoxide runtime and token';
  return 'wasm: other (core fmt, memcpy/memcmp, ...)';
};
for (const [k, t] of self) cats.set(cat(k), (cats.get(cat(k)) || 0) + t);
console.log(`${n} Transfers (${mode}): ${(ms * 1000 / n).toFixed(1)} us per message (profiler on). By category:`);
for (const [k, t] of [...cats].sort((a, b) => b[1] - a[1])) console.log(`${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`);
console.log('self time by function:');
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`);
}
