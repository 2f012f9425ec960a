// The targets a run is judged against, each with its measured value, goal and
// PASS/FAIL/N/A: `targets` picks the Rust token's (targetsFor, also per
// --variant build) or, with --lua, the Lua layer's (luaTargets).
import { round, MiB, KiB } from './stats.mjs';

export function targets(result) {
  if (result.config.lua) return luaTargets(result, result.modules.aos, result.modules.aoxide);
  const out = targetsFor(result, result.modules.aos, result.modules.aoxide, '');
  for (const [k, m] of Object.entries(result.modules)) {
    if (k.startsWith('aoxide:')) out.push(...targetsFor(result, result.modules.aos, m, `[${k.slice(7)}] `));
  }
  return out;
}
function targetsFor(result, aos, ax, prefix) {
  const have = (m) => m && !m.skipped;
  const ratio = (mode) => (have(aos) && have(ax) && aos.modes[mode] && ax.modes[mode]
    ? ax.modes[mode].transfer.per_s / aos.modes[mode].transfer.per_s : null);
  const t = [];
  const p50ratio = (mode) => (have(aos) && have(ax) && aos.modes[mode] && ax.modes[mode]
    ? aos.modes[mode].transfer.p50_ms / ax.modes[mode].transfer.p50_ms : null);
  const bratio = (mode) => (have(aos) && have(ax) && aos.modes[mode] && ax.modes[mode]
    ? ax.modes[mode].transfer.per_s_batch_median / aos.modes[mode].transfer.per_s_batch_median : null);
  const note = (mode) => (p50ratio(mode) === null ? null
    : `median-of-batches ratio ${round(bratio(mode), 1)}x, p50-latency ratio ${round(p50ratio(mode), 1)}x`);
  const push = (name, value, goal, pass, unit, note) => t.push({ name: prefix + name, value: value === null ? null : round(value, 2), goal, unit,
    status: value === null ? 'N/A' : pass ? 'PASS' : 'FAIL', ...(note ? { note } : {}) });
  const ru = ratio('unsafe');
  push('Transfer throughput aoxide/AOS, UNSAFE_MEMORY', ru, '>= 25x', ru !== null && ru >= 25, 'x', note('unsafe'));
  const rc = ratio('copy');
  push('Transfer throughput aoxide/AOS, copying loader', rc, '>= 200x', rc !== null && rc >= 200, 'x', note('copy'));
  const snap = have(ax) && ax.accounts ? ax.accounts.snapshot_bytes : null;
  push(`aoxide memory snapshot after ${result.config.accounts} accounts`, snap === null ? null : snap / MiB, '< 2 MiB', snap !== null && snap < 2 * MiB, 'MiB');
  const size = have(ax) ? ax.module_bytes : null;
  push('aoxide token module size (after wasm-opt)', size === null ? null : size / KiB, '<= 100 KiB', size !== null && size <= 100 * KiB, 'KiB');
  return t;
}

// The targets of the Lua layer (issue 7): the same Lua token on AOS and in aoxide's module.
function luaTargets(result, aos, ax) {
  const have = (m) => m && !m.skipped;
  const both = (mode) => have(aos) && have(ax) && aos.modes[mode] && ax.modes[mode];
  const ratio = (mode) => (both(mode) ? ax.modes[mode].transfer.per_s / aos.modes[mode].transfer.per_s : null);
  const note = (mode) => (both(mode)
    ? `median-of-batches ratio ${round(ax.modes[mode].transfer.per_s_batch_median / aos.modes[mode].transfer.per_s_batch_median, 1)}x, p50-latency ratio ${round(aos.modes[mode].transfer.p50_ms / ax.modes[mode].transfer.p50_ms, 1)}x`
    : null);
  const t = [];
  const push = (name, value, goal, pass, unit, n) => t.push({ name, value: value === null ? null : round(value, 2), goal, unit,
    status: value === null ? 'N/A' : pass ? 'PASS' : 'FAIL', ...(n ? { note: n } : {}) });
  const ru = ratio('unsafe');
  push('Lua token Transfer throughput aoxide/AOS, UNSAFE_MEMORY', ru, '>= 5x', ru !== null && ru >= 5, 'x', note('unsafe'));
  const rc = ratio('copy');
  push('Lua token Transfer throughput aoxide/AOS, copying loader', rc, '>= 100x', rc !== null && rc >= 100, 'x', note('copy'));
  const snap = have(ax) && ax.accounts ? ax.accounts.snapshot_bytes : null;
  push(`aoxide Lua token memory snapshot after ${result.config.accounts} accounts`, snap === null ? null : snap / MiB, '<= 8 MiB', snap !== null && snap <= 8 * MiB, 'MiB',
    have(aos) && aos.accounts ? `AOS: ${round(aos.accounts.snapshot_bytes / MiB, 1)} MiB` : null);
  const HOW = { compile_included: 'compile included', compiled_module_reused: 'compiled module reused' };
  for (const mode of result.config.modes) {
    for (const [how, label] of Object.entries(HOW)) {
      const a = both(mode) && aos.modes[mode].spawn_to_first_reply?.[how];
      const b = both(mode) && ax.modes[mode].spawn_to_first_reply?.[how];
      const s = a && b ? a.median_ms / b.median_ms : null;
      const parts = (x) => Object.entries(x.parts_median_ms).map(([k, v]) => `${k} ${v}`).join(', ');
      push(`spawn to first reply speed-up aoxide/AOS, ${mode === 'copy' ? 'copying' : 'UNSAFE_MEMORY'}, ${label}`, s, '>= 10x', s !== null && s >= 10, 'x',
        s === null ? null : `medians of ${a.reps}: ${a.median_ms} ms vs ${b.median_ms} ms; minimums ${a.min_ms} ms vs ${b.min_ms} ms (${round(a.min_ms / b.min_ms, 1)}x); AOS: ${parts(a)}; aoxide: ${parts(b)}`);
    }
  }
  const size = have(ax) ? ax.module_bytes : null;
  push('aoxide Lua token module size (after wasm-opt; reported, no target)', size === null ? null : size / KiB, 'report', true, 'KiB',
    have(aos) ? `AOS: ${round(aos.module_bytes / KiB, 1)} KiB` : null);
  return t;
}
