import type { Plan, Step } from '../../model/plan.ts';
import type { AuditEntry } from '../../registry/index.ts';
import { runAction } from './action.ts';
import {
  StepFailure,
  type Convergence,
  type ExecDeps,
  type ExecEvent,
  type ExecOptions,
  type ExecResult,
  type ExecStatus,
  type RollbackRecord,
  type StepRecord,
  type VyosConfigApi,
} from './types.ts';
import { verifyStep } from './verify.ts';
import { applyVyos, rollbackVyos, type VyosPending } from './vyos.ts';

/** A step that was started: how many of its commands surely ran, and whether one may have. */
interface Executed {
  step: Step;
  confirmed: number;
  uncertain: boolean;
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function apiOf(deps: ExecDeps, device: string): () => Promise<VyosConfigApi> {
  return () => {
    if (!deps.apiFor) return Promise.reject(new Error('this console has no VyOS API access configured'));
    return deps.apiFor(device);
  };
}

function commandsOf(step: Step, which: 'action' | 'rollback'): string[] {
  const action = which === 'action' ? step.action : step.rollback;
  if (!action) return [];
  return action.type === 'ssh'
    ? [...action.commands]
    : action.commands.map((c) => `${c.op} ${c.path.join(' ')}${c.value !== undefined ? ` ${c.value}` : ''}`);
}

/**
 * The steps of a plan the audit log records as done (`step` entries with outcome ok): what a crashed
 * console had finished, for resume or rollback.
 */
export function completedSteps(plan: Plan, audit: readonly AuditEntry[]): string[] {
  const ok = audit.filter((e) => e.planId === plan.id && e.kind === 'step' && e.outcome === 'ok');
  return plan.steps
    .filter((step) => ok.some((e) => e.device === step.device && e.message.startsWith(`${step.id}: `)))
    .map((step) => step.id);
}

/**
 * Applies a plan step by step: lease on the workload, each step's commands on its device, then its
 * verifications on the live store (routers polled fast); on the first failure the executed steps'
 * rollbacks run in reverse (best effort). Every step, rollback and the outcome go to the audit log;
 * the lease is released in every case. A lease held by another console throws LeaseHeldError
 * before anything is sent.
 */
export async function executePlan(
  plan: Plan,
  deps: ExecDeps,
  options: ExecOptions = {},
): Promise<ExecResult> {
  const now = deps.now ?? Date.now;
  const { registry } = deps;
  const emit = (event: ExecEvent): void => deps.onEvent?.(event);
  const audit = (entry: Omit<AuditEntry, 'at' | 'operator' | 'planId'>): void => {
    registry.appendAudit({
      at: new Date(now()).toISOString(),
      operator: deps.operator,
      planId: plan.id,
      ...entry,
    });
  };

  registry.acquireLease(plan.workload, plan.id, {
    console: deps.console.id,
    operator: deps.operator,
    pid: deps.console.pid,
    host: deps.console.host,
  });
  const steps: StepRecord[] = [];
  const rollbacks: RollbackRecord[] = [];
  const convergence: Convergence[] = [];
  let status: ExecStatus = 'failed';
  try {
    registry.savePlan(plan, 'applying');
    const mode = options.mode ?? 'apply';
    const done = new Set(options.completed ?? []);
    const verb = mode === 'apply' ? 'start' : mode === 'resume' ? 'resume' : 'roll back';
    audit({
      kind: 'plan',
      outcome: mode === 'apply' ? 'start' : mode,
      message:
        `${verb} ${plan.kind}: ${plan.summary}` +
        (mode === 'apply' ? '' : ` (steps already done: ${[...done].join(', ') || 'none'})`),
    });
    if (mode === 'apply') {
      for (const diff of plan.diffs)
        audit({
          kind: 'diff',
          device: diff.device,
          diff,
          outcome: 'planned',
          message: `config of ${diff.device}`,
        });
    }
    emit({ type: 'start', planId: plan.id, at: now() });

    const executed: Executed[] = [];
    let failure: string | null = null;
    // Steps a crashed console finished: not sent again, but undone if the plan is rolled back.
    const remaining = plan.steps.filter((step) => {
      if (!done.has(step.id)) return true;
      executed.push({ step, confirmed: commandsOf(step, 'action').length, uncertain: false });
      return false;
    });
    // The step the crash interrupted may have run in part: undo what it may have done first.
    const interrupted = remaining[0];
    if (interrupted && mode !== 'apply') {
      if (mode === 'rollback') {
        executed.push({ step: interrupted, confirmed: 0, uncertain: true });
        failure = `rollback of interrupted plan requested by ${deps.operator}`;
      } else {
        const record = await rollbackStep(
          { step: interrupted, confirmed: 0, uncertain: true },
          deps,
          now,
          emit,
        );
        audit({
          kind: 'rollback',
          device: interrupted.device,
          diff: { device: interrupted.device, before: [], after: commandsOf(interrupted, 'rollback') },
          outcome: record.outcome,
          message:
            record.error ?? `undo any partial effect of interrupted step ${interrupted.id} before resuming`,
        });
        if (record.outcome === 'failed') {
          executed.push({ step: interrupted, confirmed: 0, uncertain: true });
          failure = record.error ?? `could not undo interrupted step ${interrupted.id}`;
        }
      }
    }
    for (const step of failure === null ? remaining : []) {
      const startedAt = now();
      emit({ type: 'step-start', step: step.id, device: step.device, at: startedAt });
      const entry: Executed = { step, confirmed: 0, uncertain: false };
      executed.push(entry);
      let pending: VyosPending | null = null;
      try {
        const onCommand = (command: string, code: number | null): void => {
          emit({ type: 'command', step: step.id, device: step.device, command, code, at: now() });
          if (code === 0) entry.confirmed += 1;
          // A transport error: the command may or may not have run.
          if (code === null) entry.uncertain = true;
        };
        if (step.action.type === 'vyos-configure') {
          pending = await applyVyos(step.action, {
            device: step.device,
            api: apiOf(deps, step.device),
            onCommand,
          });
        } else {
          await runAction(step.action, {
            device: step.device,
            runner: deps.runnerFor(step.device),
            timeoutMs: step.timeoutMs,
            now,
            onCommand,
          });
        }
        await verifyStep(step.verify, {
          step: step.id,
          device: step.device,
          deps,
          now,
          onConverged: (v, router, at) =>
            convergence.push({ step: step.id, router, prefix: v.prefix, vrf: v.vrf, expect: v.expect, at }),
        });
        // Commit-confirm: confirmed only once the commit was read back and the step verified.
        const committed = pending;
        pending = null;
        await committed?.finish();
      } catch (error) {
        await pending?.abandon();
        failure = `step ${step.id} on ${step.device}: ${reason(error)}`;
        if (!(error instanceof StepFailure)) entry.uncertain = true;
      }
      const endedAt = now();
      const outcome = failure === null ? 'ok' : 'failed';
      steps.push({
        id: step.id,
        startedAt,
        endedAt,
        outcome,
        ...(failure !== null ? { error: failure } : {}),
      });
      emit({
        type: 'step-done',
        step: step.id,
        outcome,
        ...(failure !== null ? { error: failure } : {}),
        at: endedAt,
      });
      audit({
        kind: 'step',
        device: step.device,
        diff: { device: step.device, before: [], after: commandsOf(step, 'action') },
        outcome,
        message: failure ?? `${step.id}: ${step.description}`,
      });
      if (failure !== null) break;
    }

    if (failure === null) {
      status = 'applied';
      registry.setPlanStatus(plan.id, 'applied');
      audit({ kind: 'plan', outcome: 'applied', message: `applied ${plan.steps.length} step(s)` });
    } else {
      // Past an irreversible step (the compute hook moved the workload) the network must follow
      // the workload, not go back: nothing is undone, and the engineer is told where it stands.
      const barrier = executed.findLastIndex(
        (e) =>
          e.step.irreversible === true &&
          (e.confirmed > 0 || e.uncertain) &&
          e.step.id !== executed.at(-1)?.step.id,
      );
      if (barrier >= 0) {
        const hook = executed[barrier]!.step;
        for (const { step } of [...executed].reverse()) {
          emit({ type: 'rollback-done', step: step.id, outcome: 'skipped', at: now() });
          rollbacks.push({ id: step.id, device: step.device, outcome: 'skipped' });
        }
        status = 'failed';
        const detail =
          `${failure}; not rolled back: ${hook.id} on ${hook.device} already moved ${plan.workload}, so ` +
          'undoing the network would strand it. The network was left as it is; finish the remaining steps by hand or plan again';
        registry.setPlanStatus(plan.id, status, detail);
        audit({ kind: 'plan', outcome: status, message: detail });
      } else {
        let rollbackFailed = false;
        for (const entry of [...executed].reverse()) {
          const { step } = entry;
          const record = await rollbackStep(entry, deps, now, emit);
          rollbacks.push(record);
          if (record.outcome === 'failed') rollbackFailed = true;
          audit({
            kind: 'rollback',
            device: step.device,
            diff: { device: step.device, before: [], after: commandsOf(step, 'rollback') },
            outcome: record.outcome,
            message: record.error ?? `rollback of ${step.id}: ${record.outcome}`,
          });
        }
        status = rollbackFailed ? 'failed' : 'rolled-back';
        const detail = rollbackFailed ? `${failure}; a rollback failed too` : failure;
        registry.setPlanStatus(plan.id, status, detail);
        audit({ kind: 'plan', outcome: status, message: detail });
      }
    }
    emit({ type: 'done', status, at: now() });
    return { status, steps, rollbacks, convergence };
  } finally {
    registry.releaseLeasesOf(plan.id);
  }
}

async function rollbackStep(
  { step, confirmed, uncertain }: Executed,
  deps: ExecDeps,
  now: () => number,
  emit: (event: ExecEvent) => void,
): Promise<RollbackRecord> {
  const base = { id: step.id, device: step.device };
  // Nothing to undo: no rollback defined, or the step's first command reported failure (not applied).
  if (!step.rollback || (confirmed === 0 && !uncertain)) {
    emit({ type: 'rollback-done', step: step.id, outcome: 'skipped', at: now() });
    return { ...base, outcome: 'skipped' };
  }
  emit({ type: 'rollback-start', step: step.id, device: step.device, at: now() });
  try {
    if (step.rollback.type === 'vyos-configure') {
      // Reads the router's config first: only what is still there (or missing) is sent, so a step that
      // may not have applied is undone tolerantly too.
      await rollbackVyos(step.rollback, {
        device: step.device,
        api: apiOf(deps, step.device),
        // An uncertain commit-confirmed step (a console died mid-step, no reply) may still have a timer running.
        armed: uncertain && step.action.type === 'vyos-configure' && step.action.confirmMinutes !== undefined,
        retry: deps.rollbackRetry ?? { attempts: 5, delayMs: 1000 },
      });
      emit({ type: 'rollback-done', step: step.id, outcome: 'ok', at: now() });
      return { ...base, outcome: 'ok' };
    }
    await runAction(step.rollback, {
      device: step.device,
      runner: deps.runnerFor(step.device),
      timeoutMs: step.timeoutMs,
      now,
      retry: deps.rollbackRetry ?? { attempts: 5, delayMs: 1000 },
      // Only a transport error happened: the step may not have applied, so "nothing to delete" is fine.
      tolerateExit: confirmed === 0,
    });
    emit({ type: 'rollback-done', step: step.id, outcome: 'ok', at: now() });
    return { ...base, outcome: 'ok' };
  } catch (error) {
    const message = `rollback of ${step.id} on ${step.device}: ${reason(error)}`;
    emit({ type: 'rollback-done', step: step.id, outcome: 'failed', error: message, at: now() });
    return { ...base, outcome: 'failed', error: message };
  }
}
