// The loader floor: the loader's own cost per message, measured on the
// do-nothing module of floor.mjs at several memory sizes, and where each
// measured module's Transfer time goes (floor vs its own work).
import { floorModule } from './floor.mjs';
import { makeRng, ENV, Feed } from './feed.mjs';
import { AoLoader, loaderOptions } from './loader-options.mjs';
import { now, stats, round, gc, MiB, fmtBytes } from './stats.mjs';

// The loader's own cost per message for a module that does nothing (floor.mjs)
// with a given memory size, fed real Transfer-shaped messages. Per-message
// time of a real module = floor + its own work; ratio ceilings follow.
async function measureFloor(bytes, mode, o) {
  const wasm = floorModule(bytes);
  const handle = await AoLoader(wasm, loaderOptions(mode));
  const feed = new Feed(makeRng(o.seed ^ 0xf1002));
  let r = await handle(null, feed.spawn(), ENV);
  const msgs = Array.from({ length: 64 }, () => feed.transfer(feed.rng.id(), 1 + (feed.rng.u32() % 1000)));
  const n = mode === 'unsafe' ? o.floorUnsafe : Math.max(10, Math.min(o.floorCopy, Math.floor((400 * MiB) / bytes)));
  for (let i = 0; i < Math.min(50, n); i++) r = await handle(r.Memory, msgs[i & 63], ENV);
  gc();
  const lat = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = now();
    r = await handle(r.Memory, msgs[i & 63], ENV);
    lat[i] = now() - t0;
  }
  return { memory_bytes: r.Memory.byteLength, mode, ...stats(lat) };
}

export async function loaderFloor(result, o, log) {
  const sizes = new Set([1 * MiB, 2 * MiB, 4 * MiB]);
  for (const m of Object.values(result.modules)) {
    if (m.skipped) continue;
    for (const mode of Object.values(m.modes)) sizes.add(mode.memory_after_transfers_bytes);
  }
  const out = { unsafe: null, copy: [] };
  if (o.modes.includes('unsafe')) {
    out.unsafe = await measureFloor(4 * MiB, 'unsafe', o);
    log(`  floor/unsafe: ${round(out.unsafe.mean_ms * 1000, 1)} us per message (p50 ${round(out.unsafe.p50_ms * 1000, 1)} us)`);
  }
  if (o.modes.includes('copy')) {
    for (const b of [...sizes].sort((x, y) => x - y)) {
      const f = await measureFloor(b, 'copy', o);
      out.copy.push(f);
      log(`  floor/copy @ ${fmtBytes(f.memory_bytes)}: ${round(f.mean_ms * 1000, 1)} us per message (p50 ${round(f.p50_ms * 1000, 1)} us, n=${f.n})`);
      gc();
    }
  }
  return out;
}

// Where the time goes: per-message mean time split into the loader floor at
// the module's own memory size and the rest (the module's own work).
export function whereTimeGoes(result) {
  const f = result.loader_floor;
  if (!f) return null;
  const out = {};
  for (const [key, m] of Object.entries(result.modules)) {
    if (m.skipped) continue;
    out[key] = {};
    for (const [mode, res] of Object.entries(m.modes)) {
      const fl = mode === 'unsafe' ? f.unsafe : f.copy.find((x) => x.memory_bytes === res.memory_after_transfers_bytes);
      if (!fl) continue;
      out[key][mode] = {
        transfer_mean_ms: res.transfer.mean_ms,
        loader_floor_ms: fl.mean_ms,
        module_work_ms: round(Math.max(0, res.transfer.mean_ms - fl.mean_ms), 4),
        floor_share: round(Math.min(1, fl.mean_ms / res.transfer.mean_ms), 3),
      };
    }
  }
  // The best ratio any module could reach against this AOS run, by memory size.
  const aos = result.modules.aos;
  if (aos && !aos.skipped) {
    out.ratio_ceiling = {};
    if (f.unsafe && aos.modes.unsafe) out.ratio_ceiling.unsafe = round(aos.modes.unsafe.transfer.mean_ms / f.unsafe.mean_ms, 1);
    if (aos.modes.copy) {
      out.ratio_ceiling.copy_by_memory = Object.fromEntries(f.copy.map((x) =>
        [fmtBytes(x.memory_bytes), round(aos.modes.copy.transfer.mean_ms / x.mean_ms, 1)]));
    }
  }
  return out;
}
