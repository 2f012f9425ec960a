// Which modules the bench measures and how each is set up: AOS (booted empty,
// then the Lua token loaded with an Eval from the owner) and the aoxide token
// (ready after its spawn), with the message counts each gets per memory mode.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { HERE, REPO } from './paths.mjs';
import { ENV } from './feed.mjs';
import { expectOk } from './checks.mjs';
import { now, round } from './stats.mjs';

// The Lua token both sides run with --lua (AOS loads it with Eval).
const LUA_TOKEN_FILE = resolve(REPO, 'blueprints/lua/token.lua');

export function moduleSpecs(o) {
  const tokenFile = o.lua ? LUA_TOKEN_FILE : resolve(HERE, 'lua/token.lua');
  const tokenLua = readFileSync(tokenFile, 'utf8');
  return {
    aos: {
      key: 'aos', label: 'AOS 2.0.4 (wasm32) + Lua token', path: o.aos, tokenFile,
      counts: {
        copy: { warmup: o.aosWarmup, transfers: o.aosTransfers, balances: o.aosBalances },
        unsafe: { warmup: o.aosUnsafeWarmup, transfers: o.aosUnsafeTransfers, balances: o.aosUnsafeBalances },
      },
      // AOS boots empty: the token is loaded with an Eval from the owner.
      async setup(handle, r, feed) {
        const t0 = now();
        const out = await handle(r.Memory, feed.eval(tokenLua), ENV);
        const ms = now() - t0;
        expectOk(out, 'Eval of the Lua token');
        const data = out.Output && (out.Output.data ?? out.Output);
        if (!o.lua && !String(typeof data === 'object' ? JSON.stringify(data) : data).includes('token loaded')) {
          throw new Error(`Eval of the Lua token: unexpected output ${JSON.stringify(out.Output).slice(0, 300)}`);
        }
        return { r: out, eval_ms: round(ms, 2), eval_source_bytes: Buffer.byteLength(tokenLua) };
      },
    },
    aoxide: {
      key: 'aoxide', label: o.lua ? 'aoxide Lua token (C Lua in the module)' : 'aoxide token (Rust, wasm32)', path: o.aoxide,
      counts: {
        copy: { warmup: o.aoxWarmup, transfers: o.aoxTransfers, balances: o.aoxBalances },
        unsafe: { warmup: o.aoxUnsafeWarmup, transfers: o.aoxUnsafeTransfers, balances: o.aoxUnsafeBalances },
      },
      async setup(handle, r) { return { r }; },
    },
  };
}
