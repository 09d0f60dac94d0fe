/**
 * Recovery of a migration killed in its announce step, on the real-FRR netns lab (root only; skipped
 * with a message otherwise). A make-before-break migration's console "dies" right after the target's
 * first `ip route add … metric 512` returned (the executor never hears back, as after kill -9); once
 * every router uses the target, a workload on hv3 pings the migrating one every 5 ms while the plan is
 * recovered: `resume` (the interrupted step re-run), `resume-undo-first` (the old resume: the step's
 * undo, then the step again), `rollback` (make-before-break undo: Step.undoPhases) or
 * `rollback-withdraw-first` (the old undo: the step's plain rollback, withdrawing first). Lost packets and the largest gap between replies per way.
 * Alone: `node --expose-gc --import tsx bench/run.ts resume-loss`; runs a way: ROUTEDECK_BENCH_RECOVERIES.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  acquireNetnsLock,
  detachGuest,
  labNamespace,
  netnsCanRun,
  netnsDown,
  netnsUp,
  removeGuest,
  startPing,
} from '../src/lab/netns/index.ts';
import type { Plan, WorkloadRecord } from '../src/model/plan.ts';
import type { CommandRunner } from '../src/transport/types.ts';
import { completedSteps, executePlan, retryPolicy, type ExecDeps } from '../src/workflows/execute/index.ts';
import { rollbackStep } from '../src/workflows/execute/undo.ts';
import {
  createGuest,
  decommissionGuest,
  newWorkload,
  openNetnsEnv,
  prepareMigration,
  viaHosts,
  type NetnsEnv,
} from '../test/lab/netns-workflow-env.ts';
import { spread, type Spread } from './migration.ts';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));

const RUNS = Number(process.env['ROUTEDECK_BENCH_RECOVERIES'] ?? 3);
const PING_FROM = 'acme-3';
const PING_MS = 5;
const KILLED_STEP = 'target-announce-preferred';
const WAYS = ['resume', 'resume-undo-first', 'rollback', 'rollback-withdraw-first'] as const;
type Way = (typeof WAYS)[number];

export interface RecoveryRun {
  status: string;
  lost: number;
  transmitted: number;
  maxGapMs: number;
  recoveryMs: number;
}

export interface ResumeLossBench {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  pingIntervalMs: number;
  ways: Record<Way, { runs: number; lost: Spread; maxGapMs: Spread; recoveryMs: Spread; raw: RecoveryRun[] }>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The console dies mid-step: on `device`, the first command matching `dies` runs on the device, then
 * its reply never comes back (the executor waits forever, as a killed process does nothing more).
 */
function dyingDeps(env: NetnsEnv, device: string, dies: RegExp, died: () => void): ExecDeps {
  const base = env.deps();
  return {
    ...base,
    runnerFor: (name) => {
      const real = base.runnerFor(name);
      if (name !== device) return real;
      const runner: CommandRunner = {
        exec: async (command, options) => {
          const result = await real.exec(command, options);
          if (!dies.test(command)) return result;
          died();
          return new Promise<never>(() => undefined);
        },
        execStream: (command, onStdout, options) => real.execStream(command, onStdout, options),
      };
      return runner;
    },
  };
}

/** Polls the routers until each one's route for `prefix` goes via `host` (the kill left it announced). */
async function waitVia(env: NetnsEnv, prefix: string, host: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await env.fabric.poller.pollNow();
    if (viaHosts(env, prefix).every((h) => h === host)) return;
    if (Date.now() > deadline)
      throw new Error(`routers never used ${host} for ${prefix}: ${viaHosts(env, prefix).join(', ')}`);
    await sleep(100);
  }
}

async function recover(env: NetnsEnv, plan: Plan, way: Way): Promise<string> {
  const completed = completedSteps(plan, env.registry.audit({ planId: plan.id }));
  const deps = env.deps();
  if (way === 'resume-undo-first') {
    // What resume did before 456eb0a: undo whatever the interrupted step may have done, then re-run it.
    const found = plan.steps.find((s) => !completed.includes(s.id));
    if (!found) throw new Error('no interrupted step');
    // Its plain rollback, as then (the make-before-break undo came after).
    const { undoPhases: _, ...interrupted } = found;
    const undone = await rollbackStep(
      { step: interrupted, confirmed: 0, uncertain: true },
      {
        deps,
        policy: retryPolicy(undefined),
        now: Date.now,
        emit: () => undefined,
        api: () => () => Promise.reject(new Error('no VyOS API in this bench')),
      },
    );
    if (undone.outcome !== 'ok') throw new Error(`undo first: ${undone.error ?? undone.outcome}`);
  }
  const mode = way.startsWith('rollback') ? 'rollback' : 'resume';
  // The undo before the make-before-break one: the step's own rollback commands alone.
  const run =
    way === 'rollback-withdraw-first'
      ? { ...plan, steps: plan.steps.map(({ undoPhases: _, ...step }) => step) }
      : plan;
  const result = await executePlan(run, deps, { mode, completed });
  return result.status;
}

/** One run: migrate `w` to `to`, die in the announce step, recover `way` under a ping. Returns the holder. */
async function oneRun(
  env: NetnsEnv,
  w: WorkloadRecord,
  to: string,
  way: Way,
): Promise<[RecoveryRun, string]> {
  const plan = await prepareMigration(env, w, to, false);
  let died: () => void = () => undefined;
  const dead = new Promise<void>((resolve) => (died = resolve));
  const deps = dyingDeps(env, to, /\bip route add\b.*\bmetric 512\b/, () => died());
  void executePlan(plan, deps).catch(() => undefined);
  await dead;
  await waitVia(env, `${w.ipv4}/32`, to);
  const ping = startPing(labNamespace(PING_FROM), w.ipv4, { intervalMs: PING_MS });
  await sleep(300);
  const t = performance.now();
  const status = await recover(env, plan, way);
  const recoveryMs = performance.now() - t;
  await sleep(300);
  const stats = await ping.stop();
  const rolledBack = way.startsWith('rollback');
  const expected = rolledBack ? 'rolled-back' : 'applied';
  if (status !== expected) throw new Error(`${way}: ${status}, expected ${expected}`);
  // The compute layer removes the leg the workload no longer uses.
  const holder = rolledBack ? w.host : to;
  await detachGuest({ host: holder === to ? w.host : to, tap: w.tap });
  return [
    { status, lost: stats.lost, transmitted: stats.transmitted, maxGapMs: stats.maxGapMs, recoveryMs },
    holder,
  ];
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
      const raw: Record<Way, RecoveryRun[]> = {
        resume: [],
        'resume-undo-first': [],
        rollback: [],
        'rollback-withdraw-first': [],
      };
      for (let i = 0; i < RUNS; i++) {
        for (const way of WAYS) {
          const to = w.host === 'hv1' ? 'hv2' : 'hv1';
          const [run, holder] = await oneRun(env, w, to, way);
          w = { ...w, host: holder };
          raw[way].push(run);
          process.stderr.write(
            `  ${way} ${i + 1}/${RUNS}: lost ${run.lost}, gap ${run.maxGapMs.toFixed(0)} ms, ${run.recoveryMs.toFixed(0)} ms\n`,
          );
        }
      }
      await decommissionGuest(env, w);
      await removeGuest(w.name, { dir });
      const figures = (runs: RecoveryRun[]) => ({
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
      `${way.padEnd(18)} lost ${fmt(f.lost)} packets, largest gap ${fmt(f.maxGapMs)} ms, recovery ${fmt(f.recoveryMs)} ms`,
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
