/**
 * zebra's view of one VRF and family: connected routes from addresses, kernel routes, statics and
 * BGP best paths, with zebra's selection (lowest distance, then metric). Built on demand from the
 * sources so `show ip route` can never drift from `ip route` or `show bgp`.
 */
import type { Family } from '../../../model/route.ts';
import { comparePrefix, parseCidr, type Prefix } from './addr.ts';
import type { BgpSpeaker } from './bgp.ts';
import type { Kernel, Link, LinkAddress } from './kernel.ts';
import { MAIN_TABLE } from './kernel.ts';

export interface RibNexthop {
  ip?: string;
  afi?: 'ipv4' | 'ipv6';
  interfaceName?: string;
  interfaceIndex?: number;
  directlyConnected?: boolean;
  blackhole?: boolean;
  active: boolean;
  weight?: number;
}

export interface RibEntry {
  prefix: Prefix;
  vrf: string;
  table: number;
  protocol: 'connected' | 'kernel' | 'static' | 'bgp';
  distance: number;
  metric: number;
  selected: boolean;
  active: boolean;
  since: number;
  nexthops: RibNexthop[];
}

export interface StaticRoute {
  vrf: string;
  prefix: Prefix;
  iface?: string;
  nexthop?: string;
  blackhole?: boolean;
  source: 'vtysh' | 'vyos';
  addedAt: number;
}

export interface RibSources {
  kernel: Kernel;
  bgp: BgpSpeaker;
  statics: readonly StaticRoute[];
  bootedAt: number;
}

export function vrfOfLink(kernel: Kernel, link: Link): string {
  const master = link.master !== undefined ? kernel.links.get(link.master) : undefined;
  return master?.kind === 'vrf' ? master.name : 'default';
}

export function tableOfVrf(kernel: Kernel, vrf: string): number | undefined {
  if (vrf === 'default') return MAIN_TABLE;
  const link = kernel.links.get(vrf);
  return link?.kind === 'vrf' ? link.table : undefined;
}

/**
 * Each address's connected prefix, parsed once per distinct address text. EUI-64 link-locals
 * (`fe80::` and four groups: one per interface, a hundred thousand in a large lab) all make
 * fe80::/64 and skip the parse.
 */
const connectedPrefix = new Map<string, Prefix | null>();
const LINK_LOCAL_64 = parseCidr('fe80::/64');

function prefixOfAddress(a: LinkAddress): Prefix | null {
  if (
    a.family === 6 &&
    a.prefixlen === 64 &&
    a.local.startsWith('fe80::') &&
    /^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){0,3}$/.test(a.local.slice(6))
  )
    return LINK_LOCAL_64;
  const key = `${a.local}/${a.prefixlen}`;
  let p = connectedPrefix.get(key);
  if (p === undefined) {
    p = parseCidr(key);
    connectedPrefix.set(key, p);
  }
  return p;
}

/** zebra ignores loopback's 127/8 and ::1; every other address makes a connected route. */
function connected(src: RibSources, vrf: string, family: Family, table: number): RibEntry[] {
  const out: RibEntry[] = [];
  for (const link of src.kernel.linksByVrf().get(vrf) ?? []) {
    if (!src.kernel.operational(link.name)) continue;
    const seen = new Set<string>();
    for (const a of link.addrs) {
      if (a.family !== family || a.local === '127.0.0.1' || a.local === '::1') continue;
      const p = prefixOfAddress(a);
      if (!p || seen.has(p.text)) continue;
      seen.add(p.text);
      out.push({
        prefix: p,
        vrf,
        table,
        protocol: 'connected',
        distance: 0,
        metric: 0,
        selected: false,
        active: true,
        since: src.bootedAt,
        nexthops: [
          { directlyConnected: true, interfaceName: link.name, interfaceIndex: link.index, active: true },
        ],
      });
    }
  }
  return out;
}

export function ribEntries(src: RibSources, vrf: string, family: Family): RibEntry[] {
  const table = tableOfVrf(src.kernel, vrf);
  if (table === undefined) return [];
  const entries = connected(src, vrf, family, table);
  const idx = (dev: string): number | undefined => src.kernel.links.get(dev)?.index;
  for (const r of src.kernel.routes) {
    if (r.table !== table || r.prefix.family !== family) continue;
    const active = src.kernel.operational(r.dev);
    entries.push({
      prefix: r.prefix,
      vrf,
      table,
      protocol: 'kernel',
      distance: 0,
      metric: r.metric,
      selected: false,
      active,
      since: r.addedAt,
      nexthops: [{ directlyConnected: true, interfaceName: r.dev, interfaceIndex: idx(r.dev) ?? 0, active }],
    });
  }
  for (const s of src.statics) {
    if (s.vrf !== vrf || s.prefix.family !== family) continue;
    const active = s.blackhole === true || s.iface === undefined || src.kernel.operational(s.iface);
    const nh: RibNexthop = { active };
    if (s.blackhole) nh.blackhole = true;
    if (s.nexthop !== undefined) [nh.ip, nh.afi] = [s.nexthop, s.nexthop.includes(':') ? 'ipv6' : 'ipv4'];
    if (s.iface !== undefined) [nh.interfaceName, nh.interfaceIndex] = [s.iface, idx(s.iface) ?? 0];
    if (s.iface !== undefined && s.nexthop === undefined) nh.directlyConnected = true;
    entries.push({
      prefix: s.prefix,
      vrf,
      table,
      protocol: 'static',
      distance: 1,
      metric: 0,
      selected: false,
      active,
      since: s.addedAt,
      nexthops: [nh],
    });
  }
  for (const d of src.bgp.instances.get(vrf)?.dests.values() ?? []) {
    if (d.family !== family || !d.best || d.best.from === null) continue;
    entries.push({
      prefix: d.prefix,
      vrf,
      table,
      protocol: 'bgp',
      distance: 20,
      metric: d.best.med ?? 0,
      selected: false,
      active: true,
      since: d.changedAt,
      nexthops: d.multipath.map((p) => ({
        ip: p.from?.remote.linkLocal ?? '::',
        afi: 'ipv6' as const,
        interfaceName: p.from?.iface ?? '',
        interfaceIndex: idx(p.from?.iface ?? '') ?? 0,
        active: true,
        weight: 1,
      })),
    });
  }
  entries.sort((a, b) => comparePrefix(a.prefix, b.prefix));
  // zebra selects one route per prefix: the lowest distance, then the lowest metric.
  const byPrefix = new Map<string, RibEntry[]>();
  for (const e of entries) byPrefix.set(e.prefix.text, [...(byPrefix.get(e.prefix.text) ?? []), e]);
  for (const group of byPrefix.values()) {
    const best = group
      .filter((e) => e.active)
      .reduce<RibEntry | undefined>(
        (b, e) =>
          !b || e.distance < b.distance || (e.distance === b.distance && e.metric < b.metric) ? e : b,
        undefined,
      );
    if (best) best.selected = true;
  }
  return entries;
}
