import { freshness, type Freshness } from '../../src/state/freshness.ts';
import type { DeviceEntry } from '../../src/state/store.ts';
import type { Column } from '../shared/columns.ts';
import { ageLabel } from './age.ts';

/** The age column every device-derived view shows (POLL, as in Devices): `4s`, or `stale 20s` in the warning colour. */
export function ageColumn<T>(ageOf: (row: T) => Freshness): Column<T> {
  return {
    header: 'POLL',
    value: (row) => ageLabel(ageOf(row)),
    color: (row) => (ageOf(row).stale ? 'warn' : 'muted'),
    align: 'right',
    min: 4,
  };
}

/**
 * Dims the cells of a stale row that would read as good or neutral (so a stale session is never green
 * `Established`); a problem (error/warn, the cell's or the row's) keeps its colour: the last thing known
 * was bad, and dimming it would hide it. Columns named in `keep` (the age itself) are left alone.
 */
export function dimStale<T>(
  columns: readonly Column<T>[],
  ageOf: (row: T) => Freshness,
  keep: readonly string[] = ['POLL'],
  rowColor?: (row: T) => 'error' | 'warn' | undefined,
): Column<T>[] {
  return columns.map((column) =>
    keep.includes(column.header)
      ? column
      : {
          ...column,
          color: (row: T) => {
            const color = column.color?.(row);
            if (!ageOf(row).stale) return color;
            const problem = color ?? rowColor?.(row);
            return problem === 'error' || problem === 'warn' ? problem : 'muted';
          },
        },
  );
}

/** Freshness of the device a row comes from, at `now` (a row of an unknown device counts as stale). */
export function deviceAge(
  devices: Readonly<Record<string, DeviceEntry | undefined>>,
  now: number,
): (device: string) => Freshness {
  const cache = new Map<string, Freshness>();
  return (device) => {
    let found = cache.get(device);
    if (!found) {
      const entry = devices[device];
      found = entry
        ? freshness(entry, now)
        : { polledAt: null, ageMs: null, stale: true, reason: 'not in the inventory' };
      cache.set(device, found);
    }
    return found;
  };
}
