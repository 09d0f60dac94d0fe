/**
 * `show ip[v6] route [vrf NAME|all] [PREFIX] json` and the text table, in FRR 8.4's shapes:
 * booleans present only when true, `vrf all` as one JSON document per VRF one after another
 * (zebra ≤ 9.1 prints `do_show_ip_route` per VRF with no enclosing object).
 */
import type { Family } from '../../../model/route.ts';
import { parseAddress, parseCidr, prefixContains } from '../model/addr.ts';
import type { SimNode } from '../model/node.ts';
import { printedText } from '../types.ts';
import type { RibEntry, RibNexthop } from '../model/rib.ts';
import type { Json } from './json.ts';
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
  // The hash of `ip+interface` per hop joined by '|', without building that key per entry.
  let h = 7;
  const add = (text: string | undefined): void => {
    if (text === undefined) return;
    for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) % 9973;
  };
  e.nexthops.forEach((n, i) => {
    if (i > 0) add('|');
    add(n.ip);
    add(n.interfaceName);
  });
  return h + 1;
}

/**
 * One entry as objects, FRR's field order and presence rules: the reference the printed documents are
 * checked against (test/lab/sim/model/route-render.test.ts prints it with json-c's layout); the
 * documents themselves are written by entryText, which must agree with it byte for byte.
 */
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

/** The uptime FRR prints is 8 characters (`00:01:53`, `2d03h04m`, `01w2d03h`) until 100 weeks. */
const UPTIME_WIDTH = 10;
/** Where an entry's uptime goes, written in place per call: NUL never appears in json-c's output. */
const BLANK = '\u0000'.repeat(UPTIME_WIDTH);
const BLANK_BYTES = Buffer.from(BLANK);

/** A string or number as JSON prints it (NaN and infinities as null, as JSON.stringify does). */
const str = (v: string): string => JSON.stringify(v);
const num = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/** json-c's separators inside an entry (level 2: its keys at 6 spaces, a next hop's at 10). */
const ENTRY_KEY = ',\n      ';
const HOP_KEY = ',\n          ';
const HOP = ',\n        ';

function nexthopText(e: RibEntry, nh: RibNexthop): string {
  const fib = e.selected && nh.active;
  const f = [`"flags":${(nh.active ? 1 : 0) | (fib ? 2 : 0)}`];
  if (fib) f.push('"fib":true');
  if (nh.ip !== undefined) f.push(`"ip":${str(nh.ip)}`);
  if (nh.afi !== undefined) f.push(`"afi":${str(nh.afi)}`);
  if (nh.blackhole !== undefined) f.push(`"unreachable":${nh.blackhole}`, `"blackhole":${nh.blackhole}`);
  if (nh.directlyConnected !== undefined) f.push(`"directlyConnected":${nh.directlyConnected}`);
  if (nh.interfaceIndex !== undefined) f.push(`"interfaceIndex":${num(nh.interfaceIndex)}`);
  if (nh.interfaceName !== undefined) f.push(`"interfaceName":${str(nh.interfaceName)}`);
  if (nh.active) f.push('"active":true');
  if (nh.weight !== undefined) f.push(`"weight":${num(nh.weight)}`);
  return `{\n          ${f.join(HOP_KEY)}\n        }`;
}

/**
 * One entry as json-c prints entryJson inside a `vrf … json` document (indent level 2), its uptime
 * blank — written directly: a router's 120k entries a family were built as objects and walked by the
 * generic printer, most of the lab's time (and garbage) at a 1,000-host console's start.
 */
function entryText(node: SimNode, e: RibEntry): string {
  // Connected and kernel routes are in the kernel whether zebra selected them or not.
  const installed = e.selected || e.protocol === 'connected' || e.protocol === 'kernel';
  const gid = groupId(e);
  let active = 0;
  for (const nh of e.nexthops) if (nh.active) active++;
  const f = [
    `"prefix":${str(e.prefix.text)}`,
    `"prefixLen":${num(e.prefix.length)}`,
    `"protocol":${str(e.protocol)}`,
    `"vrfId":${num(vrfId(node, e.vrf))}`,
    `"vrfName":${str(e.vrf)}`,
  ];
  if (e.selected) f.push('"selected":true', '"destSelected":true');
  f.push(`"distance":${num(e.distance)}`, `"metric":${num(e.metric)}`);
  if (installed && e.active) f.push('"installed":true');
  f.push(
    `"table":${num(e.table)}`,
    '"internalStatus":16',
    `"internalFlags":${e.selected ? 8 : 0}`,
    `"internalNextHopNum":${e.nexthops.length}`,
    `"internalNextHopActiveNum":${active}`,
    `"nexthopGroupId":${gid}`,
  );
  if (e.selected) f.push(`"installedNexthopGroupId":${gid}`);
  const hops = e.nexthops.map((nh) => nexthopText(e, nh));
  f.push(`"uptime":${BLANK}`, `"nexthops":[\n${hops.length > 0 ? `        ${hops.join(HOP)}\n` : ''}      ]`);
  return `{\n      ${f.join(ENTRY_KEY)}\n    }`;
}

