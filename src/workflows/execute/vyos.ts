/**
 * `vyos-configure` steps, with VyOS's change protocol as vyos-1x implements it (see
 * src/lab/vyos-api/README.md, "Change protocol"): one `/configure` batch (one commit; VyOS discards
 * the whole batch on any error), with commit-confirm when the step asks for it, read back with
 * `/retrieve showConfig`, confirmed only after verification, then saved (`/config-file save`) so
 * the change survives a reboot. A commit-confirm timer is never left running: its default action
 * reboots the router into config.boot, so every failure path stops it (`confirm`, the only REST
 * way) before anything is undone. One batch at a time per router in this process.
 */
import type { StepAction } from '../../model/plan.ts';
import { sleep, type RetryClock } from './retry.ts';
import { StepFailure, type VyosConfigApi } from './types.ts';
import { notReadBack, vyosLine } from './vyos-readback.ts';

export { configHas, notReadBack, vyosLine } from './vyos-readback.ts';

export type VyosAction = Extract<StepAction, { type: 'vyos-configure' }>;

export interface VyosContext {
  device: string;
  api: () => Promise<VyosConfigApi>;
  onCommand?(command: string, code: number | null): void;
  /** Rollback: an unreachable router is tried again until the clock runs out. */
  retry?: RetryClock;
  onRetry?(attempt: number, error: string, delayMs: number): void;
  /** Rollback: the step's action was commit-confirmed, so a timer of ours may still run (stop it first). */
  armed?: boolean;
}

/** A commit that was read back: `finish` confirms (commit-confirm) and saves after verification; `abandon` stops the timer. */
export interface VyosPending {
  finish(): Promise<void>;
  abandon(): Promise<void>;
}

const locks = new Map<string, Promise<void>>();
/** Routers where our commit-confirm met another console's pending one: that timer is not ours to stop. */
const foreignTimer = new Set<string>();

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

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : null;
}

/** A 4xx reply is the router refusing the batch (discarded, nothing applied); anything else may have committed. */
function refusedByRouter(error: unknown): boolean {
  const status = statusOf(error);
  return status !== null && status >= 400 && status < 500;
}

/** VyOS commits the batch, then refuses to start a second timer: committed, not confirmed, not ours. */
function anotherConfirmPending(error: unknown): boolean {
  return statusOf(error) === 400 && /another confirm is pending/i.test(reason(error));
}

async function apiOf(ctx: VyosContext): Promise<VyosConfigApi> {
  try {
    return await ctx.api();
  } catch (error) {
    throw new StepFailure(`${ctx.device}: no VyOS API: ${reason(error)}`, false);
  }
}

/**
 * Stops a commit-confirm timer by confirming it: VyOS has no REST cancel, and an expired timer
 * reboots (default action). The router's global lock orders this after any commit still in flight.
 * Returns the problem, or null once the router says the timer is stopped (or none was pending).
 */
async function stopTimer(api: VyosConfigApi, ctx: VyosContext, why: string): Promise<string | null> {
  try {
    const reply = await api.confirm();
    ctx.onCommand?.(`confirm (${why}): ${reply.trim() || 'ok'}`, 0);
    return null;
  } catch (error) {
    ctx.onCommand?.(`confirm (${why})`, null);
    return (
      `${ctx.device}: could not stop the commit-confirm timer (${reason(error)}); unless confirmed in time ` +
      'the router reboots into its saved config (or reloads, with action reload)'
    );
  }
}

async function save(api: VyosConfigApi, ctx: VyosContext): Promise<void> {
  try {
    await api.saveConfig();
  } catch (error) {
    ctx.onCommand?.('save (/config-file save)', null);
    throw new StepFailure(
      `${ctx.device}: committed but not saved (/config-file save failed: ${reason(error)}); a reboot would lose it`,
      true,
    );
  }
  ctx.onCommand?.('save (/config-file save): config.boot now holds it', 0);
}

/** Throws `failure`, after stopping the timer when one may run; a timer left running is said in the error. */
async function failAfterCommit(
  api: VyosConfigApi,
  ctx: VyosContext,
  armed: boolean,
  failure: StepFailure,
): Promise<never> {
  const left = armed ? await stopTimer(api, ctx, 'stop the timer before undoing') : null;
  throw left ? new StepFailure(`${failure.message}; ${left}`, failure.transport) : failure;
}

