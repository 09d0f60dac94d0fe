import type { StepAction } from '../../model/plan.ts';
import type { CommandRunner, ExecResult } from '../../transport/types.ts';
import { alreadyInPlace } from './already.ts';
import { sleep, type RetryClock } from './retry.ts';
import { StepFailure } from './types.ts';

export interface ActionContext {
  device: string;
  runner: CommandRunner;
  timeoutMs: number;
  now: () => number;
  /** `code` null: a transport error (the command may or may not have run). */
  onCommand?(command: string, code: number | null): void;
  /** Rollbacks: retry a command after a transport error (not after a non-zero exit) until the clock runs out. */
  retry?: RetryClock;
  /** A try failed and another follows after `delayMs` (the timeline says so). */
  onRetry?(attempt: number, error: string, delayMs: number): void;
  /** Rollback of a step that may not have applied: a non-zero exit means "nothing to undo". */
  tolerateExit?: boolean;
  /**
   * An undo: a command that failed only because its effect is already in place (already.ts) is
   * reported here and the undo goes on.
   */
  onAlready?(command: string, state: string): void;
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));
/** `retried`: an earlier try hit a transport error, so that try may have run the command. */
async function execWithRetry(
  command: string,
  ctx: ActionContext,
  deadline: number,
): Promise<{ result: ExecResult; retried: boolean }> {
  for (let retried = false; ; retried = true) {
    const left = deadline - ctx.now();
    if (left <= 0) throw new StepFailure(`${ctx.device}: step timed out after ${ctx.timeoutMs} ms`, true);
    try {
      // Each try gets the step's own timeout; the retry bound only adds tries.
      return {
        result: await ctx.runner.exec(command, { timeoutMs: Math.min(left, ctx.timeoutMs) }),
        retried,
      };
    } catch (error) {
      ctx.onCommand?.(command, null);
      const why = `\`${command}\` failed: ${reason(error)}`;
      const clock = ctx.retry;
      const pause = clock?.next() ?? null;
      if (!clock || pause === null) {
        throw new StepFailure(`${ctx.device}: ${why}${clock ? ` (${clock.describe()})` : ''}`, true);
      }
      ctx.onRetry?.(clock.attempt, why, pause);
      await sleep(pause);
    }
  }
}

/**
 * Runs an action's commands one by one within one deadline. A transport error or a non-zero exit
 * stops it with a StepFailure whose text names the device and command and carries the device's stderr.
 */
export async function runAction(action: StepAction, ctx: ActionContext): Promise<void> {
  if (action.type !== 'ssh') {
    // vyos-configure steps go through applyVyos/rollbackVyos (vyos.ts), which hold the router's lock.
    throw new StepFailure(`${ctx.device}: ${action.type} actions are not run over SSH`, false);
  }
  // A retried undo: its first failure may come at the step's timeout, then the bound, then a last try.
  const retrying = ctx.retry ? ctx.retry.policy.forMs + ctx.timeoutMs : 0;
  const deadline = ctx.now() + ctx.timeoutMs + retrying;
  for (const command of action.commands) {
    const { result, retried } = await execWithRetry(command, ctx, deadline);
    ctx.onCommand?.(command, result.code);
    const already = result.code !== 0 && ctx.onAlready ? alreadyInPlace(command, result.stderr) : null;
    if (already !== null) ctx.onAlready?.(command, already);
    else if (result.code !== 0 && !ctx.tolerateExit) {
      const stderr = result.stderr.trim();
      // Not guessed away: the exit may only mean the cut-off try already did it.
      const cutOff = retried
        ? ' (an earlier try was cut off by a transport error and may have run it already)'
        : '';
      throw new StepFailure(
        `${ctx.device}: \`${command}\` exited ${result.code ?? 'without status'}${stderr ? `: ${stderr}` : ''}${cutOff}`,
        false,
      );
    }
  }
}
