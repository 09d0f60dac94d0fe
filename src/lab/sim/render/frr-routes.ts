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

/** Where an entry's uptime goes, written in place per call: NUL never appears in json-c's output. */
const UPTIME_SLOT = 'uptime-slot-e1b7';
/** The uptime FRR prints is 8 characters (`00:01:53`, `2d03h04m`, `01w2d03h`) until 100 weeks. */
const UPTIME_WIDTH = 10;
const BLANK = '\u0000'.repeat(UPTIME_WIDTH);
const BLANK_BYTES = Buffer.from(BLANK);

/** One entry as json-c prints it inside a `vrf … json` document (indent level 2), its uptime blank. */
function entryText(node: SimNode, e: RibEntry, now: number): string {
  const text = jsonC({ ...(entryJson(node, e, now) as Record<string, Json>), uptime: UPTIME_SLOT }, 2);
  return text.replace(JSON.stringify(UPTIME_SLOT), BLANK);
}

/** One VRF's document with its uptimes left blank: where each is (byte offset) and what it counts from. */
interface TableDoc {
  doc: Buffer;
  at: number[];
  since: number[];
}

/** The document json-c prints for {prefix: [entry, …], …} over `entries`, uptimes blank. */
function tableDoc(node: SimNode, entries: readonly RibEntry[], now: number): TableDoc {
  const groups = new Map<string, RibEntry[]>();
  for (const e of entries) {
    const list = groups.get(e.prefix.text);
    if (list) list.push(e);
    else groups.set(e.prefix.text, [e]);
  }
  if (groups.size === 0) return { doc: Buffer.from('{\n}\n'), at: [], since: [] };
  const out: string[] = ['{\n'];
  const since: number[] = [];
  let first = true;
  for (const [prefix, list] of groups) {
    out.push(first ? '  ' : ',\n  ', `${JSON.stringify(prefix)}:[\n    `);
    first = false;
    list.forEach((e, i) => {
      out.push(i > 0 ? ',\n    ' : '', entryText(node, e, now));
      since.push(e.since);
    });
    out.push('\n  ]');
  }
  out.push('\n}\n');
  const doc = Buffer.from(out.join(''));
  const at: number[] = [];
  for (let i = doc.indexOf(BLANK_BYTES); i >= 0; i = doc.indexOf(BLANK_BYTES, i + UPTIME_WIDTH)) at.push(i);
  return { doc, at, since };
}

/** Each table's document, made once per table (zebra's tables are rebuilt, never changed in place). */
const tableDocs = new WeakMap<readonly RibEntry[], TableDoc>();

/**
 * The documents of `tables` one after another, with uptimes as of now: a router's 100k routes cost
 * 100k ten-byte writes into its cached documents and one decode once its tables were printed (at
 * 1,000 hosts the lab — one process for every device — spent most of its time building and
 * collecting a string per entry while the console waited for the hosts' listings queued behind it).
 */
function tablesJson(node: SimNode, tables: readonly (readonly RibEntry[])[], cache: boolean): string {
  const now = Date.now();
  const uptimes = new Map<number, string>();
  const uptime = (from: number): string => {
    let text = uptimes.get(from);
    if (text === undefined) {
      text = JSON.stringify(frrUptime(now - from));
      uptimes.set(from, text);
    }
    return text;
  };
  return tables
    .map((entries) => {
      let made = cache ? tableDocs.get(entries) : undefined;
      if (!made) {
        made = tableDoc(node, entries, now);
        if (cache) tableDocs.set(entries, made);
      }
      const { doc, at, since } = made;
      // The blanks are refilled on every call, so writing into the cached document is safe.
      if (since.every((from) => uptime(from).length === UPTIME_WIDTH)) {
        at.forEach((offset, i) => doc.write(uptime(since[i]!), offset, 'latin1'));
        return doc.toString();
      }
      // Past 100 weeks the uptime is longer than its blank: the document is copied around it.
      const parts: string[] = [];
      let from = 0;
      at.forEach((offset, i) => {
        parts.push(doc.toString('utf8', from, offset), uptime(since[i]!));
        from = offset + UPTIME_WIDTH;
      });
      parts.push(doc.toString('utf8', from));
      return parts.join('');
    })
    .join('');
}

export function routesJson(node: SimNode, vrf: string, family: Family, query?: string): string {
  const table = node.rib(vrf, family);
  return query === undefined
    ? tablesJson(node, [table], true)
    : tablesJson(node, [selectEntries(table, query) ?? []], false);
}

/** zebra ≤ 9.1's `vrf all`: one document per VRF, one after another. */
export function routesVrfAllJson(node: SimNode, family: Family): string {
  return tablesJson(
    node,
    node.vrfNames().map((vrf) => node.rib(vrf, family)),
    true,
  );
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
