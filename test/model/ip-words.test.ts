/**
 * The compact table's address text ↔ words (src/model/ip-words.ts). The IPv6 reader and printer scan
 * characters into a scratch array (issue 16: the split/map versions were ~3 s of a 1,000-host console's
 * start); they must accept, refuse and print exactly what the split versions did. Those are kept here
 * as the oracle, and both are run over every edge case we know and 20,000 seeded texts.
 */
import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatV6, parseIpWords, parseV4 } from '../../src/model/ip-words.ts';

/** The split-based reader the scanner replaced (words 0–3, then the length; the family, or 0). */
function oracleParse(text: string, out: Uint32Array): 0 | 4 | 6 {
  const slash = text.indexOf('/');
  const end = slash < 0 ? text.length : slash;
  let family: 0 | 4 | 6 = 0;
  if (text.indexOf(':') < 0) {
    const v = parseV4(text, 0, end);
    if (v < 0) return 0;
    out[0] = v;
    family = 4;
  } else if (oracleV6(text.slice(0, end), out)) family = 6;
  else return 0;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) out[4] = max;
  else {
    const lenText = text.slice(slash + 1);
    const len = Number(lenText);
    if (!/^\d{1,3}$/.test(lenText) || len > max) return 0;
    out[4] = len;
  }
  return family;
}

function oracleV6(t: string, out: Uint32Array): boolean {
  const halves = t.split('::');
  if (halves.length > 2) return false;
  const sides: number[][] = [[], []];
  for (const [h, half] of halves.entries()) {
    if (half === '') continue;
    const parts = half.split(':');
    for (const [i, p] of parts.entries()) {
      if (p.includes('.') && i === parts.length - 1 && h === halves.length - 1) {
        const v = parseV4(p, 0, p.length);
        if (v < 0) return false;
        sides[h]!.push(v >>> 16, v & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) sides[h]!.push(parseInt(p, 16));
      else return false;
    }
  }
  const [head = [], tail = []] = sides;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return false;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  for (let w = 0; w < 4; w++) out[w] = ((all[2 * w] ?? 0) * 0x10000 + (all[2 * w + 1] ?? 0)) >>> 0;
  return true;
}

/** The map/join printer the scanner replaced. */
function oracleFormat(w: ArrayLike<number>): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(w[i]! >>> 16, w[i]! & 0xffff);
  let best = 0;
  let bestLen = 0;
  for (let i = 0, run = 0; i <= 8; i++) {
    if (i < 8 && g[i] === 0) run++;
    else {
      if (run > bestLen) [best, bestLen] = [i - run, run];
      run = 0;
    }
  }
  const v4 = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  if (best === 0 && bestLen === 6) return `::${v4(w[3]!)}`;
  const hex = (x: number): string => x.toString(16);
  if (bestLen < 2) return g.map(hex).join(':');
  return `${g.slice(0, best).map(hex).join(':')}::${g
    .slice(best + bestLen)
    .map(hex)
    .join(':')}`;
}

function both(text: string): { now: string; then: string } {
  const a = new Uint32Array(5);
  const b = new Uint32Array(5);
  const fa = parseIpWords(text, a);
  const fb = oracleParse(text, b);
  const said = (family: number, w: Uint32Array) =>
    family === 0 ? 'refused' : `${family} ${[...w].join(',')}`;
  return { now: said(fa, a), then: said(fb, b) };
}

const EDGES = [
  '::',
  '::/0',
  '::1',
  '1::',
  '1:',
  ':1',
  ':::1',
  '1:::2',
  '1::2::3',
  '::1::',
  '',
  '/32',
  ':/5',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '::ffff:192.0.2.1',
  '::192.0.2.1',
  '::1.2.3.4:5',
  '1.2.3.4::',
  '::a.1.1.1',
  '::12345.1.1.1',
  '::123456.1.1.1',
  '::01.2.3.4',
  '::1.2.3.256',
  '12345::',
  '1234::/64',
  'ABCD:ef01::/48',
  '2001:db8::/129',
  '2001:db8::/-1',
  '2001:db8::/',
  '2001:db8::/0064',
  '2001:db8::/6 ',
  '2001:db8:: ',
  ' 2001:db8::',
  'fe80::1%eth0',
  '2001:db8::g',
  '2001:db8:0:0:0:0:0:1/128',
  '1.2.3.4/:',
  '1.2.3.4/32',
  '1.2.3.4/33',
  '0.0.0.0/0',
];

