/** The bounded retry of undo commands (issue 15): checked settings and one clock per undo step. */
import { DEFAULT_ROLLBACK_RETRY_MS, MAX_ROLLBACK_RETRY_MS, type RollbackRetry } from './types.ts';

export interface RetryPolicy {
  forMs: number;
  delayMs: number;
  maxDelayMs: number;
  attempts: number;
}

/** A bad retry setting: refused before anything is sent. */
export class RollbackRetryError extends Error {
  override name = 'RollbackRetryError';
}

function wholeMs(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new RollbackRetryError(
      `${what} must be a whole number of ms from ${min} to ${max}, got ${typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))}`,
    );
  return value;
}

/** The policy with its defaults, or a RollbackRetryError naming the bad field. */
export function retryPolicy(given: RollbackRetry | undefined): RetryPolicy {
  const r = given ?? {};
  const forMs = wholeMs(
    'rollbackRetry.forMs',
    r.forMs ?? DEFAULT_ROLLBACK_RETRY_MS,
    0,
    MAX_ROLLBACK_RETRY_MS,
  );
  const delayMs = wholeMs('rollbackRetry.delayMs', r.delayMs ?? 500, 1, MAX_ROLLBACK_RETRY_MS);
  const maxDelayMs = wholeMs(
    'rollbackRetry.maxDelayMs',
    r.maxDelayMs ?? Math.max(delayMs, 5000),
    delayMs,
    MAX_ROLLBACK_RETRY_MS,
  );
  const attempts =
    r.attempts === undefined
      ? Number.POSITIVE_INFINITY
      : wholeMs('rollbackRetry.attempts', r.attempts, 1, 1e6);
  return { forMs, delayMs, maxDelayMs, attempts };
}

/**
 * One undo step's tries. The bound runs from the first failure (not from the start), so even a
 * slow first try that fails is tried again; `next()` gives the pause before the next try, or null.
 */
export class RetryClock {
  /** The number of the try under way (1 = the first). */
  attempt = 1;
  private firstFailure: number | null = null;
  private delay: number;
  constructor(
    readonly policy: RetryPolicy,
    private readonly now: () => number,
  ) {
    this.delay = policy.delayMs;
  }

  next(): number | null {
    this.firstFailure ??= this.now();
    const left = this.firstFailure + this.policy.forMs - this.now();
    if (left <= 0 || this.attempt >= this.policy.attempts) return null;
    const pause = Math.min(this.delay, left);
    this.delay = Math.min(this.delay * 2, this.policy.maxDelayMs);
    this.attempt += 1;
    return pause;
  }

  /** What the last failure message adds: how long it was tried. */
  describe(): string {
    const s = ((this.now() - (this.firstFailure ?? this.now())) / 1000).toFixed(1);
    return `${this.attempt} attempt${this.attempt === 1 ? '' : 's'}, retried for ${s} s after the first failure, retry bound ${this.policy.forMs / 1000} s`;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
