/** The BGP view's rows: every device's sessions, the ones down first (what the engineer looks for). */
import { uptimeAsOfPoll, type BgpSession } from '../../src/model/bgp.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import type { AppState } from '../../src/state/store.ts';
import { sessionKey } from '../../src/state/store.ts';

interface DeviceRows {
  down: BgpSession[];
  up: BgpSession[];
}

/** Each snapshot's rows, split once: a poll replaces its device's snapshot, the others' rows stand. */
const bySnapshot = new WeakMap<DeviceSnapshot, DeviceRows>();

/**
 * The rows in device order, sessions that are down before the others (each part in the device's own
 * order, as a stable sort by `established` gives). The rows are the snapshots' own session objects:
 * at 1,000 hosts the view holds ~320,000 sessions, and a copy of each (with its uptime as of the poll
 * and its flap count) was ~55 MB made on entering the view — a key waiting 0.3–0.8 s — and kept while
 * the snapshots lived. What a row shows beyond the session is read for the rows drawn (`rowFacts`).
 */
export function bgpRows(devices: AppState['devices'], order: readonly string[], only?: string): BgpSession[] {
  const down: BgpSession[] = [];
  const parts: BgpSession[][] = [];
  for (const name of order) {
    if (only && name !== only) continue;
    const snapshot = devices[name]?.snapshot;
    if (!snapshot) continue;
    let rows = bySnapshot.get(snapshot);
    if (!rows) {
      rows = { down: [], up: [] };
      for (const s of snapshot.bgp) (s.established ? rows.up : rows.down).push(s);
      bySnapshot.set(snapshot, rows);
    }
    for (const row of rows.down) down.push(row);
    parts.push(rows.up);
  }
  return down.concat(...parts);
}

/** A row's time in state as of its device's poll (not as of FRR's answer), and its flap count. */
export interface RowFacts {
  uptimeMs(s: BgpSession): number | null;
  flaps(s: BgpSession): number;
}

export function rowFacts(devices: AppState['devices'], flaps: Readonly<Record<string, number>>): RowFacts {
  return {
    uptimeMs: (s) => {
      const snapshot = devices[s.device]?.snapshot;
      return snapshot ? uptimeAsOfPoll(s, snapshot) : s.uptimeMs;
    },
    flaps: (s) => flaps[sessionKey(s.device, s.vrf, s.afiSafi, s.peer)] ?? 0,
  };
}
