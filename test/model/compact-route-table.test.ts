import { opaque } from '../helpers/opaque-table.ts';
import { describe, expect, it } from 'vitest';
import { CompactRouteTable } from '../../src/model/compact-route-table.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import { formatV6, parseIpWords } from '../../src/model/ip-words.ts';
import type { Route } from '../../src/model/route.ts';

function route(prefix: string, extra: Partial<Route> = {}): Route {
  return {
    vrf: 'default',
    family: prefix.includes(':') ? 6 : 4,
    prefix,
    protocol: 'bgp',
    selected: true,
    installed: true,
    distance: 20,
    metric: 0,
    uptime: '00:01:02',
    nexthops: [{ ip: '192.0.2.1', interface: 'eth0', active: true }],
    ...extra,
  };
}

function table(routes: Route[]): CompactRouteTable {
  const b = new CompactRouteTableBuilder();
  for (const r of routes) b.add(r);
  return b.finish();
}

/** Deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s);
}

const v4 = (a: number, len: number): string =>
  `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${len}`;
const mask = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

describe('CompactRouteTable rows', () => {
  it('gives back every field it was given', () => {
    const routes = [
      route('0.0.0.0/0'),
      route('10.0.0.0/8', { vrf: 'RED', protocol: 'static', distance: null, metric: null, uptime: null }),
      route('2001:db8::/32', {
        selected: false,
        installed: false,
        metric: 4294967295,
        nexthops: [
          { ip: 'fe80::1', interface: 'up-rtr1', active: true, onLink: true },
          { ip: 'fe80::2', interface: 'up-rtr2', active: false },
        ],
      }),
      route('198.51.100.10/32', { nexthops: [{ interface: 'tap-acme-1', active: true }] }),
      route('::/0', { nexthops: [] }),
    ];
    const t = table(routes);
    expect(t.size).toBe(5);
    expect([...t]).toEqual(routes);
    expect(t.at(2)).toEqual(routes[2]);
    expect(t.vrfs()).toEqual(['default', 'RED']);
    expect(() => t.at(5)).toThrow(RangeError);
    expect(() => t.at(-1)).toThrow(RangeError);
  });

  it('keeps prefix text verbatim when it is not FRR’s canonical spelling', () => {
    const t = table([
      route('2001:DB8:0:0::/64'),
      route('::ffff:192.0.2.1/128'),
      route('2001:db8::1:0:0:1/128'),
    ]);
    expect([...t].map((r) => r.prefix)).toEqual([
      '2001:DB8:0:0::/64',
      '::ffff:192.0.2.1/128',
      '2001:db8::1:0:0:1/128',
    ]);
  });

  it('refuses invalid prefixes and out-of-range numbers', () => {
    const b = new CompactRouteTableBuilder();
    for (const p of ['10.0.0/8', '10.0.0.256/32', '10.0.0.0/33', '01.2.3.4/32', '1::2::3/64', 'x/8']) {
      expect(() => b.add(route(p))).toThrow(RangeError);
    }
    expect(() => b.add(route('10.0.0.0/8', { distance: 256 }))).toThrow(RangeError);
    expect(() => b.add(route('10.0.0.0/8', { metric: -1 }))).toThrow(RangeError);
    expect(b.size).toBe(0);
  });

  it('drops rows after a mark with truncate', () => {
    const b = new CompactRouteTableBuilder();
    b.add(route('10.0.0.0/8'));
    b.add(route('2001:db8::/32'));
    b.add(route('10.1.0.0/16', { vrf: 'RED' }));
    b.truncate(1);
    b.add(route('2001:db9::/32'));
    expect([...b.finish()].map((r) => r.prefix)).toEqual(['10.0.0.0/8', '2001:db9::/32']);
  });

  it('lists row indexes per VRF and family in table order', () => {
    const t = table([
      route('10.0.0.0/8'),
      route('2001:db8::/32'),
      route('10.1.0.0/16', { vrf: 'RED' }),
      route('::/0'),
    ]);
    expect([...t.indexesOf('default')]).toEqual([0, 1, 3]);
    expect([...t.indexesOf('default', 6)]).toEqual([1, 3]);
    expect([...t.indexesOf('RED', 4)]).toEqual([2]);
    expect([...t.indexesOf('BLUE')]).toEqual([]);
    expect(CompactRouteTable.empty().size).toBe(0);
  });
});

describe('CompactRouteTable read times', () => {
  it("keeps each kept VRF/family table's read time and stamps only the fresh rows with the new one", () => {
    const first = new CompactRouteTableBuilder();
    first.add(route('10.0.0.0/24'));
    first.add(route('10.1.0.0/24', { vrf: 'blue' }));
    const read1 = first.finish(1_000);
    const next = new CompactRouteTableBuilder();
    next.addFrom(read1, (vrf) => vrf === 'default');
    next.add(route('10.1.0.0/24', { vrf: 'blue', uptime: '00:00:01' }));
    const read2 = next.finish(5_000);
    expect(read2.readAtOf('default', 4)).toBe(1_000);
    expect(read2.readAtOf('blue', 4)).toBe(5_000);
  });

  it("does not give rows kept from a table without read times the fresh rows' time", () => {
    const old = table([route('10.0.0.0/24')]);
    const next = new CompactRouteTableBuilder();
    next.addFrom(old, () => true);
    next.add(route('10.1.0.0/24', { vrf: 'blue' }));
    const read = next.finish(5_000);
    expect(old.readAtOf('default', 4)).toBeUndefined();
    expect(read.readAtOf('default', 4)).toBeUndefined();
    expect(read.readAtOf('blue', 4)).toBe(5_000);
  });
});

describe('CompactRouteTable.sameRowsAs (a re-read that found what the last read had)', () => {
  const base = [
    route('10.0.0.0/24'),
    route('10.0.1.0/24', { nexthops: [{ ip: '192.0.2.2', interface: 'eth1', active: true }] }),
    route('2001:db8::/64', { nexthops: [{ ip: 'fe80::1', interface: 'eth0', active: true, onLink: true }] }),
    route('10.1.0.0/24', { vrf: 'blue', distance: null }),
  ];
  it('equal rows read at another time (other uptimes, other interned ids): the same', () => {
    const a = table(base);
    // Built in another order of first appearance, so the two tables' interned ids differ.
    const b = new CompactRouteTableBuilder();
    b.add(
      route('172.16.0.0/16', {
        vrf: 'red',
        protocol: 'static',
        nexthops: [{ interface: 'x', active: false }],
      }),
    );
    for (const r of base) b.add({ ...r, uptime: '01:02:03' });
    const later = b.finish();
    for (const [vrf, family] of [
      ['default', 4],
      ['default', 6],
      ['blue', 4],
      ['blue', 6],
    ] as const)
      expect(a.sameRowsAs(later, vrf, family)).toBe(true);
    expect(a.sameRowsAs(later, 'red', 4)).toBe(false);
  });

  it('any field an engineer sees, or the order, differing: not the same', () => {
    const a = table(base);
    const changed: [string, Route[]][] = [
      [
        'next hop',
        [
          route('10.0.0.0/24', { nexthops: [{ ip: '192.0.2.9', interface: 'eth0', active: true }] }),
          ...base.slice(1),
        ],
      ],
      [
        'hop inactive',
        [
          route('10.0.0.0/24', { nexthops: [{ ip: '192.0.2.1', interface: 'eth0', active: false }] }),
          ...base.slice(1),
        ],
      ],
      ['protocol', [route('10.0.0.0/24', { protocol: 'static' }), ...base.slice(1)]],
      ['metric', [route('10.0.0.0/24', { metric: 5 }), ...base.slice(1)]],
      ['not selected', [route('10.0.0.0/24', { selected: false }), ...base.slice(1)]],
      ['prefix', [route('10.0.0.0/25'), ...base.slice(1)]],
      ['order', [base[1]!, base[0]!, ...base.slice(2)]],
      ['a row less', base.slice(1)],
      ['hops swapped', [route('10.0.0.0/24'), route('10.0.1.0/24'), ...base.slice(2)]],
    ];
    for (const [what, rows] of changed) expect(a.sameRowsAs(table(rows), 'default', 4), what).toBe(false);
    // The other tables of the same reads stand.
    expect(a.sameRowsAs(table(changed[0]![1]), 'default', 6)).toBe(true);
    const v6 = [...base.slice(0, 2), route('2001:db8:1::/64'), base[3]!];
    expect(a.sameRowsAs(table(v6), 'default', 6)).toBe(false);
  });
});

describe('CompactRouteTable.lookup', () => {
  it('matches the longest selected prefix, per VRF', () => {
    const t = table([
      route('0.0.0.0/0'),
      route('10.0.0.0/8'),
      route('10.1.0.0/16', { selected: false }),
      route('10.1.2.0/24'),
      route('10.1.2.3/32', { vrf: 'RED' }),
      route('2001:db8::/32'),
      route('2001:db8:a:10::/64'),
    ]);
    expect(t.lookup('10.1.2.3')?.prefix).toBe('10.1.2.0/24');
    expect(t.lookup('10.1.3.3')?.prefix).toBe('10.0.0.0/8');
    expect(t.lookup('11.0.0.1')?.prefix).toBe('0.0.0.0/0');
    expect(t.lookup('10.1.2.3', 'RED')?.prefix).toBe('10.1.2.3/32');
    expect(t.lookup('10.1.2.4', 'RED')).toBeUndefined();
    expect(t.lookup('2001:db8:a:10::5')?.prefix).toBe('2001:db8:a:10::/64');
    expect(t.lookup('2001:db8:a:11::5')?.prefix).toBe('2001:db8::/32');
    expect(t.lookup('2001:db9::1')).toBeUndefined();
    expect(t.lookup('not an address')).toBeUndefined();
    expect(t.lookup('10.1.2.3', 'NOPE')).toBeUndefined();
  });

  it('agrees with a linear scan on 20k random IPv4 routes', () => {
    const next = rng(7);
    const routes: Route[] = [];
    for (let i = 0; i < 20_000; i++) {
      const len = [8, 12, 16, 20, 22, 24, 24, 24, 28, 32][next() % 10]!;
      routes.push(route(v4((next() & 0x0fffffff & mask(len)) >>> 0, len), { selected: next() % 5 !== 0 }));
    }
    const t = table(routes);
    const w = new Uint32Array(5);
    const selected = routes
      .filter((r) => r.selected)
      .map((r) => (parseIpWords(r.prefix, w), { r, net: w[0]!, len: w[4]! }));
    for (let i = 0; i < 500; i++) {
      const a = next() & 0x0fffffff;
      let best: Route | undefined;
      let bestLen = -1;
      for (const { r, net, len } of selected) {
        if ((a & mask(len)) >>> 0 === net && len > bestLen) [best, bestLen] = [r, len];
      }
      expect(t.lookup(v4(a, 32).split('/')[0]!)?.prefix).toBe(best?.prefix);
    }
    // selectedRowOf: the selected row of exactly that prefix — what lookup + comparing prefixes says.
    for (const r of routes.slice(0, 2_000)) {
      const found = t.lookup(r.prefix.split('/')[0]!);
      const row = t.selectedRowOf(r.prefix);
      if (found?.prefix !== r.prefix) expect(row, r.prefix).toBe(-1);
      else {
        expect(t.at(row)).toEqual(found);
        expect(t.protocolAt(row)).toBe(found.protocol);
        expect(t.nexthopsAt(row)).toEqual(found.nexthops);
      }
    }
    expect(t.selectedRowOf('10.0.0.0/8', 'nosuch')).toBe(-1);
    expect(t.selectedRowOf('not a prefix')).toBe(-1);
  });
});

describe('IPv6 text', () => {
  it('prints addresses the way FRR does (lib/ntop.c)', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['2001:db8::', '2001:db8::'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['::c000:201', '::192.0.2.1'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['fe80::e8a9:c4ff:fee1:d7ab', 'fe80::e8a9:c4ff:fee1:d7ab'],
    ];
    for (const [input, printed] of cases) {
      const w = new Uint32Array(5);
      expect(parseIpWords(input, w)).toBe(6);
      expect(formatV6(w)).toBe(printed);
    }
  });
});

describe('CompactRouteTable size', () => {
  it('stays under 100 bytes a route for a 100k-route table', () => {
    const b = new CompactRouteTableBuilder();
    for (let i = 0; i < 100_000; i++) {
      b.addParsed(
        'default',
        v4((0x01000000 + i * 256) >>> 0, 24),
        'bgp',
        true,
        true,
        20,
        0,
        `0${i % 7}:00:00`,
        [{ ip: i % 2 ? '192.0.2.1' : '198.51.100.1', interface: i % 2 ? 'eth0' : 'eth1', active: true }],
      );
    }
    const t = b.finish();
    expect(t.bytesUsed() / t.size).toBeLessThan(100);
    t.lookup('1.2.3.4');
    expect(t.bytesUsed() / t.size).toBeLessThan(100);
  });
});

describe('CompactRouteTableBuilder.addFrom of a compact table', () => {
  // Rows of every kind: both families, VRFs, absent distance/metric/uptime, several and no nexthops,
  // onlink and inactive hops, a non-canonical IPv6 spelling kept verbatim.
  const rows: Route[] = [
    route('10.0.0.0/24'),
    route('2001:db8:a:10::/64', {
      vrf: 'blue',
      nexthops: [{ interface: 'swp1', active: true, onLink: true }],
    }),
    route('10.1.0.0/24', { vrf: 'blue', distance: null, metric: null, uptime: null }),
    route('2001:0db8::/32', { protocol: 'static', selected: false, installed: false }),
    route('198.51.100.7/32', {
      vrf: 'red',
      nexthops: [
        { ip: 'fe80::1', interface: 'swp2', active: true },
        { ip: 'fe80::2', interface: 'swp3', active: false },
      ],
    }),
    route('203.0.113.0/24', { vrf: 'red', protocol: 'connected', nexthops: [] }),
    route('fd00::/8', { vrf: 'red', metric: 4294967295, distance: 255 }),
  ];

  it('gives the rows, lookups and read times a row-by-row copy gives, keeping only what `keep` keeps', () => {
    const first = new CompactRouteTableBuilder();
    for (const r of rows) first.add(r);
    const old = first.finish(1_000);
    const keep = (vrf: string, family: 4 | 6) => family === 6 || vrf === 'default';
    const build = (source: Parameters<CompactRouteTableBuilder['addFrom']>[0]) => {
      const b = new CompactRouteTableBuilder();
      b.add(route('10.1.0.0/24', { vrf: 'blue', uptime: '00:00:01' }));
      b.addFrom(source, keep);
      b.add(
        route('198.51.100.8/32', {
          vrf: 'red',
          nexthops: [{ ip: 'fe80::1', interface: 'swp2', active: true }],
        }),
      );
      return b.finish(5_000);
    };
    const fast = build(old);
    const slow = build(opaque(old));
    expect([...fast]).toEqual([...slow]);
    expect(fast.size).toBe(slow.size);
    // red IPv6 kept, red IPv4 and blue IPv4 not: the fresh rows and the kept ones only.
    expect([...fast].map((r) => `${r.vrf} ${r.prefix}`)).toEqual([
      'blue 10.1.0.0/24',
      'default 10.0.0.0/24',
      'blue 2001:db8:a:10::/64',
      'default 2001:0db8::/32',
      'red fd00::/8',
      'red 198.51.100.8/32',
    ]);
    for (const [vrf, family] of [
      ['default', 4],
      ['blue', 6],
      ['red', 6],
      ['blue', 4],
      ['red', 4],
    ] as const)
      expect(fast.readAtOf(vrf, family), `${vrf} ${family}`).toBe(slow.readAtOf(vrf, family));
    expect(fast.readAtOf('default', 4)).toBe(1_000);
    expect(fast.readAtOf('blue', 4)).toBe(5_000);
    expect(fast.lookup('2001:db8:a:10::1', 'blue')?.nexthops).toEqual([
      { interface: 'swp1', active: true, onLink: true },
    ]);
    expect(fast.lookup('fd00::1', 'red')?.metric).toBe(4294967295);
    expect(fast.basis).toBeUndefined(); // rows were added before the copy: no single basis
  });

  it('into an empty builder (the bulk copy): the rows a row-by-row copy gives, then rows added after it', () => {
    const first = new CompactRouteTableBuilder();
    for (const r of rows) first.add(r);
    const old = first.finish(1_000);
    const keep = (vrf: string, family: 4 | 6) => !(vrf === 'blue' && family === 6) && vrf !== 'red';
    const build = (source: Parameters<CompactRouteTableBuilder['addFrom']>[0]) => {
      const b = new CompactRouteTableBuilder();
      b.addFrom(source, keep);
      // After the copy: a next hop the source had, a new one, a red IPv6 row (its address slot after the kept ones).
      b.add(
        route('198.51.100.9/32', {
          vrf: 'red',
          nexthops: [{ ip: 'fe80::2', interface: 'swp3', active: false }],
        }),
      );
      b.add(
        route('fd00:1::/64', { vrf: 'red', nexthops: [{ ip: 'fe80::9', interface: 'swp9', active: true }] }),
      );
      return b.finish(5_000);
    };
    const fast = build(old);
    const slow = build(opaque(old));
    expect([...fast]).toEqual([...slow]);
    expect([...fast].map((r) => `${r.vrf} ${r.prefix}`)).toEqual([
      'default 10.0.0.0/24',
      'blue 10.1.0.0/24',
      'default 2001:0db8::/32',
      'red 198.51.100.9/32',
      'red fd00:1::/64',
    ]);
    expect(fast.at(2)).toMatchObject({ prefix: '2001:0db8::/32', selected: false }); // verbatim, renumbered slot
    expect(fast.lookup('10.1.0.5', 'blue')).toMatchObject({ distance: null, metric: null, uptime: null });
    expect(fast.lookup('fd00:1::5', 'red')?.nexthops).toEqual([
      { ip: 'fe80::9', interface: 'swp9', active: true },
    ]);
    expect(fast.readAtOf('default', 6)).toBe(1_000);
    expect(fast.readAtOf('red', 6)).toBe(5_000);
    expect(fast.basis?.table.deref()).toBe(old);
  });

  it('after the bulk copy, rows with what the source had reuse its next hops, groups and strings — past the scans too', () => {
    const hops = (i: number) => [
      { ip: `fe80::${i}`, interface: `swp${i}`, active: true },
      { ip: `fe80::${i + 1}`, interface: `swp${i + 1}`, active: i % 2 === 0 },
    ];
    const source = new CompactRouteTableBuilder();
    for (let i = 0; i < 300; i++)
      source.add(
        route(v4((0x0a000000 + i) >>> 0, 32), { uptime: `00:00:${i % 60}`, nexthops: hops(i % 100) }),
      );
    const old = source.finish(1_000);
    const columns = old.columns;
    // Rows whose next hops, groups and uptimes the source had: far more than COPY_SCANS of them.
    const again = (i: number) =>
      route(v4((0x0b000000 + i) >>> 0, 32), {
        uptime: `00:00:${(i * 7) % 60}`,
        nexthops: hops((i * 3) % 100),
      });
    for (const keep of [() => true, (vrf: string) => vrf !== 'default'] as const) {
      const b = new CompactRouteTableBuilder();
      b.addFrom(old, keep);
      for (let i = 0; i < 200; i++) b.add(again(i));
      const t = b.finish(2_000);
      expect(t.columns.nhIp.length).toBe(columns.nhIp.length);
      expect(t.columns.groupStarts.length).toBe(columns.groupStarts.length);
      expect(t.columns.strings.values.length).toBe(columns.strings.values.length);
      expect(t.lookup('11.0.0.5')?.nexthops).toEqual(hops(15));
      // Something new after the copy is added once, however often it comes.
      const c = new CompactRouteTableBuilder();
      c.addFrom(old, keep);
      for (let i = 0; i < 100; i++)
        c.add(route(v4((0x0c000000 + i) >>> 0, 32), { uptime: 'new', nexthops: hops(500) }));
      const u = c.finish(2_000);
      expect(u.columns.nhIp.length).toBe(columns.nhIp.length + 2);
      expect(u.columns.groupStarts.length).toBe(columns.groupStarts.length + 1);
      expect(u.columns.strings.values.filter((v) => v === 'new')).toHaveLength(1);
      expect(u.lookup('12.0.0.99')).toMatchObject({ uptime: 'new', nexthops: hops(500) });
    }
  });

  it('a table re-read in part again and again does not keep every uptime it ever had', () => {
    let t = new CompactRouteTableBuilder().finish(0);
    for (let round = 0; round < 3_000; round++) {
      const b = new CompactRouteTableBuilder();
      b.addFrom(t, (vrf) => vrf !== 'blue');
      if (round === 0) for (let i = 0; i < 10; i++) b.add(route(`10.0.${i}.0/24`, { uptime: '00:00:01' }));
      // The re-read table: a new uptime text each time, as FRR's clock moves.
      b.add(route('10.9.0.0/24', { vrf: 'blue', uptime: `${round}s` }));
      t = b.finish(round);
    }
    expect(t.size).toBe(11);
    expect(t.lookup('10.9.0.1', 'blue')?.uptime).toBe('2999s');
    expect(t.columns.strings.values.length).toBeLessThan(1_200);
  });

  it('names its basis when the copy comes first, and copies a large table exactly', () => {
    const next = rng(5);
    const b = new CompactRouteTableBuilder();
    for (let i = 0; i < 5_000; i++) {
      const hop = next() % 7;
      b.add(
        route(
          i % 3 === 0
            ? `2001:db8:${(i % 4096).toString(16)}:${(i >> 12).toString(16)}::/64`
            : v4((0x0a000000 + i) >>> 0, 32),
          {
            vrf: ['default', 'blue', 'red'][i % 3]!,
            uptime: `00:0${hop}:00`,
            nexthops: hop === 0 ? [] : [{ ip: `fe80::${hop}`, interface: `swp${hop}`, active: hop !== 3 }],
          },
        ),
      );
    }
    const old = b.finish(2_000);
    const copy = new CompactRouteTableBuilder();
    copy.addFrom(old, () => true);
    const t = copy.finish(9_000);
    expect(t.basis?.table.deref()).toBe(old);
    expect(t.basis?.kept('blue', 6)).toBe(true);
    expect([...t]).toEqual([...old]);
    expect(t.readAtOf('red', 4)).toBe(2_000); // kept: read when the old table was
  });
});
