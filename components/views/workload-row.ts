/** A workload's row in the Workloads view, made from its group's entries (workload-groups.ts groups them). */
import type { WorkloadRecord } from '../../src/model/plan.ts';
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

/**
 * The row of a group: from `previous` (the same group's last row) when its entries hold the same
 * prefixes, tenant and announcers (the same arrays) — only what the routers see and the conflicts are
 * made again: a router's first read gives every one of 100k entries its view, and every 50k rows
 * changed only there. Loops, not array methods and closures, for the same reason.
 */
export function workloadRow(
  key: string,
  record: WorkloadRecord | null,
  members: readonly WorkloadEntry[],
  routerNames: readonly string[],
  previous?: WorkloadRow,
): WorkloadRow {
  const sorted = members.length === 1 ? [members[0]!] : [...members].sort((a, b) => a.family - b.family);
  if (previous && sameAnnounced(previous, record, sorted))
    return {
      ...previous,
      entries: sorted,
      routersSeeing: seeingAll(sorted, routerNames),
      routers: routerNames.length,
      conflicts: conflictsOf(sorted),
    };
  const v4: string[] = [];
  const v6: string[] = [];
  const hosts = new Set<string>();
  const taps = new Set<string>();
  for (const e of sorted) {
    if (e.family === 4) v4.push(e.prefix.endsWith('/32') ? e.prefix.slice(0, -3) : e.prefix);
    else v6.push(e.prefix);
    for (const a of e.announcers) {
      const text = announcerText(a);
      hosts.add(a.interface === null ? text : a.host);
      taps.add(text);
    }
  }
  return {
    key,
    name: record?.name ?? null,
    record,
    tenant: sorted[0]!.tenant,
    vrf: sorted[0]!.vrf,
    entries: sorted,
    ipv4: v4.join(',') || '-',
    ipv6: v6.join(',') || '-',
    hosts: [...hosts].join(',') || '-',
    taps: [...taps].join(',') || '-',
    routersSeeing: seeingAll(sorted, routerNames),
    routers: routerNames.length,
    // Said once for the workload; which prefix each concerns is on its detail view (Enter).
    conflicts: conflictsOf(sorted),
  };
}

/** The last row's columns other than routers and conflicts still hold for `sorted`. */
function sameAnnounced(
  previous: WorkloadRow,
  record: WorkloadRecord | null,
  sorted: readonly WorkloadEntry[],
): boolean {
  if (previous.record !== record || previous.entries.length !== sorted.length) return false;
  for (let i = 0; i < sorted.length; i++) {
    const [a, b] = [previous.entries[i]!, sorted[i]!];
    if (a.announcers !== b.announcers || a.prefix !== b.prefix || a.vrf !== b.vrf || a.tenant !== b.tenant)
      return false;
  }
  return true;
}

/** Routers that see every prefix of the workload. */
function seeingAll(sorted: readonly WorkloadEntry[], routerNames: readonly string[]): number {
  let seeing = 0;
  for (const router of routerNames) {
    let all = true;
    for (const e of sorted) {
      let seen = false;
      for (const view of e.seenBy) if (view.router === router) seen = true;
      if (!seen) {
        all = false;
        break;
      }
    }
    if (all) seeing++;
  }
  return seeing;
}

function conflictsOf(sorted: readonly WorkloadEntry[]): string[] {
  const conflicts = new Set<string>();
  for (const e of sorted) for (const c of e.conflicts) conflicts.add(c);
  return [...conflicts];
}
