import type { WorkloadRecord } from '../../src/model/plan.ts';
import { sameList } from '../../src/state/index-inputs.ts';
import type { Announcer, WorkloadEntry } from '../../src/state/workload-index.ts';
import { workloadRow, type WorkloadRow } from './workload-row.ts';

export type { WorkloadRow } from './workload-row.ts';

export type RecordLookup = (vrf: string, prefix: string) => WorkloadRecord | undefined;

/** Where an entry belongs: its registry name, else the TAP(s) its prefixes are routed to, else itself. */
function groupKey(entry: WorkloadEntry, record: WorkloadRecord | undefined): string {
  if (record) return `name:${record.name}`;
  const taps = entry.announcers.filter((a) => a.interface !== null).map((a) => `${a.host}/${a.interface}`);
  if (taps.length > 0 && taps.length === entry.announcers.length)
    return `tap:${entry.vrf}|${[...new Set(taps)].sort().join(',')}`;
  return `prefix:${entry.vrf}|${entry.prefix}`;
}

/**
 * Each group's row, remembered by its first entry: a regroup after an index change (at fleet size,
 * 100k entries, most of them the same objects as before) makes rows again only for groups whose
 * members, record or router list changed.
 */
const rowsByFirst = new WeakMap<
  WorkloadEntry,
  { members: WorkloadEntry[]; record: WorkloadRecord | null; routers: readonly string[]; row: WorkloadRow }
>();
/**
 * Each entry's group key, remembered by its announcers (what the key is made of, with its prefix and
 * record): an index build that gives an entry new views but the same announcers (a router read for the
 * first time) keeps the array, so its 100k new entries are not keyed again.
 */
const keysByAnnouncers = new WeakMap<
  readonly Announcer[],
  { record: WorkloadRecord | undefined; vrf: string; prefix: string; key: string }
>();

const identical = <T>(x: T, y: T): boolean => x === y;

/** Groups the per-prefix index into workloads, in the index's order (tenant, then first prefix). */
export function groupWorkloads(
  entries: readonly WorkloadEntry[],
  recordOf: RecordLookup,
  routerNames: readonly string[],
): WorkloadRow[] {
  return regroupWorkloads(null, entries, recordOf, routerNames).rows;
}

/**
 * A grouping of one index, kept to regroup the next: each group's members (in index order), each
 * entry's place in the index, and the rows in group order (a row's `key` is its group's). The next
 * regroup takes its maps over (a grouping is read once, by the regroup after it).
 */
export interface Grouping {
  readonly rows: WorkloadRow[];
  readonly entries: readonly WorkloadEntry[];
  readonly recordOf: RecordLookup;
  readonly routerNames: readonly string[];
  members: Map<string, WorkloadEntry[]>;
  positions: Map<WorkloadEntry, number>;
}

/**
 * `groupWorkloads`, from the grouping of the last index when only entries changed: the index keeps the
 * order of the entries it keeps (a migration, a router's view moving, a host down or first read, a
 * workload added or gone), so the entries that are not the last index's objects — and the last ones not
 * in this index — are the change, and only the groups they left or joined are made again; every other
 * row is the last one, in its order, with the remade rows merged in by their first member's place. At
 * fleet size (100k entries, 50k workloads) a regroup from scratch was ~1 s of a loaded console, and a
 * starting console's index changes length at every host it reads for the first time. From scratch when
 * the records or the routers changed, or more than half the entries did.
 */
