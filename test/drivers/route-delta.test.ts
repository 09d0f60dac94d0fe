/**
 * A moved table read by what changed in it (src/drivers/route-delta.ts): FRR 8.4.4's `version N`
 * listings and multi-`-c` prefix answers as captured (fixtures/frr-8.4-delta/), the shapes refused,
 * and the driver's choice between a delta and a whole read on rtr1's captures (ReplayRunner).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frrLinuxDriver } from '../../src/drivers/index.ts';
import { SETTLE_MS } from '../../src/drivers/route-check.ts';
import {
  MAX_DELTA_PREFIXES,
  bgpDeltaQuery,
  parseBgpDelta,
  splitDocuments,
} from '../../src/drivers/route-delta.ts';
import { ParseError } from '../../src/drivers/errors.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import { RTR1 as rtr1, ReplayRunner } from './fixtures.ts';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const V4 = { path: 'default/ipv4Unicast', vrf: 'default', family: 4 } as const;
const V6 = { path: 'default/ipv6Unicast', vrf: 'default', family: 6 } as const;

describe("FRR's `version N` listing and several prefixes' answers, as captured", () => {
  it('lists the prefixes changed at or after a version, none past the table version', () => {
    const cmd = bgpDeltaQuery(V4, 5);
    expect(cmd).toBe('show bgp ipv4 unicast version 5 json');
    expect(bgpDeltaQuery({ path: 'acme/ipv6Unicast', vrf: 'acme', family: 6 }, 9)).toBe(
      'show bgp vrf acme ipv6 unicast version 9 json',
    );
    expect(
      parseBgpDelta(fixture('frr-8.4-delta/show-bgp-ipv4-unicast-version-5-json.json'), V4, cmd, 'rtr1'),
    ).toEqual(['198.51.100.12/32', '203.0.113.11/32']);
    expect(
      parseBgpDelta(fixture('frr-8.4-delta/show-bgp-ipv4-unicast-version-7-json.json'), V4, cmd, 'rtr1'),
    ).toEqual([]);
    const v6 = parseBgpDelta(
      fixture('frr-8.4-delta/show-bgp-ipv6-unicast-version-5-json.json'),
      V6,
      cmd,
      'rtr1',
    );
    expect(v6.length).toBeGreaterThan(0);
    expect(v6.every((p) => p.includes(':'))).toBe(true);
    expect(() => bgpDeltaQuery(V4, 0)).toThrow(RangeError);
  });

  it('refuses an unknown VRF, another VRF or family, hostile keys and other shapes, naming device and command', () => {
    const cmd = bgpDeltaQuery(V4, 5);
    const bad = (text: string, t: typeof V4 | typeof V6 = V4) => {
      try {
        parseBgpDelta(text, t, cmd, 'rtr1');
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
        expect(String((err as Error).message)).toContain('rtr1');
        return (err as Error).message;
      }
      throw new Error(`accepted ${text.slice(0, 40)}`);
    };
    expect(bad(fixture('frr-8.4-delta/show-bgp-vrf-nosuch-ipv4-unicast-version-5-json.json'))).toContain(
      'View/Vrf is unknown',
    );
    const listing = fixture('frr-8.4-delta/show-bgp-ipv4-unicast-version-5-json.json');
    expect(bad(listing, V6)).toContain('not an IPv6 prefix');
    expect(bad(listing.replace('"vrfName": "default"', '"vrfName": "acme"'))).toContain(
      "VRF default's table",
    );
    expect(bad(listing.replace('"198.51.100.12/32"', '"\\u001b[2J198.51.100.12/32"'))).toContain(
      'not an IPv4 prefix',
    );
    expect(bad(listing.replace('"routes"', '"paths"'))).toContain('"routes"');
    expect(bad('% Unknown command: show bgp ipv4 unicast version 5 json')).toContain('not JSON');
    expect(bad('[]')).toContain('BGP table object');
  });

  it('splits what several `-c … json` print into one answer each, and a line vtysh said instead of one', () => {
    const three = splitDocuments(fixture('frr-8.4-delta/three-prefixes.json'));
    expect(three).toHaveLength(3);
    expect(Object.keys(JSON.parse(three[0]!) as object)).toEqual(['198.51.100.10/32']);
    expect(three[1]).toBe('{}');
    expect(Object.keys(JSON.parse(three[2]!) as object)).toEqual(['198.51.100.11/32']);
    const said = splitDocuments(fixture('frr-8.4-delta/nosuch-then-prefix.json'));
    expect(said[0]).toBe('% VRF nosuch not found');
    expect(said).toHaveLength(2);
    // Braces inside strings are text, not structure; an unfinished document is an empty answer.
    expect(splitDocuments('{"a":"}{"}\n{}')).toEqual(['{"a":"}{"}', '{}']);
    expect(splitDocuments('{"a":[1,')).toEqual(['']);
  });
});

const SUMMARY = "vtysh -N rtr1 -c 'show bgp vrf all summary json'";
const summary = fixture('frr-8.4/rtr1/show-bgp-vrf-all-summary-json.json');
const LISTING = "vtysh -N rtr1 -c 'show bgp ipv4 unicast version 13 json'";
const PREFIX = '198.51.100.11/32';
const ASK = `vtysh -N rtr1 -c 'show ip route ${PREFIX} json'`;
/** The captured listing with one changed prefix, the workload's /32 (its shape as FRR printed it). */
const listing = fixture('frr-8.4-delta/show-bgp-ipv4-unicast-version-5-json.json')
  .replace('"198.51.100.12/32"', `"${PREFIX}"`)
  .replace(/\n,"203\.0\.113\.11\/32".*\n/, '\n');
