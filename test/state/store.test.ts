import { describe, expect, it, vi } from 'vitest';
import type { DeviceSpec } from '../../src/model/device.ts';
import { createAppStore } from '../../src/state/store.ts';
import { bgpRoute, deviceSpec, session, snapshot } from '../helpers/snapshots.ts';

const spec = (name: string, role: 'router' | 'hypervisor'): DeviceSpec => ({
  name,
  role,
  kind: 'frr-linux',
  host: '192.0.2.1',
  port: 22,
  user: 'root',
  auth: { type: 'agent' },
  vtysh: 'vtysh',
  privilege: '',
});

const tenants = [
  { name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] },
  { name: 'globex', pools4: ['203.0.113.0/24'], pools6: [] },
];

function fabric() {
  return createAppStore({
    source: { kind: 'inventory', label: 'test' },
    devices: [
      spec('rtr1', 'router'),
      spec('rtr2', 'router'),
      spec('hv1', 'hypervisor'),
      spec('hv2', 'hypervisor'),
    ],
    tenants,
  });
}

const wl = (host: string, prefix: string, tap: string) => ({
  host,
  vrf: 'default',
  family: (prefix.includes(':') ? 6 : 4) as 4 | 6,
  prefix,
  interface: tap,
  metric: 0,
  protocol: 'kernel',
});

describe('live store', () => {
  it('a poll replaces its device record only: every other record the same object, all devices in order', () => {
    const store = fabric();
    const before = store.getState().devices;
    const rtr1 = before['rtr1'];
    store.getState().pollStarted('hv2', 1_000);
    store.getState().pollSucceeded('hv1', snapshot('hv1', {}));
    const after = store.getState().devices;
    expect(after).not.toBe(before);
    expect(Object.keys(after)).toEqual(['rtr1', 'rtr2', 'hv1', 'hv2']);
    expect(after['rtr1']).toBe(rtr1);
    expect(after['hv1']!.lastSuccessAt).not.toBeNull();
    // The start that waited rode along with that change; the earlier state is untouched.
    expect(after['hv2']).toMatchObject({ polling: true, lastAttemptAt: 1_000 });
    expect(before['hv1']!.lastSuccessAt).toBeNull();
    expect(before['hv2']!.polling).toBe(false);
    store.getState().setChangeFeed('rtr2', true, 2_000);
    expect(Object.keys(store.getState().devices)).toEqual(['rtr1', 'rtr2', 'hv1', 'hv2']);
    expect(store.getState().devices['rtr2']!.changeFeed).toBe(true);
    expect(store.getState().devices['hv1']).toBe(after['hv1']);
  });

  it('indexes each workload prefix to the host announcing it and the routers that see it', () => {
    const store = fabric();
    const { pollSucceeded } = store.getState();
    pollSucceeded(
      'hv1',
      snapshot('hv1', {
        workloadRoutes: [wl('hv1', '198.51.100.10/32', 'tap-a1'), wl('hv1', '2001:db8:a:10::/64', 'tap-a1')],
      }),
    );
    pollSucceeded(
      'hv2',
      snapshot('hv2', {
        workloadRoutes: [wl('hv2', '203.0.113.5/32', 'tap-g1'), wl('hv2', '192.0.2.99/32', 'tap-x')],
      }),
    );
    pollSucceeded(
      'rtr1',
      snapshot('rtr1', {
        bgp: [
          session('rtr1', 'dn-hv1', 'Established', { hostname: 'hv1' }),
          session('rtr1', 'dn-hv2', 'Established', { hostname: 'hv2' }),
        ],
        routes: [
          bgpRoute('198.51.100.10/32', 'dn-hv1'),
          bgpRoute('2001:db8:a:10::/64', 'dn-hv1'),
          bgpRoute('203.0.113.5/32', 'dn-hv2'),
          bgpRoute('198.51.100.0/24', 'dn-hv2'),
        ],
      }),
    );
    pollSucceeded('rtr2', snapshot('rtr2', { routes: [bgpRoute('198.51.100.10/32', 'dn-hv1')] }));

    const byPrefix = new Map(store.getState().workloads.map((entry) => [entry.prefix, entry]));
    const acme = byPrefix.get('198.51.100.10/32');
    expect(acme).toMatchObject({
      tenant: 'acme',
      announcers: [{ host: 'hv1', interface: 'tap-a1' }],
      conflicts: [],
    });
    expect(acme?.seenBy.map((view) => [view.router, view.nexthops[0]?.viaHost])).toEqual([
      ['rtr1', 'hv1'],
      ['rtr2', undefined],
    ]);
    // rtr2 has no /64 route: flagged, not silently missing.
    expect(byPrefix.get('2001:db8:a:10::/64')?.conflicts).toEqual(['not seen by rtr2']);
    // A /24 covering route is not the workload's /32: rtr2 does not "see" 203.0.113.5.
    expect(byPrefix.get('203.0.113.5/32')?.seenBy.map((view) => view.router)).toEqual(['rtr1']);
    expect(byPrefix.get('192.0.2.99/32')?.tenant).toBeNull();
    expect(byPrefix.get('192.0.2.99/32')?.conflicts).toContain('not in any tenant pool');
  });

  it('flags a prefix announced from two hosts', () => {
    const store = fabric();
    store
      .getState()
      .pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: [wl('hv1', '198.51.100.10/32', 'tap-a1')] }));
    store
      .getState()
      .pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: [wl('hv2', '198.51.100.10/32', 'tap-a9')] }));
    expect(store.getState().workloads[0]?.conflicts).toContain('announced from 2 hosts: hv1, hv2');
  });

  it('records session state changes as events and counts flaps, including drops between polls', () => {
    const store = fabric();
    const up = session('rtr1', 'dn-hv1', 'Established', { hostname: 'hv1' });
    store.getState().pollSucceeded('rtr1', snapshot('rtr1', { bgp: [up] }));
    store
      .getState()
      .pollSucceeded(
        'rtr1',
        snapshot('rtr1', { bgp: [{ ...up, state: 'Active', established: false, connectionsDropped: 1 }] }),
      );
    store
      .getState()
      .pollSucceeded(
        'rtr1',
        snapshot('rtr1', { bgp: [{ ...up, connectionsDropped: 1, connectionsEstablished: 2 }] }),
      );
    // Dropped and re-established between two polls: the state text never changed, the counter did.
    store
      .getState()
      .pollSucceeded(
        'rtr1',
        snapshot('rtr1', { bgp: [{ ...up, connectionsDropped: 2, connectionsEstablished: 3 }] }),
      );
    const state = store.getState();
    expect(state.sessionFlaps['rtr1|default|ipv4Unicast|dn-hv1']).toBe(2);
    expect(state.events.map((event) => event.message)).toEqual([
      'BGP default/ipv4Unicast dn-hv1 (hv1): Established → Active',
      'BGP default/ipv4Unicast dn-hv1 (hv1): Active → Established',
    ]);
  });

  it('tracks health: ok, degraded with partial errors, unreachable with the reason, and back', () => {
    const store = fabric();
    const s = () => store.getState().devices.hv1!;
    store
      .getState()
      .pollSucceeded(
        'hv1',
        snapshot('hv1', { partialErrors: ['bgp: vtysh exited 1: failed to connect to any daemons'] }),
      );
    expect(s()).toMatchObject({
      health: 'degraded',
      lastError: 'bgp: vtysh exited 1: failed to connect to any daemons',
    });
    store.getState().pollFailed('hv1', 'connect ECONNREFUSED 198.18.0.21:22', 1000, 'unreachable');
    expect(s()).toMatchObject({
      health: 'unreachable',
      lastError: 'connect ECONNREFUSED 198.18.0.21:22',
      consecutiveFailures: 1,
    });
    expect(s().snapshot).not.toBeNull();
    store.getState().pollSucceeded('hv1', snapshot('hv1', {}));
    expect(s()).toMatchObject({ health: 'ok', lastError: null, consecutiveFailures: 0 });
    expect(store.getState().events.map((event) => event.message)).toEqual([
      'unreachable: connect ECONNREFUSED 198.18.0.21:22',
      'reachable again',
    ]);
  });
});

