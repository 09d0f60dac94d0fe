import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/addr/cidr.ts';
import { findOverlaps } from '../../src/addr/overlap.ts';

const spaced = (...items: [string, string][]) =>
  items.map(([cidr, space]) => ({ cidr: parseCidr(cidr), space }));

describe('findOverlaps', () => {
  it('finds nested and duplicate prefixes once each, against the widest holder, in input order', () => {
    const found = findOverlaps(
      spaced(
        ['10.0.1.0/24', 'default'],
        ['192.0.2.0/24', 'default'],
        ['10.0.0.0/16', 'default'],
        ['10.0.1.128/25', 'default'],
        ['192.0.2.0/24', 'default'],
        ['10.1.0.0/16', 'default'],
      ),
    );
    expect(found).toEqual([
      { earlier: 0, later: 2 },
      { earlier: 2, later: 3 },
      { earlier: 1, later: 4 },
    ]);
  });

  it('keeps spaces (VRFs) and address families apart', () => {
    expect(
      findOverlaps(
        spaced(['10.0.0.0/8', 'red'], ['10.0.0.0/8', 'blue'], ['::/0', 'red'], ['0.0.0.0/0', 'blue']),
      ),
    ).toEqual([{ earlier: 1, later: 3 }]);
  });

  it('checks 20,000 pools of 10,000 tenants: none overlap, then one pasted twice is found', () => {
    const pools = Array.from({ length: 10_000 }, (_, i) => [
      { cidr: parseCidr(`10.${i >> 8}.${i & 255}.0/24`), space: 'default' },
      { cidr: parseCidr(`2001:db8:${i.toString(16)}::/48`), space: 'default' },
    ]).flat();
    expect(findOverlaps(pools)).toEqual([]);
    pools.push({ cidr: parseCidr('10.39.15.0/24'), space: 'default' });
    expect(findOverlaps(pools)).toEqual([{ earlier: 2 * (39 * 256 + 15), later: 20_000 }]);
    // ip-num's parsing dominates (seconds on a busy machine); the sweep itself is milliseconds.
  }, 180_000);
});
