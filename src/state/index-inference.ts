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

/** One of a router's selected tenant-pool routes via a host: its place in table order and its key. */
export interface RouteViaHost {
  order: number;
  vrf: string;
  prefix: string;
  family: Family;
}

/**
 * Which host each of a router's selected tenant-pool routes leads to, in table order: per host, pairs of
 * (order: table position × 64 + hop position, row), flat — two small integers a route, not an object and
 * a prefix string (at 1,000 hosts, 4 routers × 100k routes held while any host cannot be read: ~50 MB as
 * objects). One pass over the router's table per (table, peers, tenants), kept with the router's state;
 * `routesVia` gives a host's routes as keys when they are needed.
 */
export function byHostOf(
  router: { snapshot: DeviceSnapshot; cache: RouterCache },
  tenants: readonly TenantSpec[],
  pools: PoolMatcher,
): Map<string, number[]> {
  const { cache } = router;
  if (!cache.byHost || cache.byHostTenants !== tenants) {
    const vrfs = new Set(tenants.map((tenant) => tenant.vrf ?? 'default'));
    const byHost = new Map<string, number[]>();
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
        let owned: boolean | null = null;
        for (let position = 0; position < nexthops.length; position++) {
          const host = cache.owners.resolve(nexthops[position]!);
          if (host === undefined) continue;
          owned ??= pools.ownerOf(vrf, compact ? compact.prefixAt(index) : route!.prefix) !== null;
          if (!owned) break;
          let list = byHost.get(host);
          if (!list) byHost.set(host, (list = []));
          list.push(order * 64 + position, index);
        }
      }
    }
    cache.byHost = byHost;
    cache.byHostTenants = tenants;
  }
  return cache.byHost;
}

/** A host's routes from `byHostOf`, as keys (the prefix text made here, from the router's table). */
export function routesVia(
  router: { snapshot: DeviceSnapshot; cache: RouterCache },
  tenants: readonly TenantSpec[],
  pools: PoolMatcher,
  host: string,
): RouteViaHost[] {
  const pairs = byHostOf(router, tenants, pools).get(host);
  if (!pairs) return [];
  const out: RouteViaHost[] = [];
  for (let i = 0; i < pairs.length; i += 2) out.push(keyAt(router.snapshot, pairs[i]!, pairs[i + 1]!));
  return out;
}

function keyAt(snapshot: DeviceSnapshot, order: number, index: number): RouteViaHost {
  const table = snapshot.routes;
  if (table instanceof CompactRouteTable)
    return { order, vrf: table.vrfAt(index), prefix: table.prefixAt(index), family: table.familyAt(index) };
  const route = table.at(index);
  return { order, vrf: route.vrf, prefix: route.prefix, family: route.family };
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
  // an object per route until sorted: at a fleet's start most hosts are not read yet (~75k routes a router).
  let count = 0;
  for (const host of down.keys()) count += (byHost.get(host)?.length ?? 0) / 2;
  const orders = new Float64Array(count);
  const rows = new Uint32Array(count);
  const hosts: string[] = new Array(count);
  let n = 0;
  for (const host of down.keys()) {
    const pairs = byHost.get(host);
    if (pairs)
      for (let i = 0; i < pairs.length; i += 2, n++) {
        orders[n] = pairs[i]!;
        rows[n] = pairs[i + 1]!;
        hosts[n] = host;
      }
  }
  const byOrder = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) => orders[a]! - orders[b]!);
  for (const i of byOrder) {
    const { vrf, prefix, family } = keyAt(router.snapshot, orders[i]!, rows[i]!);
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
