/**
 * `nft -j list ruleset` (nftables 1.0.6): the hypervisor's `table inet vmguard` from the
 * reference's vmguard.nft — allow4/allow6 sets of `ifname . address` and the prerouting chain that
 * drops spoofed sources (counted per TAP in the `spoofed` set, as routedeck's lab table does), guest
 * DHCP/RA servers. Routers (VyOS) list only the metainfo here.
 */
import type { SimNode } from '../model/node.ts';
import { parseCidr } from '../model/addr.ts';
import { jansson } from './json.ts';

const T = { family: 'inet', table: 'vmguard' };
const meta = (key: string) => ({ meta: { key } });
const match = (op: string, left: unknown, right: unknown) => ({ match: { op, left, right } });
const counter = { counter: { packets: 0, bytes: 0 } };

/** An element as nft prints it: a host address bare, a network as a prefix object. */
function element(entry: string): unknown {
  const [ifname = '', addr = ''] = entry.split(' . ');
  const p = parseCidr(addr);
  const max = p?.family === 4 ? 32 : 128;
  const right = !p
    ? addr
    : p.length === max
      ? addr.split('/')[0]
      : { prefix: { addr: p.text.split('/')[0], len: p.length } };
  return { concat: [ifname, right] };
}

function rules(total: { packets: number; bytes: number }): unknown[][] {
  return [
    [match('!=', meta('iifname'), 'tap*'), { accept: null }],
    [
      match('==', { payload: { protocol: 'udp', field: 'sport' } }, 67),
      match('==', { payload: { protocol: 'udp', field: 'dport' } }, 68),
      counter,
      { drop: null },
    ],
    [
      match('==', { payload: { protocol: 'udp', field: 'sport' } }, 547),
      match('==', { payload: { protocol: 'udp', field: 'dport' } }, 546),
      counter,
      { drop: null },
    ],
    [
      match(
        '==',
        { payload: { protocol: 'icmpv6', field: 'type' } },
        { set: ['nd-router-advert', 'nd-redirect'] },
      ),
      counter,
      { drop: null },
    ],
    [
      match('==', { payload: { protocol: 'ip6', field: 'saddr' } }, '::'),
      match(
        '==',
        { payload: { protocol: 'icmpv6', field: 'type' } },
        { set: ['nd-neighbor-solicit', 'mld2-listener-report'] },
      ),
      { accept: null },
    ],
    [
      match('==', { concat: [meta('iifname'), { payload: { protocol: 'ip', field: 'saddr' } }] }, '@allow4'),
      { accept: null },
    ],
    [
      match('==', { concat: [meta('iifname'), { payload: { protocol: 'ip6', field: 'saddr' } }] }, '@allow6'),
      { accept: null },
    ],
    [
      { set: { op: 'update', elem: meta('iifname'), set: '@spoofed' } },
      { counter: { packets: total.packets, bytes: total.bytes } },
      { drop: null },
    ],
  ];
}

/** The vmguard table's items (sets, chain, rules) as `nft -j list table|ruleset` prints them. */
function vmguardItems(node: SimNode): unknown[] {
  const items: unknown[] = [{ table: { family: 'inet', name: 'vmguard', handle: 1 } }];
  const set = (name: string, addrType: string, handle: number, elems: Set<string>) => ({
    set: {
      ...T,
      name,
      table: 'vmguard',
      type: ['ifname', addrType],
      handle,
      flags: ['interval'],
      ...(elems.size > 0 ? { elem: [...elems].sort().map(element) } : {}),
    },
  });
  items.push(set('allow4', 'ipv4_addr', 2, node.nft.allow4), set('allow6', 'ipv6_addr', 3, node.nft.allow6));
  const spoofed = [...node.nft.spoofed].sort(([a], [b]) => a.localeCompare(b));
  items.push({
    set: {
      ...T,
      name: 'spoofed',
      table: 'vmguard',
      type: 'ifname',
      handle: 4,
      size: 65535,
      ...(spoofed.length > 0
        ? { elem: spoofed.map(([val, c]) => ({ elem: { val, counter: { ...c } } })) }
        : {}),
      stmt: [{ counter: null }],
    },
  });
  items.push({
    chain: { ...T, name: 'pre', handle: 1, type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' },
  });
  const total = spoofed.reduce((t, [, c]) => ({ packets: t.packets + c.packets, bytes: t.bytes + c.bytes }), {
    packets: 0,
    bytes: 0,
  });
  rules(total).forEach((expr, i) => items.push({ rule: { ...T, chain: 'pre', handle: 5 + i, expr } }));
  return items;
}

const METAINFO = { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } };

export function nftRulesetJson(node: SimNode): string {
  const items: unknown[] = [METAINFO, ...(node.spec.role === 'hypervisor' ? vmguardItems(node) : [])];
  return `${jansson({ nftables: items })}\n`;
}

/** `nft -j list table inet vmguard`; only hypervisors have the table. */
export function nftVmguardJson(node: SimNode): string | null {
  if (node.spec.role !== 'hypervisor') return null;
  return `${jansson({ nftables: [METAINFO, ...vmguardItems(node)] })}\n`;
}