describe('poll starts at fleet size', () => {
  it('a start shows with the next change of any device, or within 100 ms; a result ends it', () => {
    vi.useFakeTimers();
    try {
      const store = createAppStore({
        source: { kind: 'inventory', label: 't' },
        devices: [
          deviceSpec('hv1', 'hypervisor'),
          deviceSpec('hv2', 'hypervisor'),
          deviceSpec('hv3', 'hypervisor'),
        ],
        tenants: [],
      });
      const s = () => store.getState();
      const devices = s().devices;
      s().pollStarted('hv1', 1_000);
      // Not a copy of the device record of its own…
      expect(s().devices).toBe(devices);
      // …it rides along with the next change.
      s().pollSucceeded('hv2', snapshot('hv2', { at: 1_001 }));
      expect(s().devices['hv1']).toMatchObject({ polling: true, lastAttemptAt: 1_000 });
      expect(s().devices['hv2']!.polling).toBe(false);
      // With no other change, it shows within 100 ms.
      s().pollStarted('hv3', 1_002);
      expect(s().devices['hv3']!.polling).toBe(false);
      vi.advanceTimersByTime(100);
      expect(s().devices['hv3']).toMatchObject({ polling: true, lastAttemptAt: 1_002 });
      // A result right after its start: polling ends, the start's time stays.
      s().pollStarted('hv1', 2_000);
      s().pollFailed('hv1', 'connect ECONNREFUSED', 2_001, 'unreachable');
      expect(s().devices['hv1']).toMatchObject({
        polling: false,
        lastAttemptAt: 2_000,
        health: 'unreachable',
      });
      vi.runAllTimers();
      expect(s().devices['hv1']!.polling).toBe(false);
      // An unknown device changes nothing.
      s().pollStarted('nosuch', 3_000);
      vi.runAllTimers();
      expect(s().devices['nosuch']).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
