import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/drivers/errors.ts';
import { parseIpJsonAddr, vrfsFromIpLinks } from '../../src/drivers/linux/ip-addr.ts';
import { dedupeIpRoutes, parseIpJsonRoutes } from '../../src/drivers/linux/ip-route.ts';
import { workloadRoutesFrom } from '../../src/drivers/linux/workload-routes.ts';
import type { NetInterface } from '../../src/model/interface.ts';
import { fixtureFiles, ipDetailedAddr, readFixture } from './fixtures.ts';

const ADDR_FILES = fixtureFiles(/^ip-j(-d)?-(addr|link)\.json$/);
const ROUTE_FILES = fixtureFiles(/^ip-j(-6)?-route-show-table-all\.json$/);

// Hosts of the lab and their workloads (fixtures/frr-8.4/README.md).
const WORKLOADS: Record<string, [string, string][]> = {
  hv1: [
    ['198.51.100.10/32', 'tap-acme-1'],
    ['2001:db8:a:10::/64', 'tap-acme-1'],
    ['203.0.113.12/32', 'tap-globex-3'],
    ['2001:db8:b:12::/64', 'tap-globex-3'],
  ],
  hv2: [
    ['198.51.100.11/32', 'tap-acme-2'],
    ['2001:db8:a:11::/64', 'tap-acme-2'],
    ['203.0.113.10/32', 'tap-globex-1'],
    ['2001:db8:b:10::/64', 'tap-globex-1'],
  ],
  rtr1: [],
};

function hostRoutes(device: string) {
  return dedupeIpRoutes([
    ...parseIpJsonRoutes(readFixture(`frr-8.4/${device}/ip-j-route-show-table-all.json`)),
    ...parseIpJsonRoutes(readFixture(`frr-8.4/${device}/ip-j-6-route-show-table-all.json`), 6),
  ]);
}

describe('parseIpJsonAddr', () => {
  for (const file of ADDR_FILES) {
    it(`${file}: every link, with its addresses`, () => {
      const raw = JSON.parse(readFixture(file)) as { ifname: string; addr_info?: { local?: string }[] }[];
      const ifs = parseIpJsonAddr(readFixture(file));
      expect(ifs.map((i) => i.name)).toEqual(raw.map((l) => l.ifname));
      ifs.forEach((i, n) =>
        expect(i.addresses).toHaveLength(raw[n]!.addr_info?.filter((a) => a.local).length ?? 0),
      );
    });
  }

  it('TAPs’ gateway addresses are one frozen object each, on one host and across hosts', () => {
    const taps = [
      ...parseIpJsonAddr(ipDetailedAddr('hv1')),
      ...parseIpJsonAddr(ipDetailedAddr('hv2')),
    ].filter((i) => i.name.startsWith('tap-'));
    expect(taps.length).toBeGreaterThan(2);
    const gateway = (i: (typeof taps)[number]) => i.addresses.find((a) => a.address === '169.254.0.1')!;
    const linkLocal = (i: (typeof taps)[number]) => i.addresses.find((a) => a.address === 'fe80::1')!;
    for (const tap of taps) {
      expect(gateway(tap)).toBe(gateway(taps[0]!));
      expect(linkLocal(tap)).toBe(linkLocal(taps[0]!));
    }
    expect(gateway(taps[0]!)).toEqual({
      family: 4,
      address: '169.254.0.1',
      prefixLength: 32,
      scope: 'global',
    });
    expect(Object.isFrozen(gateway(taps[0]!))).toBe(true);
    // TAPs with only the gateway addresses (no kernel link-local: addr_gen_mode none, as the fleet
    // lab's) share one frozen list, across listings too; an interface without addresses the empty one.
    const gatewaysOnly = (host: string) => {
      const links = JSON.parse(ipDetailedAddr(host)) as {
        ifname: string;
        addr_info?: { local?: string }[];
      }[];
      for (const l of links)
        if (l.ifname.startsWith('tap-'))
          l.addr_info = l.addr_info!.filter((a) => a.local === '169.254.0.1' || a.local === 'fe80::1');
      return parseIpJsonAddr(JSON.stringify(links)).filter((i) => i.name.startsWith('tap-'));
    };
    const plain = [...gatewaysOnly('hv1'), ...gatewaysOnly('hv2')];
    expect(plain.length).toBeGreaterThan(2);
    for (const t of plain) {
      expect(t.addresses.map((a) => a.address)).toEqual(['169.254.0.1', 'fe80::1']);
      expect(t.addresses).toBe(plain[0]!.addresses);
    }
    expect(Object.isFrozen(plain[0]!.addresses)).toBe(true);
    const bare = parseIpJsonAddr(
      JSON.stringify([
        { ifindex: 1, ifname: 'a' },
        { ifindex: 2, ifname: 'b', addr_info: [{}] },
      ]),
    );
    expect(bare[0]!.addresses).toEqual([]);
    expect(bare[1]!.addresses).toBe(bare[0]!.addresses);
    // Another listing with another address on a TAP: its own object, the shared one untouched.
    const raw = JSON.parse(ipDetailedAddr('hv1')) as { ifname: string; addr_info?: { local?: string }[] }[];
    const tap = raw.find((l) => l.ifname === taps[0]!.name)!;
    tap.addr_info = tap.addr_info!.map((a) =>
      a.local === '169.254.0.1' ? { ...a, local: '169.254.0.2' } : a,
    );
    const changed = parseIpJsonAddr(JSON.stringify(raw)).find((i) => i.name === taps[0]!.name)!;
    expect(changed.addresses.map((a) => a.address)).toContain('169.254.0.2');
    expect(gateway(taps[0]!).address).toBe('169.254.0.1');
  });

  it('knows kinds and the gateway address on TAPs from `ip -j -d addr`', () => {
    const ifs = parseIpJsonAddr(ipDetailedAddr('hv1'));
    const tap = ifs.find((i) => i.name === 'tap-acme-1')!;
    expect(tap).toMatchObject({ kind: 'veth', up: true });
    expect(tap.addresses).toContainEqual({
      family: 4,
      address: '169.254.0.1',
      prefixLength: 32,
      scope: 'global',
    });
  });

  it('reads VRF devices and their tables (the kernel of the lab has none)', () => {
    expect(vrfsFromIpLinks(ipDetailedAddr('rtr1'))).toEqual([]);
    const link = {
      ifindex: 9,
      ifname: 'RED',
      flags: ['NOARP', 'MASTER', 'UP', 'LOWER_UP'],
      mtu: 65575,
      operstate: 'UP',
      linkinfo: { info_kind: 'vrf', info_data: { table: 100 } },
    };
    const member = { ifindex: 10, ifname: 'eth2', master: 'RED', linkinfo: { info_slave_kind: 'vrf' } };
    const text = JSON.stringify([link, member]);
    expect(vrfsFromIpLinks(text)).toEqual([{ name: 'RED', table: 100 }]);
    expect(parseIpJsonAddr(text)[1]).toMatchObject({ name: 'eth2', master: 'RED' });
  });

  it('throws ParseError on what is not a link list', () => {
    for (const bad of ['', 'Cannot find device "x"', '{}', '[{"ifname":"x"}]']) {
      expect(() => parseIpJsonAddr(bad)).toThrow(ParseError);
    }
  });
});

