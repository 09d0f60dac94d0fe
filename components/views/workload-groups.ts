import type { WorkloadRecord } from '../../src/model/plan.ts';
import { sameList } from '../../src/state/index-inputs.ts';
import type { WorkloadEntry } from '../../src/state/workload-index.ts';
import { announcerText } from './announcer.ts';

/** One workload as an engineer thinks of it: its /32 and /64 together, on one host. */
export interface WorkloadRow {
  /** Stable across polls: the registry's name, else the VRF and TAP(s) the prefixes are routed to. */
  key: string;
  name: string | null;
  record: WorkloadRecord | null;
  tenant: string | null;
  vrf: string;
  /** The /32s then the /64s (normally one of each). */
  entries: WorkloadEntry[];
  ipv4: string;
  ipv6: string;
  /** Hosts announcing it (`hv2`, or `hv3/? (host unreachable)` when only the routers tell). */
  hosts: string;
  /** `host/tap` of every announcer, for the TAP counters and the detail view. */
  taps: string;
  /** Routers that see every prefix of the workload, of those polled. */
  routersSeeing: number;
  routers: number;
  conflicts: string[];
}

export type RecordLookup = (vrf: string, prefix: string) => WorkloadRecord | undefined;

/** Where an entry belongs: its registry name, else the TAP(s) its prefixes are routed to, else itself. */
function groupKey(entry: WorkloadEntry, record: WorkloadRecord | undefined): string {
  if (record) return `name:${record.name}`;
  const taps = entry.announcers.filter((a) => a.interface !== null).map((a) => `${a.host}/${a.interface}`);
  if (taps.length > 0 && taps.length === entry.announcers.length)
    return `tap:${entry.vrf}|${[...new Set(taps)].sort().join(',')}`;
  return `prefix:${entry.vrf}|${entry.prefix}`;
}

const unique = (values: string[]) => [...new Set(values)];

/**
 * Each group's row, remembered by its first entry: a regroup after an index change (at fleet size,
 * 100k entries, most of them the same objects as before) makes rows again only for groups whose
 * members, record or router list changed.
 */
const rowsByFirst = new WeakMap<
  WorkloadEntry,
  { members: WorkloadEntry[]; record: WorkloadRecord | null; routers: readonly string[]; row: WorkloadRow }
>();
const keysByEntry = new WeakMap<WorkloadEntry, { record: WorkloadRecord | undefined; key: string }>();

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
 * A grouping of one index, kept to regroup the next: each entry's group key (by index position), each
 * group's member positions (ascending), and the rows in group order with their first member's position.
 */
export interface Grouping {
  readonly rows: WorkloadRow[];
  readonly entries: readonly WorkloadEntry[];
  readonly recordOf: RecordLookup;
  readonly routerNames: readonly string[];
  keyAt: string[];
  members: Map<string, number[]>;
  firstAt: number[];
}

/** Past this many groups touched, the rows are laid out again in one pass instead of moved one by one. */
const SPLICE_MAX_GROUPS = 64;

/**
 * `groupWorkloads`, from the grouping of the last index when only the entries changed: the index keeps
 * an entry's place while its prefix stays (a migration, a router's view moving, a host down), so the
 * entries that are not the same objects as the last index's in the same places are the change, and only
 * the groups they left or joined are made again — the rest of the rows are the last ones, in place. At
 * fleet size (100k entries, 50k workloads) a regroup at every index change was most of what a starting
 * console drew. From scratch when the length, the records or the routers changed, or too much did.
 */
