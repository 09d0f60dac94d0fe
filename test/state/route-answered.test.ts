/**
 * The store and a router's answer for one prefix (issue 16): the Workloads view shows the new host the
 * moment the verification's answer comes, and a poll that was already running — its table read before
 * the answer — does not take the view back to the old host; a poll read after it is the truth.
 */
import { describe, expect, it } from 'vitest';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import type { Route } from '../../src/model/route.ts';
import type { RouteTable } from '../../src/model/route-table.ts';
import type { TenantSpec, WorkloadRoute } from '../../src/model/workload.ts';
import { createAppStore } from '../../src/state/store.ts';
import { bgpRoute, deviceSpec, session, snapshot } from '../helpers/snapshots.ts';

const TENANTS: TenantSpec[] = [{ name: 'globex', pools4: ['203.0.113.0/24'], pools6: [] }];
const tap = (host: string, prefix: string): WorkloadRoute => ({
  host,
  vrf: 'default',
  family: 4,
  prefix,
  interface: 'tap1',
  metric: 0,
  protocol: 'kernel',
});
const peers = [
  session('rr', 'swp1', 'Established', { hostname: 'hv1' }),
  session('rr', 'swp2', 'Established', { hostname: 'hv2' }),
];
const routerAt = (at: number, routes: Route[]) => {
  const snap = snapshot('rr', { bgp: peers, routes, at });
  return { ...snap, routes: withReadAt(snap.routes, at) };
};

function setup() {
  const store = createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices: [deviceSpec('rr', 'router'), deviceSpec('hv1', 'hypervisor'), deviceSpec('hv2', 'hypervisor')],
    tenants: TENANTS,
  });
  const s = () => store.getState();
  s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: [tap('hv1', '203.0.113.5/32')], at: 1 }));
  s().pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: [tap('hv2', '203.0.113.5/32')], at: 1 }));
  s().pollSucceeded(
    'rr',
    routerAt(1_000, [bgpRoute('203.0.113.5/32', 'swp1'), bgpRoute('203.0.113.6/32', 'swp1')]),
  );
  const via = () =>
    s()
      .workloads.find((w) => w.prefix === '203.0.113.5/32')!
      .seenBy.map((v) => v.nexthops[0]?.viaHost)
      .join();
  return { s, via };
}

describe('a router answer in the store', () => {
  it('shows the new host at once; a poll read before the answer keeps it; a poll read after it wins', () => {
    const { s, via } = setup();
    expect(via()).toBe('hv1');
    s().routeAnswered('rr', 'default', '203.0.113.5/32', [bgpRoute('203.0.113.5/32', 'swp2')], 2_000);
    expect(via()).toBe('hv2');
    expect(s().devices['rr']!.snapshot!.routes.readAtOf?.('default', 4, '203.0.113.5/32')).toBe(2_000);

    // The poll that was running when the answer came: its table was read at 1.5 s, before the switch.
    const stale = snapshot('rr', {
      bgp: peers,
      routes: [bgpRoute('203.0.113.5/32', 'swp1'), bgpRoute('203.0.113.6/32', 'swp2')],
      at: 1_500,
    });
    s().pollSucceeded('rr', { ...stale, routes: withReadAt(stale.routes, 1_500) });
    expect(via()).toBe('hv2');
    // …while the rest of that poll's table is what it read.
    expect(s().devices['rr']!.snapshot!.routes.lookup('203.0.113.6')?.nexthops[0]?.interface).toBe('swp2');

    // A poll that read the table after the answer: its rows are the truth (here: back to hv1).
    const later = snapshot('rr', { bgp: peers, routes: [bgpRoute('203.0.113.5/32', 'swp1')], at: 3_000 });
    s().pollSucceeded('rr', { ...later, routes: withReadAt(later.routes, 3_000) });
    expect(via()).toBe('hv1');
  });

  it('an answer older than the table it would go into, or for a device never polled, changes nothing', () => {
    const { s, via } = setup();
    const before = s().devices['rr']!.snapshot;
    s().routeAnswered('rr', 'default', '203.0.113.5/32', [bgpRoute('203.0.113.5/32', 'swp2')], 500);
    expect(s().devices['rr']!.snapshot).toBe(before);
    expect(via()).toBe('hv1');
    s().routeAnswered('nosuch', 'default', '203.0.113.5/32', [], 2_000);
    expect(s().devices['nosuch']).toBeUndefined();
  });
});

/** The same rows, read at `at` (as a driver's table is). */
function withReadAt(table: RouteTable, at: number) {
  const b = new CompactRouteTableBuilder();
  for (const r of table) b.add(r);
  return b.finish(at);
}
