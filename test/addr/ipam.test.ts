import { describe, expect, it } from 'vitest';
import { nextFreeIpv4, nextFreeIpv6Prefix, PoolExhaustedError } from '../../src/addr/ipam.ts';

const none = new Set<string>();

describe('nextFreeIpv4', () => {
  it('skips the network address, used and live-announced addresses', () => {
    expect(nextFreeIpv4('203.0.113.0/24', none, none)).toBe('203.0.113.1');
    const used = new Set(['203.0.113.1', '203.0.113.2/32']);
    const announced = new Set(['203.0.113.3/32', '198.51.100.4/32', '2001:db8::/64']);
    expect(nextFreeIpv4('203.0.113.0/24', used, announced)).toBe('203.0.113.4');
  });

  it('a shorter announced prefix blocks every address beneath it (host bits masked)', () => {
    expect(nextFreeIpv4('10.0.0.0/24', new Set(['10.0.0.1/31']), none)).toBe('10.0.0.2');
    const used = new Set(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(nextFreeIpv4('10.0.0.0/24', used, new Set(['10.0.0.5/30']))).toBe('10.0.0.8');
  });

  it('refuses a malformed entry rather than treating it as free', () => {
    expect(() => nextFreeIpv4('10.0.0.0/24', new Set(['10.0.0.300']), none)).toThrow(/not a valid IPv4/);
  });

  it('never hands out the broadcast address, and says which pool is exhausted', () => {
    const used = new Set(['192.0.2.1', '192.0.2.2']);
    expect(() => nextFreeIpv4('192.0.2.0/30', used, none)).toThrow(PoolExhaustedError);
    expect(() => nextFreeIpv4('192.0.2.0/30', used, none)).toThrow(/pool 192\.0\.2\.0\/30 has no free/);
    // /32 and /31 pools have no network/broadcast convention.
    expect(nextFreeIpv4('192.0.2.9/32', none, none)).toBe('192.0.2.9');
  });

  it('overlapping pools in two VRFs are independent (each VRF passes its own sets)', () => {
    const blue = new Set(['10.0.0.1', '10.0.0.2']);
    const red = new Set(['10.0.0.1']);
    expect(nextFreeIpv4('10.0.0.0/16', blue, none)).toBe('10.0.0.3');
    expect(nextFreeIpv4('10.0.0.0/16', red, none)).toBe('10.0.0.2');
  });

  // A guard against quadratic behaviour, not a performance figure (a loaded CI machine must not fail it).
  it('finds the next free in a /16 with 60k used', () => {
    const used = new Set<string>();
    for (let i = 1; i <= 60_000; i++) used.add(`10.1.${i >> 8}.${i & 255}`);
    expect(nextFreeIpv4('10.1.0.0/16', used, none)).toBe(`10.1.${60_001 >> 8}.${60_001 & 255}`);
  });

  it('refuses a pool with host bits or of the wrong family', () => {
    expect(() => nextFreeIpv4('10.0.0.1/24', none, none)).toThrow(/host bits/);
    expect(() => nextFreeIpv4('2001:db8::/48', none, none)).toThrow(/not an IPv4 pool/);
  });
});

describe('nextFreeIpv6Prefix', () => {
  it('returns the next /64, skipping used /64s and any address announced inside one', () => {
    expect(nextFreeIpv6Prefix('2001:db8:10::/48', none, none)).toBe('2001:db8:10::/64');
    const used = new Set(['2001:db8:10::/64']);
    const announced = new Set(['2001:db8:10:1::1/128', '2001:db8:10:2::/63']);
    expect(nextFreeIpv6Prefix('2001:db8:10::/48', used, announced)).toBe('2001:db8:10:4::/64');
  });

  it('throws PoolExhaustedError when every /64 is taken', () => {
    const used = new Set(['2001:db8:1:ff00::/64', '2001:db8:1:ff01::/64']);
    expect(() => nextFreeIpv6Prefix('2001:db8:1:ff00::/63', used, none)).toThrow(PoolExhaustedError);
    expect(() => nextFreeIpv6Prefix('2001:db8::/80', none, none)).toThrow(/longer than \/64/);
  });
});
