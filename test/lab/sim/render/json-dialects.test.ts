/**
 * The simulated tools' JSON dialects, printed by V8's JSON.stringify and rewritten (render/json.ts),
 * must be byte for byte what a printer written value by value gives: json-c's PRETTY layout (FRR's
 * vty_json) and jansson's (nftables). The references below are those printers.
 */
import { describe, expect, it, vi } from 'vitest';
import { createSimFabric } from '../../../../src/lab/sim/fabric.ts';
import { jansson, jsonC, type Json } from '../../../../src/lab/sim/render/json.ts';
import type * as JsonPrinters from '../../../../src/lab/sim/render/json.ts';

type JsonModule = typeof JsonPrinters;

/** Which printers the lab's renderers call: the module's own, or the references below. */
const printers = vi.hoisted(() => ({ reference: false, calls: { reference: false, actual: false } }));
vi.mock('../../../../src/lab/sim/render/json.ts', async (importActual) => {
  const actual = await importActual<JsonModule>();
  const pick =
    <A extends unknown[]>(own: (...args: A) => string, reference: (...args: A) => string) =>
    (...args: A): string => {
      if (printers.reference) printers.calls.reference = true;
      else printers.calls.actual = true;
      return printers.reference ? reference(...args) : own(...args);
    };
  return {
    ...actual,
    jsonC: pick(actual.jsonC, (v: Json, level = 0) => jsonCReference(v, level)),
    jansson: pick(actual.jansson, (v: unknown) => janssonReference(v)),
  };
});

/** json-c `JSON_C_TO_STRING_PRETTY | NOSLASHESCAPE`: two spaces, `"key":value`, `{` newline `}` when empty. */
function jsonCReference(v: Json | undefined, level = 0): string {
  const pad = (n: number) => '  '.repeat(n);
  if (v === null || v === undefined || typeof v !== 'object') return JSON.stringify(v ?? null);
  const items = Array.isArray(v)
    ? v.map((x) => jsonCReference(x ?? null, level + 1))
    : Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => `${JSON.stringify(k)}:${jsonCReference(x, level + 1)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return `${open}\n${pad(level)}${close}`;
  return `${open}\n${items.map((item) => `${pad(level + 1)}${item}`).join(',\n')}\n${pad(level)}${close}`;
}

/** jansson as nft -j prints: `", "` between items, `": "` after keys, one line. */
function janssonReference(v: unknown): string {
  if (v === null || v === undefined || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(janssonReference).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `${JSON.stringify(k)}: ${janssonReference(x)}`)
    .join(', ')}}`;
}

/** Documents with what the rewrites must not touch: keys and strings holding `": `, `{}`, `[]`, escapes, newlines. */
const tricky: Json[] = [
  {},
  [],
  { a: {}, b: [], c: [{}, [], [[]], { d: {} }] },
  { 'key": {}': '": []', 'x\n"y': ['a": b', '{}', '[]', '"', '\\', '\\"', '\t', ''] },
  { desc: 'peer "hv1": {} [] , : \\n', n: 0, f: 1.5, neg: -3, t: true, nil: null, u: 'ü ✓ /' },
  [1, 'two', null, true, { three: [3, { four: {} }] }],
  { note: 'a: b', quote: 'say "x" ok', path: 'C:\\dir\\' },
  { gone: undefined, kept: 1 } as unknown as Json,
  'just a string',
  42,
  null,
];

describe('the lab’s JSON dialects', () => {
  it('json-c layout: every document, at every nesting level, as the value-by-value printer', () => {
    for (const doc of tricky)
      for (const level of [0, 1, 3])
        expect(jsonC(doc, level), JSON.stringify(doc)).toBe(jsonCReference(doc, level));
  });

  it('jansson layout: every document as the value-by-value printer', () => {
    for (const doc of tricky) expect(jansson(doc), JSON.stringify(doc)).toBe(janssonReference(doc));
  });

  it('a simulated fabric prints every BGP summary, neighbor list and nft table as the reference printers would', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-07T00:00:00Z'), toFake: ['Date'] });
    const outputs = async () => {
      const fabric = createSimFabric({ hosts: 4, routers: 2, workloads: 40, tenants: 3 });
      try {
        const out: string[] = [];
        for (const name of ['spine1', 'hv1'])
          for (const command of [
            "vtysh -c 'show bgp vrf all summary json'",
            "vtysh -c 'show bgp summary json'",
            "vtysh -c 'show bgp vrf all neighbors json'",
            'sudo -n nft -j list table inet vmguard',
          ]) {
            const { stdout, code } = await fabric.device(name)!.exec(command);
            if (code === 0) out.push(`${name} ${command}\n${stdout}`);
          }
        return out;
      } finally {
        fabric.close();
      }
    };
    try {
      printers.reference = true;
      const reference = await outputs();
      printers.reference = false;
      const printed = await outputs();
      // A router has no vmguard table: 3 of its commands, 4 of the host's.
      expect(reference.length).toBe(7);
      expect(printed).toEqual(reference);
      // The references really were used: both printers were called for the lab's outputs.
      expect(printers.calls).toEqual({ reference: true, actual: true });
    } finally {
      vi.useRealTimers();
    }
  });
});
