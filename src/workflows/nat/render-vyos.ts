/**
 * VyOS set commands (reference vyos-api-and-frr-json.md §2 NAT, routed-host-model.md §6). 1.4+
 * puts interface matches under `… name IF`; 1.3 has a plain leaf and no `nat static`, so the 1.3
 * provider edge uses a destination rule (conntrack reverses it for the tenants' flows).
 */
import { description, type SharedServiceDesign, type TenantSide, type VyosVersion } from './design.ts';

/** The executor's vyos-configure command: the node path, and the leaf's value for a set. */
export interface VyosCommand {
  op: 'set' | 'delete';
  path: string[];
  value?: string;
}

const iface = (v: VyosVersion, leaf: 'inbound-interface' | 'outbound-interface'): string[] =>
  v === '1.3' ? [leaf] : [leaf, 'name'];
const set = (path: string[], value: string): VyosCommand => ({ op: 'set', path, value });

export function tenantVyos(d: SharedServiceDesign, t: TenantSide, v: VyosVersion): VyosCommand[] {
  const dst = ['nat', 'destination', 'rule', String(d.rule)];
  const src = ['nat', 'source', 'rule', String(d.rule)];
  return [
    set([...dst, 'description'], description(d)),
    set([...dst, ...iface(v, 'inbound-interface')], t.tenantIf),
    set([...dst, 'destination', 'address'], d.local),
    set([...dst, 'translation', 'address'], d.serviceTransit),
    set([...src, 'description'], description(d)),
    set([...src, ...iface(v, 'outbound-interface')], t.transitIf),
    set([...src, 'source', 'address'], t.private),
    set([...src, 'destination', 'address'], d.serviceTransit),
    set([...src, 'translation', 'address'], t.slice),
  ];
}

export function tenantVyosUndo(d: SharedServiceDesign): VyosCommand[] {
  return [
    { op: 'delete', path: ['nat', 'source', 'rule', String(d.rule)] },
    { op: 'delete', path: ['nat', 'destination', 'rule', String(d.rule)] },
  ];
}

function providerNatPath(d: SharedServiceDesign, v: VyosVersion): string[] {
  return ['nat', v === '1.3' ? 'destination' : 'static', 'rule', String(d.rule)];
}

export function providerVyos(d: SharedServiceDesign, v: VyosVersion): VyosCommand[] {
  const nat = providerNatPath(d, v);
  const inbound = d.provider.transitIf
    ? // `nat static … inbound-interface eth0` is a plain leaf in 1.4 (smoketest test_nat.py), as 1.3's destination rule.
      [set([...nat, 'inbound-interface'], d.provider.transitIf)]
    : [];
  return [
    set([...nat, 'description'], description(d)),
    ...inbound,
    set([...nat, 'destination', 'address'], d.serviceTransit),
    set([...nat, 'translation', 'address'], d.service),
    // Same path in 1.3 and 1.4: only interface routes changed (`interface-route` → `route X interface`).
    ...d.tenants.map((t) => set(['protocols', 'static', 'route', t.slice, 'next-hop'], t.via)),
  ];
}

export function providerVyosUndo(d: SharedServiceDesign, v: VyosVersion): VyosCommand[] {
  return [
    ...[...d.tenants]
      .reverse()
      .map((t): VyosCommand => ({ op: 'delete', path: ['protocols', 'static', 'route', t.slice] })),
    { op: 'delete', path: providerNatPath(d, v) },
  ];
}

/** `set nat …` as typed at the VyOS CLI (values quoted when they contain spaces): the preview's config lines. */
export function vyosLine(c: VyosCommand): string {
  const words = c.value !== undefined ? [...c.path, c.value] : c.path;
  return [c.op, ...words.map((p) => (/\s/.test(p) ? `'${p}'` : p))].join(' ');
}
