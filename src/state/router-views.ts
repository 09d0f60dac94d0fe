/**
 * What the workload index derives from one router's state (issue 16: cost proportional to change),
 * remembered with that state: next-hop owners, each workload prefix's view, routes by host.
 */
import { createHash } from 'node:crypto';
import { CompactRouteTable } from '../model/compact-route-table.ts';
import type { Family, Route } from '../model/route.ts';
import type { RouteTable } from '../model/route-table.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import type { TenantSpec } from '../model/workload.ts';
import { nextHopOwners, type NextHopOwners } from './next-hop-owners.ts';

export interface RouterView {
  router: string;
  protocol: string;
  selected: boolean;
  nexthops: { ip?: string; interface?: string; viaHost?: string }[];
}

/**
 * What the index derives from one router's state, kept while that state is the same object: its next-hop
 * owners (by route table and BGP peer names), the view of each workload prefix (one longest-prefix
 * lookup per prefix, then a map hit on every later build), and which tenant-VRF routes lead to which host
 * (so a host that cannot be read costs a pass over its own routes, not over the router's table).
 */
export interface RouterCache {
  peers: string;
  owners: NextHopOwners;
  /** Per VRF/family table (`vrf|4`), each workload prefix's view (`vrf|prefix` → view). */
  views: Map<string, Map<string, RouterView | null>>;
  /**
   * The cache of the table this one's was built on (a poll that re-read some tables), and which tables'
   * views it took over from it unchanged (the same maps): a build that last read that cache needs to look
   * again only at the entries of the other tables. Null when nothing was taken over. Held weakly, as
   * tables hold their basis: each poll's cache naming the last would keep every earlier one alive.
   */
  inheritedFrom: WeakRef<RouterCache> | null;
  keptTables: ReadonlySet<string> | null;
  /**
   * Tables taken over with a few prefixes' rows replaced (TableBasis.changed): per table key, those
   * prefixes — an entry of such a table whose prefix is not among them kept its view. Null when none.
   */
  changedPrefixes: ReadonlyMap<string, ReadonlySet<string>> | null;
  /** host → the router's selected tenant-pool routes via it: (order, row) pairs, flat (see byHostOf). */
  byHost: Map<string, number[]> | null;
  byHostTenants: readonly TenantSpec[] | null;
}

// Keyed by the route table object (the driver reuses it while the table is unchanged), then by router
// name: an empty table may be one object shared by several routers.
const routerCaches = new WeakMap<object, Map<string, RouterCache>>();

// Per sessions list: the driver hands back the held list itself while its probes confirm it.
const peerKeys = new WeakMap<readonly object[], string>();

function peersOf(snapshot: DeviceSnapshot): string {
  let peers = peerKeys.get(snapshot.bgp);
  if (peers === undefined) {
    // A digest, not the text: the list's text was ~2.4 MB a router at 1,000 hosts, held per router.
    const hash = createHash('sha256');
    for (const s of snapshot.bgp) hash.update(`${s.vrf}|${s.peer}|${s.peerType}|${s.hostname ?? ''}\n`);
    peers = hash.digest('hex');
    peerKeys.set(snapshot.bgp, peers);
  }
  return peers;
}

export function routerCache(name: string, snapshot: DeviceSnapshot): RouterCache {
  const peers = peersOf(snapshot);
  let byName = routerCaches.get(snapshot.routes);
  if (!byName) {
    byName = new Map();
    routerCaches.set(snapshot.routes, byName);
  }
  let cache = byName.get(name);
  if (!cache || cache.peers !== peers) {
    const owners = nextHopOwners(snapshot);
    const inherited = inheritedViews(name, snapshot.routes, peers, owners);
    cache = {
      peers,
      owners,
      views: inherited?.views ?? new Map(),
      inheritedFrom: inherited ? new WeakRef(inherited.from) : null,
      keptTables: inherited?.kept ?? null,
      changedPrefixes: inherited && inherited.partly.size > 0 ? inherited.partly : null,
      byHost: null,
      byHostTenants: null,
    };
    byName.set(name, cache);
  }
  return cache;
}

/**
 * A table that is the last one with a few VRF/family tables re-read (a router poll that read only
 * what moved) keeps the views of every prefix in the tables it kept row for row — when the same peers
 * own the same next hops: the same per-table maps, so a 100k-route router whose one VRF changed costs
 * lookups in that VRF only, and nothing per prefix of the others.
 */
function inheritedViews(
  name: string,
  table: RouteTable,
  peers: string,
  owners: NextHopOwners,
): {
  views: Map<string, Map<string, RouterView | null>>;
  kept: Set<string>;
  partly: Map<string, ReadonlySet<string>>;
  from: RouterCache;
} | null {
  const basis = table.basis;
  const before = basis?.table.deref();
  const last = before ? routerCaches.get(before)?.get(name) : undefined;
  if (!basis || !last || last.peers !== peers || last.owners.signature !== owners.signature) return null;
  const views = new Map<string, Map<string, RouterView | null>>();
  const kept = new Set<string>();
  const partly = new Map<string, ReadonlySet<string>>();
  for (const [key, bucket] of last.views) {
    const bar = key.lastIndexOf('|');
    const vrf = key.slice(0, bar);
    const family = key.slice(bar + 1) === '6' ? 6 : 4;
    if (basis.kept(vrf, family)) {
      views.set(key, bucket);
      kept.add(key);
      continue;
    }
    // A table with a few prefixes' rows replaced (a migration's answer, a poll's delta): every other
    // prefix's view stands — a view reads its own prefix's rows only (selectedRowOf) and the owners,
    // the same here. A copy without those prefixes; looked up again when an entry asks.
    const changed = basis.changed?.(vrf, family);
    if (!changed) continue;
    const copy = new Map(bucket);
    for (const prefix of changed) copy.delete(`${vrf}|${prefix}`);
    views.set(key, copy);
    partly.set(key, changed);
  }
  return { views, kept, partly, from: last };
}

