import { describe, expect, it } from 'vitest';
import { frrLinuxDriver } from '../../src/drivers/index.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import { createAppStore } from '../../src/state/store.ts';
import type { WorkloadRoute } from '../../src/model/workload.ts';
import { ReplayRunner } from '../drivers/fixtures.ts';
import { snapshot } from '../helpers/snapshots.ts';

// The real-FRR captures (fixtures/frr-8.4): rtr1 routes six workloads (12 prefixes) via hv1–hv3 over
// unnumbered sessions; hv3 routes w-acme-3 and w-globex-2 to its TAPs.
const spec = (name: string, role: DeviceSpec['role']): DeviceSpec => ({
  name,
  role,
  kind: 'frr-linux',
  host: '198.18.0.21',
  port: 22,
  user: 'noc',
  auth: { type: 'agent' },
  vtysh: `vtysh -N ${name}`,
  privilege: 'sudo -n',
});

const DEVICES = [
  spec('rtr1', 'router'),
  spec('hv1', 'hypervisor'),
  spec('hv2', 'hypervisor'),
  spec('hv3', 'hypervisor'),
];
const TENANTS = [
  { name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] },
  { name: 'globex', pools4: ['203.0.113.0/24'], pools6: ['2001:db8:b::/48'] },
];
const HV3_PREFIXES = ['198.51.100.12/32', '2001:db8:a:12::/64', '203.0.113.11/32', '2001:db8:b:11::/64'];

// hv3 was not captured (only with bgpd stopped): its TAP routes as the fixtures' README describes them.
const hv3Routes = (): WorkloadRoute[] =>
  [
    ['198.51.100.12/32', 'tap-acme-3'],
    ['2001:db8:a:12::/64', 'tap-acme-3'],
    ['203.0.113.11/32', 'tap-globex-2'],
    ['2001:db8:b:11::/64', 'tap-globex-2'],
  ].map(([prefix, tap]) => ({
    host: 'hv3',
    vrf: 'default',
    family: prefix!.includes(':') ? 6 : 4,
    prefix: prefix!,
    interface: tap!,
    metric: 0,
    protocol: 'kernel',
  }));

async function captured(device: DeviceSpec): Promise<DeviceSnapshot> {
  if (device.name === 'hv3') return snapshot('hv3', { workloadRoutes: hv3Routes(), at: 1_000 });
  return frrLinuxDriver.collect({ device, runner: ReplayRunner.forDevice(device.name), now: () => 1_000 });
}

async function fabric(hv3: 'ok' | 'down' | 'down-after-a-poll') {
  const store = createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices: DEVICES,
    tenants: TENANTS,
  });
  for (const device of DEVICES) {
    if (device.name === 'hv3' && hv3 === 'down') continue;
    store.getState().pollSucceeded(device.name, await captured(device));
  }
  if (hv3 !== 'ok')
    store.getState().pollFailed('hv3', 'connect ECONNREFUSED 198.18.0.23:22', 2_000, 'unreachable');
  return store;
}

describe('workloads of an unreachable hypervisor (issue 12, item 2)', () => {
  it('with every host readable: 12 prefixes, each on its TAP, routed by rtr1 via its host', async () => {
    const workloads = (await fabric('ok')).getState().workloads;
    expect(workloads).toHaveLength(12);
    const w = workloads.find((entry) => entry.prefix === '198.51.100.12/32');
    expect(w?.announcers).toEqual([
      { host: 'hv3', interface: 'tap-acme-3', metric: 0, source: 'host', hostProblem: null },
    ]);
    expect(w?.seenBy[0]?.nexthops[0]?.viaHost).toBe('hv3');
    expect(w?.conflicts).toEqual([]);
  });

  it('hv3 never read: its four prefixes stay, known from the router, flagged', async () => {
    const workloads = (await fabric('down')).getState().workloads;
    expect(workloads).toHaveLength(12);
    for (const prefix of HV3_PREFIXES) {
      const w = workloads.find((entry) => entry.prefix === prefix);
      expect(w, prefix).toBeDefined();
      expect(w?.announcers).toEqual([
        { host: 'hv3', interface: null, metric: null, source: 'routers', hostProblem: 'host unreachable' },
      ]);
      expect(w?.tenant).not.toBeNull();
      expect(w?.seenBy.map((view) => [view.router, view.nexthops[0]?.viaHost])).toEqual([['rtr1', 'hv3']]);
      expect(w?.conflicts).toEqual(['host hv3 unreachable — routers still route it via hv3']);
    }
    // The other hosts' workloads are untouched.
    const hv1 = workloads.filter((entry) => entry.announcers.some((a) => a.host === 'hv1'));
    expect(hv1.every((entry) => entry.conflicts.length === 0 && entry.announcers[0]?.source === 'host')).toBe(
      true,
    );
  });

  it('hv3 unreachable after a poll: its last table is kept (marked) and flagged the same way', async () => {
    const store = await fabric('down-after-a-poll');
    expect(store.getState().devices.hv3?.snapshot).not.toBeNull();
    const workloads = store.getState().workloads;
    expect(workloads).toHaveLength(12);
    const w = workloads.find((entry) => entry.prefix === '203.0.113.11/32');
    expect(w?.announcers).toEqual([
      {
        host: 'hv3',
        interface: 'tap-globex-2',
        metric: 0,
        source: 'host',
        hostProblem: 'host unreachable',
      },
    ]);
    expect(w?.conflicts).toEqual(['host hv3 unreachable — routers still route it via hv3']);
    // Back again: the flag goes with the next good poll.
    store.getState().pollSucceeded('hv3', await captured(DEVICES[3]!));
    expect(store.getState().workloads.flatMap((entry) => entry.conflicts)).toEqual([]);
  });

  it('a router-only prefix outside every tenant pool is not taken for a workload', async () => {
    const workloads = (await fabric('down')).getState().workloads;
    // rtr1 also routes hv3's own addresses (loopback, links) via hv3: none of them is listed.
    expect(workloads.every((entry) => entry.tenant !== null)).toBe(true);
  });
});
