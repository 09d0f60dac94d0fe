import type { StepAction } from '../../model/plan.ts';
import type { CommandRunner } from '../../transport/types.ts';
import { StepFailure } from './types.ts';

export interface ActionContext {
  device: string;
  runner: CommandRunner;
  timeoutMs: number;
  now: () => number;
  onCommand?(command: string, code: number | null): void;
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs an action's commands one by one within one deadline. A transport error or a non-zero exit
 * stops it with a StepFailure whose text names the device and command and carries the device's stderr.
 */
export async function runAction(action: StepAction, ctx: ActionContext): Promise<void> {
  if (action.type !== 'ssh') {
    throw new StepFailure(`${ctx.device}: ${action.type} actions are not supported yet`, 0);
  }
  const deadline = ctx.now() + ctx.timeoutMs;
  let applied = 0;
  for (const command of action.commands) {
    const left = deadline - ctx.now();
    if (left <= 0) throw new StepFailure(`${ctx.device}: step timed out after ${ctx.timeoutMs} ms`, applied);
    let result;
    try {
      result = await ctx.runner.exec(command, { timeoutMs: left });
    } catch (error) {
      ctx.onCommand?.(command, null);
      throw new StepFailure(`${ctx.device}: \`${command}\` failed: ${reason(error)}`, applied);
    }
    ctx.onCommand?.(command, result.code);
    if (result.code !== 0) {
      const stderr = result.stderr.trim();
      throw new StepFailure(
        `${ctx.device}: \`${command}\` exited ${result.code ?? 'without status'}${stderr ? `: ${stderr}` : ''}`,
        applied,
      );
    }
    applied += 1;
  }
}
