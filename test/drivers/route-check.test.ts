/**
 * Cost proportional to change (issue 16): a router's full route tables are read again only when BGP's
 * table versions or the interfaces changed (plus one settling read), on the real FRR 8.4 captures and
 * the summaries of other FRR versions (fixtures/frr-corpus).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frrLinuxDriver } from '../../src/drivers/index.ts';
import { bgpTableVersions, FULL_REFRESH_MS } from '../../src/drivers/route-check.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import { ReplayRunner } from './fixtures.ts';

const rtr1: DeviceSpec = {
  name: 'rtr1',
  role: 'router',
  kind: 'frr-linux',
  host: '198.18.0.21',
  port: 22,
  user: 'noc',
  auth: { type: 'agent' },
  vtysh: 'vtysh -N rtr1',
  privilege: 'sudo -n',
};
const SUMMARY = "vtysh -N rtr1 -c 'show bgp vrf all summary json'";
const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const summary = fixture('frr-8.4/rtr1/show-bgp-vrf-all-summary-json.json');
const isRouteTable = (command: string) => / route vrf all json'$/.test(command);

/** One poll of rtr1 with these overrides; returns the snapshot and how many route tables it read. */
async function poll(
  previous: DeviceSnapshot | null,
  at: number,
  overrides: Record<string, { stdout: string }> = {},
) {
  const runner = ReplayRunner.forDevice('rtr1', overrides);
  const snap = await frrLinuxDriver.collect({ device: rtr1, runner, previous, now: () => at });
  return { snap, tables: runner.calls.filter(isRouteTable).length };
}

describe('route tables are read when they may have changed, not at every poll', () => {
  it('reads twice (the change, then settled), then not while nothing changes; the held table stays in the snapshot', async () => {
    const first = await poll(null, 1_000);
    expect(first.tables).toBe(2);
    const second = await poll(first.snap, 6_000);
    expect(second.tables).toBe(2);
    const third = await poll(second.snap, 11_000);
    expect(third.tables).toBe(0);
    expect(third.snap.routes).toBe(second.snap.routes);
    expect(third.snap.routes.size).toBeGreaterThan(0);
    expect(third.snap.collectedAt).toBe(11_000);
    expect(third.snap.routeCheck).toMatchObject({ readAt: 6_000, settled: true });
    expect((await poll(third.snap, 16_000)).tables).toBe(0);
  });

  it('a BGP best-path change (table version) or an interface change reads them again', async () => {
    const a = await poll(null, 1_000);
    const b = await poll(a.snap, 2_000);
    const bumped = summary.replace('"tableVersion":12', '"tableVersion":13');
    expect(bumped).not.toBe(summary);
    const c = await poll(b.snap, 3_000, { [SUMMARY]: { stdout: bumped } });
    expect(c.tables).toBe(2);
    expect(c.snap.routes).not.toBe(b.snap.routes);
    // The read where the signature changed may have raced zebra: read once more, then hold.
    const d = await poll(c.snap, 4_000, { [SUMMARY]: { stdout: bumped } });
    expect(d.tables).toBe(2);
    const e = await poll(d.snap, 5_000, { [SUMMARY]: { stdout: bumped } });
    expect(e.tables).toBe(0);
    // An interface going down (its connected route goes) reads them again.
    const runner = ReplayRunner.forDevice('rtr1');
    const addr = (await runner.exec('ip -j -d addr show')).stdout;
    const down = addr.replace('"operstate":"UP"', '"operstate":"DOWN"').replace('"LOWER_UP",', '');
    const f = await poll(e.snap, 6_000, {
      [SUMMARY]: { stdout: bumped },
      'ip -j -d addr show': { stdout: down },
    });
    expect(f.tables).toBe(2);
  });

  it('without table versions (an FRR that prints none), after a failed read, and past the full refresh: read', async () => {
    const a = await poll(null, 1_000);
    const b = await poll(a.snap, 2_000);
    const noVersions = summary.replace(/"tableVersion":\d+,/g, '');
    const c = await poll(b.snap, 3_000, { [SUMMARY]: { stdout: noVersions } });
    expect(c.tables).toBe(2);
    expect(c.snap.routeCheck).toBeUndefined();
    const d = await poll(c.snap, 4_000, { [SUMMARY]: { stdout: noVersions } });
    expect(d.tables).toBe(2);
    const e = await poll(b.snap, 2_000 + FULL_REFRESH_MS);
    expect(e.tables).toBe(2);
    // A poll whose table read failed is never held over.
    const failed = { ...b.snap, partialErrors: ['routes: rtr1: `show ip route vrf all json` exited 1'] };
    expect((await poll(failed, 3_000)).tables).toBe(2);
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
