/**
 * `vyos-configure` steps: one `/configure` batch (one commit; VyOS discards the whole batch on any
 * error), with commit-confirm when the step asks for it, every commit read back with
 * `/retrieve showConfig`, and one batch at a time per router (a per-device lock held from the
 * commit to its confirm, so two plans' batches and read-backs never interleave).
 */
import type { StepAction } from '../../model/plan.ts';
import { StepFailure, type VyosConfigApi } from './types.ts';

export type VyosAction = Extract<StepAction, { type: 'vyos-configure' }>;
type VyosCommand = VyosAction['commands'][number];

export interface VyosContext {
  device: string;
  api: () => Promise<VyosConfigApi>;
  onCommand?(command: string, code: number | null): void;
  retry?: { attempts: number; delayMs: number };
}

/** A commit that was read back: `finish` confirms it (commit-confirm) after verification; `abandon` lets go. */
export interface VyosPending {
  finish(): Promise<void>;
  abandon(): Promise<void>;
}

const locks = new Map<string, Promise<void>>();

/** Waits for this process's other work on the device, then holds it until the returned release is called. */
export async function acquireDeviceLock(device: string): Promise<() => void> {
  const previous = locks.get(device) ?? Promise.resolve();
  let open!: () => void;
  const mine = new Promise<void>((resolve) => (open = resolve));
  const tail = previous.then(() => mine);
  locks.set(device, tail);
  await previous;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    open();
    if (locks.get(device) === tail) locks.delete(device);
  };
}

export function vyosLine(c: VyosCommand): string {
  return [c.op, ...c.path, ...(c.value !== undefined ? [c.value] : [])].join(' ');
}

/** Whether `set PATH [VALUE]` is in a showConfig tree (tag nodes as objects, leaves as strings or lists). */
export function configHas(config: unknown, c: VyosCommand): boolean {
  const words = c.value !== undefined ? [...c.path, c.value] : c.path;
  let node: unknown = config;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const last = i === words.length - 1;
    if (typeof node === 'string') return last && node === word;
    if (Array.isArray(node)) return last && node.includes(word);
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, word)) return false;
    node = (node as Record<string, unknown>)[word];
  }
  return true;
}

/** The commands the read-back does not show: a `set` absent, or a `delete` still there. */
export function notReadBack(config: unknown, commands: readonly VyosCommand[]): VyosCommand[] {
  return commands.filter((c) => (c.op === 'set' ? !configHas(config, c) : configHas(config, c)));
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A 4xx reply is the router refusing the batch (discarded, nothing applied); anything else may have committed. */
function refusedByRouter(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

async function apiOf(ctx: VyosContext): Promise<VyosConfigApi> {
  try {
    return await ctx.api();
  } catch (error) {
    throw new StepFailure(`${ctx.device}: no VyOS API: ${reason(error)}`, false);
  }
}

/**
 * Commits the batch (with commit-confirm when `confirmMinutes` is set), reads it back, and returns
 * with the router still locked: the caller verifies, then `finish()` confirms. A refusal throws a
 * StepFailure with the router's own message (nothing changed); a read-back mismatch throws after
 * the commit (the caller rolls back).
 */
export async function applyVyos(action: VyosAction, ctx: VyosContext): Promise<VyosPending> {
  const release = await acquireDeviceLock(ctx.device);
  try {
    const api = await apiOf(ctx);
    const lines = action.commands.map(vyosLine);
    const confirmTime = action.confirmMinutes;
    let pending = false;
    try {
      const result = await api.configure(action.commands, confirmTime ? { confirmTime } : {});
      pending = result.confirmPending;
    } catch (error) {
      const refused = refusedByRouter(error);
      ctx.onCommand?.(`commit (${lines.length} command(s))`, refused ? 1 : null);
      throw new StepFailure(
        refused
          ? `${ctx.device}: commit refused by the router, nothing changed: ${reason(error)}`
          : `${ctx.device}: commit not acknowledged (it may or may not have applied): ${reason(error)}`,
        !refused,
      );
    }
    for (const line of lines) ctx.onCommand?.(line, 0);
    if (confirmTime)
      ctx.onCommand?.(
        pending
          ? `commit-confirm ${confirmTime} (reverts unless confirmed)`
          : `commit-confirm ${confirmTime} not acknowledged by the router: committed for good`,
        0,
      );
    const config = await api.showConfig([]).catch((error: unknown) => {
      throw new StepFailure(`${ctx.device}: read-back (/retrieve showConfig) failed: ${reason(error)}`, true);
    });
    const missing = notReadBack(config, action.commands);
    ctx.onCommand?.(
      `read back /retrieve showConfig: ${action.commands.length - missing.length} of ${action.commands.length} as committed`,
      missing.length === 0 ? 0 : 1,
    );
    if (missing.length > 0)
      throw new StepFailure(
        `${ctx.device}: the read-back after the commit does not show: ${missing.slice(0, 3).map(vyosLine).join('; ')}` +
          (missing.length > 3 ? ` (and ${missing.length - 3} more)` : ''),
        false,
      );
    return {
      finish: async () => {
        try {
          if (!pending) return;
          try {
            await api.confirm();
          } catch (error) {
            ctx.onCommand?.('confirm', null);
            throw new StepFailure(
              `${ctx.device}: confirm failed (the router reverts on its own when the commit-confirm timer ends): ${reason(error)}`,
              true,
            );
          }
          ctx.onCommand?.('confirm', 0);
        } finally {
          release();
        }
      },
      abandon: async () => {
        // Keep the change confirmed and let the inverse batch undo it now: a revert timer left running
        // would later put back a config from before other plans' commits.
        try {
          if (pending) await api.confirm().catch(() => undefined);
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    // The commit-confirm (if any) stays pending: the router reverts on its own if no rollback reaches it.
    release();
    throw error;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Undoes a batch: only the commands the router's config still needs (a `delete` of what is there, a
 * `set` of what is not), committed as one and read back. Nothing left to do is a success.
 */
export async function rollbackVyos(action: VyosAction, ctx: VyosContext): Promise<void> {
  const attempts = Math.max(1, ctx.retry?.attempts ?? 1);
  for (let attempt = 1; ; attempt += 1) {
    const release = await acquireDeviceLock(ctx.device);
    try {
      const api = await apiOf(ctx);
      const needed = notReadBack(await api.showConfig([]), action.commands);
      if (needed.length === 0) {
        ctx.onCommand?.('read back /retrieve showConfig: nothing left to undo', 0);
        return;
      }
      try {
        await api.configure(needed);
      } catch (error) {
        if (refusedByRouter(error))
          throw new StepFailure(`${ctx.device}: undo refused by the router: ${reason(error)}`, false);
        throw error;
      }
      for (const c of needed) ctx.onCommand?.(vyosLine(c), 0);
      const left = notReadBack(await api.showConfig([]), action.commands);
      if (left.length > 0)
        throw new StepFailure(
          `${ctx.device}: the read-back after the undo still shows: ${left.map(vyosLine).slice(0, 3).join('; ')}`,
          false,
        );
      return;
    } catch (error) {
      if (error instanceof StepFailure || attempt >= attempts) {
        throw error instanceof StepFailure ? error : new StepFailure(`${ctx.device}: ${reason(error)}`, true);
      }
    } finally {
      release();
    }
    await sleep(ctx.retry?.delayMs ?? 0);
  }
}
