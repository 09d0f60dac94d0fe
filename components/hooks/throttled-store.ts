import { performance } from 'node:perf_hooks';
import type { StoreApi } from 'zustand/vanilla';
import type { AppState, AppStore } from '../../src/state/store.ts';

export type ReadonlyAppStore = Pick<StoreApi<AppState>, 'getState' | 'getInitialState' | 'subscribe'>;

export interface ThrottledStore extends ReadonlyAppStore {
  dispose(): void;
}

export interface ThrottleOptions {
  /** While the console is CPU-bound, at most one redraw per this many ms (none: always `intervalMs`). */
  busyMs?: number;
  /**
   * The share of the time since the last call that the event loop was busy (0–1). By default Node's
   * event-loop utilization; tests give their own.
   */
  busy?: () => number;
}

/** A loop this busy since the last redraw is CPU-bound. */
export const BUSY = 0.85;
/** What a large fleet's console waits between store-driven redraws while CPU-bound. */
export const BUSY_MS = 1000;

function loopBusy(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}

/**
 * A read view of the store that republishes at most once per `intervalMs`: a poll round updating 1,000
 * devices becomes one redraw, not 1,000 (the first change after a quiet spell is published at once).
 * With `busyMs`, while the console is CPU-bound (a fleet's first polls: at 1,000 hosts store-driven
 * frames were a quarter of its CPU), at most one per `busyMs`: the frames' share goes to reading the
 * fleet. Keys redraw at once either way.
 */
export function throttleStore(
  store: AppStore,
  intervalMs: number,
  options: ThrottleOptions = {},
): ThrottledStore {
  const busyMs = options.busyMs;
  const busy = busyMs === undefined ? null : (options.busy ?? loopBusy());
  let published = store.getState();
  let lastPublish = 0;
  let interval = intervalMs;
  let timer: NodeJS.Timeout | null = null;
  const listeners = new Set<(state: AppState, previous: AppState) => void>();
  const publish = () => {
    timer = null;
    lastPublish = Date.now();
    // Measured before this frame is drawn: how busy the loop was since the last one (its frame too).
    interval = busy && busy() >= BUSY ? Math.max(intervalMs, busyMs!) : intervalMs;
    const previous = published;
    published = store.getState();
    for (const listener of listeners) listener(published, previous);
  };
  const unsubscribe = store.subscribe(() => {
    if (timer) return;
    const wait = lastPublish + interval - Date.now();
    if (wait <= 0) publish();
    else timer = setTimeout(publish, wait);
  });
  return {
    getState: () => published,
    getInitialState: () => published,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      unsubscribe();
      if (timer) clearTimeout(timer);
      listeners.clear();
    },
  };
}
