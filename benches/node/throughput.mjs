// The Transfer/throughput measurement of one module in one memory mode: cold
// start (instantiate + spawn), setup, untimed warm-up, timed Transfers to new
// recipients, timed Balances, every reply checked against the bench's ledger,
// then (copying mode) the protocol self-check on a branch of the state.
import { makeRng, PID, OWNER, INITIAL_SUPPLY, OWNER_FUNDS, ENV, Feed } from './feed.mjs';
import { expectOk, checkTransfer, checkBalance, protocolCheck } from './checks.mjs';
import { AoLoader, loaderOptions } from './loader-options.mjs';
import { now, stats, median, round, gc } from './stats.mjs';

// One (module, mode) run: cold start, setup, warmup, timed Transfers, memory
// snapshot, timed Balances. Returns the measurements and the live state so the
// accounts step can continue from it.
export async function runOne(spec, wasm, mode, o, log) {
  const rng = makeRng(o.seed);
  const counts = spec.counts[mode];
  const res = { mode, counts: { ...counts } };

  // Cold start: instantiate + spawn, on fresh instances; the last one is kept.
  const inst = [], spawn = [];
  let handle, r;
  for (let i = 0; i < Math.max(1, o.coldReps); i++) {
    handle = null; r = null; gc();
    const feed = new Feed(makeRng(o.seed));
    const t0 = now();
    handle = await AoLoader(wasm, loaderOptions(mode));
    const t1 = now();
    r = await handle(null, feed.spawn(), ENV);
    const t2 = now();
    expectOk(r, 'spawn');
    inst.push(t1 - t0); spawn.push(t2 - t1);
  }
  res.cold_start = {
    reps: inst.length,
    instantiate_ms: round(median(inst), 2),
    spawn_ms: round(median(spawn), 2),
    total_ms: round(median(inst.map((x, i) => x + spawn[i])), 2),
  };
  res.memory_after_spawn_bytes = r.Memory.byteLength;

  const feed = new Feed(rng);
  feed.spawn(); // keep ids/timestamps identical across modules: the spawn used one step
  const setup = await spec.setup(handle, r, feed);
  r = setup.r;
  if (setup.eval_ms !== undefined) {
    res.token_eval_ms = setup.eval_ms;
    res.token_eval_source_bytes = setup.eval_source_bytes;
  }

  // Fund the owner from the process (a trusted Transfer, as in the trace).
  const ledger = new Map([[PID, INITIAL_SUPPLY]]);
  const send = async (msg) => { r = await handle(r.Memory, msg, ENV); return r; };
  await send(feed.transfer(OWNER, OWNER_FUNDS, PID));
  checkTransfer(r, OWNER, OWNER_FUNDS);
  ledger.set(PID, INITIAL_SUPPLY - OWNER_FUNDS);
  ledger.set(OWNER, OWNER_FUNDS);
  const recipients = [];
  const newTransfer = () => {
    const to = rng.id();
    const qty = BigInt(rng.int(1, 1000));
    recipients.push(to);
    return { to, qty, msg: feed.transfer(to, qty) };
  };
  const applied = ({ to, qty }) => {
    ledger.set(OWNER, ledger.get(OWNER) - qty);
    ledger.set(to, (ledger.get(to) || 0n) + qty);
  };

  // Warmup transfers (not timed): let the JIT tier up.
  for (let i = 0; i < counts.warmup; i++) {
    const t = newTransfer();
    await send(t.msg);
    checkTransfer(r, t.to, t.qty); applied(t);
  }
  gc();

  // Timed Transfers, each to a new distinct recipient.
  const tl = new Array(counts.transfers);
  for (let i = 0; i < counts.transfers; i++) {
    const t = newTransfer();
    const t0 = now();
    r = await handle(r.Memory, t.msg, ENV);
    tl[i] = now() - t0;
    checkTransfer(r, t.to, t.qty); applied(t);
  }
  res.transfer = stats(tl);
  res.accounts_after_transfers = ledger.size;
  res.memory_after_transfers_bytes = r.Memory.byteLength;
  log(`  ${spec.key}/${mode}: ${res.transfer.per_s} Transfer/s (p50 ${res.transfer.p50_ms} ms, p99 ${res.transfer.p99_ms} ms, ${counts.transfers} msgs)`);
  gc();

  // Timed Balances of existing recipients.
  const bl = new Array(counts.balances);
  for (let i = 0; i < counts.balances; i++) {
    const who = recipients[rng.int(0, recipients.length - 1)];
    const msg = feed.balance(who);
    const t0 = now();
    r = await handle(r.Memory, msg, ENV);
    bl[i] = now() - t0;
    checkBalance(r, who, ledger.get(who));
  }
  res.balance = stats(bl);
  log(`  ${spec.key}/${mode}: ${res.balance.per_s} Balance/s (p50 ${res.balance.p50_ms} ms, p99 ${res.balance.p99_ms} ms, ${counts.balances} msgs)`);

  // The owner's balance must match the model after everything.
  await send(feed.balance(OWNER));
  checkBalance(r, OWNER, ledger.get(OWNER));
  if (mode === 'copy') {
    const base = r;
    res.protocol_check = await protocolCheck(handle, base, new Feed(makeRng(o.seed ^ 0x5eed)), ledger);
    const bad = Object.entries(res.protocol_check).filter(([, v]) => v !== 'ok');
    log(`  ${spec.key}/${mode}: protocol check ${bad.length ? `${bad.length} FAILED: ${JSON.stringify(Object.fromEntries(bad))}` : `all ${Object.keys(res.protocol_check).length} cases ok`}`);
    r = base; // back to the measured state (the next call restores this copy)
  }
  return { res, state: { handle, get r() { return r; }, set r(v) { r = v; }, feed, rng, ledger, recipients, newTransfer, applied } };
}