/** One VRF's document with its uptimes left blank: where each is (byte offset) and what it counts from. */
interface TableDoc {
  doc: Buffer;
  at: number[];
  since: number[];
}

/** The document json-c prints for {prefix: [entry, …], …} over `entries`, uptimes blank. */
function tableDoc(node: SimNode, entries: readonly RibEntry[]): TableDoc {
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
      out.push(i > 0 ? ',\n    ' : '', entryText(node, e));
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
 * Makes the documents of `node`'s route tables not made yet, one table per turn of the event loop.
 * The lab is one process for every device: a router's first `show ip route vrf all json` at 1,000
 * hosts built ~40 tables' documents (~1 s) in one synchronous step, and every other device — a
 * thousand hosts a starting console was reading — stood still meanwhile, which no fabric does (each
 * router prints on its own CPU). Called before a route listing runs; the listing then finds them made.
 */
export async function prepareRouteDocs(node: SimNode): Promise<void> {
  for (const family of [4, 6] as const)
    for (const vrf of node.vrfNames()) {
      const entries = node.rib(vrf, family);
      if (entries.length === 0 || tableDocs.has(entries)) continue;
      tableDocs.set(entries, tableDoc(node, entries));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
}

/**
 * The documents of `tables` one after another, with uptimes as of now, as the cached documents
 * themselves: a router's 100k routes cost 100k ten-byte writes and nothing else once its tables were
 * printed (at 1,000 hosts the lab — one process for every device — spent most of its time building a
 * string per entry, then decoding and re-encoding 86 MB documents, while the console waited for the
 * hosts' listings queued behind them). A print while an earlier one is still being sent rewrites the
 * uptimes under it: the earlier reader gets later uptimes for the entries not yet sent — as from
 * zebra, which computes each entry's uptime as its walk reaches it — and never a torn one (each write
 * is ten bytes in one synchronous step, and ssh2 copies a packet's bytes in one step too).
 */
function tablesPrinted(node: SimNode, tables: readonly (readonly RibEntry[])[], cache: boolean): Buffer[] {
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
  return tables.flatMap((entries) => {
    let made = cache ? tableDocs.get(entries) : undefined;
    if (!made) {
      made = tableDoc(node, entries);
      if (cache) tableDocs.set(entries, made);
    }
    const { doc, at, since } = made;
    if (since.every((from) => uptime(from).length === UPTIME_WIDTH)) {
      at.forEach((offset, i) => doc.write(uptime(since[i]!), offset, 'latin1'));
      return [doc];
    }
    // Past 100 weeks the uptime is longer than its blank: the document is sent around it.
    const parts: Buffer[] = [];
    let from = 0;
    at.forEach((offset, i) => {
      parts.push(doc.subarray(from, offset), Buffer.from(uptime(since[i]!), 'latin1'));
      from = offset + UPTIME_WIDTH;
    });
    parts.push(doc.subarray(from));
    return parts;
  });
}

export function routesPrinted(node: SimNode, vrf: string, family: Family, query?: string): Buffer[] {
  const table = node.rib(vrf, family);
  return query === undefined
    ? tablesPrinted(node, [table], true)
    : tablesPrinted(node, [selectEntries(table, query) ?? []], false);
}

export function routesJson(node: SimNode, vrf: string, family: Family, query?: string): string {
  return printedText(routesPrinted(node, vrf, family, query));
}

/** zebra ≤ 9.1's `vrf all`: one document per VRF, one after another. */
export function routesVrfAllPrinted(node: SimNode, family: Family): Buffer[] {
  return tablesPrinted(
    node,
    node.vrfNames().map((vrf) => node.rib(vrf, family)),
    true,
  );
}

export function routesVrfAllJson(node: SimNode, family: Family): string {
  return printedText(routesVrfAllPrinted(node, family));
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
