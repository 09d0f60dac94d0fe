import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { BUSY_MS, throttleStore } from '../../components/hooks/throttled-store.ts';
import type { AppStore } from '../../src/state/store.ts';

/** A store whose state is a counter: what a redraw would show. */
function counter() {
  const store = createStore<{ n: number }>()(() => ({ n: 0 }));
  const bump = () => store.setState((s) => ({ n: s.n + 1 }));
  return { store: store as unknown as AppStore, bump };
}

describe('store-driven redraws', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  /** The counter values the view was given, after `steps` of (change, advance ms). */
  function drawn(busy: number, steps: number, everyMs: number): number[] {
    const { store, bump } = counter();
    const throttled = throttleStore(store, 250, { busyMs: BUSY_MS, busy: () => busy });
    const seen: number[] = [];
    throttled.subscribe((state) => seen.push((state as unknown as { n: number }).n));
    for (let i = 0; i < steps; i++) {
      bump();
      vi.advanceTimersByTime(everyMs);
    }
    throttled.dispose();
    return seen;
  }

  it('come at most every 250 ms while the console has CPU to spare, the first change at once', () => {
    // 40 changes 50 ms apart (2 s): one frame at once, then one per 250 ms.
    const seen = drawn(0.5, 40, 50);
    expect(seen[0]).toBe(1);
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(seen.length).toBeLessThanOrEqual(9);
    expect(seen.at(-1)).toBeGreaterThanOrEqual(36);
  });

  it('come at most once a second while the console is CPU-bound, still showing the latest state', () => {
    const seen = drawn(0.95, 40, 50);
    expect(seen[0]).toBe(1);
    expect(seen.length).toBeLessThanOrEqual(2000 / BUSY_MS + 1);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    // Nothing is lost: each frame shows the store as it is then.
    expect(seen.at(-1)).toBeGreaterThanOrEqual(21);
  });

  it('stay at 250 ms on a busy loop when the console did not ask (a small fleet: frames are cheap)', () => {
    const { store, bump } = counter();
    const throttled = throttleStore(store, 250, { busy: () => 1 });
    const seen: number[] = [];
    throttled.subscribe((state) => seen.push((state as unknown as { n: number }).n));
    for (let i = 0; i < 40; i++) {
      bump();
      vi.advanceTimersByTime(50);
    }
    throttled.dispose();
    expect(seen.length).toBeGreaterThanOrEqual(8);
  });

  it('go back to 250 ms as soon as the loop has time again', () => {
    const { store, bump } = counter();
    let busy = 0.95;
    const throttled = throttleStore(store, 250, { busyMs: BUSY_MS, busy: () => busy });
    const at: number[] = [];
    throttled.subscribe(() => at.push(Date.now()));
    const start = Date.now();
    for (let i = 0; i < 60; i++) {
      if (i === 30) busy = 0.2;
      bump();
      vi.advanceTimersByTime(50);
    }
    throttled.dispose();
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(at[0]).toBe(start);
    expect(gaps.filter((g) => g >= BUSY_MS).length).toBeGreaterThanOrEqual(1);
    expect(gaps.at(-1)).toBe(250);
  });
});