/**
 * Commits the batch (with commit-confirm when `confirmMinutes` is set), reads it back, and returns
 * with the router still locked: the caller verifies, then `finish()` confirms and saves. A refusal
 * throws a StepFailure with the router's own message (nothing changed); any failure after a
 * commit-confirm stops the timer first, then throws (the caller undoes the change).
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
      if (confirmTime && anotherConfirmPending(error)) {
        // The router's own check of a pending confirm: another console's timer runs. Our batch was
        // committed under it; the rollback reads back and undoes it, and leaves that timer alone.
        foreignTimer.add(ctx.device);
        ctx.onCommand?.(
          `commit-confirm ${confirmTime}: another confirm is pending (committed, not confirmed)`,
          null,
        );
        throw new StepFailure(
          `${ctx.device}: another commit-confirm is pending on the router (another console is changing it); ` +
            'this batch was committed but not confirmed and is undone now; apply again once that change is confirmed',
          true,
        );
      }
      const refused = refusedByRouter(error);
      ctx.onCommand?.(`commit (${lines.length} command(s))`, refused ? 1 : null);
      const failure = new StepFailure(
        refused
          ? `${ctx.device}: commit refused by the router, nothing changed: ${reason(error)}`
          : `${ctx.device}: commit not acknowledged (it may or may not have applied): ${reason(error)}`,
        !refused,
      );
      // No reply (a timeout, a 5xx): the commit may still arm its timer; stopping it is harmless if not.
      return await failAfterCommit(api, ctx, !refused && confirmTime !== undefined, failure);
    }
    for (const line of lines) ctx.onCommand?.(line, 0);
    if (confirmTime)
      ctx.onCommand?.(
        pending
          ? `commit-confirm ${confirmTime} (the router's timer runs until confirmed)`
          : `commit-confirm ${confirmTime} not acknowledged by the router: committed for good`,
        0,
      );
    let config: unknown;
    try {
      config = await api.showConfig([]);
    } catch (error) {
      return await failAfterCommit(
        api,
        ctx,
        pending,
        new StepFailure(`${ctx.device}: read-back (/retrieve showConfig) failed: ${reason(error)}`, true),
      );
    }
    const missing = notReadBack(config, action.commands);
    ctx.onCommand?.(
      `read back /retrieve showConfig: ${action.commands.length - missing.length} of ${action.commands.length} as committed`,
      missing.length === 0 ? 0 : 1,
    );
    if (missing.length > 0)
      return await failAfterCommit(
        api,
        ctx,
        pending,
        new StepFailure(
          `${ctx.device}: the read-back after the commit does not show: ${missing.slice(0, 3).map(vyosLine).join('; ')}` +
            (missing.length > 3 ? ` (and ${missing.length - 3} more)` : ''),
          false,
        ),
      );
    return {
      finish: async () => {
        try {
          if (pending) await confirmOurs(api, ctx);
          await save(api, ctx);
        } finally {
          release();
        }
      },
      abandon: async () => {
        // Keep the change confirmed and let the inverse batch undo it now: a timer left running would
        // later reboot the router (or reload a config from before other plans' commits).
        try {
          const left = pending ? await stopTimer(api, ctx, 'stop the timer before undoing') : null;
          if (left) throw new StepFailure(left, true);
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** Confirms our own timer; "No confirm pending" means it already expired: the router rebooted or reloaded. */
async function confirmOurs(api: VyosConfigApi, ctx: VyosContext): Promise<void> {
  let reply: string;
  try {
    reply = await api.confirm();
  } catch (error) {
    ctx.onCommand?.('confirm', null);
    throw new StepFailure(
      `${ctx.device}: confirm failed (${reason(error)}); unless confirmed in time the router reboots into its saved config`,
      true,
    );
  }
  if (/no confirm pending/i.test(reply)) {
    ctx.onCommand?.('confirm: no confirm pending', 1);
    throw new StepFailure(
      `${ctx.device}: the commit-confirm timer expired before the step was verified: the router rebooted into its ` +
        'saved config (action reboot) or reloaded its last archived one (action reload); this change is gone',
      true,
    );
  }
  ctx.onCommand?.(`confirm: ${reply.trim()}`, 0);
}

/**
 * Undoes a batch: stops our commit-confirm timer if one may still run, then sends only the commands
 * the router's config still needs (a `delete` of what is there, a `set` of what is not), committed as
 * one, read back and saved. Nothing left to do is a success (and saves nothing).
 */
export async function rollbackVyos(action: VyosAction, ctx: VyosContext): Promise<void> {
  const foreign = foreignTimer.delete(ctx.device);
  let timerStopped = !ctx.armed || foreign;
  for (;;) {
    let pause: number;
    const release = await acquireDeviceLock(ctx.device);
    try {
      const api = await apiOf(ctx);
      if (!timerStopped) {
        const left = await stopTimer(api, ctx, 'stop the timer before undoing');
        if (left) throw new Error(left);
        timerStopped = true;
      }
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
      if (foreign) {
        // Saving now would also write the other console's unconfirmed change into config.boot.
        ctx.onCommand?.('save skipped: another console’s commit-confirm is pending on the router', 1);
        return;
      }
      await save(api, ctx);
      return;
    } catch (error) {
      if (error instanceof StepFailure) throw error;
      const clock = ctx.retry;
      const next = clock?.next() ?? null;
      if (!clock || next === null)
        throw new StepFailure(
          `${ctx.device}: ${reason(error)}${clock ? ` (${clock.describe()})` : ''}`,
          true,
        );
      ctx.onRetry?.(clock.attempt, reason(error), next);
      pause = next;
    } finally {
      release();
    }
    await sleep(pause);
  }
}
