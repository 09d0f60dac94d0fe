import type { DeviceSpec } from '../../src/model/device.ts';
import { createAppStore, type AppStore } from '../../src/state/store.ts';
import { bgpRoute, session, snapshot } from '../helpers/snapshots.ts';

export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

export function spec(name: string, role: DeviceSpec['role'], extra: Partial<DeviceSpec> = {}): DeviceSpec {
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
    ...extra,
  };
}

/** A small fabric as the lab would show it: two spines, two hypervisors, one of them unreachable. */
export function labStore(): AppStore {
  const store = createAppStore({
    source: { kind: 'lab-sim', label: 'LAB (simulated)' },
    devices: [
      spec('spine1', 'router'),
      spec('spine2', 'router', { kind: 'vyos' }),
      spec('hv1', 'hypervisor'),
      spec('hv2', 'hypervisor'),
    ],
    tenants: [{ name: 'acme', vrf: 'blue', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] }],
  });
  const state = store.getState();
  state.pollSucceeded(
    'spine1',
    snapshot('spine1', {
      at: NOW - 3000,
      bgp: [
        session('spine1', 'swp1', 'Established', { hostname: 'hv1' }),
        session('spine1', 'swp2', 'Established', { hostname: 'hv2' }),
      ],
      routes: [
        bgpRoute('198.51.100.10/32', 'swp1', { vrf: 'blue' }),
        bgpRoute('198.51.100.0/24', 'swp2', { vrf: 'blue' }),
        bgpRoute('10.0.0.0/8', 'swp1'),
      ],
    }),
  );
  state.pollSucceeded(
    'spine2',
    snapshot('spine2', {
      at: NOW - 2000,
      bgp: [
        session('spine2', 'swp1', 'Established', { hostname: 'hv1' }),
        session('spine2', 'swp2', 'Active', { hostname: 'hv2' }),
      ],
    }),
  );
  state.pollSucceeded(
    'hv1',
    snapshot('hv1', {
      at: NOW - 1000,
      bgp: [session('hv1', 'eth0', 'Established', { hostname: 'spine1' })],
      workloadRoutes: [
        {
          host: 'hv1',
          vrf: 'blue',
          family: 4,
          prefix: '198.51.100.10/32',
          interface: 'tap-web1',
          metric: 20,
          protocol: 'kernel',
        },
      ],
    }),
  );
  state.pollFailed('hv2', 'connect ECONNREFUSED 127.0.0.1:2204', NOW - 500, 'unreachable');
  return store;
}
