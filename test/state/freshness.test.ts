import { describe, expect, it } from 'vitest';
import { combineFreshness, freshness, type FreshnessInput } from '../../src/state/freshness.ts';

const entry = (over: Partial<FreshnessInput> = {}): FreshnessInput => ({
  health: 'ok',
  lastSuccessAt: 100_000,
  consecutiveFailures: 0,
  pollIntervalMs: 5_000,
  ...over,
});

describe('freshness: one rule for every view', () => {
  it('is fresh up to two poll intervals after the last successful poll', () => {
    expect(freshness(entry(), 110_000)).toEqual({
      polledAt: 100_000,
      ageMs: 10_000,
      stale: false,
      reason: null,
    });
  });

  it('is stale once the data is older than two poll intervals (the interval the poller uses)', () => {
    expect(freshness(entry(), 110_001)).toMatchObject({ stale: true, ageMs: 10_001, reason: 'poll late' });
    // The same age is fresh for a device polled every 10 s.
    expect(freshness(entry({ pollIntervalMs: 10_000 }), 110_001).stale).toBe(false);
    expect(freshness(entry(), 110_001, 60_000).stale).toBe(false);
  });

  it('is stale at once when the last poll failed, however recent the data', () => {
    const failed = entry({ health: 'unreachable', consecutiveFailures: 1 });
    expect(freshness(failed, 100_500)).toEqual({
      polledAt: 100_000,
      ageMs: 500,
      stale: true,
      reason: 'unreachable since last poll',
    });
    const bad = entry({ health: 'degraded', consecutiveFailures: 2 });
    expect(freshness(bad, 100_500).reason).toBe('poll failed since last poll');
  });

  it('a degraded device whose last poll succeeded in part is current', () => {
    expect(freshness(entry({ health: 'degraded' }), 101_000).stale).toBe(false);
  });

  it('a device never polled has nothing current', () => {
    expect(freshness(entry({ lastSuccessAt: null, health: 'unknown' }), 1)).toEqual({
      polledAt: null,
      ageMs: null,
      stale: true,
      reason: 'never polled',
    });
  });

  it('a row from several devices is as old as its oldest source and stale if any is', () => {
    const fresh = freshness(entry({ lastSuccessAt: 108_000 }), 110_000);
    const old = freshness(
      entry({ lastSuccessAt: 99_000, consecutiveFailures: 1, health: 'unreachable' }),
      110_000,
    );
    expect(combineFreshness([fresh, old])).toEqual({
      polledAt: 99_000,
      ageMs: 11_000,
      stale: true,
      reason: 'unreachable since last poll',
    });
    expect(combineFreshness([fresh])).toEqual(fresh);
    expect(combineFreshness([]).stale).toBe(true);
  });
});
