/**
 * vtysh configuration mode: a node stack (config → router bgp → address-family, route-map, vrf).
 * Static routes and redistribution take effect in the model; other lines are accepted and kept
 * for `show running-config`, as FRR would store them.
 */
import type { Family } from '../../../model/route.ts';
import { parseCidr } from '../model/addr.ts';
import type { SimNode } from '../model/node.ts';
import { NoMatch, NUMBER, V4_ADDR, V4_PREFIX, V6_ADDR, V6_PREFIX, type Words } from './keywords.ts';

export type VtyNode =
  | { kind: 'enable' }
  | { kind: 'config' }
  | { kind: 'vrf'; vrf: string }
  | { kind: 'bgp'; vrf: string }
  | { kind: 'af'; vrf: string; family: Family }
  /** `provisioned`: a tenant's TENANT-OUT route-map, which `show running-config` renders from the pools. */
  | { kind: 'route-map'; provisioned?: boolean };

export class VtyError extends Error {}

function staticRoute(node: SimNode, w: Words, family: Family, negate: boolean, vrfCtx: string): void {
  const prefix = parseCidr(w.arg(family === 4 ? V4_PREFIX : V6_PREFIX), family);
  if (!prefix) throw new NoMatch();
  const target = w.arg();
  let vrf = vrfCtx;
  if (w.opt('vrf')) vrf = w.arg();
  w.rest(); // distance, tag, label…: accepted
  const blackhole = ['blackhole', 'Null0', 'reject'].includes(target);
  const isAddr = (family === 4 ? V4_ADDR : V6_ADDR).test(target);
  const same = (s: (typeof node.statics)[number]): boolean =>
    s.source === 'vtysh' &&
    s.vrf === vrf &&
    s.prefix.text === prefix.text &&
    (s.blackhole ? 'blackhole' : (s.nexthop ?? s.iface)) === (blackhole ? 'blackhole' : target);
  const i = node.statics.findIndex(same);
  if (negate) {
    if (i >= 0) node.statics.splice(i, 1);
    return;
  }
  if (i >= 0) return;
  node.statics.push({
    vrf,
    prefix,
    ...(blackhole ? { blackhole: true } : isAddr ? { nexthop: target } : { iface: target }),
    source: 'vtysh',
    addedAt: Date.now(),
  });
}

/** The VRF a `TENANT4-BLUE` / `TENANT-OUT6-BLUE` name is about (the lab's convention), if the device has it. */
function tenantVrfOf(node: SimNode, name: string, pattern: RegExp): string | undefined {
  const tag = pattern.exec(name)?.[1];
  if (tag === undefined) return undefined;
  if (tag === 'DEFAULT') return 'default';
  return node.kernel.vrfs().find((v) => v.name.toUpperCase() === tag)?.name;
}

/**
 * `ip prefix-list TENANT4-<VRF> seq N permit P ge 32` (and the IPv6 one): the pool joins that VRF's
 * redistribution filter, as the lab's provisioned prefix-lists do; false for any other list.
 */
function tenantPrefixList(node: SimNode, w: Words, negate: boolean): boolean {
  const name = w.arg();
  const vrf = tenantVrfOf(node, name, /^TENANT[46]-(.+)$/);
  if (vrf === undefined) {
    w.rest();
    return false;
  }
  if (w.opt('seq')) w.arg(NUMBER);
  w.kw('permit');
  const prefix = parseCidr(w.arg(name.startsWith('TENANT4') ? V4_PREFIX : V6_PREFIX));
  if (!prefix) throw new NoMatch();
  w.rest();
  // Copy on write: the lab's hypervisors start from one shared map.
  const pools = new Map(node.spec.pools);
  const list = (pools.get(vrf) ?? []).filter((p) => p.text !== prefix.text);
  pools.set(vrf, negate ? list : [...list, prefix]);
  node.spec.pools = pools;
  return true;
}

function record(node: SimNode, line: string, indent: number): void {
  node.frrConfig.push(`${' '.repeat(indent)}${line}`);
}

