/**
 * The workload index's pool owner on numbers (pool-match.ts) answers exactly what ip-num's
 * containment answers, for prefixes in, across and outside pools of both families and several VRFs.
 */
import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr } from '../../src/addr/cidr.ts';
import type { TenantSpec } from '../../src/model/workload.ts';
import { PoolMatcher } from '../../src/state/pool-match.ts';

const TENANTS: TenantSpec[] = [
  { name: 'acme', pools4: ['198.51.100.0/24', '10.0.0.0/8'], pools6: ['2001:db8:a::/48'] },
  { name: 'blue', vrf: 'blue', pools4: ['10.1.0.0/16'], pools6: ['2001:db8:b::/48', 'fd00:1::/32'] },
  { name: 'red', vrf: 'red', pools4: ['10.1.0.0/16', '0.0.0.0/0'], pools6: ['2001:db8:a::/47'] },
];

/** The old answer: the first tenant (in order) one of whose pools holds the prefix, via ip-num. */
function reference(vrf: string, prefix: string): string | null {
  const owner = TENANTS.find(
    (t) =>
      (vrf === 'default' || (t.vrf ?? 'default') === vrf) &&
      [...t.pools4, ...t.pools6].some((pool) => cidrContains(parseCidr(pool), prefix)),
  );
  return owner?.name ?? null;
}

describe('PoolMatcher', () => {
  it('agrees with ip-num on edge cases and on 3,000 random prefixes', () => {
    const matcher = new PoolMatcher(TENANTS);
    const edges = [
      '198.51.100.7/32',
      '198.51.100.0/24',
      '198.51.100.0/23',
      '198.51.101.1/32',
      '10.255.255.255/32',
      '11.0.0.1/32',
      '10.1.2.3/32',
      '10.1.2.3',
      '2001:db8:a::/64',
      '2001:db8:a:ffff::/64',
      '2001:db8:b:1::/64',
      '2001:db8:c::/64',
      '2001:db8::/32',
      'fd00:1:ffff::1/128',
      'fd00:2::/64',
      '::/0',
      '0.0.0.0/0',
    ];
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed % n);
    const random: string[] = [];
    for (let i = 0; i < 1_500; i++) {
      const first = [10, 198, 11][rnd(3)]!;
      random.push(`${first}.${rnd(3) === 0 ? 51 : rnd(256)}.${rnd(3) === 0 ? 100 : rnd(256)}.${rnd(256)}/32`);
      const second = ['a', 'b', 'c', '0'][rnd(4)]!;
      random.push(`2001:db8:${second}:${rnd(65536).toString(16)}::/64`);
    }
    for (const vrf of ['default', 'blue', 'red', 'green'])
      for (const prefix of [...edges, ...random])
        expect(matcher.ownerOf(vrf, prefix), `${vrf} ${prefix}`).toBe(reference(vrf, prefix));
  });

  it('an unparseable prefix has no owner (and never throws)', () => {
    const matcher = new PoolMatcher(TENANTS);
    expect(matcher.ownerOf('default', 'not-a-prefix')).toBeNull();
    expect(matcher.ownerOf('default', '198.51.100.7/40')).toBeNull();
  });
});
