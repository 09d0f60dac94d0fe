/**
 * Undoing executed steps (issue 15): in reverse, one at a time; an undo that cannot reach its
 * device is retried with backoff for a bounded time, each retry an event; once one fails for good
 * the earlier steps' undos are not run (they may depend on it) and the plan ends failed.
 */
import type { Plan, Step } from '../../model/plan.ts';
import { runAction } from './action.ts';
import { RetryClock, type RetryPolicy } from './retry.ts';
import type { ExecDeps, ExecEvent, RollbackRecord, VyosConfigApi } from './types.ts';
import { runUndoPhases } from './undo-phases.ts';
import { rollbackVyos } from './vyos.ts';

/** A step that was started: how many of its commands surely ran, and whether one may have. */
export interface Executed {
  step: Step;
  confirmed: number;
  uncertain: boolean;
  /** Right before this step, the workload was moved outside the network (ExecDeps.beforeStep): why. */
  movedBefore?: string;
}

export interface UndoContext {
  deps: ExecDeps;
  policy: RetryPolicy;
  now: () => number;
  emit: (event: ExecEvent) => void;
  api: (device: string) => () => Promise<VyosConfigApi>;
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The command that gets a failed plan out of its state: reconcile for workloads, else its audit. */
export function nextCommand(plan: Plan): string {
  return ['create', 'migrate', 'decommission'].includes(plan.kind)
    ? `routedeck plan reconcile ${plan.workload}`
    : `routedeck audit --plan ${plan.id}`;
}

/** Undoes one step (retrying an unreachable device until the policy's bound); never throws. */
export async function rollbackStep(
  { step, confirmed, uncertain }: Executed,
  ctx: UndoContext,
): Promise<RollbackRecord> {
  const { deps, now, emit } = ctx;
  const base = { id: step.id, device: step.device };
  // Nothing to undo: no rollback defined, or the step's first command reported failure (not applied).
  if (!step.rollback || (confirmed === 0 && !uncertain)) {
    emit({ type: 'rollback-done', step: step.id, outcome: 'skipped', at: now() });
    return { ...base, outcome: 'skipped' };
  }
  emit({ type: 'rollback-start', step: step.id, device: step.device, at: now() });
  const retry = new RetryClock(ctx.policy, now);
  const onRetry = (attempt: number, error: string, delayMs: number): void =>
    emit({ type: 'rollback-retry', step: step.id, device: step.device, attempt, error, delayMs, at: now() });
  // Undo commands whose effect was already in place (e.g. a retried try had run them): said, not failed.
  const already: string[] = [];
  try {
    if (step.rollback.type === 'vyos-configure') {
      // Reads the router's config first: only what is still there (or missing) is sent, so a step that
      // may not have applied is undone tolerantly too.
      await rollbackVyos(step.rollback, {
        device: step.device,
        api: ctx.api(step.device),
        // An uncertain commit-confirmed step (a console died mid-step, no reply) may still have a timer running.
        armed: uncertain && step.action.type === 'vyos-configure' && step.action.confirmMinutes !== undefined,
        retry,
        onRetry,
      });
    } else if (step.undoPhases) {
      await runUndoPhases(step.undoPhases, {
        step: step.id,
        timeoutMs: step.timeoutMs,
        deps,
        now,
        retry,
        onRetry,
        onNote: (note) => already.push(note),
      });
    } else {
      await runAction(step.rollback, {
        device: step.device,
        runner: deps.runnerFor(step.device),
        timeoutMs: step.timeoutMs,
        now,
        retry,
        onRetry,
        // Only a transport error happened: the step may not have applied, so "nothing to delete" is fine.
        tolerateExit: confirmed === 0,
        onAlready: (command, state) => already.push(`${state}: \`${command}\``),
      });
    }
    emit({
      type: 'rollback-done',
      step: step.id,
      outcome: 'ok',
      ...(already.length > 0 ? { already: already.join('; ') } : {}),
      at: now(),
    });
    return { ...base, outcome: 'ok' };
  } catch (error) {
    const message = `rollback of ${step.id} on ${step.device}: ${reason(error)}`;
    emit({ type: 'rollback-done', step: step.id, outcome: 'failed', error: message, at: now() });
    return { ...base, outcome: 'failed', error: message };
  }
}

/**
 * Undoes the executed steps in reverse. After an undo that failed for good the rest are recorded as
 * not undone (with why) instead of being sent: a step undone before the one it was built on could
 * strand the workload (e.g. withdrawing the target while the source is not announcing again).
 */
export async function undoInOrder(
  executed: readonly Executed[],
  ctx: UndoContext,
  failedBefore: RollbackRecord | null,
  record: (entry: Executed, result: RollbackRecord) => void,
): Promise<RollbackRecord[]> {
  const out: RollbackRecord[] = [];
  let blocker = failedBefore;
  for (const entry of [...executed].reverse()) {
    let result: RollbackRecord;
    if (blocker) {
      const error = `not undone: the undo of ${blocker.id} on ${blocker.device} failed first, and this one may depend on it`;
      ctx.emit({ type: 'rollback-done', step: entry.step.id, outcome: 'skipped', error, at: ctx.now() });
      result = { id: entry.step.id, device: entry.step.device, outcome: 'skipped', error };
    } else {
      result = await rollbackStep(entry, ctx);
      if (result.outcome === 'failed') blocker = result;
    }
    out.push(result);
    record(entry, result);
  }
  return out;
}

/** The one-sentence reason of a plan whose undo did not finish. */
export function undoFailure(failure: string, rollbacks: readonly RollbackRecord[]): string {
  const failed = rollbacks.find((r) => r.outcome === 'failed');
  if (!failed) return failure;
  const left = rollbacks
    .filter((r) => r.outcome === 'skipped' && r.error)
    .map((r) => `${r.id} on ${r.device}`);
  return (
    `${failure}; ${failed.error ?? `rollback of ${failed.id} failed`}` +
    (left.length > 0 ? `; not undone after it: ${left.join(', ')}` : '')
  );
}
