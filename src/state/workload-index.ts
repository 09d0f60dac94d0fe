import type { DeviceHealth, DeviceSpec } from '../model/device.ts';
import type { Family } from '../model/route.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import type { TenantSpec } from '../model/workload.ts';
import { inferFromRouter, routesVia } from './index-inference.ts';
import { placeAmong, ranksOf, sortEntries } from './index-order.ts';
import {
  finishEntry,
  heldView,
  inferredAnnouncer,
  joinedEntry,
  withViews,
  type IndexRouter,
} from './index-entry.ts';
import { poolMatcher } from './pool-match.ts';
import { keptBy, keptSince, routerCache, tableOf, viewOf } from './router-views.ts';

export type { Announcer, WorkloadEntry } from './workload-entry.ts';
import type { Announcer, WorkloadEntry } from './workload-entry.ts';

/** What the index reads of a device: its spec, last snapshot, and whether its last poll failed. */
export interface IndexedDevice {
  spec: DeviceSpec;
  snapshot: DeviceSnapshot | null;
  health: DeviceHealth;
  consecutiveFailures: number;
}

/** Why a host's own table cannot be trusted now; null when its last poll succeeded. */
function hostProblem(device: IndexedDevice): string | null {
  if (device.snapshot && device.consecutiveFailures === 0) return null;
  if (device.health === 'unreachable') return 'host unreachable';
  if (device.consecutiveFailures > 0) return 'host poll failed';
  return 'host not polled yet';
}

/**
 * Derives, for every workload prefix, who announces it and which routers see it with which next hop.
 * A host's own table (TAP routes) is the source; for a host that cannot be read now (unreachable, failed,
 * not polled yet) the prefixes of tenant pools that routers route via it are kept too, flagged, so an
 * unreachable host's workloads never vanish. Pure in what it returns: recomputed from snapshots, never
 * stored separately; what it derives from a router's unchanged state is remembered with that state.
 * Cost: one map lookup per host route, one longest-prefix lookup per (prefix, router) the first time a
 * router's table is seen (a map hit after), and per host that cannot be read a pass over its routes.
 */
export function buildWorkloadIndex(devices: IndexedDevice[], tenants: TenantSpec[]): WorkloadEntry[] {
  const routers = devices
    .filter((device) => device.spec.role === 'router' && device.snapshot)
    .map((device) => ({
      name: device.spec.name,
      snapshot: device.snapshot!,
      cache: routerCache(device.spec.name, device.snapshot!),
    }));
  const quick = fewChanged(devices, tenants, routers);
  if (quick) return quick;
  const built = fullBuild(devices, tenants, routers);
  lastBuilds.set(tenants, { hosts: hostInputs(devices), routers, sorted: built });
  return built;
}

type WorkloadRoutes = readonly {
  vrf: string;
  prefix: string;
  family: Family;
  interface: string;
  metric: number | null;
}[];

/** What the index reads of a hypervisor: its workload routes (the driver's object) and its problem. */
interface HostInput {
  name: string;
  routes: WorkloadRoutes | undefined;
  problem: string | null;
}

/** What the last build read, per tenant list: every hypervisor's input, every router's state. */
interface LastBuild {
  hosts: HostInput[];
  routers: IndexRouter[];
  sorted: WorkloadEntry[];
}
const lastBuilds = new WeakMap<readonly TenantSpec[], LastBuild>();

function hostInputs(devices: IndexedDevice[]): HostInput[] {
  const out: HostInput[] = [];
  for (const device of devices)
    if (device.spec.role === 'hypervisor')
      out.push({
        name: device.spec.name,
        routes: device.snapshot?.workloadRoutes,
        problem: hostProblem(device),
      });
  return out;
}

function downOf(hosts: readonly HostInput[]): Map<string, string> {
  const down = new Map<string, string>();
  for (const host of hosts) if (host.problem !== null) down.set(host.name, host.problem);
  return down;
}

/**
 * Past this many hosts changed since the last build — or half the hosts, when that is more — a full
 * build (their deltas would cost as much). A starting fleet's hosts are first read a few hundred
 * between two builds; each such full build cost a 1,000-host console seconds.
 */
