/**
 * Migration benchmark on the real-FRR netns lab (root only; skipped with a message otherwise):
 * one workload moved hv1 ⇄ hv2 N times make-before-break, then N times break-before-make, by the
 * production planner and executor over SSH, while a workload on hv3 pings it every 5 ms.
 * Alone: `node --expose-gc --import tsx bench/run.ts migration` (or `… bench/migration.ts`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireNetnsLock, netnsCanRun, netnsDown, netnsUp, removeGuest } from '../src/lab/netns/index.ts';
import {
  createGuest,
  decommissionGuest,
  migrateGuest,
  newWorkload,
  openNetnsEnv,
  type MigrationRun,
} from '../test/lab/netns-workflow-env.ts';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));
const RUNS = Number(process.env['ROUTEDECK_BENCH_MIGRATIONS'] ?? 5);
const PING_FROM = 'acme-3';

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface ModeFigures {
  runs: number;
  lost: Spread;
  maxGapMs: Spread;
  planMs: Spread;
  /** Per router and family: announcing step start → FIB via the target; and FRR's share alone. */
  routers: Record<string, { fibMs: Spread; fibAfterCommandMs: Spread; verifiedMs: Spread }>;
  raw: {
    lost: number;
    transmitted: number;
    maxGapMs: number;
    planMs: number;
    convergence: MigrationRun['convergence'];
  }[];
}

export interface MigrationBench {
  date: string;
  machine: { cpu: string; cores: number; node: string; os: string };
  pingIntervalMs: number;
  modes: Record<MigrationRun['mode'], ModeFigures>;
}

export function spread(values: readonly (number | null)[]): Spread {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return { min: NaN, median: NaN, max: NaN };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { min: v[0]!, median, max: v.at(-1)! };
}

function figures(runs: readonly MigrationRun[]): ModeFigures {
  const keys = [
    ...new Set(
      runs.flatMap((r) => r.convergence.map((c) => `${c.router} ${c.prefix.includes(':') ? 'v6' : 'v4'}`)),
    ),
  ];
  const pick = (key: string, field: 'fibMs' | 'fibAfterCommandMs' | 'verifiedMs') =>
    spread(
      runs.flatMap((r) =>
        r.convergence
          .filter((c) => `${c.router} ${c.prefix.includes(':') ? 'v6' : 'v4'}` === key)
          .map((c) => c[field]),
      ),
    );
  return {
    runs: runs.length,
    lost: spread(runs.map((r) => r.ping.lost)),
    maxGapMs: spread(runs.map((r) => r.ping.maxGapMs)),
    planMs: spread(runs.map((r) => r.totalMs)),
    routers: Object.fromEntries(
      keys.map((k) => [
        k,
        {
          fibMs: pick(k, 'fibMs'),
          fibAfterCommandMs: pick(k, 'fibAfterCommandMs'),
          verifiedMs: pick(k, 'verifiedMs'),
        },
      ]),
    ),
    raw: runs.map((r) => ({
      lost: r.ping.lost,
      transmitted: r.ping.transmitted,
      maxGapMs: r.ping.maxGapMs,
      planMs: r.totalMs,
      convergence: r.convergence,
    })),
  };
}

/** Runs the benchmark, or returns the reason it cannot run here. */
export async function migrationBench(): Promise<MigrationBench | { skipped: string }> {
  const can = netnsCanRun();
  if (!can.ok) return { skipped: can.reason ?? 'the netns lab cannot run here' };
  const parent = await mkdtemp(path.join(os.tmpdir(), 'routedeck-bench-migration-'));
  const dir = path.join(parent, 'lab');
  const releaseLock = await acquireNetnsLock(15 * 60_000, 'the migration bench');
  try {
    const env = await openNetnsEnv(await netnsUp({ dir }));
    try {
      let w = newWorkload(env, 'acme', 'bench-vm1', 'hv1');
      const created = await createGuest(env, w);
      if (created.result.status !== 'applied')
        throw new Error(`create: ${JSON.stringify(created.result.steps)}`);
      w = { ...w, state: 'active' };
      const runs: Record<MigrationRun['mode'], MigrationRun[]> = {
        'make-before-break': [],
        'break-before-make': [],
      };
      for (const breakBeforeMake of [false, true]) {
        for (let i = 0; i < RUNS; i++) {
          const to = w.host === 'hv1' ? 'hv2' : 'hv1';
          const run = await migrateGuest(env, w, to, { breakBeforeMake, pingFrom: PING_FROM });
          if (run.result.status !== 'applied')
            throw new Error(`${run.mode} ${w.host}→${to}: ${JSON.stringify(run.result.steps)}`);
          w = { ...w, host: to };
          runs[run.mode].push(run);
          process.stderr.write(
            `  ${run.mode} ${i + 1}/${RUNS}: lost ${run.ping.lost}, gap ${run.ping.maxGapMs.toFixed(0)} ms\n`,
          );
        }
      }
      await decommissionGuest(env, w);
      await removeGuest(w.name, { dir });
      return {
        date: new Date().toISOString(),
        machine: {
          cpu: os.cpus()[0]?.model ?? '?',
          cores: os.cpus().length,
          node: process.version,
          os: os.release(),
        },
        pingIntervalMs: 5,
        modes: {
          'make-before-break': figures(runs['make-before-break']),
          'break-before-make': figures(runs['break-before-make']),
        },
      };
    } finally {
      await env.close();
    }
  } finally {
    await netnsDown({ dir });
    releaseLock();
    await rm(parent, { recursive: true, force: true });
  }
}

const ms = (s: Spread): string =>
  Number.isNaN(s.median) ? 'n/a' : `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;

export function report(b: MigrationBench | { skipped: string }): string {
  if ('skipped' in b) return `migration bench skipped: ${b.skipped}`;
  const lines = [
    `migration on the netns lab (FRR, real SSH), ${RUNS} runs a mode, ping every ${b.pingIntervalMs} ms from hv3 — median (min–max)`,
  ];
  for (const [mode, f] of Object.entries(b.modes)) {
    lines.push(
      `${mode}: lost ${ms(f.lost)} packets, largest gap ${ms(f.maxGapMs)} ms, plan ${ms(f.planMs)} ms`,
    );
    for (const [key, r] of Object.entries(f.routers)) {
      lines.push(
        `  ${key.padEnd(8)} FIB via target ${ms(r.fibMs)} ms after the step's start, ${ms(r.fibAfterCommandMs)} ms after its ip route add; executor verified ${ms(r.verifiedMs)} ms`,
      );
    }
  }
  return lines.join('\n');
}

export function mergeResults(b: MigrationBench | { skipped: string }): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...previous, migration: b }, null, 2) + '\n');
}

/** Exit code: make-before-break must lose nothing. */
export function migrationOk(b: MigrationBench | { skipped: string }): boolean {
  return 'skipped' in b || b.modes['make-before-break'].lost.max === 0;
}

async function main(): Promise<void> {
  const b = await migrationBench();
  console.log(report(b));
  mergeResults(b);
  if (!migrationOk(b)) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
