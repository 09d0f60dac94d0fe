import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { AppState } from '../../src/state/store.ts';
import { useConsole } from './context.ts';

/**
 * The components' only way into the store: a selector over the throttled view, compared shallowly so
 * `(s) => ({ devices: s.devices, order: s.deviceOrder })` re-renders only when one of them changes.
 */
export function useAppStore<U>(selector: (state: AppState) => U): U {
  const { store } = useConsole();
  return useStore(store, useShallow(selector));
}