/**
 * What of a router's tables the last build's view of it still holds: the tables its state took over
 * row for row, and those taken over with some prefixes replaced (and which). Its cache inherited them
 * from the one the last build read; or both inherited from the same one (a poll that started before a
 * migration's answer the last build showed, the answer then put in its table: keepAnswers) — then what
 * either replaced is looked at. Nothing is known kept otherwise (every entry is looked at).
 */
export function keptSince(
  now: RouterCache,
  last: RouterCache | undefined,
): { same: ReadonlySet<string> | null; partly: ReadonlyMap<string, ReadonlySet<string>> | null } {
  if (last === undefined) return { same: null, partly: null };
  const from = now.inheritedFrom?.deref();
  if (from === last) return { same: now.keptTables, partly: now.changedPrefixes };
  if (from === undefined || from !== last.inheritedFrom?.deref()) return { same: null, partly: null };
  // Siblings: per table, kept by both (same), or kept by both but for the prefixes either replaced.
  const replacedIn = (cache: RouterCache, table: string): ReadonlySet<string> | undefined =>
    cache.keptTables?.has(table) ? NONE : cache.changedPrefixes?.get(table);
  const same = new Set<string>();
  const partly = new Map<string, ReadonlySet<string>>();
  const tables = new Set([...(now.keptTables ?? []), ...(now.changedPrefixes?.keys() ?? [])]);
  for (const table of tables) {
    const a = replacedIn(now, table);
    const b = replacedIn(last, table);
    if (a === undefined || b === undefined) continue;
    if (a.size === 0 && b.size === 0) same.add(table);
    else partly.set(table, new Set([...a, ...b]));
  }
  return { same, partly };
}
const NONE: ReadonlySet<string> = new Set();

/** Whether a changed router kept the entry's view: its table taken over whole, or with other prefixes replaced. */
export function keptBy(
  change: { same: ReadonlySet<string> | null; partly: ReadonlyMap<string, ReadonlySet<string>> | null },
  table: string,
  prefix: string,
): boolean {
  if (change.same?.has(table)) return true;
  const prefixes = change.partly?.get(table);
  return prefixes !== undefined && !prefixes.has(prefix);
}

/** Per VRF, its two tables' keys: a build asks for every entry's (100k at fleet size), a string each. */
const tableKeys = new Map<string, readonly [string, string]>();

/** The views map key of a prefix's table. */
export function tableOf(entry: { vrf: string; family: Family }): string {
  let keys = tableKeys.get(entry.vrf);
  if (!keys) {
    if (tableKeys.size >= 4096) tableKeys.clear();
    tableKeys.set(entry.vrf, (keys = [`${entry.vrf}|4`, `${entry.vrf}|6`]));
  }
  return keys[entry.family === 6 ? 1 : 0];
}

export function viewOf(
  name: string,
  snapshot: DeviceSnapshot,
  cache: RouterCache,
  key: string,
  entry: { vrf: string; prefix: string; family: Family },
): RouterView | null {
  const table = tableOf(entry);
  let bucket = cache.views.get(table);
  if (!bucket) cache.views.set(table, (bucket = new Map()));
  let view = bucket.get(key);
  if (view !== undefined) return view;
  const routes = snapshot.routes;
  let route: Pick<Route, 'protocol' | 'selected' | 'nexthops'> | undefined;
  if (routes instanceof CompactRouteTable) {
    // The row alone, no Route object: this runs for every workload prefix of every new table.
    const row = routes.selectedRowOf(entry.prefix, entry.vrf);
    route =
      row < 0
        ? undefined
        : { protocol: routes.protocolAt(row), selected: true, nexthops: routes.nexthopsAt(row) };
  } else {
    const found = routes.lookup(entry.prefix.split('/')[0] ?? '', entry.vrf);
    route = found?.prefix === entry.prefix ? found : undefined;
  }
  view =
    route === undefined
      ? null
      : interned(
          name,
          route.protocol,
          route.selected,
          route.nexthops.map((hop) => {
            // One literal (absent fields undefined), not spreads: an object built by spreads keeps
            // its fields in a separate array (73k held views at 1,000 hosts).
            return {
              ip: hop.ip || undefined,
              interface: hop.interface || undefined,
              viaHost: cache.owners.resolve(hop) || undefined,
            };
          }),
        );
  bucket.set(key, view);
  return view;
}

/**
 * One view object per router and distinct (protocol, selected, next hops and the hosts they lead to):
 * at fleet size a router routes 100k workload prefixes over a few thousand next hops, so 100k views
 * (each with its next-hop list) were mostly copies — and one that reads the same after a table re-read
 * is the same object, so the index does not build its entry again. Views are never changed once made.
 */
const internedViews = new Map<string, Map<string, RouterView>>();
/** Past this many distinct views a router's are forgotten (new objects; the index rebuilds, correctly). */
const MAX_INTERNED = 200_000;

function interned(
  router: string,
  protocol: string,
  selected: boolean,
  nexthops: RouterView['nexthops'],
): RouterView {
  let views = internedViews.get(router);
  if (!views || views.size > MAX_INTERNED) internedViews.set(router, (views = new Map()));
  let key = `${protocol}|${selected ? 1 : 0}`;
  for (const hop of nexthops) key += `|${hop.ip ?? ''}%${hop.interface ?? ''}>${hop.viaHost ?? ''}`;
  let view = views.get(key);
  if (!view) views.set(key, (view = { router, protocol, selected, nexthops }));
  return view;
}