/** Runs one line in a config node; returns the node to continue in. */
export function configLine(node: SimNode, ctx: VtyNode, w: Words, line: string): VtyNode {
  node.touch();
  const exit = w.opt('exit', 'end', 'exit-address-family', 'exit-vrf');
  if (exit === 'end') return { kind: 'enable' };
  if (exit) {
    if (ctx.kind === 'af') return { kind: 'bgp', vrf: ctx.vrf };
    return ctx.kind === 'config' ? { kind: 'enable' } : { kind: 'config' };
  }
  const negate = w.opt('no') !== undefined;
  switch (ctx.kind) {
    case 'config':
    case 'vrf': {
      const vrfCtx = ctx.kind === 'vrf' ? ctx.vrf : 'default';
      const first = w.kw(
        'ip',
        'ipv6',
        'router',
        'route-map',
        'vrf',
        'frr',
        'hostname',
        'log',
        'interface',
        'bgp',
        'service',
        'line',
        'agentx',
        'debug',
      );
      if ((first === 'ip' || first === 'ipv6') && w.opt('route')) {
        staticRoute(node, w, first === 'ip' ? 4 : 6, negate, vrfCtx);
        return ctx;
      }
      if (first === 'router') {
        w.kw('bgp');
        const asn = Number(w.arg(NUMBER));
        const vrf = w.opt('vrf') ? w.arg() : 'default';
        w.end();
        if (asn !== node.spec.asn) throw new VtyError(`BGP is already running; AS is ${node.spec.asn}`);
        if (negate) {
          if (vrf !== 'default' && node.bgp.instances.get(vrf)?.sessions.length === 0)
            node.bgp.removeInstance(vrf);
          return ctx;
        }
        node.bgp.instance(vrf);
        record(node, line, 0);
        return { kind: 'bgp', vrf };
      }
      if (first === 'vrf' && !negate) {
        const vrf = w.arg();
        w.end();
        return { kind: 'vrf', vrf };
      }
      if (first === 'route-map' && !negate) {
        const name = w.arg();
        w.kw('permit', 'deny');
        w.arg(NUMBER);
        w.end();
        const vrf = tenantVrfOf(node, name, /^TENANT-OUT[46]-(.+)$/);
        if (vrf !== undefined && node.spec.pools.has(vrf)) return { kind: 'route-map', provisioned: true };
        record(node, line, 0);
        return { kind: 'route-map' };
      }
      const what =
        first === 'ip' || first === 'ipv6' ? w.opt('prefix-list', 'protocol', 'nht', 'forwarding') : '';
      if (what === undefined) throw new NoMatch();
      if (what === 'prefix-list' && tenantPrefixList(node, w, negate)) return ctx;
      record(node, line, 0);
      return ctx;
    }
    case 'bgp': {
      const first = w.kw(
        'neighbor',
        'bgp',
        'address-family',
        'timers',
        'maximum-paths',
        'redistribute',
        'network',
      );
      if (first === 'address-family' && !negate) {
        const afi = w.kw('ipv4', 'ipv6');
        w.opt('unicast');
        w.end();
        return { kind: 'af', vrf: ctx.vrf, family: afi === 'ipv4' ? 4 : 6 };
      }
      if (first === 'neighbor' && ctx.vrf !== 'default') {
        // A VRF-lite session: it comes up once the far end of the VLAN has its neighbor too.
        const peer = w.arg();
        const words = w.rest();
        if (negate || words.includes('remote-as')) node.bgp.configureNeighbor(ctx.vrf, peer, !negate);
      } else w.rest();
      record(node, line, 1);
      return ctx;
    }
    case 'af': {
      const first = w.kw(
        'redistribute',
        'neighbor',
        'network',
        'maximum-paths',
        'aggregate-address',
        'import',
        'rd',
        'route-target',
        'label',
        'export',
      );
      if (first === 'redistribute') {
        const proto = w.kw('kernel', 'static', 'connected');
        if (w.opt('route-map')) w.arg();
        if (w.opt('metric')) w.arg(NUMBER);
        w.end();
        const key = `${ctx.vrf}|${ctx.family}|${proto}`;
        if (negate) node.redistribute.delete(key);
        else node.redistribute.add(key);
      } else w.rest();
      record(node, line, 2);
      return ctx;
    }
    case 'route-map': {
      w.kw('match', 'set', 'on-match', 'call', 'description');
      w.rest();
      if (!ctx.provisioned) record(node, line, 1);
      return ctx;
    }
    default:
      throw new NoMatch();
  }
}
