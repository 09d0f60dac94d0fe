/**
 * Recovery of a migration killed in its announce step, on the real-FRR netns lab (root only; skipped
 * with a message otherwise): the kill and the four ways of recovering it are in
 * test/lab/netns-recovery.ts. Per way, packets lost and the largest gap between replies of a 5 ms ping
 * from hv3, over ROUTEDECK_BENCH_RECOVERIES runs (default 3), alternating hv1 ⇄ hv2.
 * Alone: `node --expose-gc --import tsx bench/run.ts resume-loss`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireNetnsLock, netnsCanRun, netnsDown, netnsUp, removeGuest } from '../src/lab/netns/index.ts';
import { killAndRecover, WAYS, type Way } from '../test/lab/netns-recovery.ts';
import { createGuest, decommissionGuest, newWorkload, openNetnsEnv } from '../test/lab/netns-workflow-env.ts';
import { spread, type Spread } from './migration.ts';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));

const RUNS = Number(process.env['ROUTEDECK_BENCH_RECOVERIES'] ?? 3);
const PING_FROM = 'acme-3';
const PING_MS = 5;
const KILLED_STEP = 'target-announce-preferred';

export interface RecoveryFigures {
  lost: number;
  transmitted: number;
  maxGapMs: number;
  recoveryMs: number;
}

export interface ResumeLossBench {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  pingIntervalMs: number;
  ways: Record<
    Way,
    { runs: number; lost: Spread; maxGapMs: Spread; recoveryMs: Spread; raw: RecoveryFigures[] }
  >;
}

export async function resumeLossBench(): Promise<ResumeLossBench | { skipped: string }> {
  const can = netnsCanRun();
  if (!can.ok) return { skipped: can.reason ?? 'the netns lab cannot run here' };
  const parent = await mkdtemp(path.join(os.tmpdir(), 'routedeck-bench-resume-'));
  const dir = path.join(parent, 'lab');
  const releaseLock = await acquireNetnsLock(15 * 60_000, 'the resume-loss bench');
  try {
    const env = await openNetnsEnv(await netnsUp({ dir }));
    try {
      let w = newWorkload(env, 'acme', 'bench-rs1', 'hv1');
      const created = await createGuest(env, w);
      if (created.result.status !== 'applied')
        throw new Error(`create: ${JSON.stringify(created.result.steps)}`);
      w = { ...w, state: 'active' };
      const raw: Record<Way, RecoveryFigures[]> = {
        resume: [],
        'resume-undo-first': [],
        rollback: [],
        'rollback-withdraw-first': [],
      };
      for (let i = 0; i < RUNS; i++) {
        for (const way of WAYS) {
          const to = w.host === 'hv1' ? 'hv2' : 'hv1';
          const run = await killAndRecover(env, w, to, way, PING_FROM);
          const expected = way.startsWith('rollback') ? 'rolled-back' : 'applied';
          if (run.result.status !== expected)
            throw new Error(`${way}: ${run.result.status}, expected ${expected}: ${run.result.reason ?? ''}`);
          w = { ...w, host: run.holder };
          raw[way].push({
            lost: run.lost,
            transmitted: run.transmitted,
            maxGapMs: run.maxGapMs,
            recoveryMs: run.recoveryMs,
          });
          process.stderr.write(
            `  ${way} ${i + 1}/${RUNS}: lost ${run.lost}, gap ${run.maxGapMs.toFixed(0)} ms, ${run.recoveryMs.toFixed(0)} ms\n`,
          );
        }
      }
      await decommissionGuest(env, w);
      await removeGuest(w.name, { dir });
      const figures = (runs: RecoveryFigures[]) => ({
        runs: runs.length,
        lost: spread(runs.map((r) => r.lost)),
        maxGapMs: spread(runs.map((r) => r.maxGapMs)),
        recoveryMs: spread(runs.map((r) => r.recoveryMs)),
        raw: runs,
      });
      return {
        date: new Date().toISOString(),
        machine: { cpu: os.cpus()[0]?.model ?? '?', cores: os.cpus().length, node: process.version },
        pingIntervalMs: PING_MS,
        ways: {
          resume: figures(raw.resume),
          'resume-undo-first': figures(raw['resume-undo-first']),
          rollback: figures(raw.rollback),
          'rollback-withdraw-first': figures(raw['rollback-withdraw-first']),
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

const fmt = (s: Spread, digits = 0): string =>
  Number.isNaN(s.median)
    ? 'n/a'
    : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

export function report(b: ResumeLossBench | { skipped: string }): string {
  if ('skipped' in b) return `resume-loss bench skipped: ${b.skipped}`;
  const lines = [
    `recovery of a make-before-break migration killed in ${KILLED_STEP} (netns lab, FRR), ping every ${b.pingIntervalMs} ms from hv3 — median (min–max) over ${RUNS} runs`,
  ];
  for (const [way, f] of Object.entries(b.ways))
    lines.push(
      `${way.padEnd(24)} lost ${fmt(f.lost)} packets, largest gap ${fmt(f.maxGapMs)} ms, recovery ${fmt(f.recoveryMs)} ms`,
    );
  return lines.join('\n');
}

/** Exit code: resume and rollback must lose nothing (make-before-break both ways). */
export function resumeLossOk(b: ResumeLossBench | { skipped: string }): boolean {
  return 'skipped' in b || (b.ways.resume.lost.max === 0 && b.ways.rollback.lost.max === 0);
}

export function mergeResults(b: ResumeLossBench | { skipped: string }): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...previous, resumeLoss: b }, null, 2) + '\n');
}
