import { useRef } from 'react';
import { useStore } from 'zustand';
import type { AppState } from '../../src/state/store.ts';
import { useConsole } from './context.ts';

/**
 * One level deep: arrays element by element, plain objects key by key, anything else by identity.
 * zustand's `shallow` compares arrays and objects through two Maps built per call: at fleet size a
 * selector returning the 1,000-device record, or the 100k-entry workload index, built them at every
 * store change (a GC-heavy share of a starting console's time).
 */
export function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(a) as unknown;
  if ((proto !== Object.prototype && proto !== null) || Object.getPrototypeOf(b) !== proto) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const key in x) {
    if (!Object.hasOwn(x, key)) continue;
    if (!Object.hasOwn(y, key) || !Object.is(x[key], y[key])) return false;
    n++;
  }
  for (const key in y) if (Object.hasOwn(y, key)) n--;
  return n === 0;
}

/**
 * The components' only way into the store: a selector over the throttled view, compared shallowly so
 * `(s) => ({ devices: s.devices, order: s.deviceOrder })` re-renders only when one of them changes
 * (and a selector building a new array or object of the same members gives back the last one).
 */
export function useAppStore<U>(selector: (state: AppState) => U): U {
  const { store } = useConsole();
  const last = useRef<{ value: U } | null>(null);
  return useStore(store, (state) => {
    const next = selector(state);
    if (last.current && shallowEqual(last.current.value, next)) return last.current.value;
    last.current = { value: next };
    return next;
  });
}
