// What the bench checks in the modules' replies: every timed Transfer and
// Balance answer (notices, quantities, balances against the bench's own ledger),
// and the protocol self-check run once per module before the two are compared.
import { PID, OWNER, INITIAL_SUPPLY, ENV } from './feed.mjs';

// ---------------------------------------------------------------- result checks
const tagOf = (m, name) => {
  const t = (m.Tags || []).find((x) => x.name === name);
  return t ? t.value : undefined;
};
export function expectOk(r, what) {
  if (r.Error) throw new Error(`${what}: module returned Error: ${String(r.Error).slice(0, 400)}`);
}
export function checkTransfer(r, recipient, qty) {
  expectOk(r, 'Transfer');
  const msgs = r.Messages || [];
  const debit = msgs.find((m) => tagOf(m, 'Action') === 'Debit-Notice');
  const credit = msgs.find((m) => tagOf(m, 'Action') === 'Credit-Notice');
  if (!debit || !credit) throw new Error(`Transfer: missing notices: ${JSON.stringify(msgs).slice(0, 400)}`);
  if (credit.Target !== recipient || tagOf(credit, 'Quantity') !== String(qty)) {
    throw new Error(`Transfer: bad Credit-Notice ${JSON.stringify(credit).slice(0, 300)}`);
  }
}
export function checkBalance(r, account, expected) {
  expectOk(r, 'Balance');
  const m = (r.Messages || []).find((x) => tagOf(x, 'Balance') !== undefined);
  if (!m) throw new Error(`Balance: no reply: ${JSON.stringify(r.Messages).slice(0, 300)}`);
  if (String(tagOf(m, 'Balance')) !== String(expected) || tagOf(m, 'Account') !== account) {
    throw new Error(`Balance of ${account}: got ${tagOf(m, 'Balance')} want ${expected}`);
  }
}

// ---------------------------------------------------------------- protocol self-check
// Run once per module (copying mode, on a branch of the state: every result
// there is an independent copy, so the measured state is untouched). It makes
// sure both sides implement the same token protocol before they are compared.
const STRANGER = 'LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE';
export async function protocolCheck(handle, base, feed, ledger) {
  let r = base;
  const owner = ledger.get(OWNER);
  const results = {};
  const reply = (res, target) => (res.Messages || []).find((m) => m.Target === target);
  const tagCI = (m, name) => {
    const t = (m?.Tags || []).find((x) => x.name.toLowerCase() === name.toLowerCase());
    return t ? t.value : undefined;
  };
  const action = (res, a) => (res.Messages || []).filter((m) => tagOf(m, 'Action') === a);
  const fresh = () => feed.rng.id();
  const cases = [
    ['info', feed.message('Info'), (x) => {
      const m = reply(x, OWNER);
      return m && tagCI(m, 'ticker') && String(tagCI(m, 'denomination')) === '12';
    }],
    ['balance-self-no-recipient', feed.message('Balance'), (x) => String(tagOf(reply(x, OWNER), 'Balance')) === String(owner)],
    ['balance-unknown-account', feed.balance(fresh()), (x) => String(tagOf(reply(x, OWNER), 'Balance')) === '0'],
    ['transfer-x-tag-forwarding', (() => { const to = fresh(); return { to, msg: feed.message('Transfer', [
      { name: 'Recipient', value: to }, { name: 'Quantity', value: '7' }, { name: 'X-Memo', value: 'hello' }]) }; })(),
    (x, c) => { const d = action(x, 'Debit-Notice')[0], k = action(x, 'Credit-Notice')[0];
      return !x.Error && d && k && k.Target === c.to && tagOf(d, 'X-Memo') === 'hello' && tagOf(k, 'X-Memo') === 'hello'; }],
    ['transfer-cast', feed.message('Transfer', [{ name: 'Recipient', value: fresh() }, { name: 'Quantity', value: '3' },
      { name: 'Cast', value: 'true' }]), (x) => !x.Error && !action(x, 'Debit-Notice').length && !action(x, 'Credit-Notice').length],
    ['transfer-insufficient-stranger', feed.message('Transfer', [{ name: 'Recipient', value: OWNER }, { name: 'Quantity', value: '5' }],
      { wallet: STRANGER }), (x) => { const m = action(x, 'Transfer-Error')[0];
      return !x.Error && m && m.Target === STRANGER && tagOf(m, 'Message-Id') && tagOf(m, 'Error'); }],
    ['transfer-zero-quantity', feed.message('Transfer', [{ name: 'Recipient', value: STRANGER }, { name: 'Quantity', value: '0' }]),
      (x) => x.Error && !(x.Messages || []).some((m) => m.Target)],
    ['transfer-no-recipient', feed.message('Transfer', [{ name: 'Quantity', value: '1' }]),
      (x) => x.Error && !(x.Messages || []).some((m) => m.Target)],
    ['mint-from-owner', feed.message('Mint', [{ name: 'Quantity', value: '1000' }]),
      (x) => action(x, 'Mint-Error').length === 1],
    ['mint-from-process', feed.message('Mint', [{ name: 'Quantity', value: '1000' }], { fromProcess: PID }),
      (x) => !x.Error && !!reply(x, PID)],
    ['total-supply-after-mint', feed.message('Total-Supply'),
      (x) => { const m = reply(x, OWNER); return m && String(m.Data) === String(INITIAL_SUPPLY + 1000n); }],
    ['balances', feed.message('Balances'), (x) => {
      const m = reply(x, OWNER); if (!m) return false;
      const all = typeof m.Data === 'string' ? JSON.parse(m.Data) : m.Data;
      return String(all[OWNER]) === String(owner - 7n - 3n);
    }],
  ];
  for (const [name, c, ok] of cases) {
    const msg = c.msg || c;
    try {
      r = await handle(r.Memory, msg, ENV);
      results[name] = ok(r, c) ? 'ok' : `FAIL: ${JSON.stringify({ Error: r.Error, Messages: r.Messages }).slice(0, 300)}`;
    } catch (e) {
      results[name] = `FAIL: threw ${String(e && e.message ? e.message : e).slice(0, 200)}`;
    }
  }
  return results;
}
