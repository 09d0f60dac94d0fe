/**
 * A make-before-break undo (Step.undoPhases): each phase's commands on its device, retried across
 * SSH drops like any undo, then its verifications. A verification that does not hold in time is said
 * and the undo goes on: the withdraw that follows is what the plain undo would have done anyway.
 */
import type { UndoPhase } from '../../model/plan.ts';
import { runAction } from './action.ts';
import type { RetryClock } from './retry.ts';
import type { ExecDeps } from './types.ts';
import { verifyStep } from './verify.ts';

export interface PhaseContext {
  step: string;
  timeoutMs: number;
  deps: ExecDeps;
  now: () => number;
  retry: RetryClock;
  onRetry(attempt: number, error: string, delayMs: number): void;
  /** An undo command whose effect already held, or a verification that did not hold in time. */
  onNote(note: string): void;
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function runPhase(phase: UndoPhase, ctx: PhaseContext, verify = true): Promise<void> {
  const { deps, now } = ctx;
  await runAction(
    { type: 'ssh', commands: phase.commands },
    {
      device: phase.device,
      runner: deps.runnerFor(phase.device),
      timeoutMs: ctx.timeoutMs,
      now,
      retry: ctx.retry,
      onRetry: ctx.onRetry,
      onAlready: (command, state) => ctx.onNote(`${state}: \`${command}\``),
    },
  );
  // Putting a device back after a failed phase: the routers need not move, nothing to wait for.
  if (!verify) return;
  try {
    await verifyStep(phase.verify, {
      step: ctx.step,
      device: phase.device,
      deps,
      now,
      onConverged: () => undefined,
    });
  } catch (error) {
    ctx.onNote(`went on without: ${reason(error)}`);
  }
}

/**
 * Runs the phases in order; when one cannot be sent, the later `always` phases are still tried, then
 * the first failure is thrown (naming device and command), with theirs if they failed too.
 */
export async function runUndoPhases(phases: readonly UndoPhase[], ctx: PhaseContext): Promise<void> {
  for (const [i, phase] of phases.entries()) {
    try {
      await runPhase(phase, ctx);
    } catch (error) {
      const notBack: string[] = [];
      for (const after of phases.slice(i + 1).filter((p) => p.always === true)) {
        await runPhase(after, ctx, false).catch((again: unknown) =>
          notBack.push(`${after.device}: ${reason(again)}`),
        );
      }
      if (notBack.length === 0) throw error;
      throw new Error(`${reason(error)}; not put back either: ${notBack.join('; ')}`);
    }
  }
}