/** zebra's captured answer for that /32, its next hop moved to another host. */
const captured = fixture('frr-8.4-prefix/show-ip-route-198-51-100-11-32-json.json');
const capturedHop = /"ip":"(fe80::[0-9a-f:]+)"/.exec(captured)![1]!;
const answer = captured.replaceAll(capturedHop, 'fe80::beef');
const isTable = (c: string) => / route (vrf \S+ )?json'$/.test(c);

async function poll(
  previous: DeviceSnapshot | null,
  at: number,
  overrides: Record<string, { stdout: string; code?: number }> = {},
) {
  const runner = ReplayRunner.forDevice('rtr1', overrides);
  const snap = await frrLinuxDriver.collect({ device: rtr1, runner, previous, now: () => at });
  expect(snap.partialErrors).toEqual([]);
  return {
    snap,
    tables: runner.calls.filter(isTable),
    deltas: runner.calls.filter(
      (c) => c === LISTING || c.includes(`${PREFIX} json`) || / version \d+ json'$/.test(c),
    ),
  };
}
const hopOf = (snap: Pick<DeviceSnapshot, 'routes'>) =>
  snap.routes
    .lookup('198.51.100.11', 'default')
    ?.nexthops.map((n) => n.ip)
    .join(',');

describe('a moved table is read by its delta where FRR gives one, whole where it cannot', () => {
  const settledSnap = async () => {
    const a = await poll(null, 1_000);
    return (await poll(a.snap, 1_000 + SETTLE_MS)).snap;
  };
  const bumped = summary.replace('"tableVersion":12', '"tableVersion":13');

  it('a best-path change: the listing and that prefix, in place; again until settled; then the whole table', async () => {
    const b = await settledSnap();
    const before = hopOf(b);
    expect(before).toMatch(/^fe80::/);
    const t = 10_000 + SETTLE_MS;
    const moved = {
      [SUMMARY]: { stdout: bumped },
      [LISTING]: { stdout: listing },
      [ASK]: { stdout: answer },
    };
    const c = await poll(b, t, moved);
    expect(c.tables).toEqual([]);
    expect(c.deltas).toEqual([LISTING, ASK]);
    expect(hopOf(c.snap)).toBe('fe80::beef');
    expect(c.snap.routes.size).toBe(b.routes.size);
    // Every other row as it was, each VRF/family table in its order.
    const rows = (s: Pick<DeviceSnapshot, 'routes'>) =>
      s.routes.vrfs().flatMap((vrf) =>
        ([4, 6] as const).flatMap((family) =>
          Array.from(s.routes.indexesOf(vrf, family), (i) => {
            const r = s.routes.at(i);
            return `${r.vrf} ${r.family} ${r.prefix} ${r.protocol} ${r.nexthops.map((n) => n.ip).join(',')}`;
          }),
        ),
      );
    const was = rows(b);
    const changed = rows(c.snap).filter((r, i) => r !== was[i]);
    expect(changed, JSON.stringify(changed)).toHaveLength(1);
    expect(changed[0]).toContain(PREFIX);
    expect(c.snap.routeCheck).toMatchObject({ settled: false, bases: { 'default/ipv4Unicast': '12/11' } });
    // Not settled: the same delta again (from the version the table was read whole at).
    const d = await poll(c.snap, t + 1_000, moved);
    expect([d.tables, d.deltas]).toEqual([[], [LISTING, ASK]]);
    // It found what the table holds: the same table object (nothing copied, nothing derived again).
    expect(d.snap.routes).toBe(c.snap.routes);
    // Held SETTLE_MS: the table whole — here the capture, so the old hop is back — and the base is gone.
    const e = await poll(d.snap, t + SETTLE_MS, moved);
    expect(e.tables).toEqual(["vtysh -N rtr1 -c 'show ip route json'"]);
    expect(e.deltas).toEqual([]);
    expect(hopOf(e.snap)).toBe(before);
    expect(e.snap.routeCheck?.settled).toBe(true);
    expect(e.snap.routeCheck?.bases).toBeUndefined();
  });

  it('a route count that moved (a withdrawal is in no listing) reads the table whole, asking no delta', async () => {
    const b = await settledSnap();
    const fewer = bumped.replace('"ribCount":11', '"ribCount":10');
    const c = await poll(b, 10_000 + SETTLE_MS, {
      [SUMMARY]: { stdout: fewer },
      [LISTING]: { stdout: listing },
    });
    expect(c.deltas).toEqual([]);
    expect(c.tables).toEqual(["vtysh -N rtr1 -c 'show ip route json'"]);
  });

  it(`more than ${MAX_DELTA_PREFIXES} prefixes changed: the table whole, no prefix asked`, async () => {
    const b = await settledSnap();
    const many = Array.from(
      { length: MAX_DELTA_PREFIXES + 1 },
      (_, i) => `"10.9.${i >> 8}.${i & 255}/32": []`,
    );
    const big = listing.replace(/"routes": \{ .*\n \}/s, `"routes": { ${many.join('\n,')}\n }`);
    expect(parseBgpDelta(big, V4, LISTING, 'rtr1')).toHaveLength(MAX_DELTA_PREFIXES + 1);
    const c = await poll(b, 10_000 + SETTLE_MS, {
      [SUMMARY]: { stdout: bumped },
      [LISTING]: { stdout: big },
    });
    expect(c.deltas).toEqual([LISTING]);
    expect(c.tables).toEqual(["vtysh -N rtr1 -c 'show ip route json'"]);
  });

  it('a listing FRR refuses (no `version N`): the table whole, and no delta asked again until the change settles', async () => {
    const b = await settledSnap();
    const refused = {
      [SUMMARY]: { stdout: bumped },
      [LISTING]: { stdout: '% Unknown command: show bgp ipv4 unicast version 13 json\n', code: 1 },
    };
    const c = await poll(b, 10_000 + SETTLE_MS, refused);
    expect(c.deltas).toEqual([LISTING]);
    expect(c.tables).toEqual(["vtysh -N rtr1 -c 'show ip route json'"]);
    expect(hopOf(c.snap)).toBe(hopOf(b));
    const d = await poll(c.snap, 11_000 + SETTLE_MS, refused);
    expect(d.deltas).toEqual([]);
    expect(d.tables).toEqual(["vtysh -N rtr1 -c 'show ip route json'"]);
  });

  it('an answer that is not one per prefix fails the poll’s routes part, naming the command; the last table stands', async () => {
    const b = await settledSnap();
    const runner = ReplayRunner.forDevice('rtr1', {
      [SUMMARY]: { stdout: bumped },
      [LISTING]: { stdout: listing },
      [ASK]: { stdout: '% VRF default not found\n' },
    });
    const snap = await frrLinuxDriver.collect({
      device: rtr1,
      runner,
      previous: b,
      now: () => 10_000 + SETTLE_MS,
    });
    // Refused as a delta, so read whole: the poll still has the router's table, nothing guessed.
    expect(runner.calls).toContain("vtysh -N rtr1 -c 'show ip route json'");
    expect(snap.partialErrors).toEqual([]);
    expect(hopOf(snap)).toBe(hopOf(b));
    expect(hopOf(snap)).not.toBe('fe80::beef');
  });
});