export function regroupWorkloads(
  previous: Grouping | null,
  entries: readonly WorkloadEntry[],
  recordOf: RecordLookup,
  routerNames: readonly string[],
): Grouping {
  if (previous === null || previous.recordOf !== recordOf || previous.routerNames !== routerNames)
    return groupAll(entries, recordOf, routerNames);
  if (previous.entries === entries) return previous;
  const added: WorkloadEntry[] = [];
  const gone: WorkloadEntry[] = [];
  let positions: Map<WorkloadEntry, number>;
  // The common change (a migration, a view moving): entries replaced in their places, each by its own
  // prefix's. The last grouping's places are then updated for those only — no map of 100k entries
  // made at every change. Otherwise (entries added or gone) every entry's place is looked up.
  const replaced = replacedInPlace(previous.entries, entries);
  if (replaced === 'too many') return groupAll(entries, recordOf, routerNames, undefined, previous);
  if (replaced !== null) {
    positions = previous.positions;
    for (const i of replaced) {
      gone.push(previous.entries[i]!);
      positions.delete(previous.entries[i]!);
    }
    for (const i of replaced) {
      added.push(entries[i]!);
      positions.set(entries[i]!, i);
    }
  } else {
    positions = positionsOf(entries);
    for (const entry of entries) if (!previous.positions.has(entry)) added.push(entry);
    for (const entry of previous.entries) if (!positions.has(entry)) gone.push(entry);
    if (added.length + gone.length > entries.length / 2)
      return groupAll(entries, recordOf, routerNames, positions, previous);
  }
  const { members } = previous;
  const touched = new Set<string>();
  for (const entry of gone) {
    const key = keyOf(entry, recordOf(entry.vrf, entry.prefix));
    touched.add(key);
    const left = members.get(key)?.filter((member) => member !== entry) ?? [];
    if (left.length > 0) members.set(key, left);
    else members.delete(key);
  }
  for (const entry of added) {
    const key = keyOf(entry, recordOf(entry.vrf, entry.prefix));
    touched.add(key);
    members.set(key, [...(members.get(key) ?? []), entry]);
  }
  const at = (entry: WorkloadEntry) => positions.get(entry)!;
  const fresh: { first: number; row: WorkloadRow }[] = [];
  for (const key of touched) {
    const group = members.get(key);
    if (!group) continue;
    group.sort((a, b) => at(a) - at(b));
    const first = group[0]!;
    fresh.push({
      first: at(first),
      row: rowOf(key, recordOf(first.vrf, first.prefix) ?? null, group, routerNames),
    });
  }
  fresh.sort((a, b) => a.first - b.first);
  // The untouched rows in their order (the index kept their members' order), the remade ones merged in.
  const rows: WorkloadRow[] = [];
  let f = 0;
  let last = -1;
  for (const row of previous.rows) {
    if (touched.has(row.key)) continue;
    const first = at(members.get(row.key)![0]!);
    // An index that did not keep its entries' order: rows from scratch rather than out of order.
    if (first < last) return groupAll(entries, recordOf, routerNames, positions);
    last = first;
    for (; f < fresh.length && fresh[f]!.first < first; f++) rows.push(fresh[f]!.row);
    rows.push(row);
  }
  for (; f < fresh.length; f++) rows.push(fresh[f]!.row);
  return { rows, entries, recordOf, routerNames, members, positions };
}

/**
 * The places where `now` holds another entry of the same prefix than `before` (null when the lengths
 * differ or a place holds another prefix: entries came or went), or 'too many' past half of them.
 */
function replacedInPlace(
  before: readonly WorkloadEntry[],
  now: readonly WorkloadEntry[],
): number[] | 'too many' | null {
  if (before.length !== now.length) return null;
  const changed: number[] = [];
  for (let i = 0; i < now.length; i++) {
    const a = before[i]!;
    const b = now[i]!;
    if (a === b) continue;
    if (a.prefix !== b.prefix || a.vrf !== b.vrf) return null;
    if (changed.push(i) > now.length / 2) return 'too many';
  }
  return changed;
}

function positionsOf(entries: readonly WorkloadEntry[]): Map<WorkloadEntry, number> {
  const positions = new Map<WorkloadEntry, number>();
  for (let i = 0; i < entries.length; i++) positions.set(entries[i]!, i);
  return positions;
}

function keyOf(entry: WorkloadEntry, record: WorkloadRecord | undefined): string {
  const known = keysByAnnouncers.get(entry.announcers);
  if (known && known.record === record && known.vrf === entry.vrf && known.prefix === entry.prefix)
    return known.key;
  const key = groupKey(entry, record);
  keysByAnnouncers.set(entry.announcers, { record, vrf: entry.vrf, prefix: entry.prefix, key });
  return key;
}

/** A group's row: the last one when its members, record and routers are the ones it was made from. */
function rowOf(
  key: string,
  record: WorkloadRecord | null,
  members: WorkloadEntry[],
  routerNames: readonly string[],
  previous?: WorkloadRow,
): WorkloadRow {
  const last = rowsByFirst.get(members[0]!);
  if (
    last &&
    last.record === record &&
    last.row.key === key &&
    sameList(last.members, members, identical) &&
    sameList(last.routers, routerNames, identical)
  )
    return last.row;
  const row = workloadRow(key, record, members, routerNames, previous);
  rowsByFirst.set(members[0]!, { members, record, routers: routerNames, row });
  return row;
}

/** From scratch; `previous` (same routers): rows of groups whose prefixes and announcers are the same are derived from its rows. */
function groupAll(
  entries: readonly WorkloadEntry[],
  recordOf: RecordLookup,
  routerNames: readonly string[],
  positions: Map<WorkloadEntry, number> = positionsOf(entries),
  previous?: Grouping,
): Grouping {
  const members = new Map<string, WorkloadEntry[]>();
  const records = new Map<string, WorkloadRecord | null>();
  for (const entry of entries) {
    const record = recordOf(entry.vrf, entry.prefix);
    const key = keyOf(entry, record);
    const group = members.get(key);
    if (group) group.push(entry);
    else {
      members.set(key, [entry]);
      records.set(key, record ?? null);
    }
  }
  const before = previous ? new Map(previous.rows.map((row) => [row.key, row])) : undefined;
  const rows: WorkloadRow[] = [];
  for (const [key, group] of members)
    rows.push(rowOf(key, records.get(key)!, group, routerNames, before?.get(key)));
  return { rows, entries, recordOf, routerNames, members, positions };
}