const HOST_DELTA_MAX = 256;

/**
 * The common changes at fleet size: a router's table moved (a migration), or a few hosts' workload
 * routes or health did (a workload created, moved or removed; a host down or back), every other host
 * as it was. Only these entries are built again, in their places: the prefixes those hosts announced or
 * announce; while hosts cannot be read, the prefixes routers route via them (before and now); and the
 * entries whose view from a changed router is not the one they hold (views of a router's tables that
 * were kept are the same objects, see inheritedViews). A prefix nothing announces any more goes, a new
 * one is placed by the sort order. A router read for the first time (a starting console reads its
 * routers one after another, while most hosts are unread) rebuilds every entry with its view, and adds
 * what it routes via unread hosts — without the full build's pass over every router's routes via them
 * (~3 s and ~650 MB of allocation a router at 1,000 hosts). What it returns is what a full build returns
 * (tested against one). Null when anything else changed (the device list, a router's state gone, many
 * hosts): then a full build.
 */
function fewChanged(
  devices: IndexedDevice[],
  tenants: readonly TenantSpec[],
  routers: IndexRouter[],
): WorkloadEntry[] | null {
  const last = lastBuilds.get(tenants);
  if (!last) return null;
  // The last build's routers by name: each must still be here (a router whose state went is a full
  // build); routers read for the first time since (a starting console reads four 120k-route tables one
  // after another) joined — every entry gets their view, and what they route via unread hosts is added.
  const lastByName = new Map(last.routers.map((r) => [r.name, r] as const));
  let stayed = 0;
  for (const r of routers) if (lastByName.has(r.name)) stayed++;
  if (stayed !== last.routers.length) return null;
  const hosts = hostInputs(devices);
  if (hosts.length !== last.hosts.length) return null;
  const movedHosts: number[] = [];
  const deltaMax = Math.max(HOST_DELTA_MAX, hosts.length / 2);
  for (let i = 0; i < hosts.length; i++) {
    const [now, before] = [hosts[i]!, last.hosts[i]!];
    if (now.name !== before.name) return null;
    if ((now.routes !== before.routes || now.problem !== before.problem) && movedHosts.push(i) > deltaMax)
      return null;
  }
  // Per changed router, the tables whose views the last build's are (its cache took them over from
  // the one the last build read): entries of those cannot have moved and are not looked at.
  // Per changed router, also the tables it took over with a few prefixes replaced, and those prefixes:
  // an entry of such a table whose prefix is not among them kept its view.
  const changed: {
    router: IndexRouter;
    same: ReadonlySet<string> | null;
    partly: ReadonlyMap<string, ReadonlySet<string>> | null;
  }[] = [];
  let joined = false;
  for (const r of routers) {
    const before = lastByName.get(r.name);
    if (!before) joined = true;
    if (r.cache !== before?.cache) changed.push({ router: r, ...keptSince(r.cache, before?.cache) });
  }
  if (changed.length === 0 && movedHosts.length === 0) return last.sorted;
  const ranks = ranksOf(tenants);
  if (!ranks || ranks.size !== last.sorted.length) return null;
  const down = downOf(hosts);
  // Routers joined and no other router's tables changed (a starting console, hosts read meanwhile): the
  // moved hosts' prefixes and those no entry has are built from scratch; every other entry keeps what it
  // held and gains the joined routers' views (joinedEntry).
  const onlyJoined = joined && changed.every((c) => !lastByName.has(c.router.name));
  const delta = rebuildTouched(
    hosts,
    last,
    lastByName,
    movedHosts,
    tenants,
    routers,
    down,
    ranks,
    onlyJoined,
  );
  let looked = 0;
  const sorted = delta.sorted;
  if (onlyJoined) {
    const joinedNames = new Set(changed.map((c) => c.router.name));
    for (let i = 0; i < sorted.length; i++)
      if (!delta.rebuilt.has(sorted[i]!)) sorted[i] = joinedEntry(sorted[i]!, routers, joinedNames, down);
  } else if (changed.length > 0)
    for (let i = 0; i < sorted.length; i++) {
      const entry = sorted[i]!;
      if (delta.rebuilt.has(entry)) continue;
      // A router joined: every entry has its view now, or says it is not seen by it.
      if (joined) {
        sorted[i] = withViews(
          { ...entry, seenBy: [], conflicts: [] },
          `${entry.vrf}|${entry.prefix}`,
          routers,
          down,
        );
        continue;
      }
      // No closure per entry here: this runs over all 100k entries at every router change.
      const table = tableOf(entry);
      let moved = false;
      for (let c = 0; c < changed.length && !moved; c++) {
        const { router } = changed[c]!;
        if (keptBy(changed[c]!, table, entry.prefix)) continue;
        looked++;
        const key = `${entry.vrf}|${entry.prefix}`;
        moved =
          viewOf(router.name, router.snapshot, router.cache, key, entry) !== heldView(entry, router.name);
      }
      if (moved)
        sorted[i] = withViews(
          { ...entry, seenBy: [], conflicts: [] },
          `${entry.vrf}|${entry.prefix}`,
          routers,
          down,
        );
    }
  last.hosts = hosts;
  last.routers = routers;
  last.sorted = sorted;
  lastStats.looked = looked;
  return sorted;
}

