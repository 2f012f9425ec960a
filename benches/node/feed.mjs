// The messages the bench feeds: a seeded RNG (no Math.random), the actor ids and
// process environment of the AOS token trace, and Feed, which builds spawn,
// Transfer, Balance and Eval messages shaped as in that trace.

// sfc32 seeded through splitmix32: small, fast, deterministic. No Math.random.
export function makeRng(seed) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return {
    u32: next,
    int: (lo, hi) => lo + (next() % (hi - lo + 1)),
    id: () => { let x = ''; for (let i = 0; i < 43; i++) x += B64[next() & 63]; return x; },
  };
}

// ---------------------------------------------------------------- message shapes (as in the AOS token trace)
export const PID = 'KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU';
export const OWNER = 'IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o';
const AUTHORITY = 'FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI';
const SCHEDULER = 'RYcYWDn9bTJkj4zpt9Fbi0cikENKCTqTrVkHua0PcPw';
const MODULE_ID = 'ISShJH1ij-hPPt9St5UFFr_8Ys3Kj5cyg7zrMGt7H9s';
export const FORMAT = 'wasm32-unknown-emscripten4';
export const INITIAL_SUPPLY = 10n ** 16n;
export const OWNER_FUNDS = 10n ** 15n;

const PROCESS_TAGS = [
  { name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' },
  { name: 'Type', value: 'Process' }, { name: 'Module', value: MODULE_ID },
  { name: 'Scheduler', value: SCHEDULER }, { name: 'SDK', value: 'aoconnect' },
  { name: 'Content-Type', value: 'text/plain' }, { name: 'Authority', value: AUTHORITY },
];
export const ENV = {
  Process: { Id: PID, Owner: OWNER, Tags: PROCESS_TAGS },
  Module: {
    Id: MODULE_ID,
    Tags: [
      { name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' },
      { name: 'Type', value: 'Module' }, { name: 'Module-Format', value: FORMAT },
      { name: 'Input-Encoding', value: 'JSON-V1' }, { name: 'Output-Encoding', value: 'JSON-V1' },
      { name: 'Memory-Limit', value: '1-gb' }, { name: 'Compute-Limit', value: '9000000000000' },
    ],
  },
};

export class Feed {
  constructor(rng) { this.rng = rng; this.seq = 0; }
  base(extra) {
    this.seq += 1;
    return {
      Id: this.rng.id(), Target: PID, Owner: OWNER, Data: '',
      'Block-Height': String(1000 + Math.floor(this.seq / 100)),
      Timestamp: String(1700000000000 + this.seq * 1000),
      Module: MODULE_ID, From: OWNER, Cron: false, ...extra,
    };
  }
  spawn() {
    return { ...this.base({ Id: PID, Tags: PROCESS_TAGS }) };
  }
  message(action, tags = [], extra = {}) {
    return this.base({
      Tags: [
        { name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' },
        { name: 'Type', value: 'Message' }, { name: 'SDK', value: 'aoconnect' },
        ...(extra.fromProcess ? [{ name: 'From-Process', value: extra.fromProcess }] : []),
        { name: 'Action', value: action }, ...tags,
      ],
      ...(extra.fromProcess ? { From: extra.fromProcess, Owner: AUTHORITY } : {}),
      ...(extra.wallet ? { From: extra.wallet, Owner: extra.wallet } : {}),
      ...(extra.Data !== undefined ? { Data: extra.Data } : {}),
    });
  }
  eval(code) { return this.message('Eval', [], { Data: code }); }
  transfer(recipient, quantity, fromProcess) {
    return this.message('Transfer', [
      { name: 'Recipient', value: recipient }, { name: 'Quantity', value: String(quantity) },
    ], fromProcess ? { fromProcess } : {});
  }
  balance(account) {
    return this.message('Balance', [{ name: 'Recipient', value: account }]);
  }
}
