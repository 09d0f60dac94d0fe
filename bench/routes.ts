/**
 * FRR-shaped `show ip route json` documents for the benchmark and for tests: one BGP entry a prefix
 * with the fields FRR 8.4 prints (zebra_vty.c vty_show_ip_route), laid out as json-c's
 * JSON_C_TO_STRING_PRETTY does (2-space indent, no space after ':'), which is what 8.4 sends and
 * what makes ~750 bytes a route. `pretty: false` gives the compact 9.1+ layout.
 */

export interface RouteDocOptions {
  vrfName?: string;
  vrfId?: number;
  pretty?: boolean;
}

// Prefix-length mix of a full Internet table (mostly /24), each length counted separately so
// (address, length) pairs never repeat and the document has no duplicate keys.
const LENGTHS = [24, 24, 24, 24, 24, 24, 24, 23, 22, 22, 21, 20, 24, 23, 22, 19, 18, 16, 24, 22];
const UPLINKS = [
  { ip: '192.0.2.1', ifName: 'eth0', ifIndex: 2 },
  { ip: '198.51.100.1', ifName: 'eth1', ifIndex: 3 },
];

export function routePrefix(i: number): string {
  const len = LENGTHS[i % LENGTHS.length]!;
  const nth =
    Math.floor(i / LENGTHS.length) * LENGTHS.filter((l) => l === len).length +
    LENGTHS.slice(0, i % LENGTHS.length).filter((l) => l === len).length;
  const addr = (0x01000000 + nth * 2 ** (32 - len)) % 2 ** 32;
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/${len}`;
}

function uptime(i: number): string {
  const k = i % 97;
  if (k < 40) return `${String(k % 24).padStart(2, '0')}:${String(k).padStart(2, '0')}:07`;
  if (k < 80) return `${k % 7}d${String(k % 24).padStart(2, '0')}h${String(k).padStart(2, '0')}m`;
  return `${String(k % 52).padStart(2, '0')}w${k % 7}d${String(k % 24).padStart(2, '0')}h`;
}

function nexthop(n: (typeof UPLINKS)[number], ind: string, nl: string): string {
  const i1 = ind + '  ';
  return (
    `${ind}{${nl}${i1}"flags":3,${nl}${i1}"fib":true,${nl}${i1}"ip":"${n.ip}",${nl}${i1}"afi":"ipv4",${nl}` +
    `${i1}"interfaceIndex":${n.ifIndex},${nl}${i1}"interfaceName":"${n.ifName}",${nl}${i1}"active":true,${nl}` +
    `${i1}"weight":1${nl}${ind}}`
  );
}

/** One `"prefix":[entry]` member, without separators. */
export function routeMember(i: number, opts: RouteDocOptions = {}): string {
  const pretty = opts.pretty ?? true;
  const nl = pretty ? '\n' : '';
  const [i1, i2, i3, i4] = pretty ? ['  ', '    ', '      ', '        '] : ['', '', '', ''];
  const prefix = routePrefix(i);
  const ecmp = i % 20 === 7;
  const hops = ecmp ? UPLINKS : [UPLINKS[i % 2]!];
  const nh = hops.map((h) => nexthop(h, i4, nl)).join(`,${nl}`);
  const f = (k: string, v: string | number | boolean): string => `${i3}"${k}":${v},${nl}`;
  return (
    `${i1}"${prefix}":[${nl}${i2}{${nl}` +
    f('prefix', `"${prefix}"`) +
    f('prefixLen', Number(prefix.split('/')[1])) +
    f('protocol', '"bgp"') +
    f('vrfId', opts.vrfId ?? 0) +
    f('vrfName', `"${opts.vrfName ?? 'default'}"`) +
    f('selected', true) +
    f('destSelected', true) +
    f('distance', 20) +
    f('metric', 0) +
    f('installed', true) +
    f('offloaded', false) +
    f('table', 254) +
    f('internalStatus', 16) +
    f('internalFlags', 8) +
    f('internalNextHopNum', hops.length) +
    f('internalNextHopActiveNum', hops.length) +
    f('nexthopGroupId', ecmp ? 62 : 60 + (i % 2)) +
    f('installedNexthopGroupId', ecmp ? 62 : 60 + (i % 2)) +
    f('uptime', `"${uptime(i)}"`) +
    `${i3}"nexthops":[${nl}${nh}${nl}${i3}]${nl}${i2}}${nl}${i1}]`
  );
}

/** Emits a whole document of `count` routes in pieces of ~1 MB; never holds it all. */
export function writeRouteDocument(
  count: number,
  emit: (text: string) => void,
  opts: RouteDocOptions = {},
): void {
  const nl = (opts.pretty ?? true) ? '\n' : '';
  let piece = count === 0 ? `{${nl}` : '{' + nl;
  for (let i = 0; i < count; i++) {
    piece += routeMember(i, opts) + (i < count - 1 ? `,${nl}` : nl);
    if (piece.length > 1 << 20) {
      emit(piece);
      piece = '';
    }
  }
  emit(piece + '}\n');
}

export function routeDocument(count: number, opts: RouteDocOptions = {}): string {
  const parts: string[] = [];
  writeRouteDocument(count, (t) => parts.push(t), opts);
  return parts.join('');
}
