/**
 * Workloads of hosts that cannot be read, as the routers tell them: which tenant-pool prefixes each
 * router routes via which host (one pass over its table, kept with its derived state).
 */
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
    let order = 0;
    for (const vrf of table.vrfs()) {
      if (!vrfs.has(vrf) && vrf !== 'default') continue;
      for (const index of table.indexesOf(vrf)) {
        const route = table.at(index);
        order++;
        if (!route.selected) continue;
        let owned: boolean | null = null;
        route.nexthops.forEach((hop, position) => {
          const host = cache.owners.resolve(hop);
          if (host === undefined) return;
          owned ??= pools.ownerOf(route.vrf, route.prefix) !== null;
          if (!owned) return;
          const list = byHost.get(host) ?? [];
          list.push({
            order: order * 64 + position,
            vrf: route.vrf,
            prefix: route.prefix,
            family: route.family,
          });
          byHost.set(host, list);
        });
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
  const found: { order: number; vrf: string; prefix: string; family: Family; host: string }[] = [];
  for (const host of down.keys()) for (const route of byHost.get(host) ?? []) found.push({ ...route, host });
  found.sort((a, b) => a.order - b.order);
  for (const { vrf, prefix, family, host } of found) {
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
