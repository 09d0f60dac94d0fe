/**
 * Cost proportional to change (issue 16): a router's full route tables (`show ip[v6] route vrf all
 * json`, ~75 MB and seconds of FRR CPU at 100k routes) are read again only when a cheap signature
 * changed — BGP's per-VRF, per-AFI table versions (bumped by every best-path change) and route counts
 * from the summary the poll reads anyway, plus the interfaces (connected routes follow them). Reads
 * may race zebra's install of what BGP just chose, so they go on at every poll until the signature has
 * held SETTLE_MS; a full read every FULL_REFRESH_MS catches what no signature shows.
 */
import type { NetInterface } from '../model/interface.ts';
import type { DeviceSnapshot, RouteCheck } from '../model/snapshot.ts';

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
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
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
  return interfaces
    .map(
      (i) =>
        `${i.name}|${i.up ? 1 : 0}|${i.operState}|${i.master ?? ''}|` +
        i.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(','),
    )
    .sort()
    .join(';');
}

/**
 * How long a signature must have held before a table read counts as settled: zebra installs what BGP
 * chose a little later (more on a loaded router), so reads keep coming while a change is that fresh.
 */
export const SETTLE_MS = 5_000;

/** True when the previous poll's tables can stand for this one. */
export function canReuseRoutes(
  previous: DeviceSnapshot | null | undefined,
  signature: string | null,
  now: number,
): previous is DeviceSnapshot & { routeCheck: RouteCheck } {
  const check = previous?.routeCheck;
  if (!previous || !check || signature === null) return false;
  if (previous.partialErrors.some((e) => e.startsWith('routes'))) return false;
  return check.signature === signature && check.settled && now - check.readAt < FULL_REFRESH_MS;
}

/**
 * The check this poll records. `since`: when this signature was first seen. Reused tables keep their
 * read time; a fresh read is settled once the signature had held SETTLE_MS when it started.
 */
export function nextRouteCheck(
  previous: DeviceSnapshot | null | undefined,
  signature: string | null,
  now: number,
  reused: boolean,
): RouteCheck | undefined {
  if (signature === null) return undefined;
  const last = previous?.routeCheck;
  const since = last?.signature === signature ? last.since : now;
  if (reused && last) return { ...last, signature, since };
  return { signature, since, readAt: now, settled: now - since >= SETTLE_MS };
}
