import type { BgpSession } from '../../src/model/bgp.ts';
import { type CompactRouteTable } from '../../src/model/compact-route-table.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import { createAppStore, type AppStore } from '../../src/state/store.ts';
import { routePrefix } from '../routes.ts';

export const BORDER = 'border1';
export const SPINE = 'spine1';

const UPLINKS = [
  [{ ip: '192.0.2.1', interface: 'eth0', active: true }],
  [{ ip: '198.51.100.1', interface: 'eth1', active: true }],
];
const ECMP = [...UPLINKS[0]!, ...UPLINKS[1]!];
const UPTIMES = ['00:12:07', '3d04h12m', '01w2d05h', '1d02h33m', '23:59:07'];

/**
 * The bench fixture's table (bench/routes.ts: the same prefixes, the same two uplinks, ECMP on every
 * 20th route), built with `addParsed` rather than parsed from the 754 MB document: ~1 s instead of 4.
 */
export function borderTable(count: number): CompactRouteTable {
  const builder = new CompactRouteTableBuilder();
  for (let i = 0; i < count; i++) {
    const hops = i % 20 === 7 ? ECMP : UPLINKS[i % 2]!;
    builder.addParsed('default', routePrefix(i), 'bgp', true, true, 20, 0, UPTIMES[i % 5]!, hops);
  }
  return builder.finish();
}

function spec(name: string, role: DeviceSpec['role']): DeviceSpec {
  return {
    name,
    role,
    kind: 'frr-linux',
    host: '127.0.0.1',
    port: 2200,
    user: 'noc',
    auth: { type: 'agent' },
    vtysh: 'vtysh',
    privilege: '',
    simulated: true,
  };
}

function session(device: string, peer: string, up: boolean): BgpSession {
  return {
    device,
    vrf: 'default',
    afiSafi: 'ipv4Unicast',
    peer,
    peerType: 'interface',
    remoteAs: '65101',
    localAs: '65000',
    state: up ? 'Established' : 'Active',
    established: up,
    uptimeMs: 1000,
    prefixesReceived: up ? 2 : null,
    prefixesSent: up ? 4 : null,
    connectionsEstablished: 1,
    connectionsDropped: 0,
  };
}

function snapshot(device: string, routes: CompactRouteTable, bgp: BgpSession[], at: number): DeviceSnapshot {
  return {
    device,
    collectedAt: at,
    bgp,
    routes,
    interfaces: [],
    vrfs: [],
    workloadRoutes: [],
    partialErrors: [],
  };
}

/** The border router with its full table, and a spine whose snapshots the poll phase delivers. */
export function consoleStore(table: CompactRouteTable): AppStore {
  const store = createAppStore({
    source: { kind: 'lab-sim', label: 'LAB (simulated)' },
    devices: [spec(BORDER, 'router'), spec(SPINE, 'router')],
    tenants: [],
  });
  store
    .getState()
    .pollSucceeded(BORDER, snapshot(BORDER, table, [session(BORDER, 'eth0', true)], Date.now()));
  return store;
}

/**
 * Starts delivering a fresh spine snapshot every `everyMs` (pollStarted, then pollSucceeded, as the
 * poller does; 48 sessions and 2,000 routes; one session flaps every 10th poll so events arrive too).
 */
export function startSpinePolls(store: AppStore, everyMs: number): { polls(): number; stop(): void } {
  const builder = new CompactRouteTableBuilder();
  for (let i = 0; i < 2000; i++)
    builder.addParsed('default', routePrefix(i), 'bgp', true, true, 20, 0, null, ECMP);
  const routes = builder.finish();
  let n = 0;
  const timer = setInterval(() => {
    const at = Date.now();
    const state = store.getState();
    state.pollStarted(SPINE, at);
    const bgp = Array.from({ length: 48 }, (_, i) =>
      session(SPINE, `swp${i + 1}`, !(i === 0 && n % 10 === 5)),
    );
    state.pollSucceeded(SPINE, snapshot(SPINE, routes, bgp, at));
    n++;
  }, everyMs);
  return { polls: () => n, stop: () => clearInterval(timer) };
}
