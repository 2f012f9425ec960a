// What V8 compiles for a process' first messages, counted rather than timed: run under
// callgrind by `benches/first-compile.sh`, which reads the instructions node's main thread
// spends in V8's lazy compile of wasm functions (Runtime_WasmCompileLazy, inclusive).
//
//   node first-compile.mjs MODULE.wasm [instantiate|spawn|balance]
//
// Compiles MODULE.wasm, instantiates it under ao-loader (UNSAFE_MEMORY), then sends the
// benchmark's spawn and a first Balance (checked), stopping after the step named (default:
// balance). For aoxide's token modules (`lua-token.wasm`, `token.wasm`), which have the
// token at spawn; AOS needs its `Eval` first (first-reply.mjs does that). Nothing is timed: on a loaded 2-core machine the clock moves by
// more than the changes this is for, and the count repeats to about 0.1%. Run it with
// `--single-threaded --wasm-tiering-budget=2000000000`: single-threaded keeps V8's work on
// the thread callgrind reads, and the budget keeps out the TurboFan tier-up of hot
// functions, which V8 otherwise runs on another thread, not in the first reply's way.
import { readFileSync } from 'node:fs';

import { makeRng, PID, INITIAL_SUPPLY, ENV, Feed } from './feed.mjs';
import { checkBalance } from './checks.mjs';
import { AoLoader, loaderOptions } from './loader-options.mjs';

const [path, upto = 'balance'] = process.argv.slice(2);
if (!path || !['instantiate', 'spawn', 'balance'].includes(upto)) {
  console.error('usage: node first-compile.mjs MODULE.wasm [instantiate|spawn|balance]');
  process.exit(2);
}
const mod = await WebAssembly.compile(readFileSync(path));
const handle = await AoLoader((info, receive) => WebAssembly.instantiate(mod, info).then(receive), loaderOptions('unsafe'));
if (upto !== 'instantiate') {
  const feed = new Feed(makeRng(7));
  const out = await handle(null, feed.spawn(), ENV);
  if (out.Error) throw new Error(`spawn failed: ${String(out.Error).slice(0, 400)}`);
  if (upto === 'balance') checkBalance(await handle(out.Memory, feed.balance(PID), ENV), PID, INITIAL_SUPPLY);
}
