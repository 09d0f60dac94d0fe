/**
 * Cost proportional to change (issue 16): a router's route tables (`show ip[v6] route vrf all json`,
 * ~75 MB and seconds of FRR CPU at 100k routes) are read again only when a cheap signature changed —
 * BGP's per-VRF, per-AFI table versions (bumped by every best-path change) and route counts from the
 * summary the poll reads anyway, plus the interfaces (connected routes follow them) — and then only
 * the VRF/AFI whose version moved, where one table stands for it. Reads may race zebra's install of
 * what BGP just chose, so they go on at every poll until the change has held SETTLE_MS; a full read
 * every FULL_REFRESH_MS catches what no signature shows.
 */
import { sha256 } from './digest.ts';
import { CompactRouteTable } from '../model/compact-route-table.ts';
import type { NetInterface } from '../model/interface.ts';
import type { Route } from '../model/route.ts';
import type { RouteTable } from '../model/route-table.ts';
import type { DeviceSnapshot, RouteCheck } from '../model/snapshot.ts';
import { jsonOrUndefined } from './json.ts';
import { isValidVrfName } from './names.ts';

/** Longest a held table is trusted on an unchanged signature (2 h: < 1 % of a dump per minute). */
export const FULL_REFRESH_MS = 2 * 60 * 60 * 1000;

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `vrf/afi:tableVersion/ribCount` for every AFI summary in `show bgp vrf all summary json` (any of the
 * shapes FRR prints); null when no AFI carries a table version (an FRR that does not print one:
 * then every poll reads the tables, as before).
 */
export function bgpTableVersions(text: string): string | null {
  return bgpTableVersionsOf(jsonOrUndefined(text));
}

/** `bgpTableVersions` of the summary already parsed (undefined: it was not JSON). */
export function bgpTableVersionsOf(doc: unknown): string | null {
  const out: string[] = [];
  const visit = (value: unknown, path: string, depth: number): void => {
    if (!isObject(value)) return;
    if ('peers' in value) {
      if (typeof value.tableVersion !== 'number') return;
      const rib = typeof value.ribCount === 'number' ? value.ribCount : '?';
      out.push(`${path}:${value.tableVersion}/${rib}`);
      return;
    }
    if (depth === 0) return;
    for (const [key, child] of Object.entries(value)) visit(child, path ? `${path}/${key}` : key, depth - 1);
  };
  visit(doc, '', 2);
  return out.length > 0 ? out.sort().join(' ') : null;
}

/** What of the interfaces makes zebra's connected routes: names, admin and carrier state, VRF, addresses. */
export function interfaceDigest(interfaces: readonly NetInterface[]): string {
  // Kept per device in its route check: the text itself was ~100 kB a router and 3 kB a host.
  return sha256(
    interfaces
      .map(
        (i) =>
          `${i.name}|${i.up ? 1 : 0}|${i.operState}|${i.master ?? ''}|` +
          i.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(','),
      )
      .sort()
      .join(';'),
  );
}

/**
 * How long a table's version must have held before a read of it counts as settled: zebra installs
 * what BGP chose a little later (more on a loaded router), so reads keep coming while a change is that
 * fresh.
 */
export const SETTLE_MS = 5_000;

/** One table a poll can read alone: `show ip[v6] route [vrf V] json`. */
export interface TableRef {
  /** The summary's `vrf/afi` path whose table version stands for this table. */
  path: string;
  vrf: string;
  family: 4 | 6;
}

/** What of the device's state says whether its tables changed: BGP's table versions, the interfaces. */
export interface RouteSignature {
  versions: string;
  interfaces: string;
}

/**
 * Past this many routes in BGP's RIBs (the summary's ribCount, all VRFs and AFIs), a first read of the
 * tables waits until the table versions have held SETTLE_MS, then reads once and counts as settled: at
 * fleet size a read and a confirming re-read cost ~75 MB and seconds of router and console CPU each.
 * Smaller tables are read at once and confirmed later, as before.
 */
export const SETTLE_FIRST_ROUTES = 20_000;

/** Routes in BGP's RIBs as the signature's `vrf/afi:version/ribCount` tokens count them. */
export function ribRoutes(versions: string): number {
  let total = 0;
  for (const token of versions.split(' ')) {
    const rib = Number(token.slice(token.lastIndexOf('/') + 1));
    if (Number.isFinite(rib)) total += rib;
  }
  return total;
}

/** Whether the last poll's route check can be built on (it read its tables, none of them failed). */
export function heldCheck(previous: DeviceSnapshot | null | undefined): RouteCheck | undefined {
  const last = previous?.routeCheck;
  return last !== undefined && !previous!.partialErrors.some((e) => e.startsWith('routes'))
    ? last
    : undefined;
}

