/**
 * Cost proportional to change (issue 16): a router's full route tables are read again only when BGP's
 * table versions or the interfaces changed (and until that change is SETTLE_MS old), on the real FRR 8.4 captures and
 * the summaries of other FRR versions (fixtures/frr-corpus).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frrLinuxDriver } from '../../src/drivers/index.ts';
import {
  bgpTableVersions,
  FULL_REFRESH_MS,
  ribRoutes,
  SETTLE_FIRST_ROUTES,
  SETTLE_MS,
} from '../../src/drivers/route-check.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import { RTR1 as rtr1, ReplayRunner } from './fixtures.ts';

const SUMMARY = "vtysh -N rtr1 -c 'show bgp vrf all summary json'";
const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const summary = fixture('frr-8.4/rtr1/show-bgp-vrf-all-summary-json.json');
const isRouteTable = (command: string) => / route vrf all json'$/.test(command);
/** `show ip[v6] route [vrf V] json`: one VRF's table of one family. */
const isOneTable = (command: string) => / route (vrf \S+ )?json'$/.test(command) && !isRouteTable(command);

/** One poll of rtr1 with these overrides; returns the snapshot and how many route tables it read. */
async function poll(
  previous: DeviceSnapshot | null,
  at: number,
  overrides: Record<string, { stdout: string }> = {},
) {
  const runner = ReplayRunner.forDevice('rtr1', overrides);
  const snap = await frrLinuxDriver.collect({ device: rtr1, runner, previous, now: () => at });
  return {
    snap,
    tables: runner.calls.filter(isRouteTable).length,
    one: runner.calls.filter(isOneTable),
  };
}

