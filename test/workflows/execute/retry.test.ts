/** The undo retry clock and its settings, on a fake clock: the backoff, the bound and refusals. */
import { describe, expect, it } from 'vitest';
import { RetryClock, retryPolicy } from '../../../src/workflows/execute/retry.ts';
import { DEFAULT_ROLLBACK_RETRY_MS, RollbackRetryError } from '../../../src/workflows/execute/index.ts';

/** Pauses a clock hands out when every try fails at once, the fake time moving by each pause. */
function pauses(policy: Parameters<typeof retryPolicy>[0]): number[] {
  let t = 1_000_000;
  const clock = new RetryClock(retryPolicy(policy), () => t);
  const out: number[] = [];
  for (let pause = clock.next(); pause !== null; pause = clock.next()) {
    out.push(pause);
    t += pause;
  }
  return out;
}

describe('rollback retry clock', () => {
  it('defaults to a bound longer than a 30 s SSH drop, doubling pauses from 0.5 s up to 5 s', () => {
    expect(retryPolicy(undefined)).toMatchObject({
      forMs: DEFAULT_ROLLBACK_RETRY_MS,
      delayMs: 500,
      maxDelayMs: 5000,
    });
    expect(DEFAULT_ROLLBACK_RETRY_MS).toBeGreaterThan(30_000);
    const p = pauses({ forMs: 20_000 });
    expect(p.slice(0, 6)).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    // The tries stop at the bound: the pauses add up to it exactly.
    expect(p.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('retries at least once after a first failure, even with a tiny bound; a bound of 0 does not retry', () => {
    expect(pauses({ forMs: 1 })).toEqual([1]);
    expect(pauses({ forMs: 0 })).toEqual([]);
  });

  it('an attempts cap ends the tries earlier', () => {
    expect(pauses({ attempts: 3, delayMs: 10 })).toEqual([10, 20]);
  });

  it('refuses bad settings in one sentence naming the field', () => {
    const cases: [Parameters<typeof retryPolicy>[0], RegExp][] = [
      [{ forMs: -1 }, /^rollbackRetry\.forMs must be a whole number of ms from 0 to 3600000, got -1$/],
      [{ forMs: 1.5 }, /forMs .* got 1\.5$/],
      [{ forMs: Number.NaN }, /forMs .* got NaN$/],
      [{ delayMs: 0 }, /delayMs must be a whole number of ms from 1 to/],
      [{ delayMs: 100, maxDelayMs: 50 }, /maxDelayMs must be a whole number of ms from 100 to/],
      [{ attempts: 0 }, /attempts must be .* from 1 to/],
    ];
    for (const [policy, message] of cases) {
      expect(() => retryPolicy(policy)).toThrow(RollbackRetryError);
      expect(() => retryPolicy(policy)).toThrow(message);
    }
  });
});
