import { cidrContains, parseCidr, type Cidr } from '../addr/cidr.ts';
import type { BgpSession } from '../model/bgp.ts';
import type { DeviceSpec } from '../model/device.ts';
import type { Family } from '../model/route.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import type { TenantSpec } from '../model/workload.ts';

export interface Announcer {
  host: string;
  interface: string;
  metric: number | null;
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

interface TenantPools {
  name: string;
  vrf: string;
  pools: Cidr[];
}

function tenantPools(tenants: TenantSpec[]): TenantPools[] {
  return tenants.map((tenant) => ({
    name: tenant.name,
    vrf: tenant.vrf ?? 'default',
    pools: [...tenant.pools4, ...tenant.pools6].map((pool) => parseCidr(pool)),
  }));
}

/** Maps a router's BGP next-hop interface (unnumbered peers) or address to the peer's hostname. */
function peerNames(sessions: BgpSession[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const session of sessions) if (session.hostname) names.set(session.peer, session.hostname);
  return names;
}

/**
 * Derives, for every workload prefix a hypervisor routes to a TAP, who announces it and which routers
 * see it with which next hop. Pure: recomputed from snapshots, never stored separately.
 */
export function buildWorkloadIndex(
  devices: { spec: DeviceSpec; snapshot: DeviceSnapshot | null }[],
  tenants: TenantSpec[],
): WorkloadEntry[] {
  const pools = tenantPools(tenants);
  const entries = new Map<string, WorkloadEntry>();
  for (const { spec, snapshot } of devices) {
    if (spec.role !== 'hypervisor' || !snapshot) continue;
    for (const route of snapshot.workloadRoutes) {
      const key = `${route.vrf}|${route.prefix}`;
      let entry = entries.get(key);
      if (!entry) {
        const owner = pools.find(
          (tenant) =>
            (route.vrf === 'default' || tenant.vrf === route.vrf) &&
            tenant.pools.some((pool) => cidrContains(pool, route.prefix)),
        );
        entry = {
          vrf: route.vrf,
          prefix: route.prefix,
          family: route.family,
          tenant: owner?.name ?? null,
          announcers: [],
          seenBy: [],
          conflicts: [],
        };
        entries.set(key, entry);
      }
      entry.announcers.push({ host: spec.name, interface: route.interface, metric: route.metric });
    }
  }
  const routers = devices.filter((device) => device.spec.role === 'router' && device.snapshot);
  for (const { spec, snapshot } of routers) {
    const names = peerNames(snapshot!.bgp);
    for (const entry of entries.values()) {
      const network = entry.prefix.split('/')[0] ?? '';
      const route = snapshot!.routes.lookup(network, entry.vrf);
      if (!route || route.prefix !== entry.prefix) continue;
      entry.seenBy.push({
        router: spec.name,
        protocol: route.protocol,
        selected: route.selected,
        nexthops: route.nexthops.map((hop) => {
          const viaHost =
            (hop.interface && names.get(hop.interface)) || (hop.ip && names.get(hop.ip)) || undefined;
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
    if (entry.tenant === null) entry.conflicts.push('not in any tenant pool');
    const blind = routers.filter(({ spec }) => !entry.seenBy.some((view) => view.router === spec.name));
    if (blind.length > 0)
      entry.conflicts.push(`not seen by ${blind.map(({ spec }) => spec.name).join(', ')}`);
  }
  return [...entries.values()].sort(
    (a, b) =>
      (a.tenant ?? '~').localeCompare(b.tenant ?? '~') ||
      a.prefix.localeCompare(b.prefix, 'en', { numeric: true }),
  );
}
