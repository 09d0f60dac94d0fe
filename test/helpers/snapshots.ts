import type { BgpSession } from '../../src/model/bgp.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import type { Route } from '../../src/model/route.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import type { WorkloadRoute } from '../../src/model/workload.ts';

/** Builds snapshots the way a driver would, for store and view tests (the parsers have their own tests). */
export function snapshot(
  device: string,
  parts: {
    bgp?: BgpSession[];
    routes?: Route[];
    workloadRoutes?: WorkloadRoute[];
    partialErrors?: string[];
    at?: number;
  },
): DeviceSnapshot {
  const builder = new CompactRouteTableBuilder();
  for (const route of parts.routes ?? []) builder.add(route);
  return {
    device,
    collectedAt: parts.at ?? Date.now(),
    bgp: parts.bgp ?? [],
    routes: builder.finish(),
    interfaces: [],
    vrfs: [],
    workloadRoutes: parts.workloadRoutes ?? [],
    partialErrors: parts.partialErrors ?? [],
  };
}

export function session(
  device: string,
  peer: string,
  state: string,
  extra: Partial<BgpSession> = {},
): BgpSession {
  return {
    device,
    vrf: 'default',
    afiSafi: 'ipv4Unicast',
    peer,
    peerType: 'interface',
    remoteAs: '65101',
    localAs: '65000',
    state,
    established: state === 'Established',
    uptimeMs: 1000,
    prefixesReceived: state === 'Established' ? 2 : null,
    prefixesSent: state === 'Established' ? 4 : null,
    connectionsEstablished: 1,
    connectionsDropped: 0,
    ...extra,
  };
}

export function bgpRoute(prefix: string, viaInterface: string, extra: Partial<Route> = {}): Route {
  return {
    vrf: 'default',
    family: prefix.includes(':') ? 6 : 4,
    prefix,
    protocol: 'bgp',
    selected: true,
    installed: true,
    distance: 20,
    metric: 0,
    uptime: '00:01:00',
    nexthops: [{ ip: 'fe80::1', interface: viaInterface, active: true }],
    ...extra,
  };
}

/** A device as the inventory would give it, for store and view tests that never connect to it. */
export function deviceSpec(name: string, role: DeviceSpec['role']): DeviceSpec {
  return {
    name,
    role,
    kind: 'frr-linux',
    host: '127.0.0.1',
    port: 22,
    user: 'noc',
    auth: { type: 'agent' },
    vtysh: 'vtysh',
    privilege: '',
  };
}
