/**
 * The plain shape checks that stand before zod on the hosts' hot path (issue 16: zod was ~16 s of the
 * console's CPU while 1,000 hosts gave their first listings) say exactly what their schemas say: on the
 * real iproute2 listings of the FRR lab, and on each of them broken one field at a time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ShapeCheck } from '../../src/drivers/json.ts';
import { AfiSummarySchema, isAfiSummaryShape, parseBgpSummary } from '../../src/drivers/frr/bgp-summary.ts';
import { shape } from '../../src/drivers/json.ts';
import { isLinks, LinksSchema, parseIpJsonAddr } from '../../src/drivers/linux/ip-addr.ts';
import { IpRoutesSchema, isIpRoutes, parseIpJsonRoutes } from '../../src/drivers/linux/ip-route.ts';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/frr-8.4');
function listings(match: RegExp): { name: string; value: unknown[] }[] {
  const out: { name: string; value: unknown[] }[] = [];
  for (const device of readdirSync(FIXTURES).filter((d) => statSync(path.join(FIXTURES, d)).isDirectory()))
    for (const file of readdirSync(path.join(FIXTURES, device)))
      if (match.test(file))
        out.push({
          name: `${device}/${file}`,
          value: JSON.parse(readFileSync(path.join(FIXTURES, device, file), 'utf8')) as unknown[],
        });
  return out;
}

/** Every way to break one field of one element: wrong types, null, removed; nested objects too. */
function* broken(value: unknown[]): Generator<unknown> {
  const wrongs: unknown[] = [null, 7, 'x', true, [], {}];
  const seen = new Set<string>();
  function* inObject(
    obj: Record<string, unknown>,
    rebuild: (o: Record<string, unknown>) => unknown,
    at = '',
  ): Generator<unknown> {
    for (const key of Object.keys(obj)) {
      for (const wrong of wrongs) {
        const id = `${at}.${key}:${JSON.stringify(wrong)}`;
        if (seen.has(id)) continue;
        seen.add(id);
        yield rebuild({ ...obj, [key]: wrong });
      }
      const { [key]: _gone, ...rest } = obj;
      yield rebuild(rest);
      const inner = obj[key];
      if (Array.isArray(inner) && inner.length > 0 && typeof inner[0] === 'object' && inner[0] !== null)
        yield* inObject(
          inner[0] as Record<string, unknown>,
          (o) => rebuild({ ...obj, [key]: [o, ...inner.slice(1)] }),
          `${at}.${key}[]`,
        );
      else if (typeof inner === 'object' && inner !== null && !Array.isArray(inner))
        yield* inObject(
          inner as Record<string, unknown>,
          (o) => rebuild({ ...obj, [key]: o }),
          `${at}.${key}`,
        );
    }
  }
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (typeof item !== 'object' || item === null) continue;
    yield* inObject(item as Record<string, unknown>, (o) => value.map((v, j) => (j === i ? o : v)));
  }
  yield 'not a list';
  yield [null];
}

function agree(schema: z.ZodType, check: ShapeCheck, fixtures: { name: string; value: unknown[] }[]): number {
  let cases = 0;
  for (const { name, value } of fixtures) {
    expect(check(value), name).toBe(true);
    expect(schema.safeParse(value).success, name).toBe(true);
    for (const variant of broken(value)) {
      cases++;
      expect(check(variant), `${name}: ${JSON.stringify(variant).slice(0, 160)}`).toBe(
        schema.safeParse(variant).success,
      );
    }
  }
  return cases;
}

describe('shape checks agree with their schemas', () => {
  it('ip -j [-d] addr/link listings', () => {
    const fixtures = listings(/^ip-j(-d)?-(addr|link)\.json$/);
    expect(fixtures.length).toBeGreaterThan(2);
    expect(agree(LinksSchema, isLinks, fixtures)).toBeGreaterThan(50);
  });

  it('ip -j route listings', () => {
    const fixtures = listings(/^ip-j(-6)?-route-show-table-all\.json$/);
    expect(fixtures.length).toBeGreaterThan(2);
    expect(agree(IpRoutesSchema, isIpRoutes, fixtures)).toBeGreaterThan(50);
  });

  it('BGP summaries of every FRR version in the corpus (each VRF/AFI summary)', () => {
    const corpus = path.join(import.meta.dirname, '../../fixtures/frr-corpus');
    const fixtures: { name: string; value: unknown[] }[] = [];
    for (const version of readdirSync(corpus).filter((d) => statSync(path.join(corpus, d)).isDirectory()))
      for (const topo of readdirSync(path.join(corpus, version))) {
        const file = path.join(corpus, version, topo, 'show-bgp-vrf-all-summary-json.json');
        let doc: Record<string, Record<string, unknown>>;
        try {
          doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
        } catch {
          continue;
        }
        const afis = Object.values(doc).flatMap((vrf) => Object.values(vrf));
        fixtures.push({
          name: `${version}/${topo}`,
          value: afis.filter((a) => typeof a === 'object' && a !== null && 'peers' in a),
        });
      }
    expect(fixtures.length).toBeGreaterThan(4);
    expect(agree(z.array(AfiSummarySchema), shape.array(isAfiSummaryShape), fixtures)).toBeGreaterThan(50);
    expect(() => parseBgpSummary('{"ipv4Unicast":{"peers":{"swp1":{"pfxRcd":"7"}}}}', 'rr')).toThrow(
      /unexpected BGP summary at "ipv4Unicast".peers.swp1.pfxRcd/,
    );
  });

  it('a listing the checks refuse is still a clear error naming what is wrong', () => {
    expect(() => parseIpJsonAddr('[{"ifindex":"1","ifname":"lo"}]')).toThrow(
      /unexpected ip link\/addr listing: .*ifindex/,
    );
    expect(() => parseIpJsonRoutes('[{"dev":"eth0"}]')).toThrow(/unexpected ip route listing: .*dst/);
  });
});
