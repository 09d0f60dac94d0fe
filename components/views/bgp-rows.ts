/** The BGP view's rows: every device's sessions, the ones down first (what the engineer looks for). */
import { uptimeAsOfPoll, type BgpSession } from '../../src/model/bgp.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import type { AppState } from '../../src/state/store.ts';
import { sessionKey } from '../../src/state/store.ts';

export type SessionRow = BgpSession & { flaps: number };

interface DeviceRows {
  flaps: Readonly<Record<string, number>>;
  down: SessionRow[];
  up: SessionRow[];
}

/** Each snapshot's rows, made once: a poll replaces its device's snapshot, the others' rows stand. */
const bySnapshot = new WeakMap<DeviceSnapshot, DeviceRows>();

/**
 * The rows in device order, sessions that are down before the others (each part in the device's own
 * order, as a stable sort by `established` gives). Only a snapshot not seen before (or a new flap
 * count anywhere) makes rows: at 1,000 hosts the view holds ~320,000 sessions, and making and sorting
 * all of them at every poll the store publishes (several a second) kept the console busy for seconds
 * after each key.
 */
export function bgpRows(
  devices: AppState['devices'],
  order: readonly string[],
  flaps: Readonly<Record<string, number>>,
  only?: string,
): SessionRow[] {
  const down: SessionRow[] = [];
  const parts: SessionRow[][] = [];
  for (const name of order) {
    if (only && name !== only) continue;
    const snapshot = devices[name]?.snapshot;
    if (!snapshot) continue;
    let rows = bySnapshot.get(snapshot);
    if (!rows || rows.flaps !== flaps) {
      rows = rowsOf(snapshot, flaps);
      bySnapshot.set(snapshot, rows);
    }
    for (const row of rows.down) down.push(row);
    parts.push(rows.up);
  }
  return down.concat(...parts);
}

function rowsOf(snapshot: DeviceSnapshot, flaps: Readonly<Record<string, number>>): DeviceRows {
  const rows: DeviceRows = { flaps, down: [], up: [] };
  for (const s of snapshot.bgp) {
    const row = {
      ...s,
      uptimeMs: uptimeAsOfPoll(s, snapshot),
      flaps: flaps[sessionKey(s.device, s.vrf, s.afiSafi, s.peer)] ?? 0,
    };
    (s.established ? rows.up : rows.down).push(row);
  }
  return rows;
}
