/**
 * The registry's spelling of an address and its pool check, read from words (a fleet's first start
 * records 100,000 addresses): the same answers as ip-num gives, and the same refusals.
 */
import { IPv4CidrRange, IPv6, IPv6CidrRange } from 'ip-num';
import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr } from '../../src/addr/cidr.ts';
import { canonicalAddress, poolContains } from '../../src/registry/allocations.ts';

describe('canonicalAddress', () => {
  it('one spelling per address', () => {
    expect(canonicalAddress('10.0.0.5')).toEqual({ address: '10.0.0.5/32', family: 4 });
    expect(canonicalAddress('10.0.0.5/32')).toEqual({ address: '10.0.0.5/32', family: 4 });
    expect(canonicalAddress('10.0.0.0/8')).toEqual({ address: '10.0.0.0/8', family: 4 });
    expect(canonicalAddress('2001:0DB8:0:0::1')).toEqual({ address: '2001:db8::1/128', family: 6 });
    expect(canonicalAddress('2001:0db8:a:1:0::/64')).toEqual({ address: '2001:db8:a:1::/64', family: 6 });
    expect(canonicalAddress('::ffff:192.0.2.1')).toEqual({ address: '::ffff:c000:201/128', family: 6 });
    expect(canonicalAddress('2001:db8:0:0:0:0:0:1')).toEqual({ address: '2001:db8::1/128', family: 6 });
  });

  it('refuses what is not an address or prefix, and host bits, with the reason', () => {
    for (const bad of [
      '10.0.0',
      '10.0.0.256',
      '010.0.0.1',
      '1::2::3',
      'g::1',
      '10.0.0.5/33',
      '::/129',
      '',
      '10.0.0.5/x',
    ])
      expect(() => canonicalAddress(bad), bad).toThrow();
    expect(() => canonicalAddress('10.0.0.5/24')).toThrow(/host bits set; did you mean 10\.0\.0\.0\/24/);
    expect(() => canonicalAddress('2001:db8::1/64')).toThrow(/host bits set; did you mean 2001:db8::\/64/);
    expect(() => canonicalAddress('10.0.0.5/')).toThrow(/not an IPv4 or IPv6 address or prefix/);
  });

  it('agrees with ip-num on random addresses in several spellings', () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    for (let i = 0; i < 500; i++) {
      const v4 = [rand(256), rand(256), rand(256), rand(256)].join('.');
      expect(canonicalAddress(v4).address).toBe(`${v4}/32`);
      const groups = Array.from({ length: 8 }, () => (rand(3) === 0 ? 0 : rand(0x10000)));
      const full = groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
      const expected = new URL(`http://[${IPv6.fromString(full).toString()}]`).hostname.slice(1, -1);
      expect(canonicalAddress(full).address).toBe(`${expected}/128`);
      expect(canonicalAddress(expected.toUpperCase()).address).toBe(`${expected}/128`);
      const len = 16 + rand(113);
      const net = IPv6CidrRange.fromCidr(`${full}/${len}`).getFirst().toString();
      const netText = new URL(`http://[${net}]`).hostname.slice(1, -1);
      expect(canonicalAddress(`${net}/${len}`).address).toBe(`${netText}/${len}`);
    }
  });
});

describe('poolContains', () => {
  it('agrees with ip-num containment', () => {
    let seed = 11;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    const pools4 = ['10.0.0.0/8', '198.51.100.0/24', '198.51.100.128/25', '0.0.0.0/0', '203.0.113.7/32'];
    const pools6 = ['2001:db8::/32', '2001:db8:a::/48', '2001:db8:a:10::/64', '::/0', 'fd00::/8'];
    const cases: string[] = ['198.51.100.10/32', '198.51.100.200/32', '203.0.113.7/32', '10.255.255.255/32'];
    for (let i = 0; i < 300; i++) {
      const v4 = `${[rand(2) ? 10 : 198, rand(2) ? 51 : rand(256), rand(2) ? 100 : rand(256), rand(256)].join('.')}/32`;
      cases.push(v4, IPv4CidrRange.fromCidr(`${v4.slice(0, -3)}/${8 + rand(25)}`).toCidrString());
      const g = [
        0x2001,
        rand(2) ? 0xdb8 : rand(0x10000),
        rand(2) ? 0xa : rand(16),
        rand(2) ? 0x10 : rand(0x10000),
      ];
      cases.push(canonicalAddress(`${g.map((x) => x.toString(16)).join(':')}::/64`).address);
      cases.push(
        canonicalAddress(`fd${rand(256).toString(16).padStart(2, '0')}::${rand(0x10000).toString(16)}`)
          .address,
      );
    }
    for (const pool of [...pools4, ...pools6])
      for (const address of cases)
        expect(poolContains(pool, address), `${address} in ${pool}`).toBe(
          cidrContains(parseCidr(pool), address),
        );
  });

  it('a pool with host bits is refused as parseCidr refuses it', () => {
    expect(() => poolContains('10.0.0.1/8', '10.0.0.5/32')).toThrow(/host bits set/);
  });
});
