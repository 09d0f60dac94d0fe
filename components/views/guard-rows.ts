import type { WorkloadRecord } from '../../src/model/plan.ts';
import type { AppState } from '../../src/state/store.ts';
import type { GuardElement } from '../../src/model/guard.ts';
import { guardDrift, type DriftKind, type GuardDrift } from '../../src/workflows/plan/guard-repair.ts';

/**
 * One line of `:guard`: a drift entry (an element the registry and the host disagree on), a TAP's
 * spoofed-source drops, or a hypervisor's summary (clean, drift, no table, unknown).
 */
export interface GuardRow {
  host: string;
  /** `-` on a summary row; `*` for drops counted for every TAP together. */
  tap: string;
  kind: DriftKind | 'spoofed' | 'host';
  /** What the row says in the DRIFT column. */
  state: string;
  set: string;
  element: string;
  /** Spoofed-source packets dropped on this TAP (host rows: all TAPs); null when not counted. */
  spoof: number | null;
  why: string;
  level: 'error' | 'warn' | undefined;
}

/**
 * The rows of `:guard`, problems first (drift, spoofing TAPs, hosts without a table) then the rest,
 * each group in inventory order. `workloads` is every registry record (retired ones explain stale
 * elements); null on a console without the registry (read-only): the sets are then not compared.
 */
export function guardRows(
  devices: AppState['devices'],
  order: readonly string[],
  workloads: readonly WorkloadRecord[] | null,
  only?: string,
  /** Why drift is not judged now (the registry still recording the live workloads): no registry then. */
  notJudged?: string,
): GuardRow[] {
  const rows: GuardRow[] = [];
  for (const host of order) {
    const entry = devices[host];
    if (entry?.spec.role !== 'hypervisor' || (only !== undefined && host !== only)) continue;
    const guard = entry.snapshot?.guard;
    const summary = { host, tap: '-', kind: 'host' as const, set: '', element: '' };
    if (!guard) {
      const why =
        entry.health === 'unreachable'
          ? `unreachable: ${entry.lastError ?? ''}`
          : (entry.lastError ?? (entry.snapshot ? 'vmguard table not collected' : 'not polled yet'));
      rows.push({ ...summary, state: 'unknown', spoof: null, why, level: 'warn' });
      continue;
    }
    if (!guard.present) {
      rows.push({
        ...summary,
        state: 'no table',
        spoof: null,
        why: 'no table inet vmguard: nothing filters spoofed sources here',
        level: 'error',
      });
      continue;
    }
    const drops = new Map(guard.spoofed.map((s) => [s.tap, s]));
    const against = notJudged === undefined ? workloads : null;
    const drift = against ? driftOf(host, guard.elements, against) : [];
    for (const d of drift)
      rows.push({
        host,
        tap: d.tap,
        kind: d.kind,
        state: d.kind,
        set: d.set,
        element: d.cidr,
        spoof: guard.perTap ? (drops.get(d.tap)?.packets ?? 0) : null,
        why: d.reason,
        level: 'error',
      });
    for (const s of guard.spoofed)
      rows.push({
        host,
        tap: s.tap,
        kind: 'spoofed',
        state: 'spoofed',
        set: '',
        element: '',
        spoof: s.packets,
        why: `${s.bytes} bytes, sources not allowed here`,
        level: s.packets > 0 ? 'error' : undefined,
      });
    if (!guard.perTap && (guard.droppedTotal ?? 0) > 0)
      rows.push({
        host,
        tap: '*',
        kind: 'spoofed',
        state: 'spoofed',
        set: '',
        element: '',
        spoof: guard.droppedTotal,
        why: 'all TAPs together (this ruleset has no per-TAP counter)',
        level: 'error',
      });
    const elements = `${guard.elements.length} elements`;
    rows.push({
      ...summary,
      state: !against ? 'not compared' : drift.length > 0 ? `drift (${drift.length})` : 'clean',
      spoof: guard.droppedTotal,
      why: !against
        ? `${elements}; ${notJudged ?? 'no registry (read-only)'}`
        : drift.length > 0
          ? `${elements}; R repairs`
          : `${elements}, as the registry`,
      level: drift.length > 0 ? 'error' : undefined,
    });
  }
  const rank = (r: GuardRow) => (r.level === 'error' ? 0 : r.level === 'warn' ? 1 : 2);
  // Stable: within a rank, inventory order and the drift's own order (missing, extra, stale).
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map((x) => x.r);
}

/** Each host's drift, kept while its listed elements and the registry's list are the same objects. */
const drifts = new WeakMap<
  readonly GuardElement[],
  { host: string; workloads: readonly WorkloadRecord[]; drift: GuardDrift[] }
>();

/**
 * A host's drift from its last one when neither side changed: the Guard view draws at every poll of
 * any device (1,000 hosts: several times a second), and each host's listing is held between polls.
 */
function driftOf(host: string, elements: readonly GuardElement[], workloads: readonly WorkloadRecord[]) {
  const last = drifts.get(elements);
  if (last && last.host === host && last.workloads === workloads) return last.drift;
  const drift = guardDrift(host, elements, workloads);
  drifts.set(elements, { host, workloads, drift });
  return drift;
}