/** How the last delta build went: entries whose view it looked at again (tests and the bench read it). */
const lastStats = { looked: 0 };
export function lastIndexBuildLooked(): number {
  return lastStats.looked;
}

/**
 * The last build (a copy) with every prefix the moved hosts touch built again — announcers from the
 * hosts that did not move as they were, the moved hosts' from their routes now, then those inferred from
 * routers for hosts that cannot be read, in the order a full build gives them.
 */
function rebuildTouched(
  hosts: readonly HostInput[],
  last: LastBuild,
  lastByName: ReadonlyMap<string, IndexRouter>,
  movedHosts: readonly number[],
  tenants: readonly TenantSpec[],
  routers: readonly IndexRouter[],
  down: ReadonlyMap<string, string>,
  ranks: ReadonlyMap<string, number>,
  /** Routers joined, no other changed: of their routes via unread hosts that did not move, only prefixes the last build has no entry for (joinedEntry does the rest). */
  onlyNew = false,
): { sorted: WorkloadEntry[]; rebuilt: Set<WorkloadEntry> } {
  const pools = poolMatcher(tenants);
  const order = new Map<string, number>();
  hosts.forEach(({ name }, i) => order.set(name, i));
  const movedNames = new Set(movedHosts.map((i) => hosts[i]!.name));
  const touched = new Map<string, { vrf: string; prefix: string; family: Family; announcers: Announcer[] }>();
  const touch = (route: { vrf: string; prefix: string; family: Family }) => {
    const key = `${route.vrf}|${route.prefix}`;
    let t = touched.get(key);
    if (!t)
      touched.set(key, (t = { vrf: route.vrf, prefix: route.prefix, family: route.family, announcers: [] }));
    return t;
  };
  for (const i of movedHosts) {
    const host = hosts[i]!;
    for (const route of last.hosts[i]!.routes ?? []) touch(route);
    for (const route of host.routes ?? [])
      touch(route).announcers.push({
        host: host.name,
        interface: route.interface,
        metric: route.metric,
        source: 'host',
        hostProblem: host.problem,
      });
  }
  // Prefixes routers route via hosts that cannot be read now or could not then: when the router or
  // the host changed, their inferred announcers may have.
  const lastDown = downOf(last.hosts);
  if (down.size > 0 || lastDown.size > 0)
    routers.forEach((now) => {
      // A router that joined since: every route it has via a host that cannot be read.
      const before = lastByName.get(now.name);
      const routerMoved = now.cache !== before?.cache;
      for (const host of down.keys())
        if (routerMoved || movedNames.has(host))
          for (const route of routesVia(now, tenants, pools, host))
            if (!onlyNew || movedNames.has(host) || !ranks.has(`${route.vrf}|${route.prefix}`)) touch(route);
      if (before)
        for (const host of lastDown.keys())
          if (routerMoved || movedNames.has(host))
            for (const route of routesVia(before, tenants, pools, host)) touch(route);
    });
  // Inferred announcers of the touched prefixes: per router in order, the hosts that cannot be read
  // among its selected route's next hops, in their order — from each router's view of the prefix (a
  // map hit), not a pass over every route via every unread host (at a fleet's start, most of them).
  const inferred = new Map<string, string[]>();
  if (down.size > 0)
    for (const [key, t] of touched) {
      if (pools.ownerOf(t.vrf, t.prefix) === null) continue;
      const hosts: string[] = [];
      for (const r of routers)
        for (const hop of viewOf(r.name, r.snapshot, r.cache, key, t)?.nexthops ?? [])
          if (hop.viaHost !== undefined && down.has(hop.viaHost)) hosts.push(hop.viaHost);
      if (hosts.length > 0) inferred.set(key, hosts);
    }
  const sorted = last.sorted.slice();
  const rebuilt = new Set<WorkloadEntry>();
  const fresh: WorkloadEntry[] = [];
  let removed = 0;
  for (const [key, t] of touched) {
    const rank = ranks.get(key);
    const before = rank === undefined ? undefined : sorted[rank];
    const announcers = [
      ...(before?.announcers.filter((a) => a.source === 'host' && !movedNames.has(a.host)) ?? []),
      ...t.announcers,
    ];
    announcers.sort((a, b) => order.get(a.host)! - order.get(b.host)!);
    for (const host of inferred.get(key) ?? [])
      if (!announcers.some((a) => a.host === host)) announcers.push(inferredAnnouncer(host, down));
    if (announcers.length === 0) {
      if (rank !== undefined) {
        sorted[rank] = REMOVED;
        removed++;
      }
      continue;
    }
    const entry = withViews(
      {
        vrf: t.vrf,
        prefix: t.prefix,
        family: before?.family ?? t.family,
        tenant: before ? before.tenant : pools.ownerOf(t.vrf, t.prefix),
        announcers,
        seenBy: [],
        conflicts: [],
      },
      key,
      routers,
      down,
    );
    rebuilt.add(entry);
    if (rank === undefined) fresh.push(entry);
    else sorted[rank] = entry;
  }
  if (removed === 0 && fresh.length === 0) return { sorted, rebuilt };
  const known = removed === 0 ? sorted : sorted.filter((entry) => entry !== REMOVED);
  return { sorted: placeAmong(known, fresh, tenants), rebuilt };
}

