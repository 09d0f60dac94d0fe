import type { StepAction } from '../../model/plan.ts';
import type { CommandRunner, ExecResult } from '../../transport/types.ts';
import { StepFailure } from './types.ts';

export interface ActionContext {
  device: string;
  runner: CommandRunner;
  timeoutMs: number;
  now: () => number;
  /** `code` null: a transport error (the command may or may not have run). */
  onCommand?(command: string, code: number | null): void;
  /** Rollbacks: retry a command after a transport error (not after a non-zero exit). */
  retry?: { attempts: number; delayMs: number };
  /** Rollback of a step that may not have applied: a non-zero exit means "nothing to undo". */
  tolerateExit?: boolean;
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function execWithRetry(command: string, ctx: ActionContext, deadline: number): Promise<ExecResult> {
  const attempts = Math.max(1, ctx.retry?.attempts ?? 1);
  for (let attempt = 1; ; attempt += 1) {
    const left = deadline - ctx.now();
    if (left <= 0) throw new StepFailure(`${ctx.device}: step timed out after ${ctx.timeoutMs} ms`, true);
    try {
      return await ctx.runner.exec(command, { timeoutMs: left });
    } catch (error) {
      ctx.onCommand?.(command, null);
      if (attempt >= attempts) {
        throw new StepFailure(`${ctx.device}: \`${command}\` failed: ${reason(error)}`, true);
      }
      await sleep(ctx.retry?.delayMs ?? 0);
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
  const deadline = ctx.now() + ctx.timeoutMs;
  for (const command of action.commands) {
    const result = await execWithRetry(command, ctx, deadline);
    ctx.onCommand?.(command, result.code);
    if (result.code !== 0 && !ctx.tolerateExit) {
      const stderr = result.stderr.trim();
      throw new StepFailure(
        `${ctx.device}: \`${command}\` exited ${result.code ?? 'without status'}${stderr ? `: ${stderr}` : ''}`,
        false,
      );
    }
  }
}
