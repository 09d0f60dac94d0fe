/**
 * The index sorts new entries by prefix keys (index-order.ts) instead of the numeric collator: the keys
 * must give the collator's order for every pair of prefixes FRR and iproute2 print, and defer to it for
 * anything else.
 */
import { describe, expect, it } from 'vitest';
import { prefixSortKey } from '../../src/state/index-order.ts';

const collator = new Intl.Collator('en', { numeric: true });

/** A deterministic sequence (no Math.random in tests). */
function lcg(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('prefix sort keys', () => {
  it('order every pair of IPv4 and IPv6 prefixes as the numeric collator does', () => {
    const next = lcg(11);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    const hex = () => Math.floor(next() * 65536).toString(16);
    const v4 = () =>
      `${[0, 0, 0, 0].map(() => Math.floor(next() * (next() < 0.5 ? 12 : 256))).join('.')}/${pick([32, 31, 24, 8, 0])}`;
    const v6 = () =>
      `${Array.from({ length: 1 + Math.floor(next() * 5) }, () => (next() < 0.3 ? pick(['a', 'f', 'ab', '10', '9', 'a0', '0a', '0']) : hex())).join(':')}${pick(['::', ':1', '::1', ''])}/${pick([128, 64, 48, 0])}`;
    const prefixes = Array.from({ length: 4000 }, () => (next() < 0.5 ? v4() : v6()));
    prefixes.push(
      '10.0.0.1/32',
      '10.0.0.10/32',
      '10.0.0.2/32',
      '2001:db8::/64',
      '2001:db8:a::/64',
      '::/0',
      '0.0.0.0/0',
    );
    const keys = prefixes.map((p) => prefixSortKey(p)!);
    let compared = 0;
    const wrong: string[] = [];
    for (let i = 0; i < prefixes.length; i++)
      for (let j = i + 1; j < prefixes.length; j += 29) {
        const [ka, kb] = [keys[i]!, keys[j]!];
        if (ka === kb) continue;
        compared++;
        if (Math.sign(collator.compare(prefixes[i]!, prefixes[j]!)) !== (ka < kb ? -1 : 1))
          wrong.push(`${prefixes[i]} vs ${prefixes[j]}`);
      }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(250_000);
  });

  it('same key only where the collator’s first level ties; no key for other characters', () => {
    // Leading zeros are the same number: the keys tie and the collator decides.
    expect(prefixSortKey('10.0.0.010/32')).toBe(prefixSortKey('10.0.0.10/32'));
    expect(prefixSortKey('2001:DB8::/32')).toBeNull();
    expect(prefixSortKey('fe80::1%eth0')).toBeNull();
    expect(prefixSortKey('')).toBe('');
  });
});
