import type { DeviceHealth, DeviceSpec } from '../model/device.ts';
import type { Family } from '../model/route.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import type { TenantSpec } from '../model/workload.ts';
import { nextHopOwners, type NextHopOwners } from './next-hop-owners.ts';
import { poolMatcher, type PoolMatcher } from './pool-match.ts';

export interface Announcer {
  host: string;
  /** The TAP; null when only the routers tell (the host could not be read). */
  interface: string | null;
  metric: number | null;
  /** `host`: the host's own table routes it to a TAP; `routers`: routers route it via the host, which could not be read. */
  source: 'host' | 'routers';
  /** Why the host's own view is missing or old (`host unreachable`, …); null when its last poll succeeded. */
  hostProblem: string | null;
}

export interface RouterView {
  router: string;
  protocol: string;
  selected: boolean;
  nexthops: { ip?: string; interface?: string; viaHost?: string }[];
}

export interface WorkloadEntry {
  vrf: string;
  prefix: string;
  family: Family;
  /** Tenant whose pool holds the prefix; null when no tenant owns it ("announced but unknown"). */
  tenant: string | null;
  announcers: Announcer[];
  seenBy: RouterView[];
  /** Problems an engineer should see: announced from two hosts, not in any tenant pool, not seen by a router. */
  conflicts: string[];
}

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
 * unreachable host's workloads never vanish. Pure: recomputed from snapshots, never stored separately.
 * Cost: one map lookup per host route, one longest-prefix lookup per (prefix, router), and while a host
 * is down one pass over the routers' tenant-VRF routes.
 */
export function buildWorkloadIndex(devices: IndexedDevice[], tenants: TenantSpec[]): WorkloadEntry[] {
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
  const routers = devices
    .filter((device) => device.spec.role === 'router' && device.snapshot)
    .map((device) => ({
      name: device.spec.name,
      snapshot: device.snapshot!,
      owners: nextHopOwners(device.snapshot!),
    }));
  if (down.size > 0) {
    const vrfs = new Set(tenants.map((tenant) => tenant.vrf ?? 'default'));
    for (const router of routers) inferFromRouter(router, vrfs, down, pools, entryFor);
  }
  for (const { name, snapshot, owners } of routers) {
    for (const entry of entries.values()) {
      const network = entry.prefix.split('/')[0] ?? '';
      const route = snapshot.routes.lookup(network, entry.vrf);
      if (!route || route.prefix !== entry.prefix) continue;
      entry.seenBy.push({
        router: name,
        protocol: route.protocol,
        selected: route.selected,
        nexthops: route.nexthops.map((hop) => {
          const viaHost = owners.resolve(hop);
          return {
            ...(hop.ip ? { ip: hop.ip } : {}),
            ...(hop.interface ? { interface: hop.interface } : {}),
            ...(viaHost ? { viaHost } : {}),
          };
        }),
      });
    }
  }
  for (const entry of entries.values()) {
    const hosts = new Set(entry.announcers.map((announcer) => announcer.host));
    if (hosts.size > 1) entry.conflicts.push(`announced from ${hosts.size} hosts: ${[...hosts].join(', ')}`);
    for (const host of hosts) {
      const problem = down.get(host);
      const routed = entry.seenBy.some((view) => view.nexthops.some((hop) => hop.viaHost === host));
      if (problem && routed)
        entry.conflicts.push(
          `${problem.replace('host', `host ${host}`)} — routers still route it via ${host}`,
        );
    }
    if (entry.tenant === null) entry.conflicts.push('not in any tenant pool');
    const blind = routers.filter(({ name }) => !entry.seenBy.some((view) => view.router === name));
    if (blind.length > 0) entry.conflicts.push(`not seen by ${blind.map(({ name }) => name).join(', ')}`);
  }
  return [...entries.values()].sort(
    (a, b) =>
      (a.tenant ?? '~').localeCompare(b.tenant ?? '~') ||
      a.prefix.localeCompare(b.prefix, 'en', { numeric: true }),
  );
}

/** Tenant-pool prefixes a router routes via a host that cannot be read: announcers known only from the routers. */
function inferFromRouter(
  router: { snapshot: DeviceSnapshot; owners: NextHopOwners },
  vrfs: Set<string>,
  down: Map<string, string>,
  pools: PoolMatcher,
  entryFor: (vrf: string, prefix: string, family: Family) => WorkloadEntry,
): void {
  const table = router.snapshot.routes;
  for (const vrf of table.vrfs()) {
    if (!vrfs.has(vrf) && vrf !== 'default') continue;
    for (const index of table.indexesOf(vrf)) {
      const route = table.at(index);
      if (!route.selected) continue;
      for (const hop of route.nexthops) {
        const host = router.owners.resolve(hop);
        const problem = host === undefined ? undefined : down.get(host);
        if (host === undefined || problem === undefined) continue;
        if (pools.ownerOf(route.vrf, route.prefix) === null) break;
        const entry = entryFor(route.vrf, route.prefix, route.family);
        if (!entry.announcers.some((a) => a.host === host))
          entry.announcers.push({
            host,
            interface: null,
            metric: null,
            source: 'routers',
            hostProblem: problem,
          });
      }
    }
  }
}
