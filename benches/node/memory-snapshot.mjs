// The memory/snapshot measurement: the accounts step (Transfers to new
// recipients until the ledger holds N accounts, continuing from a measured run's
// state) and what the snapshot then looks like (size, non-zero high water, gzip).
import { gzipSync } from 'node:zlib';

import { ENV } from './feed.mjs';
import { checkTransfer, checkBalance } from './checks.mjs';
import { now, round, MiB } from './stats.mjs';

// What a memory snapshot holds: its size, where its non-zero bytes end, its gzip -1 size.
function memoryFacts(mem) {
  const buf = mem instanceof ArrayBuffer ? new Uint8Array(mem) : new Uint8Array(mem.buffer, mem.byteOffset, mem.byteLength);
  let hi = buf.length;
  while (hi > 0 && buf[hi - 1] === 0) hi--;
  const t0 = now();
  const gz = gzipSync(buf, { level: 1 }).length;
  return {
    snapshot_bytes: buf.length,
    nonzero_high_water_bytes: hi,
    gzip1_bytes: gz,
    gzip_ms: round(now() - t0, 1),
  };
}

// Accounts step: transfer to new distinct recipients until `target` accounts
// other than the process and the owner exist, then look at the snapshot.
export async function accountsStep(st, target, log, label) {
  const { handle, feed } = st;
  let r = st.r;
  const start = st.recipients.length;
  const t0 = now();
  while (st.recipients.length < target) {
    const t = st.newTransfer();
    r = await handle(r.Memory, t.msg, ENV);
    checkTransfer(r, t.to, t.qty); st.applied(t);
  }
  const ms = now() - t0;
  const added = st.recipients.length - start;
  const distinct = new Set(st.recipients).size;
  // Spot-check a few balances after the growth.
  for (const who of [st.recipients[0], st.recipients[Math.floor(target / 2)], st.recipients[target - 1]]) {
    r = await handle(r.Memory, feed.balance(who), ENV);
    checkBalance(r, who, st.ledger.get(who));
  }
  st.r = r;
  const out = {
    recipients: st.recipients.length,
    distinct_recipients: distinct,
    transfers_added: added,
    transfers_added_per_s: added ? round((added * 1000) / ms, 1) : null,
    ...memoryFacts(r.Memory),
  };
  log(`  ${label}: ${out.recipients} recipients -> snapshot ${out.snapshot_bytes} bytes (${round(out.snapshot_bytes / MiB, 3)} MiB), non-zero high water ${out.nonzero_high_water_bytes}, gzip ${out.gzip1_bytes}`);
  return out;
}
