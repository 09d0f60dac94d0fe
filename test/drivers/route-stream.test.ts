import { describe, expect, it } from 'vitest';
import { routeDocument } from '../../bench/routes.ts';
import { ParseError } from '../../src/drivers/errors.ts';
import { RouteStreamParser } from '../../src/drivers/frr/route-stream.ts';
import { type CompactRouteTable } from '../../src/model/compact-route-table.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import { chunked, fixtureFiles, readFixture } from './fixtures.ts';
import { referenceRoutes } from './route-reference.ts';

function streamed(chunks: (Buffer | string)[]): CompactRouteTable {
  const builder = new CompactRouteTableBuilder();
  const parser = new RouteStreamParser(builder);
  for (const c of chunks) parser.write(c);
  parser.end();
  return builder.finish();
}

function parseError(text: string): ParseError {
  try {
    streamed([text]);
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return err as ParseError;
  }
  throw new Error(`no ParseError for ${JSON.stringify(text.slice(0, 40))}`);
}

const ROUTE_FILES = fixtureFiles(/(^|-)show-ipv?6?-route-.*json.*\.json$/);

describe('RouteStreamParser on captured and variant FRR output', () => {
  it('finds the route tables', () => {
    expect(ROUTE_FILES.filter((f) => f.startsWith('frr-8.4/')).length).toBeGreaterThanOrEqual(12);
    expect(ROUTE_FILES.filter((f) => f.startsWith('frr-variants/')).length).toBeGreaterThanOrEqual(3);
  });

  for (const file of ROUTE_FILES) {
    it(`${file}: same routes as JSON.parse, for any chunking`, () => {
      const text = readFixture(file);
      const expected = referenceRoutes(text);
      const bytes = Buffer.from(text);
      const whole = streamed([bytes]);
      expect([...whole]).toEqual(expected);
      expect([...streamed([...bytes].map((b) => Buffer.from([b])))]).toEqual(expected);
      for (const seed of [1, 7, 42, 1234]) expect([...streamed(chunked(bytes, seed, 97))]).toEqual(expected);
    });
  }

  it('reads the VRF from the entries when FRR ≤ 9.1 concatenates one document per VRF', () => {
    const t = streamed([readFixture('frr-variants/show-ip-route-vrf-all-json--two-vrfs-frr8.4.json')]);
    expect(t.vrfs()).toEqual(['default', 'RED']);
    expect(t.lookup('198.51.100.11', 'RED')?.vrf).toBe('RED');
  });

  it('reads the VRF from the key when FRR 10.2 nests tables by VRF', () => {
    const t = streamed([readFixture('frr-variants/show-ip-route-vrf-all-json--two-vrfs-frr10.2.json')]);
    expect(t.vrfs()).toEqual(['default', 'RED']);
    expect(t.indexesOf('RED').length).toBe(t.indexesOf('default').length);
  });
});

