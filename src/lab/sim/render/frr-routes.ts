/**
 * `show ip[v6] route [vrf NAME|all] [PREFIX] json` and the text table, in FRR 8.4's shapes:
 * booleans present only when true, `vrf all` as one JSON document per VRF one after another
 * (zebra ≤ 9.1 prints `do_show_ip_route` per VRF with no enclosing object).
 */
import type { Family } from '../../../model/route.ts';
import { parseAddress, parseCidr, prefixContains } from '../model/addr.ts';
import type { SimNode } from '../model/node.ts';
import type { RibEntry, RibNexthop } from '../model/rib.ts';
import { jsonC, type Json } from './json.ts';
import { frrUptime } from './uptime.ts';

export function vrfId(node: SimNode, vrf: string): number {
  return vrf === 'default' ? 0 : (node.kernel.links.get(vrf)?.index ?? 0);
}

function nexthopJson(e: RibEntry, nh: RibNexthop): Json {
  const fib = e.selected && nh.active;
  return {
    flags: (nh.active ? 1 : 0) | (fib ? 2 : 0),
    fib: fib || undefined,
    ip: nh.ip,
    afi: nh.afi,
    unreachable: nh.blackhole,
    blackhole: nh.blackhole,
    directlyConnected: nh.directlyConnected,
    interfaceIndex: nh.interfaceIndex,
    interfaceName: nh.interfaceName,
    active: nh.active || undefined,
    weight: nh.weight,
  };
}

/** A stable id standing in for zebra's nexthop-group ids (same next hops, same id). */
function groupId(e: RibEntry): number {
  const key = e.nexthops.map((n) => `${n.ip ?? ''}${n.interfaceName ?? ''}`).join('|');
  let h = 7;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) % 9973;
  return h + 1;
}

export function entryJson(node: SimNode, e: RibEntry, now: number): Json {
  // Connected and kernel routes are in the kernel whether zebra selected them or not.
  const installed = e.selected || e.protocol === 'connected' || e.protocol === 'kernel';
  const gid = groupId(e);
  return {
    prefix: e.prefix.text,
    prefixLen: e.prefix.length,
    protocol: e.protocol,
    vrfId: vrfId(node, e.vrf),
    vrfName: e.vrf,
    selected: e.selected || undefined,
    destSelected: e.selected || undefined,
    distance: e.distance,
    metric: e.metric,
    installed: (installed && e.active) || undefined,
    table: e.table,
    internalStatus: 16,
    internalFlags: e.selected ? 8 : 0,
    internalNextHopNum: e.nexthops.length,
    internalNextHopActiveNum: e.nexthops.filter((n) => n.active).length,
    nexthopGroupId: gid,
    installedNexthopGroupId: e.selected ? gid : undefined,
    uptime: frrUptime(now - e.since),
    nexthops: e.nexthops.map((nh) => nexthopJson(e, nh)),
  };
}

/** Entries for one query: all, an exact prefix (`A/M`), or the longest match of an address. */
export function selectEntries(
  entries: readonly RibEntry[],
  query: string | undefined,
): readonly RibEntry[] | null {
  if (query === undefined) return entries;
  if (query.includes('/')) {
    const p = parseCidr(query);
    if (!p) return null;
    return entries.filter((e) => e.prefix.text === p.text);
  }
  const a = parseAddress(query);
  if (!a) return null;
  const host = parseCidr(query);
  if (!host) return null;
  const matching = entries.filter((e) => prefixContains(e.prefix, host));
  const longest = Math.max(-1, ...matching.map((e) => e.prefix.length));
  return matching.filter((e) => e.prefix.length === longest);
}

/** Stands in for the uptime while an entry's text is cached; the only part that changes with time. */
const UPTIME_SLOT = 'uptime-slot-e1b7';
const entryTexts = new WeakMap<RibEntry, [string, string]>();

/**
 * One entry as json-c prints it inside a `vrf … json` document (indent level 2). Entries are
 * immutable (the node rebuilds them when a source changes), so the text is made once and only the
 * uptime is filled in per call: a router's 100k routes render without re-serialising each poll.
 */
function entryText(node: SimNode, e: RibEntry, now: number): string {
  let parts = entryTexts.get(e);
  if (!parts) {
    const text = jsonC({ ...(entryJson(node, e, now) as Record<string, Json>), uptime: UPTIME_SLOT }, 2);
    const at = text.indexOf(JSON.stringify(UPTIME_SLOT));
    parts = [text.slice(0, at), text.slice(at + UPTIME_SLOT.length + 2)];
    entryTexts.set(e, parts);
  }
  return `${parts[0]}${JSON.stringify(frrUptime(now - e.since))}${parts[1]}`;
}

export function routesJson(node: SimNode, vrf: string, family: Family, query?: string): string {
  const entries = selectEntries(node.rib(vrf, family), query) ?? [];
  const now = Date.now();
  // The document json-c prints for {prefix: [entry, …], …}, written piece by piece.
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    const list = groups.get(e.prefix.text);
    if (list) list.push(entryText(node, e, now));
    else groups.set(e.prefix.text, [entryText(node, e, now)]);
  }
  if (groups.size === 0) return '{\n}\n';
  const out: string[] = ['{\n'];
  let first = true;
  for (const [prefix, list] of groups) {
    out.push(first ? '  ' : ',\n  ', `${JSON.stringify(prefix)}:[\n    `, list.join(',\n    '), '\n  ]');
    first = false;
  }
  out.push('\n}\n');
  return out.join('');
}

export function routesVrfAllJson(node: SimNode, family: Family): string {
  return node
    .vrfNames()
    .map((vrf) => routesJson(node, vrf, family))
    .join('');
}

const CODES = `Codes: K - kernel route, C - connected, S - static, R - RIP,
       O - OSPF, I - IS-IS, B - BGP, E - EIGRP, N - NHRP,
       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure

`;

const LETTER: Record<RibEntry['protocol'], string> = { connected: 'C', kernel: 'K', static: 'S', bgp: 'B' };

export function routesText(node: SimNode, vrf: string, family: Family): string {
  const now = Date.now();
  const lines: string[] = [];
  if (vrf !== 'default') lines.push(`VRF ${vrf}:`);
  for (const e of node.rib(vrf, family)) {
    const head = `${LETTER[e.protocol]}${e.selected ? '>' : ' '}${e.selected ? '*' : ' '} ${e.prefix.text}`;
    const admin = e.protocol === 'connected' ? '' : ` [${e.distance}/${e.metric}]`;
    e.nexthops.forEach((nh, i) => {
      const via = nh.blackhole
        ? 'unreachable (blackhole)'
        : nh.ip !== undefined
          ? `via ${nh.ip}, ${nh.interfaceName ?? ''}${nh.weight ? `, weight ${nh.weight}` : ''}`
          : `is directly connected, ${nh.interfaceName ?? ''}`;
      const prefix =
        i === 0 ? `${head}${admin}` : `  ${e.selected ? '*' : ' '}`.padEnd(head.length + admin.length);
      lines.push(`${prefix} ${via}${nh.active ? '' : ' inactive'}, ${frrUptime(now - e.since)}`);
    });
  }
  return CODES + lines.join('\n') + (lines.length ? '\n' : '');
}
