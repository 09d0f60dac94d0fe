/**
 * A make-before-break migration on the netns lab whose console dies in its announce step, then its
 * recovery under a 5 ms ping (shared by bench/resume-loss.ts and test/lab/resume-netns.test.ts; no
 * vitest here). The console "dies" right after the target's first `ip route add … metric 512`
 * returned: the executor never hears back, as after kill -9, and the lease stays with its console.
 */
import { detachGuest, labNamespace, startPing } from '../../src/lab/netns/index.ts';
import { dyingDeps as dyingWith } from '../helpers/dying-runner.ts';
import type { Plan, WorkloadRecord } from '../../src/model/plan.ts';
import {
  completedSteps,
  executePlan,
  retryPolicy,
  type ExecDeps,
  type ExecResult,
} from '../../src/workflows/execute/index.ts';
import { rollbackStep } from '../../src/workflows/execute/undo.ts';
import { prepareMigration, viaHosts, type NetnsEnv } from './netns-workflow-env.ts';

/**
 * `resume` (the interrupted step re-run), `resume-undo-first` (the resume before 456eb0a: the step's
 * plain undo, then the step again), `rollback` (the make-before-break undo, Step.undoPhases) and
 * `rollback-withdraw-first` (the undo before it: the step's plain rollback, withdrawing first).
 */
export const WAYS = ['resume', 'resume-undo-first', 'rollback', 'rollback-withdraw-first'] as const;
export type Way = (typeof WAYS)[number];

export interface RecoveryRun {
  result: ExecResult;
  lost: number;
  transmitted: number;
  maxGapMs: number;
  recoveryMs: number;
  /** Where the workload ends: the target after a resume, the source after a rollback. */
  holder: string;
}

const PING_MS = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function dyingDeps(env: NetnsEnv, device: string, dies: RegExp, died: () => void): ExecDeps {
  return dyingWith(env.deps(), device, dies, died);
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

async function recover(env: NetnsEnv, plan: Plan, way: Way): Promise<ExecResult> {
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
  return executePlan(run, deps, { mode, completed });
}

/**
 * Migrates `w` to `to`, kills the apply in the announce step, waits until every router uses the
 * target, then recovers `way` while `pingFrom` (a lab workload) pings the guest every 5 ms.
 */
export async function killAndRecover(
  env: NetnsEnv,
  w: WorkloadRecord,
  to: string,
  way: Way,
  pingFrom: string,
): Promise<RecoveryRun> {
  const plan = await prepareMigration(env, w, to, false);
  let died: () => void = () => undefined;
  const dead = new Promise<void>((resolve) => (died = resolve));
  const deps = dyingDeps(env, to, /\bip route add\b.*\bmetric 512\b/, () => died());
  void executePlan(plan, deps).catch(() => undefined);
  await dead;
  await waitVia(env, `${w.ipv4}/32`, to);
  const ping = startPing(labNamespace(pingFrom), w.ipv4, { intervalMs: PING_MS });
  await sleep(300);
  const t = performance.now();
  const result = await recover(env, plan, way);
  const recoveryMs = performance.now() - t;
  await sleep(300);
  const stats = await ping.stop();
  const holder = way.startsWith('rollback') ? w.host : to;
  // The compute layer removes the leg the workload no longer uses (once the plan went through).
  const expected = holder === to ? 'applied' : 'rolled-back';
  if (result.status === expected) await detachGuest({ host: holder === to ? w.host : to, tap: w.tap });
  return {
    result,
    lost: stats.lost,
    transmitted: stats.transmitted,
    maxGapMs: stats.maxGapMs,
    recoveryMs,
    holder,
  };
}
