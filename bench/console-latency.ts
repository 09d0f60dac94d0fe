/**
 * Keystroke → frame latency of the console on a 1M-route table (issue 5), in a 120×40 fake TTY with the
 * Routes view of the border router open and the redraw settings the real console uses:
 *   1. scroll: j (and PgDn, G, g) one key at a time — key written to stdin → the first stdout frame whose
 *      position indicator `[n/…]` shows the key's result;
 *   2. filter: `/` and a regex, then addresses, typed a character at a time — key → the frame showing the
 *      character on the filter line; and the time to the finished result of the regex over 1M rows;
 *   3. the scroll again while another device's snapshot lands in the store every 100 ms.
 * Run by bench/run.ts (`npm run bench`) or alone: `node --expose-gc --import tsx bench/console-latency.ts`.
 * The console runs in a child process (its own heap, ink loaded only there).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ConsoleFigures, ConsolePlan } from './console/measure.ts';
import type { Sample } from './console/phases.ts';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));

export const PLAN: ConsolePlan = {
  routes: 1_000_000,
  cols: 120,
  rows: 40,
  downs: 300,
  filterText: '198.51',
  addresses: ['10.1.2.3', '100.64.7.9'],
  pollEveryMs: 100,
};

const TARGET = { scrollP99: 50, filterP99: 150 };

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: sorted.length, p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(at(1)) };
}

const ms = (samples: Sample[]) => samples.map((s) => s.ms);

export function summarise(raw: ConsoleFigures) {
  const filterKeys = [...raw.filter.keystrokes, ...raw.coldLookup.keystrokes, ...raw.warmLookup.keystrokes];
  const figures = {
    plan: raw.plan,
    /** NODE_ENV as the console saw it (bin/routedeck.mjs sets production). */
    react: raw.react,
    tableBuildMs: raw.tableBuildMs,
    firstFrameMs: raw.firstFrameMs,
    scroll: stats(ms(raw.scroll)),
    scrollFirstWrite: stats(raw.scroll.map((s) => s.firstWriteMs)),
    scrollByKey: Object.fromEntries(
      ['j', 'pgdn', 'G', 'g'].map((k) => [k, stats(ms(raw.scroll.filter((s) => s.key === k)))]),
    ),
    filterKeystroke: stats(ms(filterKeys)),
    filterKeystrokeRegex: stats(ms(raw.filter.keystrokes)),
    lookupCold: { address: raw.plan.addresses[0], ms: raw.coldLookup.lookupMs, match: raw.coldLookup.match },
    lookupWarm: { address: raw.plan.addresses[1], ms: raw.warmLookup.lookupMs, match: raw.warmLookup.match },
    filterFinal: { text: raw.plan.filterText, ms: raw.filter.finalMs, matched: raw.filter.matched },
    scrollDuringScan: stats(ms(raw.filter.duringScan)),
    polling: { ...stats(ms(raw.polling.scroll)), polls: raw.polling.polls, everyMs: raw.plan.pollEveryMs },
  };
  const targets = {
    consoleScrollP99: { want: `< ${TARGET.scrollP99} ms`, ok: figures.scroll.p99 < TARGET.scrollP99 },
    consoleScrollPollingP99: { want: `< ${TARGET.scrollP99} ms`, ok: figures.polling.p99 < TARGET.scrollP99 },
    consoleFilterKeyP99: {
      want: `< ${TARGET.filterP99} ms`,
      ok: figures.filterKeystroke.p99 < TARGET.filterP99,
    },
  };
  return { ...figures, targets };
}

export type ConsoleLatency = ReturnType<typeof summarise>;

function cell(text: string | number, width: number): string {
  const s = typeof text === 'number' ? (Number.isNaN(text) ? '-' : text.toFixed(text < 10 ? 1 : 0)) : text;
  return s.padEnd(width);
}

function line(label: string, s: Stats | null, target: string, ok?: boolean): string {
  const nums = s ? [s.p50, s.p95, s.p99, s.max].map((x) => cell(x, 7)).join('') : cell('', 28);
  return cell(label, 44) + nums + cell(target, 10) + (ok === undefined ? '' : ok ? 'PASS' : 'FAIL');
}

export function report(c: ConsoleLatency): string {
  const one = (x: number): Stats => ({ n: 1, p50: x, p95: x, p99: x, max: x });
  return [
    `console keystroke → frame, ${c.plan.routes / 1e6}M routes, ${c.plan.cols}×${c.plan.rows}, React ${c.react} build (ms)`,
    cell('', 44) + ['p50', 'p95', 'p99', 'max', 'target'].map((h) => cell(h, 7)).join('') + '   ',
    line(
      `scroll: j/PgDn/G/g (${c.scroll.n} keys)`,
      c.scroll,
      c.targets.consoleScrollP99.want,
      c.targets.consoleScrollP99.ok,
    ),
    line('  key → first frame written', c.scrollFirstWrite, ''),
    line(
      `scroll, a snapshot every ${c.polling.everyMs} ms (${c.polling.polls})`,
      c.polling,
      c.targets.consoleScrollPollingP99.want,
      c.targets.consoleScrollPollingP99.ok,
    ),
    line(
      `filter keystroke (${c.filterKeystroke.n} keys)`,
      c.filterKeystroke,
      c.targets.consoleFilterKeyP99.want,
      c.targets.consoleFilterKeyP99.ok,
    ),
    line(`  completing ${c.lookupCold.address} (index not built)`, one(c.lookupCold.ms), ''),
    line(`  completing ${c.lookupWarm.address} (index built)`, one(c.lookupWarm.ms), ''),
    line(`/${c.filterFinal.text} finished (${c.filterFinal.matched} rows)`, one(c.filterFinal.ms), ''),
    line('j while that filter scans', c.scrollDuringScan, ''),
    `table built in ${(c.tableBuildMs / 1000).toFixed(1)} s; first frame ${c.firstFrameMs.toFixed(0)} ms`,
  ].join('\n');
}

/** Runs the measurement in a child process; returns the summary (the caller prints and stores it). */
export function consoleLatency(): ConsoleLatency {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      // As bin/routedeck.mjs runs the console: React's production build.
      env: { ...process.env, NODE_ENV: 'production' },
      // The console's own stderr (cursor show/hide on exit) is kept off the terminal unless something fails.
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 170_000,
    },
  );
  if (child.status !== 0)
    throw new Error(`console latency failed (${child.status ?? child.signal}): ${child.stderr}`);
  return summarise(JSON.parse(child.stdout) as ConsoleFigures);
}

/** Puts the figures under `consoleLatency` in bench/out/results.json, keeping whatever else is there. */
export function mergeResults(c: ConsoleLatency): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  const targets = { ...(previous['targets'] as object | undefined), ...c.targets };
  writeFileSync(RESULTS, JSON.stringify({ ...previous, consoleLatency: c, targets }, null, 2) + '\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    const { measureConsole } = await import('./console/measure.ts');
    const raw = await measureConsole(PLAN);
    process.stdout.write(JSON.stringify(raw), () => process.exit(0));
    return;
  }
  const c = consoleLatency();
  console.log(`${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}, node ${process.version}\n${report(c)}`);
  mergeResults(c);
  if (!Object.values(c.targets).every((x) => x.ok)) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
