/**
 * FRR-shaped `show ip route json` documents for the benchmark and for tests: one BGP entry a prefix
 * with the fields FRR 8.4 prints (zebra_vty.c vty_show_ip_route), laid out as json-c's
 * JSON_C_TO_STRING_PRETTY does (2-space indent, no space after ':'), which is what 8.4 sends and
 * what makes ~750 bytes a route. `pretty: false` gives the compact 9.1+ layout; `family: 6` a
 * `show ipv6 route json` with link-local next hops.
 */
import { formatV6 } from '../src/model/ip-words.ts';

export interface RouteDocOptions {
  vrfName?: string;
  vrfId?: number;
  pretty?: boolean;
  family?: 4 | 6;
}

// Prefix-length mix of a full Internet table (mostly /24), each length counted separately so
// (address, length) pairs never repeat and the document has no duplicate keys.
const LENGTHS = [24, 24, 24, 24, 24, 24, 24, 23, 22, 22, 21, 20, 24, 23, 22, 19, 18, 16, 24, 22];
// The IPv6 table is mostly /48s, the rest /32–/44.
const LENGTHS6 = [48, 48, 48, 48, 48, 48, 44, 40, 36, 32];
const UPLINKS = [
  { ip: '192.0.2.1', ifName: 'eth0', ifIndex: 2 },
  { ip: '198.51.100.1', ifName: 'eth1', ifIndex: 3 },
];
const UPLINKS6 = [
  { ip: 'fe80::1', ifName: 'eth0', ifIndex: 2 },
  { ip: 'fe80::2', ifName: 'eth1', ifIndex: 3 },
];

/** The i-th prefix of its length class: (length, how many of that length came before it). */
function nthOf(lengths: readonly number[], i: number): [number, number] {
  const len = lengths[i % lengths.length]!;
  const per = lengths.filter((l) => l === len).length;
  const before = lengths.slice(0, i % lengths.length).filter((l) => l === len).length;
  return [len, Math.floor(i / lengths.length) * per + before];
}

export function routePrefix(i: number, family: 4 | 6 = 4): string {
  if (family === 6) {
    const [len, nth] = nthOf(LENGTHS6, i);
    // A 48-bit network number under 2a00::/12, printed the way FRR prints it.
    const net = 0x2a00 * 2 ** 32 + nth * 2 ** (48 - len);
    return `${formatV6([Math.floor(net / 2 ** 16), (net % 2 ** 16) * 2 ** 16, 0, 0])}/${len}`;
  }
  const [len, nth] = nthOf(LENGTHS, i);
  const addr = (0x01000000 + nth * 2 ** (32 - len)) % 2 ** 32;
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/${len}`;
}

function uptime(i: number): string {
  const k = i % 97;
  if (k < 40) return `${String(k % 24).padStart(2, '0')}:${String(k).padStart(2, '0')}:07`;
  if (k < 80) return `${k % 7}d${String(k % 24).padStart(2, '0')}h${String(k).padStart(2, '0')}m`;
  return `${String(k % 52).padStart(2, '0')}w${k % 7}d${String(k % 24).padStart(2, '0')}h`;
}

function nexthop(n: (typeof UPLINKS)[number], ind: string, nl: string, afi: string): string {
  const i1 = ind + '  ';
  return (
    `${ind}{${nl}${i1}"flags":3,${nl}${i1}"fib":true,${nl}${i1}"ip":"${n.ip}",${nl}${i1}"afi":"${afi}",${nl}` +
    `${i1}"interfaceIndex":${n.ifIndex},${nl}${i1}"interfaceName":"${n.ifName}",${nl}${i1}"active":true,${nl}` +
    `${i1}"weight":1${nl}${ind}}`
  );
}

/** One `"prefix":[entry]` member, without separators. */
export function routeMember(i: number, opts: RouteDocOptions = {}): string {
  const pretty = opts.pretty ?? true;
  const nl = pretty ? '\n' : '';
  const [i1, i2, i3, i4] = pretty ? ['  ', '    ', '      ', '        '] : ['', '', '', ''];
  const family = opts.family ?? 4;
  const prefix = routePrefix(i, family);
  const ecmp = i % 20 === 7;
  const uplinks = family === 6 ? UPLINKS6 : UPLINKS;
  const hops = ecmp ? uplinks : [uplinks[i % 2]!];
  const nh = hops.map((h) => nexthop(h, i4, nl, family === 6 ? 'ipv6' : 'ipv4')).join(`,${nl}`);
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
