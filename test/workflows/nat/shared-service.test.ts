/**
 * Shared-service NAT: transit slices (unique, stable, refusals), the VyOS 1.4/1.3 and nftables
 * renderings, and the planner's refusals that leave the registry untouched.
 */
import { describe, expect, it } from 'vitest';
import { actionLines } from '../../../src/workflows/plan/preview.ts';
import { renderPreview } from '../../../src/workflows/plan/index.ts';
import { allocateSlice, mapAddress, SliceError } from '../../../src/workflows/nat/index.ts';
import { WorkflowError } from '../../../src/workflows/service/index.ts';
import { planSharedService, type SharedServiceInput } from '../../../src/workflows/service/shared-service.ts';
import { edgeSpec, makeSharedService } from './shared-service-fixture.ts';

describe('allocateSlice', () => {
  it('gives each request the first free block of its own size, aligned', () => {
    const taken: string[] = [];
    for (const prefix of ['10.0.0.0/24', '10.0.0.0/24', '192.168.0.0/23', '10.9.9.0/24']) {
      taken.push(allocateSlice({ transit: '100.64.0.0/10', prefix, taken }));
    }
    expect(taken).toEqual(['100.64.0.0/24', '100.64.1.0/24', '100.64.2.0/23', '100.64.4.0/24']);
  });

  it('fills a hole a smaller slice left, and scans from the top for service addresses', () => {
    expect(allocateSlice({ transit: '100.64.0.0/10', prefix: '10.0.0.0/24', taken: ['100.64.1.0/24'] })).toBe(
      '100.64.0.0/24',
    );
    expect(allocateSlice({ transit: '100.64.0.0/10', prefix: '10.0.0.53/32', taken: [], from: 'last' })).toBe(
      '100.127.255.255/32',
    );
    expect(
      allocateSlice({
        transit: '100.64.0.0/10',
        prefix: '10.0.0.53/32',
        taken: ['100.127.255.0/24'],
        from: 'last',
      }),
    ).toBe('100.127.254.255/32');
  });

  it('refuses an exhausted range, a prefix larger than a slice, and IPv6, saying why', () => {
    const full = ['100.64.0.0/24', '100.64.1.0/24', '100.64.2.0/24', '100.64.3.0/24'];
    expect(() => allocateSlice({ transit: '100.64.0.0/22', prefix: '10.0.0.0/24', taken: full })).toThrow(
      /transit range 100\.64\.0\.0\/22 is exhausted: no free \/24 for 10\.0\.0\.0\/24 \(4 slices taken\)/,
    );
    expect(() => allocateSlice({ transit: '100.64.0.0/10', prefix: '10.0.0.0/8', taken: [] })).toThrow(
      /10\.0\.0\.0\/8 is larger than a transit slice may be \(\/16 at most/,
    );
    expect(() =>
      allocateSlice({ transit: '100.64.0.0/22', prefix: '10.0.0.0/21', taken: [], maxSliceLen: 8 }),
    ).toThrow(SliceError);
    expect(() => allocateSlice({ transit: '100.64.0.0/10', prefix: 'fd00::/64', taken: [] })).toThrow(
      /not an IPv4/,
    );
  });

  it('maps an address 1:1 into its slice', () => {
    expect(mapAddress('10.0.0.5', '10.0.0.0/24', '100.64.1.0/24')).toBe('100.64.1.5');
  });
});

const linuxEdges = [
  edgeSpec('edge-a', 'frr-linux'),
  edgeSpec('edge-b', 'frr-linux', 'sudo -n'),
  edgeSpec('prov', 'frr-linux'),
];
const input = (over: Partial<SharedServiceInput> = {}): SharedServiceInput => ({
  name: 'dns',
  service: '10.0.0.53',
  local: '10.0.255.53',
  tenants: [
    { tenant: 'ta', edge: 'edge-a', via: '192.0.2.1' },
    { tenant: 'tb', edge: 'edge-b', via: '192.0.2.5' },
  ],
  provider: { edge: 'prov', transitIf: 'lake0' },
  ...over,
});

describe('planSharedService on Linux edges (nftables)', () => {
  it('gives overlapping tenants distinct slices, kept across plans, and renders the exact nft commands', async () => {
    const { service, registry } = makeSharedService(linuxEdges);
    const plan = await planSharedService(service, input());
    expect(plan.kind).toBe('shared-service');
    expect(registry.transitSlices('100.64.0.0/10').map((s) => [s.owner, s.private, s.slice])).toEqual([
      ['service:dns', '10.0.0.53/32', '100.127.255.255/32'],
      ['ta', '10.0.0.0/24', '100.64.0.0/24'],
      ['tb', '10.0.0.0/24', '100.64.1.0/24'],
    ]);
    const [a, b, prov] = plan.steps;
    expect(a!.action).toEqual({
      type: 'ssh',
      commands: [
        'nft create table ip rd_ss_dns',
        `nft 'table ip rd_ss_dns { chain pre { type nat hook prerouting priority dstnat; policy accept; ` +
          `iifname "ten0" ip daddr 10.0.255.53 dnat ip to 100.127.255.255; }; chain post { type nat hook postrouting ` +
          `priority srcnat; policy accept; oifname "lake0" ip daddr 100.127.255.255 snat ip prefix to ip saddr map ` +
          `{ 10.0.0.0/24 : 100.64.0.0/24 }; }; }'`,
      ],
    });
    expect(a!.rollback).toEqual({ type: 'ssh', commands: ['nft delete table ip rd_ss_dns'] });
    // The privilege prefix of edge-b is part of the exact command.
    expect(actionLines(b!.action)[0]).toBe('sudo -n nft create table ip rd_ss_dns');
    expect(actionLines(b!.action)[1]).toContain('{ 10.0.0.0/24 : 100.64.1.0/24 }');
    expect(actionLines(prov!.action)).toEqual([
      'nft create table ip rd_ss_dns',
      `nft 'table ip rd_ss_dns { chain pre { type nat hook prerouting priority dstnat; policy accept; ` +
        `iifname "lake0" ip daddr 100.127.255.255 dnat ip to 10.0.0.53; }; }'`,
      'ip route add 100.64.0.0/24 via 192.0.2.1',
      'ip route add 100.64.1.0/24 via 192.0.2.5',
    ]);
    expect(actionLines(prov!.rollback!)).toEqual([
      'ip route del 100.64.1.0/24 via 192.0.2.5',
      'ip route del 100.64.0.0/24 via 192.0.2.1',
      'nft delete table ip rd_ss_dns',
    ]);
    const preview = renderPreview(plan);
    expect(preview).toContain('+ table ip rd_ss_dns {');
    expect(preview).toContain(
      '+     oifname "lake0" ip daddr 100.127.255.255 snat ip prefix to ip saddr map { 10.0.0.0/24 : 100.64.0.0/24 }',
    );
    expect(preview).toContain('+ route 100.64.1.0/24 via 192.0.2.5');

    // Planned again (another service too): each tenant keeps its slice.
    const again = await planSharedService(
      service,
      input({ name: 'ntp', service: '10.0.0.123', local: '10.0.255.123' }),
    );
    expect(again.summary).toContain('ta 10.0.0.0/24 → 100.64.0.0/24, tb 10.0.0.0/24 → 100.64.1.0/24');
    expect(registry.transitSlices().filter((s) => s.owner === 'ta')).toHaveLength(1);
    expect(registry.transitSlices().find((s) => s.owner === 'service:ntp')?.slice).toBe('100.127.255.254/32');
  });
});

describe('planSharedService on VyOS edges', () => {
  const vyos = [edgeSpec('vy-a', 'vyos'), edgeSpec('vy-b', 'vyos'), edgeSpec('vy-p', 'vyos')];
  const vyInput = (over: Partial<SharedServiceInput> = {}) =>
    input({
      tenants: [
        { tenant: 'ta', edge: 'vy-a', via: '192.0.2.1', tenantIf: 'eth1', transitIf: 'eth2' },
        { tenant: 'tb', edge: 'vy-b', via: '192.0.2.5', tenantIf: 'eth1', transitIf: 'eth2' },
      ],
      provider: { edge: 'vy-p', transitIf: 'eth2' },
      ...over,
    });

  it('1.4+: interface matches under `name`, a static rule on the provider, routes back to the slices', async () => {
    const { service } = makeSharedService(vyos);
    const plan = await planSharedService(service, vyInput({ vyosVersion: '1.4' }));
    expect(actionLines(plan.steps[0]!.action)).toEqual([
      'set nat destination rule 5000 description routedeck shared-service dns',
      'set nat destination rule 5000 inbound-interface name eth1',
      'set nat destination rule 5000 destination address 10.0.255.53',
      'set nat destination rule 5000 translation address 100.127.255.255',
      'set nat source rule 5000 description routedeck shared-service dns',
      'set nat source rule 5000 outbound-interface name eth2',
      'set nat source rule 5000 source address 10.0.0.0/24',
      'set nat source rule 5000 destination address 100.127.255.255',
      'set nat source rule 5000 translation address 100.64.0.0/24',
    ]);
    expect(plan.steps[0]!.action.type).toBe('vyos-configure');
    expect(actionLines(plan.steps[0]!.rollback!)).toEqual([
      'delete nat source rule 5000',
      'delete nat destination rule 5000',
    ]);
    expect(actionLines(plan.steps[2]!.action)).toEqual([
      'set nat static rule 5000 description routedeck shared-service dns',
      'set nat static rule 5000 inbound-interface eth2',
      'set nat static rule 5000 destination address 100.127.255.255',
      'set nat static rule 5000 translation address 10.0.0.53',
      'set protocols static route 100.64.0.0/24 next-hop 192.0.2.1',
      'set protocols static route 100.64.1.0/24 next-hop 192.0.2.5',
    ]);
    // The diff quotes a value with spaces as the VyOS CLI would.
    expect(renderPreview(plan)).toContain(
      "+ set nat source rule 5000 description 'routedeck shared-service dns'",
    );
  });

  it('1.3: plain interface leaves, and a destination rule on the provider (no `nat static`)', async () => {
    const { service } = makeSharedService(vyos);
    const plan = await planSharedService(service, vyInput({ vyosVersion: '1.3', rule: 42 }));
    const tenantLines = actionLines(plan.steps[1]!.action);
    expect(tenantLines).toContain('set nat destination rule 42 inbound-interface eth1');
    expect(tenantLines).toContain('set nat source rule 42 outbound-interface eth2');
    expect(tenantLines).toContain('set nat source rule 42 translation address 100.64.1.0/24');
    expect(actionLines(plan.steps[2]!.action).slice(0, 4)).toEqual([
      'set nat destination rule 42 description routedeck shared-service dns',
      'set nat destination rule 42 inbound-interface eth2',
      'set nat destination rule 42 destination address 100.127.255.255',
      'set nat destination rule 42 translation address 10.0.0.53',
    ]);
    expect(actionLines(plan.steps[2]!.rollback!).at(-1)).toBe('delete nat destination rule 42');
  });
});

describe("planSharedService picks each VyOS edge's paths from the version it reports", () => {
  const vyos = [edgeSpec('vy-a', 'vyos'), edgeSpec('vy-b', 'vyos'), edgeSpec('vy-p', 'vyos')];
  const versions: Record<string, { info: { version?: string } | null; bgp: unknown }> = {
    // 1.3 has no GET /info; its BGP config is keyed by the ASN.
    'vy-a': { info: null, bgp: { '65001': { neighbor: {} } } },
    'vy-b': { info: null, bgp: { 'system-as': '65001' } },
    'vy-p': { info: { version: '1.5-rolling-202501010000' }, bgp: {} },
  };
  const apiFor = (spec: { name: string }) => {
    const v = versions[spec.name];
    if (!v) return undefined;
    return Promise.resolve({
      info: async () => v.info,
      showConfig: async (path: string[]) => (path.join(' ') === 'protocols bgp' ? v.bgp : {}),
    } as never);
  };
  const tenants = [
    { tenant: 'ta', edge: 'vy-a', via: '192.0.2.1', tenantIf: 'eth1', transitIf: 'eth2' },
    { tenant: 'tb', edge: 'vy-b', via: '192.0.2.5', tenantIf: 'eth1', transitIf: 'eth2' },
  ];

  it('1.3 paths for a 1.3 router, 1.4 paths for 1.4, commit-confirm only where the version has it', async () => {
    const { service } = makeSharedService(vyos, undefined, undefined, apiFor);
    const plan = await planSharedService(
      service,
      input({ tenants, provider: { edge: 'vy-p', transitIf: 'eth2' } }),
    );
    const [a, b, p] = plan.steps;
    expect(actionLines(a!.action)).toContain('set nat destination rule 5000 inbound-interface eth1');
    expect(actionLines(b!.action)).toContain('set nat destination rule 5000 inbound-interface name eth1');
    expect(actionLines(p!.action)[1]).toBe('set nat static rule 5000 inbound-interface eth2');
    expect(a!.action).not.toHaveProperty('confirmMinutes');
    expect(b!.action).not.toHaveProperty('confirmMinutes');
    expect(p!.action).toMatchObject({ type: 'vyos-configure', confirmMinutes: 2 });
    expect(p!.description).toContain('VyOS 1.5-rolling-202501010000, 1.4 paths, commit-confirm 2 min');
    // --vyos-version overrides the probe (and so plans a plain commit).
    const forced = await planSharedService(
      service,
      input({ name: 'ntp', tenants, provider: { edge: 'vy-p', transitIf: 'eth2' }, vyosVersion: '1.3' }),
    );
    expect(actionLines(forced.steps[1]!.action)).toContain(
      'set nat destination rule 5000 inbound-interface eth1',
    );
    expect(forced.steps[2]!.action).not.toHaveProperty('confirmMinutes');
  });

  it('refuses a VyOS edge it cannot ask (no API) and a VyOS provider without its inbound interface', async () => {
    const { service, registry } = makeSharedService(vyos);
    await expect(
      planSharedService(service, input({ tenants, provider: { edge: 'vy-p', transitIf: 'eth2' } })),
    ).rejects.toThrow(/VyOS edge vy-a has no API in the inventory/);
    await expect(
      planSharedService(service, input({ tenants, provider: { edge: 'vy-p' }, vyosVersion: '1.4' })),
    ).rejects.toThrow(
      /provider edge vy-p is a VyOS router: name its transit-facing interface with --provider vy-p,in=IF/,
    );
    expect(registry.plans()).toEqual([]);
    expect(registry.transitSlices()).toEqual([]);
  });
});

describe('bad input: a clear error, nothing changed', () => {
  const cases: [string, Partial<SharedServiceInput>, RegExp][] = [
    [
      'service not an IP',
      { service: 'dns.example' },
      /service address "dns\.example" is not an IPv4 address/,
    ],
    [
      'same tenant twice',
      {
        tenants: [
          { tenant: 'ta', edge: 'edge-a', via: '192.0.2.1' },
          { tenant: 'ta', edge: 'edge-b', via: '192.0.2.5' },
        ],
      },
      /tenant ta is given twice/,
    ],
    [
      'unknown tenant',
      { tenants: [{ tenant: 'nobody', edge: 'edge-a', via: '192.0.2.1' }] },
      /unknown tenant "nobody" \(known: big, ta, tb, tc\)/,
    ],
    [
      'unknown edge',
      { provider: { edge: 'nowhere' } },
      /provider edge "nowhere" is not a device in the inventory/,
    ],
    [
      'service inside the tenants, no --local',
      { local: undefined },
      /10\.0\.0\.53 lies inside ta's 10\.0\.0\.0\/24, tb's 10\.0\.0\.0\/24: give the address tenants use with --local/,
    ],
    [
      'several pools',
      { tenants: [{ tenant: 'tc', edge: 'edge-a', via: '192.0.2.1' }] },
      /tenant tc has 2 IPv4 pools .*name the one to map with prefix=/,
    ],
    [
      'tenant prefix larger than a slice',
      { tenants: [{ tenant: 'big', edge: 'edge-a', via: '192.0.2.1' }] },
      /big: private prefix 10\.0\.0\.0\/8 is larger than a transit slice/,
    ],
    [
      'exhausted transit range',
      { transit: '100.64.0.0/24' },
      /tb: transit range 100\.64\.0\.0\/24 is exhausted/,
    ],
    ['bad name', { name: 'DNS; rm' }, /shared-service name "DNS; rm" must match/],
    [
      'one edge for two jobs',
      { provider: { edge: 'edge-a' } },
      /edge-a is both tenant ta's edge and the provider edge; each tenant and the provider need their own edge/,
    ],
    ['bad confirm window', { confirmMinutes: 0 }, /confirm minutes 0 is not 1–60/],
  ];
  it.each(cases)('%s', async (_what, over, message) => {
    const { service, registry } = makeSharedService(linuxEdges);
    const before = { slices: registry.transitSlices(), plans: registry.plans(), audit: registry.audit() };
    let error: unknown;
    try {
      await planSharedService(service, input(over));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkflowError);
    expect((error as Error).message).toMatch(message);
    expect({ slices: registry.transitSlices(), plans: registry.plans(), audit: registry.audit() }).toEqual(
      before,
    );
  });
});
