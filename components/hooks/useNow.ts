import { useEffect, useMemo, useState } from 'react';
import type { AppState } from '../../src/state/store.ts';
import { useConsole } from './context.ts';

interface Ticker {
  listeners: Set<(value: number) => void>;
  timer: NodeJS.Timeout;
}

// One timer per (clock, interval) for every component that shows time: each tick sets them all in
// one task, so React draws one frame for the header, the view and their ages — not one frame per
// component a second (the App, the header and a view each ticking on their own drew ~3 frames a
// second, each ~20–50 ms of a 1,000-device console's CPU).
const tickers = new WeakMap<() => number, Map<number, Ticker>>();

function subscribe(now: () => number, intervalMs: number, listener: (value: number) => void): () => void {
  let byInterval = tickers.get(now);
  if (!byInterval) tickers.set(now, (byInterval = new Map()));
  let ticker = byInterval.get(intervalMs);
  if (!ticker) {
    const listeners = new Set<(value: number) => void>();
    const timer = setInterval(() => {
      const value = now();
      for (const l of listeners) l(value);
    }, intervalMs);
    ticker = { listeners, timer };
    byInterval.set(intervalMs, ticker);
  }
  const t = ticker;
  t.listeners.add(listener);
  return () => {
    t.listeners.delete(listener);
    if (t.listeners.size === 0) {
      clearInterval(t.timer);
      byInterval.delete(intervalMs);
    }
  };
}

/** The console's clock, ticking every `intervalMs` (ages and the header clock move with it). */
export function useNow(intervalMs = 1000): number {
  const { now } = useConsole();
  const [value, setValue] = useState(now);
  useEffect(() => subscribe(now, intervalMs, setValue), [now, intervalMs]);
  return value;
}

/**
 * A selector over the store, read when the clock ticks (with the header clock and the ages: one frame)
 * and when one of `also` changes — not at every published store change. For what a view draws in
 * seconds (ages, counts): at 1,000 devices the store publishes 4 times a second while hosts are polled,
 * and each publish that reached the header's polling count or the Workloads view's device ages was a
 * whole frame — ink lays out and re-encodes the full screen, character by character, at every frame
 * (~10 MB of garbage each at 120×40: most of what the steady console allocated once polls were cheap).
 */
export function useStoreAtTicks<U>(
  selector: (state: AppState) => U,
  also: readonly unknown[] = [],
  intervalMs = 1000,
): U {
  const { now, store } = useConsole();
  const [tick, setTick] = useState(0);
  useEffect(() => subscribe(now, intervalMs, () => setTick((t) => t + 1)), [now, intervalMs]);
  // The selector is read at ticks and when `also` changes, by design: not a dependency of its own.
  return useMemo(() => selector(store.getState()), [store, tick, ...also]);
}
