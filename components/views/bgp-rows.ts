/** The BGP view's rows: every device's sessions, the ones down first (what the engineer looks for). */
import { uptimeAsOfPoll, type BgpSession } from '../../src/model/bgp.ts';
import type { AppState } from '../../src/state/store.ts';
import { sessionKey } from '../../src/state/store.ts';

interface DeviceRows {
  down: BgpSession[];
  up: BgpSession[];
}

/**
 * Each device's rows, split once per sessions array: a poll whose probes confirmed the sessions keeps
 * the array (drivers/bgp-read.ts), so its rows stand too.
 */
const bySessions = new WeakMap<readonly BgpSession[], DeviceRows>();

/**
 * The last list made, and the parts it was made of: the store publishes a new device record several
 * times a second, and a list of ~320,000 rows (2.5 MB, born in the old generation as any array that
 * large) made again each time while nothing in it changed was ~200 MB of old-space garbage in the
 * seconds after entering the view — a full collection, and a key waiting half a second.
 */
let last: { parts: DeviceRows[]; rows: BgpSession[] } | null = null;

/**
 * The rows in device order, sessions that are down before the others (each part in the device's own
 * order, as a stable sort by `established` gives). The rows are the snapshots' own session objects:
 * at 1,000 hosts the view holds ~320,000 sessions, and a copy of each (with its uptime as of the poll
 * and its flap count) was ~55 MB made on entering the view — a key waiting 0.3–0.8 s — and kept while
 * the snapshots lived. What a row shows beyond the session is read for the rows drawn (`rowFacts`).
 */
export function bgpRows(devices: AppState['devices'], order: readonly string[], only?: string): BgpSession[] {
  const parts: DeviceRows[] = [];
  for (const name of order) {
    if (only && name !== only) continue;
    const sessions = devices[name]?.snapshot?.bgp;
    if (!sessions) continue;
    let rows = bySessions.get(sessions);
    if (!rows) {
      rows = { down: [], up: [] };
      for (const s of sessions) (s.established ? rows.up : rows.down).push(s);
      bySessions.set(sessions, rows);
    }
    parts.push(rows);
  }
  if (last && last.parts.length === parts.length && last.parts.every((p, i) => p === parts[i]))
    return last.rows;
  const rows: BgpSession[] = [];
  for (const part of parts) for (const row of part.down) rows.push(row);
  for (const part of parts) for (const row of part.up) rows.push(row);
  last = { parts, rows };
  return rows;
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