export function regroupWorkloads(
  previous: Grouping | null,
  entries: readonly WorkloadEntry[],
  recordOf: RecordLookup,
  routerNames: readonly string[],
): Grouping {
  if (
    previous === null ||
    previous.recordOf !== recordOf ||
    previous.routerNames !== routerNames ||
    previous.entries.length !== entries.length
  )
    return groupAll(entries, recordOf, routerNames);
  if (previous.entries === entries) return previous;
  const changed: number[] = [];
  for (let i = 0; i < entries.length; i++)
    if (entries[i] !== previous.entries[i] && changed.push(i) > entries.length / 2)
      return groupAll(entries, recordOf, routerNames);
  const { keyAt, members } = previous;
  // Each touched group's first position before the change: where its row is now.
  const touched = new Map<string, number | undefined>();
  const touch = (key: string) => {
    if (!touched.has(key)) touched.set(key, members.get(key)?.[0]);
  };
  for (const i of changed) {
    const entry = entries[i]!;
    const key = keyOf(entry, recordOf(entry.vrf, entry.prefix));
    const before = keyAt[i]!;
    touch(before);
    touch(key);
    if (key === before) continue;
    keyAt[i] = key;
    const left = members.get(before)!.filter((at) => at !== i);
    if (left.length > 0) members.set(before, left);
    else members.delete(before);
    const joined = [...(members.get(key) ?? []), i].sort((a, b) => a - b);
    members.set(key, joined);
  }
  const remade = (key: string, places: readonly number[]): WorkloadRow => {
    const group = places.map((at) => entries[at]!);
    const first = group[0]!;
    return rowOf(key, recordOf(first.vrf, first.prefix) ?? null, group, routerNames);
  };
  if (touched.size > SPLICE_MAX_GROUPS) {
    // Many groups (a starting fleet's hosts read by the hundred): the untouched rows in their order
    // (their first positions did not move) merged with the touched groups' rows by first position.
    const gone = new Set<number>();
    for (const first of touched.values()) if (first !== undefined) gone.add(first);
    const fresh: { first: number; row: WorkloadRow }[] = [];
    for (const key of touched.keys()) {
      const places = members.get(key);
      if (places) fresh.push({ first: places[0]!, row: remade(key, places) });
    }
    fresh.sort((a, b) => a.first - b.first);
    const rows: WorkloadRow[] = [];
    const firstAt: number[] = [];
    let f = 0;
    previous.rows.forEach((row, r) => {
      const first = previous.firstAt[r]!;
      if (gone.has(first)) return;
      for (; f < fresh.length && fresh[f]!.first < first; f++) {
        rows.push(fresh[f]!.row);
        firstAt.push(fresh[f]!.first);
      }
      rows.push(row);
      firstAt.push(first);
    });
    for (; f < fresh.length; f++) {
      rows.push(fresh[f]!.row);
      firstAt.push(fresh[f]!.first);
    }
    return { rows, entries, recordOf, routerNames, keyAt, members, firstAt };
  }
  const rows = previous.rows.slice();
  const firstAt = previous.firstAt.slice();
  // Out with the touched groups' rows (positions are distinct: a position is one group's first)...
  for (const first of touched.values()) {
    if (first === undefined) continue;
    const at = placeOf(firstAt, first);
    rows.splice(at, 1);
    firstAt.splice(at, 1);
  }
  // ...and in again where their first member now is, made from their members now.
  for (const key of touched.keys()) {
    const places = members.get(key);
    if (!places) continue;
    const at = placeOf(firstAt, places[0]!);
    rows.splice(at, 0, remade(key, places));
    firstAt.splice(at, 0, places[0]!);
  }
  return { rows, entries, recordOf, routerNames, keyAt, members, firstAt };
}

/** Where `position` is, or goes, in the ascending `firstAt`. */
function placeOf(firstAt: readonly number[], position: number): number {
  let lo = 0;
  let hi = firstAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (firstAt[mid]! < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function keyOf(entry: WorkloadEntry, record: WorkloadRecord | undefined): string {
  let known = keysByEntry.get(entry);
  if (!known || known.record !== record)
    keysByEntry.set(entry, (known = { record, key: groupKey(entry, record) }));
  return known.key;
}

/** A group's row: the last one when its members, record and routers are the ones it was made from. */
function rowOf(
  key: string,
  record: WorkloadRecord | null,
  members: WorkloadEntry[],
  routerNames: readonly string[],
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
  const row = workloadRow(key, record, members, routerNames);
  rowsByFirst.set(members[0]!, { members, record, routers: routerNames, row });
  return row;
}

function groupAll(
  entries: readonly WorkloadEntry[],
  recordOf: RecordLookup,
  routerNames: readonly string[],
): Grouping {
  const keyAt: string[] = new Array<string>(entries.length);
  const members = new Map<string, number[]>();
  const records = new Map<string, WorkloadRecord | null>();
  entries.forEach((entry, i) => {
    const record = recordOf(entry.vrf, entry.prefix);
    const key = keyOf(entry, record);
    keyAt[i] = key;
    const group = members.get(key);
    if (group) group.push(i);
    else {
      members.set(key, [i]);
      records.set(key, record ?? null);
    }
  });
  const rows: WorkloadRow[] = [];
  const firstAt: number[] = [];
  for (const [key, places] of members) {
    rows.push(
      rowOf(
        key,
        records.get(key)!,
        places.map((at) => entries[at]!),
        routerNames,
      ),
    );
    firstAt.push(places[0]!);
  }
  return { rows, entries, recordOf, routerNames, keyAt, members, firstAt };
}

function workloadRow(
  key: string,
  record: WorkloadRecord | null,
  members: readonly WorkloadEntry[],
  routerNames: readonly string[],
): WorkloadRow {
  const sorted = [...members].sort((a, b) => a.family - b.family);
  const announcers = sorted.flatMap((e) => e.announcers);
  const seeing = routerNames.filter((router) =>
    sorted.every((e) => e.seenBy.some((view) => view.router === router)),
  );
  return {
    key,
    name: record?.name ?? null,
    record,
    tenant: sorted[0]!.tenant,
    vrf: sorted[0]!.vrf,
    entries: sorted,
    ipv4:
      sorted
        .filter((e) => e.family === 4)
        .map((e) => e.prefix.replace(/\/32$/, ''))
        .join(',') || '-',
    ipv6:
      sorted
        .filter((e) => e.family === 6)
        .map((e) => e.prefix)
        .join(',') || '-',
    hosts: unique(announcers.map((a) => (a.interface === null ? announcerText(a) : a.host))).join(',') || '-',
    taps: unique(announcers.map(announcerText)).join(',') || '-',
    routersSeeing: seeing.length,
    routers: routerNames.length,
    // Said once for the workload; which prefix each concerns is on its detail view (Enter).
    conflicts: unique(sorted.flatMap((e) => e.conflicts)),
  };
}
