/**
 * `ip -j [-6] route [show] [table all|N] ` (iproute2 6.1): the kernel FIB as the kernel would hold
 * it — prefix routes of addresses, the local table, routes added with `ip route`, and what zebra
 * installed (its selected BGP and static routes, `proto bgp metric 20`, RFC 8950 `via inet6`).
 */
import type { Family } from '../../../model/route.ts';
import { comparePrefix, ipRouteDst, parseCidr, type Prefix } from '../model/addr.ts';
import { LOCAL_TABLE, MAIN_TABLE } from '../model/kernel.ts';
import type { SimNode } from '../model/node.ts';
import { tableOfVrf } from '../model/rib.ts';
import { compact } from './json.ts';

const ZEBRA_KERNEL_METRIC = 20;

interface FibRoute {
  prefix: Prefix;
  table: number;
  obj: Record<string, unknown>;
}

function tableText(t: number): string {
  return t === LOCAL_TABLE ? 'local' : t === MAIN_TABLE ? 'main' : String(t);
}

function fib(node: SimNode, family: Family): FibRoute[] {
  const k = node.kernel;
  const out: FibRoute[] = [];
  const v6 = family === 6 ? { pref: 'medium' } : {};
  const push = (prefix: Prefix | null, table: number, obj: Record<string, unknown>): void => {
    if (prefix) out.push({ prefix, table, obj: { ...obj, ...v6 } });
  };
  for (const l of k.links.values()) {
    if (l.kind === 'vrf' || !k.operational(l.name)) continue;
    const table = k.tableOf(l.name);
    const localTable = table === MAIN_TABLE ? LOCAL_TABLE : table;
    for (const a of l.addrs) {
      if (a.family !== family) continue;
      const p = parseCidr(`${a.local}/${a.prefixlen}`);
      const host = parseCidr(a.local);
      if (family === 4) {
        if (p && p.length < 32)
          push(p, table, { dev: l.name, protocol: 'kernel', scope: 'link', prefsrc: a.local, flags: [] });
        push(host, localTable, {
          type: 'local',
          dev: l.name,
          protocol: 'kernel',
          scope: 'host',
          prefsrc: a.local,
          flags: [],
        });
      } else {
        if (p && a.local !== '::1')
          push(p, table, { dev: l.name, protocol: 'kernel', metric: 256, flags: [] });
        push(host, localTable, { type: 'local', dev: l.name, protocol: 'kernel', metric: 0, flags: [] });
      }
    }
    if (family === 6 && l.kind !== 'loopback')
      push(parseCidr('ff00::/8'), localTable, {
        type: 'multicast',
        dev: l.name,
        protocol: 'kernel',
        metric: 256,
        flags: [],
      });
  }
  for (const r of k.routes) {
    if (r.prefix.family !== family) continue;
    const metric = r.metric !== 0 || family === 6 ? { metric: r.metric } : {};
    push(r.prefix, r.table, {
      ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
      dev: r.dev,
      ...(r.protocol !== 'boot' ? { protocol: r.protocol } : {}),
      ...(family === 4 && r.gateway === undefined ? { scope: 'link' } : {}),
      ...metric,
      flags: [],
    });
  }
  for (const vrf of node.vrfNames()) {
    const table = tableOfVrf(k, vrf);
    if (table === undefined) continue;
    for (const e of node.rib(vrf, family)) {
      if (!e.selected || (e.protocol !== 'bgp' && e.protocol !== 'static')) continue;
      const hops = e.nexthops.map((nh) => ({
        ...(nh.ip !== undefined
          ? family === 4 && nh.afi === 'ipv6'
            ? { via: { family: 'inet6', host: nh.ip } }
            : { gateway: nh.ip }
          : {}),
        ...(nh.interfaceName !== undefined ? { dev: nh.interfaceName } : {}),
      }));
      const base = { protocol: e.protocol, metric: ZEBRA_KERNEL_METRIC, flags: [] };
      if (e.nexthops.some((n) => n.blackhole)) push(e.prefix, table, { type: 'blackhole', ...base });
      else if (hops.length === 1)
        push(e.prefix, table, { nhid: 20 + e.nexthops.length, ...hops[0], ...base });
      else
        push(e.prefix, table, {
          nhid: 20 + e.nexthops.length,
          ...base,
          nexthops: hops.map((h) => ({ ...h, weight: 1, flags: [] })),
        });
    }
  }
  return out;
}