describe('route tables are read when they may have changed, not at every poll', () => {
  it('reads while the signature is fresh, once more after it held SETTLE_MS, then not while nothing changes', async () => {
    const first = await poll(null, 1_000);
    expect(first.tables).toBe(2);
    // Polled fast (verification): the signature is younger than SETTLE_MS, so every poll reads.
    const fast = await poll(first.snap, 1_050);
    expect(fast.tables).toBe(2);
    const settled = await poll(fast.snap, 1_000 + SETTLE_MS);
    expect(settled.tables).toBe(2);
    // Those reads found what the first had: its table object stands (nothing derived is derived again).
    expect(settled.snap.routes).toBe(first.snap.routes);
    expect(settled.snap.routeCheck).toMatchObject({ since: 1_000, settled: true });
    const third = await poll(settled.snap, 2_000 + SETTLE_MS);
    expect(third.tables).toBe(0);
    expect(third.snap.routes).toBe(settled.snap.routes);
    expect(third.snap.routes.size).toBeGreaterThan(0);
    expect(third.snap.collectedAt).toBe(2_000 + SETTLE_MS);
    expect(third.snap.routeCheck).toMatchObject({ readAt: 1_000 + SETTLE_MS, settled: true });
    expect((await poll(third.snap, 3_000 + SETTLE_MS)).tables).toBe(0);
  });

  it('a BGP best-path change reads that VRF/AFI alone until it settles; an interface change reads all', async () => {
    const a = await poll(null, 1_000);
    const b = await poll(a.snap, 1_000 + SETTLE_MS);
    expect((await poll(b.snap, 2_000 + SETTLE_MS)).tables).toBe(0);
    // The default VRF's IPv4 table version moves (the first of the two AFIs in the capture).
    const bumped = summary.replace('"tableVersion":12', '"tableVersion":13');
    expect(bumped).not.toBe(summary);
    const t = 10_000 + SETTLE_MS;
    const c = await poll(b.snap, t, { [SUMMARY]: { stdout: bumped } });
    expect(c.tables).toBe(0);
    expect(c.one).toEqual(["vtysh -N rtr1 -c 'show ip route json'"]);
    // The replayed capture holds the same rows: the IPv4 table read again found what the last read had,
    // so the last table object stands (nothing derived from it is derived again).
    expect(c.snap.routes).toBe(b.snap.routes);
    const rows = (snap: DeviceSnapshot) =>
      [...snap.routes].map((r) => `${r.vrf} ${r.prefix} ${r.protocol}`).sort();
    expect(rows(c.snap)).toEqual(rows(b.snap));
    expect(c.snap.routes.indexesOf('default', 6).length).toBeGreaterThan(0);
    expect(c.snap.routeCheck).toMatchObject({ settled: false, fullAt: 1_000 + SETTLE_MS, readAt: t });
    // Reads go on until the new version has held SETTLE_MS (zebra may still be installing), then hold.
    const d = await poll(c.snap, t + SETTLE_MS - 1, { [SUMMARY]: { stdout: bumped } });
    expect([d.tables, d.one.length]).toEqual([0, 1]);
    const e = await poll(d.snap, t + SETTLE_MS, { [SUMMARY]: { stdout: bumped } });
    expect([e.tables, e.one.length]).toEqual([0, 1]);
    expect(e.snap.routeCheck?.settled).toBe(true);
    const f = await poll(e.snap, t + SETTLE_MS + 1, { [SUMMARY]: { stdout: bumped } });
    expect([f.tables, f.one.length]).toEqual([0, 0]);
    // Both AFIs moved: both tables, still not the dumps.
    const both = summary.replace(/"tableVersion":12/g, '"tableVersion":20');
    const both1 = await poll(f.snap, t + SETTLE_MS + 2, { [SUMMARY]: { stdout: both } });
    expect(both1.one.sort()).toEqual([
      "vtysh -N rtr1 -c 'show ip route json'",
      "vtysh -N rtr1 -c 'show ipv6 route json'",
    ]);
    // An interface going down (its connected route goes) reads them all again.
    const runner = ReplayRunner.forDevice('rtr1');
    const addr = (await runner.exec('ip -j -d addr show')).stdout;
    const down = addr.replace('"operstate":"UP"', '"operstate":"DOWN"').replace('"LOWER_UP",', '');
    const g = await poll(f.snap, t + SETTLE_MS + 2, {
      [SUMMARY]: { stdout: bumped },
      'ip -j -d addr show': { stdout: down },
    });
    expect([g.tables, g.one.length]).toEqual([2, 0]);
  });

  it('a full read that finds one table changed keeps the others as the last read’s (its basis), row for row', async () => {
    const a = await poll(null, 1_000);
    const b = await poll(a.snap, 1_000 + SETTLE_MS);
    const runner = ReplayRunner.forDevice('rtr1');
    const V6_ALL = "vtysh -N rtr1 -c 'show ipv6 route vrf all json'";
    const v6 = (await runner.exec(V6_ALL)).stdout;
    const hop = /"ip":"(fe80::[0-9a-f:]+)"/.exec(v6)![1]!;
    const movedV6 = v6.replace(`"ip":"${hop}"`, '"ip":"fe80::dead"');
    const addr = (await runner.exec('ip -j -d addr show')).stdout;
    // An interface change makes the poll read everything; only the IPv6 table's rows moved.
    const other = addr.replace('"operstate":"UP"', '"operstate":"DOWN"');
    const c = await poll(b.snap, 2_000 + SETTLE_MS, {
      'ip -j -d addr show': { stdout: other },
      [V6_ALL]: { stdout: movedV6 },
    });
    expect(c.tables).toBe(2);
    expect(c.snap.routes).not.toBe(b.snap.routes);
    const hops = (snap: DeviceSnapshot, family: 4 | 6) =>
      [...snap.routes.indexesOf('default', family)].map((i) =>
        snap.routes
          .at(i)
          .nexthops.map((h) => h.ip)
          .join(','),
      );
    expect(hops(c.snap, 6).join(' ')).toContain('fe80::dead');
    expect(hops(c.snap, 4)).toEqual(hops(b.snap, 4));
    const basis = c.snap.routes.basis!;
    expect(basis.table.deref()).toBe(b.snap.routes);
    expect([basis.kept('default', 4), basis.kept('default', 6)]).toEqual([true, false]);
    // The next full read finding the same rows again keeps that table object.
    const d = await poll(c.snap, 3_000 + SETTLE_MS, {
      'ip -j -d addr show': { stdout: addr },
      [V6_ALL]: { stdout: movedV6 },
    });
    expect(d.tables).toBe(2);
    expect(d.snap.routes).toBe(c.snap.routes);
  });

  it('large tables: the first read waits until BGP held still SETTLE_MS, then one read is settled', async () => {
    // The capture's summary made to count a fleet's routes (the read itself is the capture's).
    const large = summary.replace('"ribCount":11', `"ribCount":${SETTLE_FIRST_ROUTES}`);
    expect(ribRoutes(bgpTableVersions(large)!)).toBeGreaterThanOrEqual(SETTLE_FIRST_ROUTES);
    const waits: number[] = [];
    // The versions probe (a summary filtered to no peer) answers with the same versions as the summary.
    const PROBE = "vtysh -N rtr1 -c 'show bgp vrf all summary remote-as 4294967295 json'";
    const first = async (between?: (runner: ReplayRunner) => void, text = large, oneShot = false) => {
      const runner = ReplayRunner.forDevice('rtr1', {
        [SUMMARY]: { stdout: text },
        [PROBE]: { stdout: text },
      });
      let t = 1_000;
      const snap = await frrLinuxDriver.collect({
        device: rtr1,
        runner,
        previous: null,
        now: () => t,
        settleFirst: !oneShot,
        sleep: async (ms) => {
          waits.push(ms);
          t += ms;
          between?.(runner);
        },
      });
      return { snap, runner };
    };
    const held = await first();
    expect(waits).toEqual([SETTLE_MS]);
    // The summary read once, the versions probe after the wait, the tables once: that read is settled.
    expect(held.runner.calls.filter((c) => c === SUMMARY)).toHaveLength(1);
    expect(held.runner.calls.filter((c) => c === PROBE)).toHaveLength(1);
    expect(held.runner.calls.filter(isRouteTable)).toHaveLength(2);
    expect(held.snap.routeCheck).toMatchObject({ settled: true, readAt: 1_000 + SETTLE_MS });
    expect(held.snap.routes.readAtOf?.('default', 4)).toBe(1_000 + SETTLE_MS);
    const next = await poll(held.snap, 3_000 + SETTLE_MS, { [SUMMARY]: { stdout: large } });
    expect([next.tables, next.one.length]).toEqual([0, 0]);

    // BGP moved during the wait: read anyway, not settled, confirmed by a later read as for small tables.
    const moving = await first((runner) => {
      const bumped = large.replace('"tableVersion":12', '"tableVersion":13');
      (runner as unknown as { replies: Map<string, { stdout: string }> }).replies.set(PROBE, {
        stdout: bumped,
      });
    });
    expect(moving.snap.routeCheck?.settled).toBe(false);
    expect(moving.snap.routes.size).toBeGreaterThan(0);

    // A one-shot read (`routedeck get`, no later poll to settle it): read at once, no wait, not settled.
    waits.length = 0;
    const once = await first(undefined, large, true);
    expect(waits).toEqual([]);
    expect(once.runner.calls.filter(isRouteTable)).toHaveLength(2);
    expect(once.snap.routeCheck).toMatchObject({ settled: false, readAt: 1_000 });

    // Small tables (the capture as it is): read at once, no wait.
    waits.length = 0;
    const small = await first(undefined, summary);
    expect(small.runner.calls.filter(isRouteTable)).toHaveLength(2);
    expect(small.runner.calls.filter((c) => c === SUMMARY)).toHaveLength(1);
    expect(small.runner.calls.filter((c) => c === PROBE)).toHaveLength(0);
    expect(waits).toEqual([]);
    expect(small.snap.routeCheck).toMatchObject({ settled: false, readAt: 1_000 });
  });

  it('a version no single table stands for, or a VRF added, reads everything', async () => {
    const a = await poll(null, 1_000);
    const b = await poll(a.snap, 1_000 + SETTLE_MS);
    const doc = JSON.parse(summary) as Record<string, Record<string, Record<string, unknown>>>;
    const evpn = structuredClone(doc);
    evpn['default']!['l2VpnEvpn'] = { ...doc['default']!['ipv4Unicast'], tableVersion: 1 };
    const withEvpn = await poll(b.snap, 2_000 + SETTLE_MS, { [SUMMARY]: { stdout: JSON.stringify(evpn) } });
    expect(withEvpn.tables).toBe(2);
    const settledEvpn = await poll(withEvpn.snap, 2_000 + 2 * SETTLE_MS, {
      [SUMMARY]: { stdout: JSON.stringify(evpn) },
    });
    evpn['default']!['l2VpnEvpn'] = { ...doc['default']!['ipv4Unicast'], tableVersion: 2 };
    const moved = await poll(settledEvpn.snap, 3_000 + 2 * SETTLE_MS, {
      [SUMMARY]: { stdout: JSON.stringify(evpn) },
    });
    expect([moved.tables, moved.one.length]).toEqual([2, 0]);
  });

  it('a one-VRF answer holding another VRF is refused: the last tables stand, the device is degraded', async () => {
    const a = await poll(null, 1_000);
    const b = await poll(a.snap, 1_000 + SETTLE_MS);
    const bumped = summary.replace('"tableVersion":12', '"tableVersion":13');
    const v4 = (await ReplayRunner.forDevice('rtr1').exec("vtysh -N rtr1 -c 'show ip route json'")).stdout;
    const elsewhere = v4.replace(/"vrfName":"default"/g, '"vrfName":"acme"');
    expect(elsewhere).not.toBe(v4);
    const c = await poll(b.snap, 10_000, {
      [SUMMARY]: { stdout: bumped },
      "vtysh -N rtr1 -c 'show ip route json'": { stdout: elsewhere },
    });
    expect(c.snap.routes).toBe(b.snap.routes);
    expect(c.snap.routeCheck).toBeUndefined();
    expect(c.snap.partialErrors.join('\n')).toMatch(
      /routes: .*rtr1.*show ip route json.*VRF "acme", not "default"/s,
    );
    // The next poll reads everything again.
    const d = await poll(c.snap, 11_000, { [SUMMARY]: { stdout: bumped } });
    expect(d.tables).toBe(2);
  });

  it('without table versions (an FRR that prints none), after a failed read, and past the full refresh: read', async () => {
    const a = await poll(null, 1_000);
    const b = await poll(a.snap, 1_000 + SETTLE_MS);
    const noVersions = summary.replace(/"tableVersion":\d+,/g, '');
    const c = await poll(b.snap, 2_000 + SETTLE_MS, { [SUMMARY]: { stdout: noVersions } });
    expect(c.tables).toBe(2);
    expect(c.snap.routeCheck).toBeUndefined();
    const d = await poll(c.snap, 3_000 + SETTLE_MS, { [SUMMARY]: { stdout: noVersions } });
    expect(d.tables).toBe(2);
    expect((await poll(b.snap, 2_000 + SETTLE_MS)).tables).toBe(0);
    const e = await poll(b.snap, 1_000 + SETTLE_MS + FULL_REFRESH_MS);
    expect(e.tables).toBe(2);
    // A poll whose table read failed is never held over.
    const failed = { ...b.snap, partialErrors: ['routes: rtr1: `show ip route vrf all json` exited 1'] };
    expect((await poll(failed, 2_000 + SETTLE_MS)).tables).toBe(2);
  });
});

describe('bgpTableVersions', () => {
  it('reads every VRF and AFI of each FRR version the corpus has', () => {
    for (const version of ['6.0', '7.5.1', '8.4', '9.1', '10.2']) {
      const text = fixture(`frr-corpus/${version}/fabric-unnumbered/show-bgp-vrf-all-summary-json.json`);
      const doc = JSON.parse(text) as Record<string, Record<string, { tableVersion?: number }>>;
      const expected = Object.entries(doc).flatMap(([vrf, afis]) =>
        Object.entries(afis)
          .filter(([, afi]) => typeof afi.tableVersion === 'number')
          .map(([afi]) => `${vrf}/${afi}:`),
      );
      const got = bgpTableVersions(text);
      expect(got, version).not.toBeNull();
      expect(got!.split(' ').map((x) => x.slice(0, x.indexOf(':') + 1))).toEqual(expected.sort());
    }
  });

  it('null for what carries no version: empty, {}, not JSON', () => {
    expect(bgpTableVersions('')).toBeNull();
    expect(bgpTableVersions('{}')).toBeNull();
    expect(bgpTableVersions('% Unknown command')).toBeNull();
    expect(bgpTableVersions('{"default":{}}')).toBeNull();
  });
});