/** What a poll does about the route tables, and the check it records once its reads succeeded. */
export type RoutePlan =
  | { read: 'none'; check: RouteCheck }
  | { read: 'all'; check: RouteCheck | undefined }
  | { read: 'some'; tables: TableRef[]; deltas: DeltaRef[]; check: RouteCheck };

/** A moved table read by its changes since `fromVersion` (route-delta.ts) instead of whole. */
export interface DeltaRef {
  table: TableRef;
  fromVersion: number;
}

/** `version/ribCount` → the two numbers (NaN where FRR printed none). */
export function versionAndRib(token: string): [number, number] {
  const slash = token.indexOf('/');
  return [Number(token.slice(0, slash)), Number(token.slice(slash + 1))];
}

/**
 * Whether a moved table may be read as a delta from `base` (its `version/ribCount` when last read
 * whole) to `now`: the route count held (a withdrawal is in no version listing, route-delta.ts), the
 * version moved forward, and this read does not settle the change (that read is whole).
 */
function deltaFrom(base: string | undefined, current: string | undefined, settling: boolean): number | null {
  if (settling || base === undefined || current === undefined) return null;
  const [v0, rib0] = versionAndRib(base);
  const [v1, rib1] = versionAndRib(current);
  if (!Number.isInteger(v0) || !Number.isInteger(v1) || !Number.isInteger(rib0) || rib0 !== rib1) return null;
  return v1 > v0 ? v0 + 1 : null;
}

/** All tables: a change no single VRF/AFI version accounts for (interfaces, a VRF added, another AFI). */
const ALL = '*';
const FAMILY: Readonly<Record<string, 4 | 6>> = { ipv4Unicast: 4, ipv6Unicast: 6 };

/** The table a summary path stands for, or null when no one table does (then: all are read). */
export function tableOf(path: string): TableRef | null {
  const slash = path.lastIndexOf('/');
  const vrf = path.slice(0, slash);
  const family = FAMILY[path.slice(slash + 1)];
  if (slash <= 0 || family === undefined || !(vrf === 'default' || isValidVrfName(vrf))) return null;
  return { path, vrf, family };
}

/**
 * Each table's delta base in a route check: its `version/ribCount` when it was last read whole — the
 * one held since, or the check's own for a table that has not moved; none for a table whose change is
 * unsettled without one (no delta is asked for it).
 */
export function deltaBases(last: RouteCheck): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, token] of versionMap(last.versions)) {
    const base = last.bases?.[path] ?? (path in last.moved ? undefined : token);
    if (base !== undefined) out.set(path, base);
  }
  return out;
}

function versionMap(versions: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const token of versions.split(' ')) {
    const colon = token.lastIndexOf(':');
    out.set(token.slice(0, colon), token.slice(colon + 1));
  }
  return out;
}

/**
 * Which tables this poll reads. A VRF/AFI whose table version moved is read alone (`show ip route vrf
 * acme json`: a twentieth of the dump when 20 tenants share a router), again at each poll until its
 * version has held SETTLE_MS; the rest stand. Everything is read at the first poll, after a failed
 * read, when the interfaces or the set of VRFs changed, or a version no one table stands for moved
 * (EVPN, L3VPN: their imports land in several VRFs), and every FULL_REFRESH_MS.
 */