/** Keys in iproute2's print order (type, dst, nhid, gateway/via, dev, table, protocol, …). */
function ordered(r: FibRoute, withTable: boolean): Record<string, unknown> {
  const { type, nhid, gateway, via, dev, protocol, scope, prefsrc, metric, flags, pref, nexthops } = r.obj;
  const o: Record<string, unknown> = {};
  if (type !== undefined) o['type'] = type;
  o['dst'] = ipRouteDst(r.prefix);
  Object.assign(
    o,
    nhid !== undefined ? { nhid } : {},
    gateway !== undefined ? { gateway } : {},
    via !== undefined ? { via } : {},
  );
  if (dev !== undefined) o['dev'] = dev;
  if (withTable && r.table !== MAIN_TABLE) o['table'] = tableText(r.table);
  Object.assign(o, protocol !== undefined ? { protocol } : {}, scope !== undefined ? { scope } : {});
  Object.assign(o, prefsrc !== undefined ? { prefsrc } : {}, metric !== undefined ? { metric } : {});
  Object.assign(o, { flags }, pref !== undefined ? { pref } : {}, nexthops !== undefined ? { nexthops } : {});
  return o;
}

/** A route's type as `ip route show type` selects it: iproute2 prints none for unicast. */
const typeOf = (r: FibRoute): string => (typeof r.obj['type'] === 'string' ? r.obj['type'] : 'unicast');

/** `table`: a table id, or 'all'; `type`: only routes of that type (`ip route show … type unicast`). */
export function ipRoutesJson(
  node: SimNode,
  families: Family[],
  table: number | 'all',
  type?: string,
): string {
  const rows: Record<string, unknown>[] = [];
  for (const family of families) {
    const routes = fib(node, family)
      .filter((r) => (table === 'all' || r.table === table) && (type === undefined || typeOf(r) === type))
      .sort((a, b) => a.table - b.table || comparePrefix(a.prefix, b.prefix));
    for (const r of routes) rows.push(ordered(r, table === 'all'));
  }
  return `${compact(rows)}\n`;
}

/** `ip route` text, for people: `198.51.100.10 dev tap-acme-1 scope link`. */
export function ipRoutesText(node: SimNode, family: Family, table: number, type?: string): string {
  return fib(node, family)
    .filter((r) => r.table === table && (type === undefined || typeOf(r) === type))
    .sort((a, b) => comparePrefix(a.prefix, b.prefix))
    .map((r) => {
      const o = ordered(r, false);
      const parts = [o['type'] !== undefined ? String(o['type']) : '', String(o['dst'])];
      const via = o['via'] as { host: string } | undefined;
      if (via) parts.push(`via inet6 ${via.host}`);
      for (const key of ['gateway', 'dev', 'protocol', 'scope', 'src', 'metric'] as const) {
        const v = key === 'gateway' ? o['gateway'] : key === 'src' ? o['prefsrc'] : o[key];
        if (v !== undefined)
          parts.push(
            key === 'gateway' ? `via ${String(v)}` : `${key === 'protocol' ? 'proto' : key} ${String(v)}`,
          );
      }
      const hops =
        (o['nexthops'] as { via?: { host: string }; gateway?: string; dev?: string }[] | undefined) ?? [];
      const tail = hops
        .map(
          (h) =>
            `\n\tnexthop via ${h.via ? `inet6 ${h.via.host}` : (h.gateway ?? '')} dev ${h.dev ?? ''} weight 1`,
        )
        .join('');
      return `${parts.filter(Boolean).join(' ')} ${tail}`.trimEnd();
    })
    .map((l) => `${l} \n`)
    .join('');
}
