import { afterAll, describe, expect, it } from 'vitest';
import { createSimFabric } from '../../../../src/lab/sim/fabric.ts';
import { hostMgmtAddress, hostRouterId } from '../../../../src/lab/sim/model/build.ts';
import { parseSimOptions } from '../../../../src/cli/lab-sim.ts';
import { parseBgpSummary } from '../../../../src/drivers/frr/bgp-summary.ts';
import { collect, nexthopsOf, until } from './helpers.ts';

// Past the old limits (50 hosts, 500 workloads): 62 devices, 600 workloads in 3 tenants.
const HOSTS = 60;
const WORKLOADS = 600;

describe('a lab larger than the old limit', () => {
  const fabric = createSimFabric({
    hosts: HOSTS,
    routers: 2,
    workloads: WORKLOADS,
    tenants: 3,
    hopDelayMs: 5,
    jitterMs: 2,
  });
  afterAll(() => fabric.close());
  const spine = fabric.device('spine1')!;

  it('has every device and workload, and each router carries every workload route, through the real driver', async () => {
    expect(fabric.devices()).toHaveLength(HOSTS + 2);
    expect(fabric.devices().filter((d) => d.role === 'hypervisor')).toHaveLength(HOSTS);
    const workloads = fabric.workloads();
    expect(workloads).toHaveLength(WORKLOADS);
    expect(new Set(workloads.map((w) => `${w.vrf} ${w.ipv4}`)).size).toBe(WORKLOADS);
    expect(fabric.options.hostRoutes).toBe('default');

    const snap = await collect(spine);
    expect(snap.partialErrors).toEqual([]);
    const bgp = [...snap.routes].filter((r) => r.protocol === 'bgp' && r.selected);
    expect(bgp.filter((r) => r.family === 4)).toHaveLength(WORKLOADS);
    expect(bgp.filter((r) => r.family === 6)).toHaveLength(WORKLOADS);
    // One BGP session per hypervisor per VRF per AFI, all up.
    expect(snap.bgp).toHaveLength(HOSTS * 3 * 2);
    expect(snap.bgp.every((s) => s.established)).toBe(true);

    // The last workload of the default VRF: the routers reach it through the uplink facing its host.
    const w = workloads.filter((x) => x.vrf === 'default').at(-1)!;
    const uplink = `eth${w.host.slice(2)}`;
    for (const r of ['spine1', 'spine2']) {
      expect(await nexthopsOf(fabric.device(r)!, `${w.ipv4}/32`, w.vrf)).toBe(uplink);
      expect(await nexthopsOf(fabric.device(r)!, w.ipv6Prefix, w.vrf)).toBe(uplink);
    }
  });

  it('hypervisors get a default route from each router instead of every other host’s workloads', async () => {
    const hv = fabric.device('hv7')!;
    const snap = await collect(hv);
    expect(snap.partialErrors).toEqual([]);
    const learned = [...snap.routes].filter((r) => r.protocol === 'bgp');
    expect(learned.map((r) => `${r.vrf} ${r.prefix}`).sort()).toEqual(
      ['blue', 'default', 'red'].flatMap((vrf) => [`${vrf} 0.0.0.0/0`, `${vrf} ::/0`]).sort(),
    );
    expect(await nexthopsOf(hv, '0.0.0.0/0')).toBe('eth0,eth1');
    // The router says it sends each hypervisor one prefix per AFI.
    const summary = await spine.exec("vtysh -c 'show bgp summary json'");
    const toHv7 = parseBgpSummary(summary.stdout, 'spine1').filter((s) => s.peer === 'eth7');
    expect(toHv7.map((s) => s.prefixesSent)).toEqual([1, 1]);
    // …and its config says so: the neighbor is in a peer group that only originates a default.
    const bgp = (spine.vyosConfig!() as { protocols: { bgp: Record<string, Record<string, unknown>> } })
      .protocols.bgp;
    expect(bgp['neighbor']?.['eth7']).toMatchObject({ 'peer-group': 'HOSTS' });
    expect(bgp['peer-group']?.['HOSTS']).toMatchObject({
      'address-family': {
        'ipv4-unicast': { 'default-originate': {} },
        'ipv6-unicast': { 'default-originate': {} },
      },
    });
    const running = (await spine.exec("vtysh -c 'show running-config'")).stdout;
    expect(running).toContain('  neighbor eth7 default-originate\n');
  });

  it('a workload moved to another host is followed by the routers', async () => {
    const w = fabric.workloads().find((x) => x.vrf === 'default' && x.host !== 'hv1')!;
    const source = fabric.device(w.host)!;
    const target = fabric.device('hv1')!;
    const setup = await target.exec(
      'sudo -n ip tuntap add dev tap-moved mode tap && sudo -n ip link set tap-moved up',
    );
    expect(setup.code).toBe(0);
    expect((await source.exec(`sudo -n ip route del ${w.ipv4}/32 dev ${w.tap}`)).code).toBe(0);
    expect((await target.exec(`sudo -n ip route add ${w.ipv4}/32 dev tap-moved`)).code).toBe(0);
    for (const r of ['spine1', 'spine2'])
      await until(
        `${r} follows ${w.ipv4}`,
        async () => (await nexthopsOf(fabric.device(r)!, `${w.ipv4}/32`)) === 'eth1',
      );
  });
});

