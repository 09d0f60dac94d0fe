/**
 * Workloads of hosts that cannot be read, as the routers tell them: which tenant-pool prefixes each
 * router routes via which host (one pass over its table, kept with its derived state).
 */
import { CompactRouteTable } from '../model/compact-route-table.ts';
import type { Family } from '../model/route.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import type { TenantSpec } from '../model/workload.ts';
import type { PoolMatcher } from './pool-match.ts';
import type { RouterCache } from './router-views.ts';
import type { WorkloadEntry } from './workload-entry.ts';

/**
 * Which host each of a router's selected tenant-pool routes leads to, in table order (index, hop
 * position): one pass over the router's table per (table, peers, tenants), kept with the router's state.
 */
export function byHostOf(
  router: { snapshot: DeviceSnapshot; cache: RouterCache },
  tenants: readonly TenantSpec[],
  pools: PoolMatcher,
): Map<string, { order: number; vrf: string; prefix: string; family: Family }[]> {
  const { cache } = router;
  if (!cache.byHost || cache.byHostTenants !== tenants) {
    const vrfs = new Set(tenants.map((tenant) => tenant.vrf ?? 'default'));
    const byHost = new Map<string, { order: number; vrf: string; prefix: string; family: Family }[]>();
    const table = router.snapshot.routes;
    // Rows read in place from a compact table: this pass runs over every route of every new table.
    const compact = table instanceof CompactRouteTable ? table : null;
    let order = 0;
    for (const vrf of table.vrfs()) {
      if (!vrfs.has(vrf) && vrf !== 'default') continue;
      for (const index of table.indexesOf(vrf)) {
        order++;
        const route = compact ? null : table.at(index);
        if (!(compact ? compact.selectedAt(index) : route!.selected)) continue;
        const nexthops = compact ? compact.nexthopsAt(index) : route!.nexthops;
        let prefix: string | null = null;
        let owned: boolean | null = null;
        for (let position = 0; position < nexthops.length; position++) {
          const host = cache.owners.resolve(nexthops[position]!);
          if (host === undefined) continue;
          prefix ??= compact ? compact.prefixAt(index) : route!.prefix;
          owned ??= pools.ownerOf(vrf, prefix) !== null;
          if (!owned) break;
          let list = byHost.get(host);
          if (!list) byHost.set(host, (list = []));
          list.push({
            order: order * 64 + position,
            vrf,
            prefix,
            family: compact ? compact.familyAt(index) : route!.family,
          });
        }
      }
    }
    cache.byHost = byHost;
    cache.byHostTenants = tenants;
  }
  return cache.byHost;
}

/** Tenant-pool prefixes a router routes via a host that cannot be read: announcers known only from the routers. */
export function inferFromRouter(
  router: { snapshot: DeviceSnapshot; cache: RouterCache },
  tenants: readonly TenantSpec[],
  down: Map<string, string>,
  pools: PoolMatcher,
  entryFor: (vrf: string, prefix: string, family: Family) => WorkloadEntry,
): void {
  const byHost = byHostOf(router, tenants, pools);
  // The routes via every host that cannot be read, in the router's table order (by `order`), without
  // an object per route: at a fleet's start most hosts are not read yet (~75k routes a router).
  const routes: { order: number; vrf: string; prefix: string; family: Family }[] = [];
  const hosts: string[] = [];
  for (const host of down.keys())
    for (const route of byHost.get(host) ?? []) {
      routes.push(route);
      hosts.push(host);
    }
  const byOrder = Uint32Array.from(routes.keys()).sort((a, b) => routes[a]!.order - routes[b]!.order);
  for (const i of byOrder) {
    const { vrf, prefix, family } = routes[i]!;
    const host = hosts[i]!;
    const entry = entryFor(vrf, prefix, family);
    if (!entry.announcers.some((a) => a.host === host))
      entry.announcers.push({
        host,
        interface: null,
        metric: null,
        source: 'routers',
        hostProblem: down.get(host)!,
      });
  }
}
