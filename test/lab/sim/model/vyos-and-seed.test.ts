import { afterEach, describe, expect, it } from 'vitest';
import { vrfsFromVyosConfig } from '../../../../src/drivers/vyos/vrf-config.ts';
import { createSimFabric } from '../../../../src/lab/sim/fabric.ts';
import type { SimFabric, VyosConfigJson } from '../../../../src/lab/sim/types.ts';
import { collect, nexthopsOf, until } from './helpers.ts';

type Tree = { [key: string]: Tree };

describe('VyOS config on the simulated routers', () => {
  let fabric: SimFabric;
  afterEach(() => fabric.close());

  it('renders showConfig JSON with the 1.4+ paths the drivers read', () => {
    fabric = createSimFabric();
    const config = fabric.device('spine1')!.vyosConfig!() as unknown as Tree;
    expect(config['protocols']?.['bgp']?.['system-as']).toBe('65000');
    expect(config['protocols']?.['bgp']?.['parameters']).toEqual({
      'router-id': '10.255.0.1',
      'always-compare-med': {},
    });
    expect(config['protocols']?.['bgp']?.['neighbor']?.['eth1']?.['interface']).toEqual({
      'remote-as': 'external',
    });
    expect(config['interfaces']?.['ethernet']?.['eth1']?.['vif']?.['100']).toEqual({ vrf: 'blue' });
    expect(vrfsFromVyosConfig(config['vrf'])).toEqual([
      {
        name: 'blue',
        table: 100,
        vni: 10100, // the L3 VNI of the lab's EVPN overlay (model/overlay.ts)
        rd: '65000:100',
        routeTargetsImport: ['65000:100'],
        routeTargetsExport: ['65000:100'],
      },
      {
        name: 'red',
        table: 101,
        vni: 10101,
        rd: '65000:101',
        routeTargetsImport: ['65000:101'],
        routeTargetsExport: ['65000:101'],
      },
    ]);
  });

  it('commits: a new VRF shows up in the driver’s view, a colliding table fails the commit, statics propagate', async () => {
    fabric = createSimFabric({ hopDelayMs: 10, jitterMs: 2 });
    const spine = fabric.device('spine1')!;
    const base = spine.vyosConfig!() as unknown as Tree;
    const withVrf = (name: string, table: string): VyosConfigJson => {
      const c = structuredClone(base);
      (c['vrf']!['name'] as Record<string, unknown>)[name] = { table };
      return c as unknown as VyosConfigJson;
    };
    spine.applyVyosConfig!(withVrf('green', '102'));
    const snap = await collect(spine);
    expect(snap.partialErrors).toEqual([]);
    expect(snap.vrfs.map((v) => `${v.name}:${v.table}`).sort()).toEqual(['blue:100', 'green:102', 'red:101']);
    expect(snap.bgp.filter((b) => b.vrf === 'green')).toEqual([]);

    expect(() => spine.applyVyosConfig!(withVrf('black', '100'))).toThrow(
      /^VRF "(blue|black)" table id is not unique!\n\n\[\[vrf\]\] failed\nCommit failed$/,
    );
    expect((await collect(spine)).vrfs.map((v) => v.name)).not.toContain('black');

    const statics = structuredClone(base) as Record<string, unknown>;
    (statics['protocols'] as Tree)['static'] = {
      route: { '192.0.2.0/24': { blackhole: {} } },
    } as unknown as Tree;
    ((statics['vrf'] as Tree)['name']!['red']!['protocols'] as Tree)['static'] = {
      route: { '10.0.200.0/24': { blackhole: {} } },
    } as unknown as Tree;
    spine.applyVyosConfig!(statics as VyosConfigJson);
    const hv = fabric.device('hv3')!;
    await until(
      'hv3 to learn the red static',
      async () => (await nexthopsOf(hv, '10.0.200.0/24', 'red')) !== 'none',
    );
    await until(
      'hv3 to learn the default-VRF static',
      async () => (await nexthopsOf(hv, '192.0.2.0/24')) !== 'none',
    );
    expect(await nexthopsOf(hv, '192.0.2.0/24')).toMatch(/eth0/);
    expect(await nexthopsOf(hv, '10.0.200.0/24', 'red')).toBe('eth0.101');
    expect(await nexthopsOf(hv, '10.0.200.0/24', 'blue')).toBe('none');
    expect(spine.vyosConfig!()).toEqual(statics);
    // Removing the VRF (the config without green) drops it again.
    expect((await collect(spine)).vrfs.map((v) => v.name).sort()).toEqual(['blue', 'red']);
  });
});

describe('seeded fabric', () => {
  it('builds the same fabric from the same seed, and a different one from another', async () => {
    const outputs = async (seed: number) => {
      const f = createSimFabric({ seed, hopDelayMs: 1, jitterMs: 0 });
      const out = {
        workloads: f.workloads(),
        tenants: f.tenants,
        config: f.device('spine2')!.vyosConfig!(),
        addr: (await f.device('hv3')!.exec('ip -j -d addr show')).stdout,
        routes: (await f.device('hv2')!.exec('ip -j route show table all')).stdout,
      };
      f.close();
      return out;
    };
    const a = await outputs(7);
    expect(await outputs(7)).toEqual(a);
    const c = await outputs(8);
    expect(c.workloads.map((w) => w.host)).not.toEqual(a.workloads.map((w) => w.host));
    expect(a.workloads).toHaveLength(20);
    expect(a.tenants).toEqual([
      { name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] },
      { name: 'blue', vrf: 'blue', pools4: ['10.0.0.0/16'], pools6: ['fd00:10::/48'] },
      { name: 'red', vrf: 'red', pools4: ['10.0.0.0/16'], pools6: ['fd00:10::/48'] },
    ]);
    expect(a.workloads.every((w) => w.tap.length <= 15)).toBe(true);
  });
});