describe('lab sizes out of range are refused with one sentence', () => {
  it.each([
    [{ hosts: 1001 }, 'sim fabric: hosts must be an integer from 1 to 1000 (got 1001)'],
    [{ workloads: 50_001 }, 'sim fabric: workloads must be an integer from 0 to 50000 (got 50001)'],
    [{ tenants: 21 }, 'sim fabric: tenants must be an integer from 1 to 20 (got 21)'],
    [
      { hosts: 51, hostRoutes: 'full' as const },
      'sim fabric: full tables on hypervisors only up to 50 hosts and 500 workloads',
    ],
  ])('%j', (options, message) => {
    expect(() => createSimFabric(options)).toThrow(message);
  });

  it('the CLI takes 1,000 hosts and 50,000 workloads and refuses one more', () => {
    expect(parseSimOptions({ hosts: '1000', workloads: '50000', tenants: '20', routers: '4' })).toEqual({
      hosts: 1000,
      workloads: 50_000,
      tenants: 20,
      routers: 4,
    });
    expect(() => parseSimOptions({ hosts: '1001' })).toThrow(
      '--hosts "1001": must be a whole number from 1 to 1000',
    );
    expect(() => parseSimOptions({ workloads: '50001' })).toThrow(
      '--workloads "50001": must be a whole number from 0 to 50000',
    );
  });

  it('the default lab keeps full tables on hypervisors: another host’s workload is learned over BGP', async () => {
    const small = createSimFabric();
    try {
      expect(small.options.hostRoutes).toBe('full');
      const w = small.workloads().find((x) => x.host !== 'hv1')!;
      expect(await nexthopsOf(small.device('hv1')!, `${w.ipv4}/32`, w.vrf)).toBe('eth0,eth1');
    } finally {
      small.close();
    }
  });
});

describe('a tenant with more workloads than its first pool holds', () => {
  it('gets a second pool, and every workload an address inside its pools', () => {
    const fabric = createSimFabric({ hosts: 4, tenants: 1, workloads: 300 });
    try {
      const acme = fabric.tenants.find((t) => t.name === 'acme')!;
      expect(acme.pools4).toEqual(['198.51.100.0/24', '198.19.0.0/16']);
      const addresses = fabric.workloads().map((w) => w.ipv4);
      expect(new Set(addresses).size).toBe(300);
      expect(addresses.filter((a) => a.startsWith('198.51.100.'))).toHaveLength(245);
      expect(addresses.slice(245).every((a) => a.startsWith('198.19.'))).toBe(true);
    } finally {
      fabric.close();
    }
  });
});

describe('hypervisor addresses for a thousand hosts', () => {
  it('stay unique and valid past one /24, and unchanged for the first hosts', () => {
    expect([hostRouterId(0), hostRouterId(253), hostRouterId(254), hostRouterId(999)]).toEqual([
      '10.255.1.1',
      '10.255.1.254',
      '10.255.2.1',
      '10.255.4.238',
    ]);
    expect([hostMgmtAddress(0), hostMgmtAddress(153), hostMgmtAddress(154)]).toEqual([
      '198.18.0.101',
      '198.18.0.254',
      '198.18.1.1',
    ]);
    const ids = Array.from({ length: 1000 }, (_, i) => hostRouterId(i));
    const mgmt = Array.from({ length: 1000 }, (_, i) => hostMgmtAddress(i));
    for (const list of [ids, mgmt]) {
      expect(new Set(list).size).toBe(1000);
      expect(list.every((a) => a.split('.').every((o) => Number(o) >= 0 && Number(o) <= 255))).toBe(true);
    }
  });
});
