import type { NetInterface, VrfInfo } from '../../model/interface.ts';
import type { WorkloadRoute } from '../../model/workload.ts';
import type { IpRoute } from './ip-route.ts';

export interface WorkloadRouteOptions {
  /** The hypervisor these routes were read from. */
  host: string;
  /** Names of TAP-like interfaces, used when no interface carries the link-local gateway. */
  tapPattern?: RegExp;
  /** The gateway address the routed-host model puts on every TAP. */
  gateway4?: string;
  /** VRFs with their tables, to name a route's VRF when its interface says nothing. */
  vrfs?: readonly VrfInfo[];
}

export const DEFAULT_TAP_PATTERN = /^(tap|vnet|veth|vm|fwpr|qvo|cali|lxc)/;

// Never workload addresses: link-local, loopback and multicast.
const NOT_WORKLOAD = [/^169\.254\./, /^127\./, /^2(2[4-9]|3\d)\./, /^fe[89ab][0-9a-f]:/i, /^ff/i, /^::1\//];

function hostRoute(r: IpRoute): boolean {
  return r.family === 4 ? r.prefixLength === 32 : r.prefixLength === 128 || r.prefixLength === 64;
}

/**
 * Whether a kernel route could be a workload's, whatever the host's interfaces: a unicast host route
 * (/32, /128, a /64) straight to one device. A host lists ~20 kernel routes a TAP (local, multicast,
 * link-local); only these are worth holding between polls (frr-state.ts keeps them, not the listing).
 */
export function mayBeWorkloadRoute(r: IpRoute): r is IpRoute & { dev: string } {
  return (
    r.type === 'unicast' &&
    r.paths === 1 &&
    r.dev !== undefined &&
    r.gateway === undefined &&
    hostRoute(r) &&
    !NOT_WORKLOAD.some((re) => re.test(r.dst))
  );
}

/**
 * Host routes (/32, /128, and the /64 of a workload's IPv6) that point at a workload's TAP or veth.
 * In the routed-host model every TAP carries 169.254.0.1/32, which identifies TAPs whatever their
 * naming; when no interface on the host has it, names matching `tapPattern` are used instead.
 */
export function workloadRoutesFrom(
  ipRoutes: readonly IpRoute[],
  interfaces: readonly NetInterface[],
  opts: WorkloadRouteOptions,
): WorkloadRoute[] {
  const gateway = opts.gateway4 ?? '169.254.0.1';
  const byName = new Map(interfaces.map((i) => [i.name, i]));
  const taps = new Set(
    interfaces
      .filter((i) =>
        i.addresses.some((a) => a.family === 4 && a.address === gateway && a.prefixLength === 32),
      )
      .map((i) => i.name),
  );
  const pattern = opts.tapPattern ?? DEFAULT_TAP_PATTERN;
  const isTap = (dev: string): boolean => (taps.size > 0 ? taps.has(dev) : pattern.test(dev));
  const vrfByTable = new Map(
    (opts.vrfs ?? []).filter((v) => v.table !== null).map((v) => [String(v.table), v.name]),
  );

  const out: WorkloadRoute[] = [];
  for (const r of ipRoutes) {
    if (!mayBeWorkloadRoute(r) || !isTap(r.dev)) continue;
    const master = byName.get(r.dev)?.master;
    const masterIsVrf = master !== undefined && byName.get(master)?.kind === 'vrf';
    out.push({
      host: opts.host,
      vrf: masterIsVrf ? master : (vrfByTable.get(r.table) ?? 'default'),
      family: r.family,
      prefix: r.dst,
      interface: r.dev,
      metric: r.metric,
      protocol: r.protocol,
    });
  }
  return out;
}