describe('parseIpJsonRoutes', () => {
  for (const file of ROUTE_FILES) {
    it(`${file}: every route, host routes given their length`, () => {
      const raw = JSON.parse(readFixture(file)) as { dst: string }[];
      const routes = parseIpJsonRoutes(readFixture(file), file.includes('-6-') ? 6 : 4);
      expect(routes).toHaveLength(raw.length);
      for (const r of routes) expect(r.dst).toMatch(/\/\d+$/);
    });
  }

  it('reads RFC 8950 next hops (`via`) and ECMP routes', () => {
    const r = hostRoutes('hv1').find((x) => x.dst === '198.51.100.11/32')!;
    expect(r).toMatchObject({ family: 4, protocol: 'bgp', paths: 2, metric: 20 });
    const text = '[{"dst":"default","via":{"family":"inet6","host":"fe80::1"},"dev":"eth0","flags":[]}]';
    expect(parseIpJsonRoutes(text)[0]).toMatchObject({ family: 4, dst: '0.0.0.0/0', gateway: 'fe80::1' });
    expect(parseIpJsonRoutes('[{"dst":"default","gateway":"fe80::1","pref":"medium"}]')[0]?.dst).toBe('::/0');
  });

  it('drops the IPv6 routes that `table all` and `-6` both list', () => {
    const v4all = parseIpJsonRoutes(readFixture('frr-8.4/hv1/ip-j-route-show-table-all.json'));
    expect(v4all.some((r) => r.family === 6)).toBe(true);
    const all = hostRoutes('hv1');
    expect(new Set(all.map((r) => JSON.stringify(r))).size).toBe(all.length);
  });
});

describe('workloadRoutesFrom', () => {
  for (const [device, expected] of Object.entries(WORKLOADS)) {
    it(`${device}: exactly the workload /32s and /64s on TAPs`, () => {
      const ifs = parseIpJsonAddr(ipDetailedAddr(device));
      const found = workloadRoutesFrom(hostRoutes(device), ifs, { host: device });
      expect(found.map((w) => [w.prefix, w.interface]).sort()).toEqual([...expected].sort());
      for (const w of found) expect(w).toMatchObject({ host: device, vrf: 'default' });
    });
  }

  it('uses the name pattern when no interface carries the gateway, and names VRFs', () => {
    const ifs: NetInterface[] = [
      { name: 'vnet3', index: 3, mtu: 1500, operState: 'UP', up: true, master: 'RED', addresses: [] },
      { name: 'RED', index: 2, mtu: 65575, operState: 'UP', up: true, kind: 'vrf', addresses: [] },
      { name: 'eth0', index: 1, mtu: 1500, operState: 'UP', up: true, addresses: [] },
    ];
    const routes = parseIpJsonRoutes(
      JSON.stringify([
        { dst: '10.1.0.5', dev: 'vnet3', table: '100', scope: 'link', flags: [] },
        { dst: '10.1.0.6', dev: 'eth0', scope: 'link', flags: [] },
        { dst: '169.254.0.9', dev: 'vnet3', flags: [] },
        { dst: '10.1.0.0/24', dev: 'vnet3', flags: [] },
        { type: 'local', dst: '10.1.0.7', dev: 'vnet3', table: 'local', flags: [] },
      ]),
    );
    expect(workloadRoutesFrom(routes, ifs, { host: 'h' })).toEqual([
      {
        host: 'h',
        vrf: 'RED',
        family: 4,
        prefix: '10.1.0.5/32',
        interface: 'vnet3',
        metric: null,
        protocol: 'boot',
      },
    ]);
  });
});
