import type { StoreApi } from 'zustand/vanilla';
import type { AppState, AppStore } from '../../src/state/store.ts';

export type ReadonlyAppStore = Pick<StoreApi<AppState>, 'getState' | 'getInitialState' | 'subscribe'>;

export interface ThrottledStore extends ReadonlyAppStore {
  dispose(): void;
}

/**
 * A read view of the store that republishes at most once per `intervalMs`: a poll round updating 1,000
 * devices becomes one redraw, not 1,000 (the first change after a quiet spell is published at once).
 */
export function throttleStore(store: AppStore, intervalMs: number): ThrottledStore {
  let published = store.getState();
  let lastPublish = 0;
  let timer: NodeJS.Timeout | null = null;
  const listeners = new Set<(state: AppState, previous: AppState) => void>();
  const publish = () => {
    timer = null;
    lastPublish = Date.now();
    const previous = published;
    published = store.getState();
    for (const listener of listeners) listener(published, previous);
  };
  const unsubscribe = store.subscribe(() => {
    if (timer) return;
    const wait = lastPublish + intervalMs - Date.now();
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
