import { freshness } from '../../src/state/freshness.ts';
import type { AppState } from '../../src/state/store.ts';
import { ageLabel } from '../views/age.ts';
import { useAppStore } from './useAppStore.ts';
import { useNow } from './useNow.ts';

/** A device's health as a wizard shows it next to its name: `ok`, `unreachable`, or `ok, stale 25s`. */
export function healthNote(state: AppState, device: string, now: number): string {
  const entry = state.devices[device];
  if (!entry) return 'not in the inventory';
  const age = freshness(entry, now);
  if (entry.health === 'ok' && age.stale && age.polledAt !== null) return `ok, ${ageLabel(age)}`;
  return entry.health;
}

/** The named devices' health notes, live from the store (a wizard open for minutes never shows old health). */
export function useHostHealth(devices: readonly string[]): Record<string, string> {
  const now = useNow();
  // Strings only: the shallow compare re-renders just when a note changes.
  return useAppStore((state) =>
    Object.fromEntries(devices.map((name) => [name, healthNote(state, name, now)])),
  );
}