describe('RouteStreamParser chunk boundaries', () => {
  it('matches JSON.parse on a generated 50k-route table fed in random chunks', () => {
    const text = routeDocument(50_000, { vrfName: 'INTERNET' });
    const expected = referenceRoutes(text);
    const t = streamed(chunked(Buffer.from(text), 99, 65_536));
    expect(t.size).toBe(50_000);
    for (const i of [0, 1, 7, 4_999, 25_000, 49_999]) expect(t.at(i)).toEqual(expected[i]);
    expect([...t]).toEqual(expected);
  });

  it('matches JSON.parse on a generated compact IPv6 table (FRR 9.1+ layout)', () => {
    const text = routeDocument(5_000, { family: 6, pretty: false });
    const t = streamed(chunked(Buffer.from(text), 5, 1_000));
    expect([...t]).toEqual(referenceRoutes(text));
    expect(t.indexesOf('default', 6)).toHaveLength(5_000);
  });

  it('handles escapes, brackets inside strings and multi-byte UTF-8 split anywhere', () => {
    const nh = { ip: '192.0.2.1', interfaceName: 'tap-ü"]}[{\\', active: true };
    const entry = {
      prefix: '10.0.0.0/8',
      protocol: 'st\\"atic',
      selected: true,
      uptime: '01:02:03',
      nexthops: [nh],
    };
    const text = JSON.stringify({ 'RED"\\é': { '10.0.0.0/8': [entry] }, BLUE: { '10.0.0.0/8': [entry] } });
    const expected = referenceRoutes(text);
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect([...streamed([bytes.subarray(0, cut), bytes.subarray(cut)])]).toEqual(expected);
    }
    expect(expected[0]?.vrf).toBe('RED"\\é');
    expect(expected[0]?.nexthops[0]?.interface).toBe('tap-ü"]}[{\\');
  });

  // Issue 12 item 4: the quick bracket count saw one `[` too many and never found the array's end.
  it('keeps every route when an interface name holds a "[" (rr[hv1), in both vrf-all layouts', () => {
    const odd = (t: string): string => t.replaceAll('"interfaceName":"eth0"', '"interfaceName":"rr[hv1"');
    const flat = odd(routeDocument(7_000)); // ~5.5 MB, the size from the report
    expect(flat.length).toBeGreaterThan(5_000_000);
    const expected = referenceRoutes(flat);
    const t = streamed(chunked(Buffer.from(flat), 3, 65_536));
    expect(t.size).toBe(7_000);
    expect([...t]).toEqual(expected);
    expect(t.at(0)?.nexthops[0]?.interface).toBe('rr[hv1');
    const nested = `{"default":${odd(routeDocument(300, { pretty: false })).trim()},"RED":${routeDocument(2)}}`;
    expect([...streamed([nested])]).toEqual(referenceRoutes(nested));
    expect(streamed([nested]).size).toBe(302);
  });

  it('keeps a recursive next hop with the interface of its resolver, not the resolver itself', () => {
    const entry = {
      protocol: 'bgp',
      selected: true,
      nexthops: [
        { ip: '10.0.0.1', active: true, recursive: true },
        { ip: '192.0.2.1', interfaceName: 'eth0', resolver: true, active: true },
      ],
    };
    const [route] = [...streamed([JSON.stringify({ '10.9.0.0/16': [entry] })])];
    expect(route?.nexthops).toEqual([{ ip: '10.0.0.1', interface: 'eth0', active: true }]);
  });
});

describe('RouteStreamParser on empty and malformed output', () => {
  it('treats {} as an empty table', () => {
    expect(streamed(['{}\n']).size).toBe(0);
    expect(streamed(['{\n}\n']).size).toBe(0);
    expect(streamed(['{"default":{}}']).size).toBe(0);
  });

  // Issue 12 item 5: FRR prints `{}` for an empty table, so no output at all is a failure.
  it('refuses empty or blank output instead of reporting an empty table', () => {
    for (const chunks of [[], [''], ['  \n\n'], [Buffer.alloc(0)]]) {
      expect(() => streamed(chunks)).toThrow(/output is empty \(FRR prints \{\} for an empty table\)/);
    }
  });

  it('throws ParseError with an offset, never hangs or returns a partial table silently', () => {
    const good = readFixture('frr-8.4/rtr1/show-ip-route-json.json');
    for (const cut of [1, 2, 20, 100, good.length / 2, good.length - 3]) {
      const e = parseError(good.slice(0, Math.floor(cut)));
      expect(e.message).toMatch(/truncated|ended/);
    }
    expect(parseError('% Unknown command: show ip route vrf all json\n').offset).toBe(0);
    expect(parseError('{"10.0.0.0/8":[{"protocol":"bgp",]}').message).toMatch(
      /invalid entries for "10.0.0.0\/8"/,
    );
    expect(parseError('{"10.0.0.0/8":[{"protocol":7}]}').message).toMatch(/protocol/);
    expect(parseError('{"10.0.0.0/8":[{"protocol":"bgp"}] "x"').message).toMatch(/expected "," or "}"/);
    expect(parseError('{"not-a-prefix":[{"protocol":"bgp"}]}').message).toMatch(/invalid prefix/);
    expect(parseError('{"10.0.0.0/8":{"x":{}}}').message).toMatch(/entry array/);
    expect(parseError('{"10.0.0.0/8":[{"protocol":"bgp"}],"RED":{}}').message).toMatch(/entry array/);
    expect(parseError('{"a":[}').message).toMatch(/truncated|invalid/);
  });

  it('refuses an entry array that never ends instead of buffering the whole output', () => {
    const builder = new CompactRouteTableBuilder();
    const parser = new RouteStreamParser(builder);
    parser.write('{"10.0.0.0/8":["');
    const filler = 'x'.repeat(1 << 20);
    expect(() => {
      for (let i = 0; i < 20; i++) parser.write(filler);
    }).toThrow(ParseError);
    expect(() => parser.write('"]}')).toThrow(ParseError);
  });
});
