import type { Freshness } from '../../src/state/freshness.ts';
import { formatAge } from '../format.ts';

/** A row's age as its cell shows it: `4s` when current, `stale 20s` (or `stale, never polled`) when not. */
export function ageLabel(f: Freshness): string {
  if (!f.stale) return formatAge(f.ageMs);
  return f.ageMs === null ? `stale, ${f.reason ?? 'never polled'}` : `stale ${formatAge(f.ageMs)}`;
}
