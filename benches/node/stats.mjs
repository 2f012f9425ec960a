// Numbers for the bench: the clock, latency statistics (rates, percentiles,
// median of batches), rounding, a gc() that is a no-op without --expose-gc,
// byte units and how byte sizes are printed.
export const now = () => performance.now();
export const BATCHES = 20;
export function stats(lat) {
  // Throughput robust to other processes on a shared machine: the messages
  // are split, in order, into BATCHES consecutive batches; the median batch rate.
  const per = Math.max(1, Math.floor(lat.length / BATCHES));
  const rates = [];
  for (let i = 0; i + per <= lat.length; i += per) {
    let t = 0;
    for (let j = i; j < i + per; j++) t += lat[j];
    rates.push((per * 1000) / t);
  }
  const s = Float64Array.from(lat).sort();
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const total = s.reduce((a, b) => a + b, 0);
  return {
    n: s.length,
    total_ms: round(total, 3),
    per_s: round((s.length * 1000) / total, 1),
    per_s_batch_median: round(median(rates), 1),
    mean_ms: round(total / s.length, 4),
    p50_ms: round(q(0.5), 4),
    p99_ms: round(q(0.99), 4),
    max_ms: round(s[s.length - 1], 4),
  };
}
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
export const round = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? x : Number(x.toFixed(d)));
export const gc = () => { if (typeof globalThis.gc === 'function') globalThis.gc(); };
export const MiB = 1024 * 1024, KiB = 1024;

export const fmtBytes = (b) => (b === undefined || b === null ? 'n/a'
  : b >= MiB ? `${(b / MiB).toFixed(2)} MiB` : b >= KiB ? `${(b / KiB).toFixed(1)} KiB` : `${b} B`);