export function planRouteRead(
  previous: DeviceSnapshot | null | undefined,
  current: RouteSignature | null,
  now: number,
  /** A first read that waited: the signature is known to have held since then (see SETTLE_FIRST_ROUTES). */
  heldSince?: number,
): RoutePlan {
  if (current === null) return { read: 'all', check: undefined };
  const last = heldCheck(previous);
  const usable = last !== undefined;
  const moved: Record<string, number> = usable ? { ...last.moved } : {};
  if (!usable) moved[ALL] = heldSince ?? now;
  else if (last.interfaces !== current.interfaces) moved[ALL] = now;
  else if (last.versions !== current.versions) {
    const before = versionMap(last.versions);
    const after = versionMap(current.versions);
    if (before.size !== after.size || [...after.keys()].some((p) => !before.has(p))) moved[ALL] = now;
    for (const [path, version] of after) {
      if (before.get(path) === version) continue;
      moved[tableOf(path) ? path : ALL] = now;
    }
  }
  const all = ALL in moved || (usable && now - last.fullAt >= FULL_REFRESH_MS);
  const reading = all ? Object.keys(moved) : Object.keys(moved).filter((k) => k !== ALL);
  if (usable && !all && reading.length === 0) return { read: 'none', check: last };
  // Each moved table's version/ribCount when it was last read whole: a delta is asked from there.
  const bases: Record<string, string> = {};
  const deltas: DeltaRef[] = [];
  const tables: TableRef[] = [];
  if (!all) {
    const before = deltaBases(last!);
    const after = versionMap(current.versions);
    for (const key of reading) {
      const base = before.get(key);
      const from = deltaFrom(base, after.get(key), now - moved[key]! >= SETTLE_MS);
      if (from !== null) {
        deltas.push({ table: tableOf(key)!, fromVersion: from });
        bases[key] = base!;
      } else {
        tables.push(tableOf(key)!);
        if (after.has(key)) bases[key] = after.get(key)!;
      }
    }
  }
  // A read settles what it covers once that change had held SETTLE_MS when the read started.
  for (const key of reading)
    if (now - moved[key]! >= SETTLE_MS) {
      delete moved[key];
      delete bases[key];
    }
  const check: RouteCheck = {
    versions: current.versions,
    interfaces: current.interfaces,
    since:
      usable && last.versions === current.versions && last.interfaces === current.interfaces
        ? last.since
        : (heldSince ?? now),
    readAt: now,
    fullAt: all ? now : last!.fullAt,
    moved,
    ...(Object.keys(bases).length > 0 ? { bases } : {}),
    settled: Object.keys(moved).length === 0,
  };
  return all ? { read: 'all', check } : { read: 'some', tables, deltas, check };
}

/**
 * Whether two tables hold the same routes in these VRF/family tables, in the same order — FRR's uptime
 * text aside (it moves every second; a kept table shows it as of its read, as every held table does).
 */
export function sameRows(a: RouteTable, b: RouteTable, tables: readonly TableRef[]): boolean {
  for (const t of tables) {
    if (a instanceof CompactRouteTable && b instanceof CompactRouteTable) {
      if (!a.sameRowsAs(b, t.vrf, t.family)) return false;
      continue;
    }
    const ra = a.indexesOf(t.vrf, t.family);
    const rb = b.indexesOf(t.vrf, t.family);
    if (ra.length !== rb.length) return false;
    for (let i = 0; i < ra.length; i++) if (!sameRoute(a.at(ra[i]!), b.at(rb[i]!))) return false;
  }
  return true;
}

/** Two rows alike in all but FRR's uptime text. */
export function sameRoute(x: Route, y: Route): boolean {
  return (
    x.vrf === y.vrf &&
    x.prefix === y.prefix &&
    x.protocol === y.protocol &&
    x.selected === y.selected &&
    x.installed === y.installed &&
    x.distance === y.distance &&
    x.metric === y.metric &&
    x.nexthops.length === y.nexthops.length &&
    x.nexthops.every((h, j) => {
      const k = y.nexthops[j]!;
      return h.ip === k.ip && h.interface === k.interface && h.active === k.active && h.onLink === k.onLink;
    })
  );
}

/**
 * What a read of every table keeps of the last one: the last table object when each VRF/family table
 * holds the same rows (the confirming read after the first, a full refresh that found nothing new),
 * so nothing derived from it (the workload index's views) is derived again; when only some do, the
 * fresh table naming the last as its basis with those kept (their derived views carry over); else
 * the fresh table.
 */
export function keepUnchanged(
  last: RouteTable,
  fresh: CompactRouteTable,
  /** The tables read afresh; the others were copied from `last` row for row (a partial read). */
  read?: readonly TableRef[],
): RouteTable {
  const tables: TableRef[] = [];
  for (const vrf of new Set([...last.vrfs(), ...fresh.vrfs()]))
    for (const family of [4, 6] as const)
      if (last.indexesOf(vrf, family).length > 0 || fresh.indexesOf(vrf, family).length > 0)
        tables.push({ path: '', vrf, family });
  const copied = (t: TableRef) =>
    read !== undefined && !read.some((r) => r.vrf === t.vrf && r.family === t.family);
  const same = new Set<string>();
  for (const t of tables) if (copied(t) || sameRows(last, fresh, [t])) same.add(`${t.vrf}\u0000${t.family}`);
  if (same.size === tables.length && last.size === fresh.size) return last;
  // Tables built from `last` with some prefixes replaced (a delta) say which, whether or not the
  // others were kept: what was derived from their other prefixes carries over.
  const partly = fresh.basis?.table.deref() === last ? fresh.basis.changed : undefined;
  if (same.size === 0 && !partly) return fresh;
  return fresh.withBasis({
    table: new WeakRef(last),
    kept: (vrf, family) => same.has(`${vrf}\u0000${family}`),
    ...(partly ? { changed: partly } : {}),
  });
}
