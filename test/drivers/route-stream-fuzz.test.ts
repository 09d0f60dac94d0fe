import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/drivers/errors.ts';
import { RouteStreamParser } from '../../src/drivers/frr/route-stream.ts';
import { type CompactRouteTable } from '../../src/model/compact-route-table.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import { chunked } from './fixtures.ts';
import { referenceRoutes } from './route-reference.ts';

/*
 * Property tests (seeded, so every run is the same): random FRR-shaped route documents whose names
 * hold brackets, braces, quotes, backslashes, control characters and non-ASCII text, in every
 * layout FRR prints, cut into random chunks (also inside multi-byte characters). The streaming
 * parser must give exactly what JSON.parse of each whole document gives, or a ParseError.
 */

type Rng = () => number;
function rng(seed: number): Rng {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0), s / 2 ** 32);
}
const int = (r: Rng, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)]!;

// Pieces that trip a naive scanner: structural characters, escapes, multi-byte and astral text.
const ALPHABET = [
  'a',
  'Z',
  '0',
  '-',
  '.',
  ' ',
  '[',
  ']',
  '[[',
  ']]',
  '{',
  '}',
  '"',
  '\\',
  '\\"',
  '"]',
  '\\\\',
  ':',
  ',',
  '/',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  'ü',
  'ß',
  '中',
  '\u2028',
  '\u200f',
  '😀',
  '🇩🇪',
  '\ud800', // a lone surrogate: JSON.stringify writes it as an escape
];

function text(r: Rng, max = 12): string {
  let s = '';
  for (let n = int(r, max + 1); n > 0; n--) s += pick(r, ALPHABET);
  return s;
}

function prefix(r: Rng, i: number): string {
  if (r() < 0.5) return `10.${(i >> 8) & 255}.${i & 255}.0/24`;
  return `2001:db8:${(i & 0xffff).toString(16)}::/64`;
}

function entry(r: Rng, vrf: string, brackety: boolean): Record<string, unknown> {
  const name = (): string => (brackety ? `rr[${text(r, 4)}` : pick(r, ['eth0', 'up-rtr1', 'tap-acme-1']));
  const e: Record<string, unknown> = {
    protocol: pick(r, ['bgp', 'kernel', 'connected', 'static', text(r, 6)]),
    vrfName: vrf,
    selected: r() < 0.8 ? true : undefined,
    installed: r() < 0.8 ? true : undefined,
    distance: int(r, 256),
    metric: int(r, 1000),
    uptime: r() < 0.5 ? '01:02:03' : text(r, 8),
    nexthops: Array.from({ length: 1 + int(r, 3) }, () => ({
      ip: r() < 0.5 ? 'fe80::1' : '192.0.2.1',
      interfaceName: name(),
      active: r() < 0.9 ? true : undefined,
      ...(r() < 0.2 ? { labels: [int(r, 1000), int(r, 1000)] } : {}),
    })),
  };
  if (r() < 0.1) e.description = text(r, 40); // an unknown field full of brackets
  return e;
}

/** `{prefix: [entries]}` for one VRF; most prefixes plain, runs of them bracket-laden. */
function table(r: Rng, vrf: string, size: number, start: number): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  let brackety = false;
  for (let i = 0; i < size; i++) {
    if (r() < 0.05) brackety = !brackety; // runs, so the exact-scan streak both holds and lapses
    const n = 1 + int(r, 2);
    out[prefix(r, start + i)] = Array.from({ length: n }, () => entry(r, vrf, brackety || r() < 0.02));
  }
  return out;
}

function stringify(r: Rng, doc: unknown): string {
  return pick(r, [0, 1, 2]) === 0 ? JSON.stringify(doc) : JSON.stringify(doc, null, pick(r, [1, 2, '\t']));
}

/** One output in a random FRR layout, as the documents FRR would print. */
function output(r: Rng, size: number): string[] {
  const vrfs = ['default', ...Array.from({ length: int(r, 3) }, () => `v${text(r, 5)}`)];
  const tables = vrfs.map((v, i) => [v, table(r, v, size, i * size)] as const);
  switch (int(r, 3)) {
    case 0: // one VRF: {prefix: [...]}
      return [stringify(r, tables[0]![1]) + '\n'];
    case 1: // ≤ 9.1 `vrf all`: one document per VRF
      return tables.map(([, t]) => stringify(r, t) + '\n');
    default: // 10.x `vrf all`: {vrf: {prefix: [...]}}
      return [stringify(r, Object.fromEntries(tables)) + '\n'];
  }
}

function streamed(chunks: readonly Buffer[]): CompactRouteTable {
  const builder = new CompactRouteTableBuilder();
  const parser = new RouteStreamParser(builder);
  for (const c of chunks) parser.write(c);
  parser.end();
  return builder.finish();
}

describe('RouteStreamParser against JSON.parse on generated hostile text', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}: same routes for any chunking`, () => {
      const r = rng(seed);
      const docs = output(r, 1 + int(r, seed % 5 === 0 ? 400 : 40));
      const expected = docs.flatMap(referenceRoutes);
      const bytes = Buffer.from(docs.join(''));
      expect([...streamed([bytes])]).toEqual(expected);
      for (const max of [1 + int(r, 7), 1 + int(r, 300), 1 + int(r, 70_000)]) {
        expect([...streamed(chunked(bytes, seed * 31 + max, max))]).toEqual(expected);
      }
    });
  }

  it('keeps an entry array longer than the quick-scan limit, with and without brackets in it', () => {
    for (const filler of ['x'.repeat(70_000), '[x'.repeat(35_000), ']x'.repeat(35_000)]) {
      const doc = { '10.0.0.0/8': [{ protocol: 'bgp', note: filler, nexthops: [{ interfaceName: 'a[b' }] }] };
      const text = JSON.stringify(doc);
      const bytes = Buffer.from(text);
      expect([...streamed([bytes])]).toEqual(referenceRoutes(text));
      expect([...streamed(chunked(bytes, 5, 9_000))]).toEqual(referenceRoutes(text));
    }
  });
});

describe('RouteStreamParser on cut and emptied output: one clear error, never a table', () => {
  for (let seed = 101; seed <= 115; seed++) {
    it(`seed ${seed}: every cut before the end is a ParseError`, () => {
      const r = rng(seed);
      const bytes = Buffer.from(output(r, 1 + int(r, 30)).join(''));
      const end = bytes.toString().trimEnd().length;
      for (let k = 0; k < 25; k++) {
        const cut = int(r, end); // strictly inside the last document
        const head = bytes.subarray(0, cut);
        const chunks = chunked(head, seed + k, 1 + int(r, 500));
        // A cut right after a complete ≤ 9.1 per-VRF document is a shorter valid output, and the
        // reference (JSON.parse of each document) reads it; anything else must be a ParseError.
        let expected: ReturnType<typeof referenceRoutes> | null = null;
        try {
          if (head.toString().trim() !== '') expected = referenceRoutes(head.toString());
        } catch {
          expected = null;
        }
        if (expected) {
          expect([...streamed(chunks)]).toEqual(expected);
          continue;
        }
        let err: unknown = null;
        try {
          streamed(chunks);
        } catch (e) {
          err = e;
        }
        expect(err, `cut at ${cut}`).toBeInstanceOf(ParseError);
        expect((err as ParseError).message).toMatch(/truncated|output is empty|unexpected|invalid/);
      }
    });
  }
});
