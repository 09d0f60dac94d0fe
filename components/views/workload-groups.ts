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
  const groups = new Map<string, { record: WorkloadRecord | null; entries: WorkloadEntry[] }>();
  for (const entry of entries) {
    const record = recordOf(entry.vrf, entry.prefix);
    let known = keysByEntry.get(entry);
    if (!known || known.record !== record)
      keysByEntry.set(entry, (known = { record, key: groupKey(entry, record) }));
    const key = known.key;
    const group = groups.get(key);
    if (group) group.entries.push(entry);
    else groups.set(key, { record: record ?? null, entries: [entry] });
  }
  return [...groups].map(([key, { record, entries: members }]) => {
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
  });
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