/** Marks an entry's slot whose prefix nothing announces any more. */
const REMOVED = {} as WorkloadEntry;

function fullBuild(devices: IndexedDevice[], tenants: TenantSpec[], routers: IndexRouter[]): WorkloadEntry[] {
  const pools = poolMatcher(tenants);
  const entries = new Map<string, WorkloadEntry>();
  const entryFor = (vrf: string, prefix: string, family: Family): WorkloadEntry => {
    const key = `${vrf}|${prefix}`;
    let entry = entries.get(key);
    if (!entry) {
      entry = {
        vrf,
        prefix,
        family,
        tenant: pools.ownerOf(vrf, prefix),
        announcers: [],
        seenBy: [],
        conflicts: [],
      };
      entries.set(key, entry);
    }
    return entry;
  };
  const down = new Map<string, string>();
  for (const device of devices) {
    if (device.spec.role !== 'hypervisor') continue;
    const problem = hostProblem(device);
    if (problem) down.set(device.spec.name, problem);
    for (const route of device.snapshot?.workloadRoutes ?? []) {
      entryFor(route.vrf, route.prefix, route.family).announcers.push({
        host: device.spec.name,
        interface: route.interface,
        metric: route.metric,
        source: 'host',
        hostProblem: problem,
      });
    }
  }
  if (down.size > 0) for (const router of routers) inferFromRouter(router, tenants, down, pools, entryFor);
  for (const { name, snapshot, cache } of routers) {
    for (const [key, entry] of entries) {
      const view = viewOf(name, snapshot, cache, key, entry);
      if (view) entry.seenBy.push(view);
    }
  }
  for (const entry of entries.values()) finishEntry(entry, down, routers);
  return sortEntries(entries, tenants);
}