describe('IPv6 text ↔ words', () => {
  it.each(EDGES)('reads %j as the split reader did', (text) => {
    const { now, then } = both(text);
    expect(now).toBe(then);
  });

  it('reads 20,000 seeded texts (valid, compressed, with dotted quads, and broken) as the split reader did', () => {
    let s = 20261207;
    const next = (n: number) => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return s % n;
    };
    const group = () => ['0', '1', 'a', 'ff', 'FFFF', '0db8', '12345', '', 'g1'][next(9)]!;
    let accepted = 0;
    for (let k = 0; k < 20_000; k++) {
      let text: string;
      if (next(3) === 0) {
        // Any characters of the address alphabet.
        const alphabet = '0123456789abcdefABCDEF:::./';
        text = Array.from({ length: next(24) }, () => alphabet[next(alphabet.length)]).join('');
      } else {
        const groups = Array.from({ length: next(10) }, group);
        if (next(4) === 0) groups.push(`${next(300)}.${next(256)}.${next(256)}.${next(256)}`);
        text = groups.join(':');
        if (next(2) === 0) {
          const at = next(text.length + 1);
          text = `${text.slice(0, at)}::${text.slice(at)}`;
        }
        if (next(2) === 0) text += `/${next(140)}`;
      }
      const { now, then } = both(text);
      if (now !== then) expect({ text, now }).toEqual({ text, now: then });
      if (now !== 'refused') accepted++;
    }
    // The generator reaches both sides of the reader (not only refusals).
    expect(accepted).toBeGreaterThan(1_000);
  });

  it('accepts only what Node calls IPv6 (without zones), for the seeded valid forms', () => {
    for (const text of ['::', '::1', '2001:db8::1', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8', 'fe80::1%eth0']) {
      const ok = parseIpWords(text, new Uint32Array(5)) === 6;
      expect(ok).toBe(isIPv6(text) && !text.includes('%'));
    }
  });

  it('prints 20,000 seeded addresses (zero runs of every length and place) as the map/join printer did', () => {
    let s = 7;
    const next = (n: number) => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return s % n;
    };
    const w = new Uint32Array(4);
    for (let k = 0; k < 20_000; k++) {
      const groups = Array.from({ length: 8 }, () =>
        next(2) === 0 ? 0 : next(3) === 0 ? 0xffff : next(0x10000),
      );
      for (let i = 0; i < 4; i++) w[i] = (groups[2 * i]! * 0x10000 + groups[2 * i + 1]!) >>> 0;
      const text = formatV6(w);
      if (text !== oracleFormat(w)) expect({ groups, text }).toEqual({ groups, text: oracleFormat(w) });
      // And it reads back to the same words.
      const back = new Uint32Array(5);
      expect(parseIpWords(text, back)).toBe(6);
      expect([...back.subarray(0, 4)]).toEqual([...w]);
    }
    expect(formatV6([0x20010db8, 0, 0, 1])).toBe('2001:db8::1');
    expect(formatV6([0, 0, 0, 0])).toBe('::');
    expect(formatV6([0, 0, 0xffff, 0xc0000201])).toBe('::ffff:c000:201');
    expect(formatV6([0, 0, 0, 0xc0000201])).toBe('::192.0.2.1');
    expect(formatV6([0x00010000, 0x00020000, 0x00030000, 0x00040000])).toBe('1:0:2:0:3:0:4:0');
    expect(formatV6([0x20010db8, 0x00000000, 0x00010000, 0x00000001])).toBe('2001:db8::1:0:0:1');
  });
});
