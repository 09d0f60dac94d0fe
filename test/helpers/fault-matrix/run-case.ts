/**
 * One case of the matrix: plan, arm the fault on one step, apply (in this process, or as a child
 * process killed with SIGKILL), clear the faults, run the recovery steps, check the invariant.
 */
import { once } from 'node:events';
import { armFault, DEFAULT_TIMING, type FaultTiming } from './inject.ts';
import { settleInvariant } from './invariant.ts';
import type { FaultLab } from './lab.ts';
import { outcomeLine, recoveryFor, type RecoveryStep } from './recovery.ts';
import type { Scenario } from './scenario.ts';
import type { CaseOutcome, Fault, PlannedCase } from './types.ts';

export interface CaseOptions {
  timing?: FaultTiming;
  /** Default: recoveryFor(fault) (with `plan reconcile` when this build has it). */
  recovery?: RecoveryStep[];
}

const KILL_TIMEOUT_MS = 120_000;

/** `apply ID --yes` as a child process; resolves once it ended (killed or not) with its output. */
async function applyInChild(
  flab: FaultLab,
  planned: PlannedCase,
  arm: (kill: () => void) => void,
): Promise<string> {
  const child = flab.spawnCli(['apply', planned.planId, '--yes']);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  arm(() => child.kill('SIGKILL'));
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_TIMEOUT_MS);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return signal === 'SIGKILL'
    ? 'apply: killed with SIGKILL'
    : `apply (child): exit ${code} ${/^Result: .*$/m.exec(out)?.[0] ?? ''}`;
}

export async function runCase(
  flab: FaultLab,
  scene: Scenario,
  which: number | string,
  fault: Fault,
  options: CaseOptions = {},
): Promise<CaseOutcome> {
  const started = Date.now();
  const timing = options.timing ?? DEFAULT_TIMING;
  const planned = await scene.next();
  const step = typeof which === 'number' ? which : planned.plan.steps.findIndex((s) => s.id === which);
  const stepId = planned.plan.steps[step]?.id;
  if (stepId === undefined)
    throw new Error(`plan ${planned.planId} (${scene.kind}) has no step ${String(which)}`);
  const trail: string[] = [];
  const note = (line: string): void =>
    void trail.push(`+${((Date.now() - started) / 1000).toFixed(1)} s ${line}`);
  note(`plan ${planned.planId}`);
  const kill = fault === 'kill9-resume' || fault === 'kill9-rollback';
  let armed: ReturnType<typeof armFault> | undefined;
  try {
    if (kill) {
      note(
        await applyInChild(flab, planned, (stop) => {
          armed = armFault(flab.lab, planned.plan, step, fault, timing, stop);
        }),
      );
    } else {
      armed = armFault(flab.lab, planned.plan, step, fault, timing);
      note(`apply: ${outcomeLine(await flab.run(['apply', planned.planId, '--yes']))}`);
    }
  } finally {
    armed?.disarm();
  }
  // How long the routers' view may take to converge: a passing case returns as soon as it holds, so
  // this is sized for a loaded machine (where one `get workloads` takes seconds), not for speed.
  const waitMs = (fault === 'bgp-flap' ? timing.flapMs : 0) + 30_000;
  const ctx = { planId: planned.planId, workload: planned.plan.workload };
  const steps = options.recovery ?? recoveryFor(fault);
  for (const r of steps.filter((s) => !s.onlyIfBroken)) note(await r.run(flab, ctx));
  let result = await settleInvariant(flab, planned.subject, waitMs);
  for (const r of steps.filter((s) => s.onlyIfBroken)) {
    if (result.held) break;
    note(await r.run(flab, ctx));
    result = await settleInvariant(flab, planned.subject, waitMs);
  }
  const final = flab.registry((reg) => reg.plan(planned.planId));
  note(`plan ${final?.status ?? 'unknown'}${final?.detail ? `: ${final.detail}` : ''}`);
  note(result.held ? 'invariant held' : 'invariant not held');
  if (!result.held) scene.reset();
  return {
    kind: scene.kind,
    step,
    stepId,
    fault,
    fired: armed?.fired ?? false,
    held: result.held,
    problems: result.problems,
    trail,
    ms: Date.now() - started,
  };
}
