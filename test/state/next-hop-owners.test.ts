import { describe, expect, it } from 'vitest';
import type { DeviceSpec } from '../../src/model/device.ts';
import type { Route } from '../../src/model/route.ts';
import { nextHopOwners } from '../../src/state/next-hop-owners.ts';
import { createAppStore } from '../../src/state/store.ts';
import { bgpRoute, session, snapshot } from '../helpers/snapshots.ts';

const connected = (prefix: string, iface: string): Route => ({
  vrf: 'default',
  family: prefix.includes(':') ? 6 : 4,
  prefix,
  protocol: 'connected',
  selected: true,
  installed: true,
  distance: 0,
  metric: 0,
  uptime: '01:00:00',
  nexthops: [{ interface: iface, active: true }],
});

const numbered = (peer: string, hostname: string, afiSafi = 'ipv4Unicast') =>
  session('rr', peer, 'Established', { hostname, peerType: 'ipv4', afiSafi });

// A router peering over numbered IPv4 with extended next hop: IPv6 routes carry the peer's link-local.
const router = () =>
  snapshot('rr', {
    bgp: [
      numbered('10.0.1.2', 'hv2'),
      numbered('10.0.1.2', 'hv2', 'ipv6Unicast'),
      numbered('10.0.2.2', 'hv3'),
      numbered('10.0.2.3', 'hv4'),
      session('rr', 'eth9', 'Established', { hostname: 'hv9' }),
    ],
    routes: [
      connected('10.0.1.0/30', 'eth1'),
      connected('10.0.2.0/29', 'eth2'),
      bgpRoute('2001:db8:a:11::/64', 'eth1', {
        nexthops: [{ ip: 'fe80::a8c1:abff:fe00:2', interface: 'eth1', active: true }],
      }),
      bgpRoute('198.51.100.11/32', 'eth1', {
        nexthops: [{ ip: '10.0.1.2', interface: 'eth1', active: true }],
      }),
      bgpRoute('2001:db8:a:12::/64', 'eth2', {
        nexthops: [{ ip: 'fe80::2', interface: 'eth2', active: true }],
      }),
      bgpRoute('2001:db8:a:19::/64', 'eth9'),
    ],
  });

describe('next hops resolved to their hypervisor (issue 12, item 7)', () => {
  it('a link-local next hop on a numbered peer’s interface belongs to that peer', () => {
    const owners = nextHopOwners(router());
    expect(owners.resolve({ ip: 'fe80::a8c1:abff:fe00:2', interface: 'eth1', active: true })).toBe('hv2');
    expect(owners.resolve({ ip: '10.0.1.2', interface: 'eth1', active: true })).toBe('hv2');
    // Unnumbered: the session is keyed by the interface.
    expect(owners.resolve({ ip: 'fe80::9', interface: 'eth9', active: true })).toBe('hv9');
  });

  it('two peers on one interface: the link-local next hop stays unresolved (never guessed)', () => {
    const owners = nextHopOwners(router());
    expect(owners.resolve({ ip: 'fe80::2', interface: 'eth2', active: true })).toBeUndefined();
    // Their global addresses still resolve.
    expect(owners.resolve({ ip: '10.0.2.3', interface: 'eth2', active: true })).toBe('hv4');
  });

  it('a global next hop that is no peer’s address is not given to the interface’s peer', () => {
    const owners = nextHopOwners(router());
    expect(owners.resolve({ ip: '2001:db8:ffff::7', interface: 'eth1', active: true })).toBeUndefined();
  });

  it('the workload index shows the /64 as routed via hv2, not just by the router', () => {
    const spec = (name: string, role: DeviceSpec['role']): DeviceSpec => ({
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
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [spec('rr', 'router'), spec('hv2', 'hypervisor')],
      tenants: [{ name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] }],
    });
    const tap = (prefix: string) => ({
      host: 'hv2',
      vrf: 'default',
      family: (prefix.includes(':') ? 6 : 4) as 4 | 6,
      prefix,
      interface: 'tap-a2',
      metric: 0,
      protocol: 'kernel',
    });
    store
      .getState()
      .pollSucceeded(
        'hv2',
        snapshot('hv2', { workloadRoutes: [tap('198.51.100.11/32'), tap('2001:db8:a:11::/64')] }),
      );
    store.getState().pollSucceeded('rr', router());
    const via = store
      .getState()
      .workloads.map((w) => [w.prefix, w.seenBy.map((v) => `${v.router}→${v.nexthops[0]?.viaHost ?? '?'}`)]);
    expect(via).toEqual([
      ['198.51.100.11/32', ['rr→hv2']],
      ['2001:db8:a:11::/64', ['rr→hv2']],
    ]);
  });
});

describe('next-hop owners kept with the sessions that made them', () => {
  it('unnumbered peers only: another route table (a delta read) keeps the same owners', () => {
    const bgp = [session('rr', 'eth9', 'Established', { hostname: 'hv9' })];
    const a = snapshot('rr', { bgp, routes: [bgpRoute('2001:db8:a:19::/64', 'eth9')] });
    const b = { ...snapshot('rr', { routes: [bgpRoute('2001:db8:a:20::/64', 'eth9')] }), bgp };
    expect(nextHopOwners(b)).toBe(nextHopOwners(a));
    expect(nextHopOwners(b).resolve({ interface: 'eth9', active: true })).toBe('hv9');
  });

  it('numbered peers: owners follow the connected routes of the table they are asked with', () => {
    const before = router();
    const owners = nextHopOwners(before);
    expect(owners.resolve({ ip: 'fe80::2', interface: 'eth2', active: true })).toBeUndefined(); // hv3 and hv4 share eth2
    // hv3's address now reached over eth3: eth2 is hv4's alone.
    const moved = {
      ...snapshot('rr', {
        routes: [
          connected('10.0.1.0/30', 'eth1'),
          connected('10.0.2.2/32', 'eth3'),
          connected('10.0.2.0/29', 'eth2'),
        ],
      }),
      bgp: before.bgp,
    };
    expect(nextHopOwners(moved)).not.toBe(owners);
    expect(nextHopOwners(moved).resolve({ ip: 'fe80::2', interface: 'eth2', active: true })).toBe('hv4');
    expect(nextHopOwners(before)).toBe(nextHopOwners(before));
  });
});
