/**
 * `ip -j [-d] link|addr` (iproute2 6.1): one object per link in ifindex order, keys in iproute2's
 * order; `-d` adds linkinfo (kind, VRF table, VLAN id, tun type) and the slave info of VRF members.
 */
import type { Kernel, Link } from '../model/kernel.ts';
import { compact } from './json.ts';

export interface LinkListing {
  details: boolean;
  addresses: boolean;
  /** linkmode is printed by `ip link`, not by `ip addr`. */
  linkmode: boolean;
  dev?: string;
  type?: string;
  family?: 4 | 6;
}

function flags(k: Kernel, l: Link): string[] {
  if (l.kind === 'loopback') return ['LOOPBACK', 'UP', 'LOWER_UP'];
  const base = l.kind === 'vrf' ? ['NOARP', 'MASTER'] : ['BROADCAST', 'MULTICAST'];
  if (!l.up) return base;
  return [...base, 'UP', ...(k.operational(l.name) ? ['LOWER_UP'] : [])];
}

function operstate(k: Kernel, l: Link): string {
  if (l.kind === 'loopback') return 'UNKNOWN';
  return k.operational(l.name) ? 'UP' : 'DOWN';
}

function linkinfo(k: Kernel, l: Link): Record<string, unknown> | undefined {
  const info: Record<string, unknown> = {};
  if (l.kind === 'vrf') Object.assign(info, { info_kind: 'vrf', info_data: { table: l.table } });
  if (l.kind === 'vlan')
    Object.assign(info, {
      info_kind: 'vlan',
      info_data: { protocol: '802.1Q', id: l.vlanId, flags: ['REORDER_HDR'] },
    });
  if (l.kind === 'veth' || l.kind === 'dummy') info['info_kind'] = l.kind;
  if (l.kind === 'tun')
    Object.assign(info, {
      info_kind: 'tun',
      info_data: { type: 'tap', pi: false, vnet_hdr: false, multi_queue: false, persist: true },
    });
  const master = l.master !== undefined ? k.links.get(l.master) : undefined;
  if (master?.kind === 'vrf')
    Object.assign(info, { info_slave_kind: 'vrf', info_slave_data: { table: master.table } });
  return Object.keys(info).length > 0 ? info : undefined;
}

/** iproute2 lists a link's IPv4 addresses before its IPv6 ones. */
function inetFirst(l: Link): Link['addrs'] {
  return [...l.addrs.filter((a) => a.family === 4), ...l.addrs.filter((a) => a.family === 6)];
}

function addrInfo(l: Link, family?: 4 | 6): Record<string, unknown>[] {
  return inetFirst(l)
    .filter((a) => family === undefined || a.family === family)
    .map((a) => ({
      family: a.family === 4 ? 'inet' : 'inet6',
      local: a.local,
      prefixlen: a.prefixlen,
      scope: a.scope,
      ...(a.family === 4 ? { label: l.name } : {}),
      ...(a.nodad ? { nodad: true } : {}),
      valid_life_time: 4294967295,
      preferred_life_time: 4294967295,
    }));
}

export function linkObject(k: Kernel, l: Link, opts: LinkListing): Record<string, unknown> {
  const loop = l.kind === 'loopback';
  const o: Record<string, unknown> = {
    ifindex: l.index,
    ...(l.parent !== undefined ? { link: l.parent } : {}),
    ifname: l.name,
    flags: flags(k, l),
    mtu: l.mtu,
    qdisc: l.kind === 'ether' ? 'pfifo_fast' : 'noqueue',
    ...(l.master !== undefined ? { master: l.master } : {}),
    operstate: operstate(k, l),
    ...(opts.linkmode ? { linkmode: 'DEFAULT' } : {}),
    group: 'default',
    txqlen: 1000,
    link_type: loop ? 'loopback' : 'ether',
    address: l.mac,
    broadcast: loop ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
  };
  if (opts.details) {
    Object.assign(o, { promiscuity: 0, allmulti: 0, min_mtu: loop ? 0 : 68, max_mtu: loop ? 0 : 65535 });
    const info = linkinfo(k, l);
    if (info) o['linkinfo'] = info;
    Object.assign(o, {
      inet6_addr_gen_mode: 'eui64',
      num_tx_queues: 1,
      num_rx_queues: 1,
      gso_max_size: 65536,
      gso_max_segs: 65535,
    });
  }
  if (opts.addresses) o['addr_info'] = addrInfo(l, opts.family);
  return o;
}

/** Links matching the listing's filters, or null when `dev` names no link. */
export function listLinks(k: Kernel, opts: LinkListing): Link[] | null {
  const all = [...k.links.values()].sort((a, b) => a.index - b.index);
  if (opts.dev !== undefined) {
    const l = k.links.get(opts.dev);
    return l ? [l] : null;
  }
  return all.filter(
    (l) => opts.type === undefined || l.kind === opts.type || (opts.type === 'tuntap' && l.kind === 'tun'),
  );
}

/** Rendered listings per kernel state: a simulated router's 1,000-link `ip -j -d addr show` is megabytes. */
const rendered = new WeakMap<Kernel, { version: number; byListing: Map<string, string> }>();

/**
 * The listing as iproute2 prints it, rendered once per kernel state (every change bumps the kernel's
 * version): a console's digest of a router's interfaces every poll must not cost the lab, which
 * stands in for a thousand devices on one core, seconds each time. A real kernel prints it in
 * milliseconds.
 */
export function linksJson(k: Kernel, opts: LinkListing): string {
  let cache = rendered.get(k);
  if (cache?.version !== k.version) {
    cache = { version: k.version, byListing: new Map() };
    rendered.set(k, cache);
  }
  const key = JSON.stringify(opts);
  let text = cache.byListing.get(key);
  if (text === undefined) {
    const links = listLinks(k, opts) ?? [];
    text = `${compact(links.map((l) => linkObject(k, l, opts)))}\n`;
    cache.byListing.set(key, text);
  }
  return text;
}

/**
 * `ip -br addr` and `ip -br link` (iproute2's print_linkinfo/print_addrinfo in brief mode): the name
 * (`name@parent` for a VLAN) padded to 16, the operstate padded to 14, then each address as
 * `local/len ` — or the MAC and `<FLAGS> ` for link — every field followed by one space.
 */
export function briefLinks(k: Kernel, opts: LinkListing): string {
  return (listLinks(k, opts) ?? [])
    .map((l) => {
      const name = l.parent !== undefined ? `${l.name}@${l.parent}` : l.name;
      const fields = opts.addresses
        ? inetFirst(l)
            .filter((a) => opts.family === undefined || a.family === opts.family)
            .map((a) => `${a.local}/${a.prefixlen} `)
        : [`${l.mac} `, `<${flags(k, l).join(',')}> `];
      return `${name.padEnd(16)} ${operstate(k, l).padEnd(14)} ${fields.join('')}\n`;
    })
    .join('');
}
