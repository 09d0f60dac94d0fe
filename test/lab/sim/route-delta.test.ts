/**
 * Cost proportional to change (issue 16), through the production driver and SSH transport on the
 * embedded lab: a workload moves between hypervisors, the router's BGP table version for that VRF and
 * family moves, and the next poll reads what changed in that one table (BGP's prefixes since the
 * version it was read at, zebra's rows for those) instead of the dumps of every VRF — while the
 * picture it gives is the router's new one and every other table is unchanged; the read that settles
 * the change reads that table whole.
 * No session changed, so the BGP summary (megabytes at a fleet) is not read for it: its prefix
 * counters are marked as older and re-read once BGP_COUNTERS_MS old — that one VRF's summary.
 * The driver's clock is injected, so nothing here depends on how fast the machine is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, type Fabric } from '../../../src/cli/wiring.ts';
import { driverFor } from '../../../src/drivers/index.ts';
import { SETTLE_MS } from '../../../src/drivers/route-check.ts';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import type { DeviceSpec } from '../../../src/model/device.ts';
import type { RouteTable } from '../../../src/model/route-table.ts';
import { BGP_COUNTERS_MS, type DeviceSnapshot } from '../../../src/model/snapshot.ts';
import { startSimLab, type SimLab } from '../../../src/lab/sim/lab.ts';
import type { CommandRunner } from '../../../src/transport/types.ts';

describe('a router poll after a workload moved reads the one table whose version moved', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-delta-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    });
    fabric = openFabric(loadInventoryFile(lab.inventoryPath), { kind: 'lab-sim', label: 'LAB (simulated)' });
  }, 180_000);

  afterAll(async () => {
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('moves one /32: what changed in one table read, the new next hop in the table, other VRFs as they were', async () => {
    const spec: DeviceSpec = fabric.store.getState().devices['spine1']!.spec;
    const base = fabric.ssh.get(spec);
    const calls: string[] = [];
    const runner = new Proxy(base, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'exec' || prop === 'execStream')
          return (command: string, ...rest: unknown[]) => {
            calls.push(command);
            return (value as (...a: unknown[]) => unknown).call(target, command, ...rest);
          };
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    }) as CommandRunner;
    const api = await fabric.apiFor(spec);
    const driver = driverFor(spec.kind);
    const poll = async (previous: DeviceSnapshot | null, at: number, woken = false) => {
      calls.length = 0;
      const snap = await driver.collect({
        device: spec,
        runner,
        previous,
        now: () => at,
        ...(api ? { api } : {}),
        ...(woken ? { woken } : {}),
      });
      expect(snap.partialErrors).toEqual([]);
      return {
        snap,
        calls: [...calls],
        tables: calls.filter((c) => / route (vrf \S+ )?json'?$/.test(c)),
        summaries: calls.filter((c) => c.endsWith("show bgp vrf all summary json'")),
        vrfSummaries: calls.filter((c) => /show bgp vrf (?!all )\S+ summary json'$/.test(c)),
        // What changed in a moved table: BGP's listing since a version, then zebra for those prefixes.
        deltas: calls.filter(
          (c) => / version \d+ json'$/.test(c) || / route (vrf \S+ )?[0-9a-f.:]+\/\d+ json'/.test(c),
        ),
      };
    };
    const first = await poll(null, 1_000);
    expect(first.summaries).toHaveLength(1);
    expect(first.tables.filter((c) => c.includes('vrf all'))).toHaveLength(2);
    const settled = await poll(first.snap, 1_000 + SETTLE_MS);
    expect(settled.snap.routeCheck?.settled).toBe(true);
    // The settling read found the first read's rows: the first read's table stands, uptimes as of then.
    expect(settled.snap.routes).toBe(first.snap.routes);
    expect((await poll(settled.snap, 2_000 + SETTLE_MS)).tables).toEqual([]);

    // The move, over SSH as the executor does it: the target announces the /32 as well, at a better
    // metric; the routers switch to it.
    const workload = lab.fabric.workloads().find((w) => w.vrf === 'default')!;
    const target = lab.devices.find((d) => d.role === 'hypervisor' && d.name !== workload.host)!.name;
    const destination = fabric.ssh.get(fabric.store.getState().devices[target]!.spec);
    const tap = 'tap-delta';
    for (const command of [
      `sudo -n ip tuntap add dev ${tap} mode tap`,
      `sudo -n ip link set ${tap} up`,
      `sudo -n ip addr add 169.254.0.1/32 dev ${tap}`,
      `sudo -n ip route add ${workload.ipv4}/32 dev ${tap} metric 512`,
    ])
      expect((await destination.exec(command)).code, command).toBe(0);
    const hopOf = (table: RouteTable) =>
      table
        .lookup(workload.ipv4, 'default')
        ?.nexthops.map((n) => n.ip ?? n.interface)
        .join(',');
    const modelHop = async () => {
      const out = await lab.fabric
        .device('spine1')!
        .exec(`vtysh -c 'show ip route ${workload.ipv4}/32 json'`);
      const entries = (
        JSON.parse(out.stdout || '{}') as Record<
          string,
          { selected?: boolean; nexthops: { ip?: string; interfaceName?: string }[] }[]
        >
      )[`${workload.ipv4}/32`];
      return entries
        ?.find((e) => e.selected)
        ?.nexthops.map((n) => n.ip ?? n.interfaceName)
        .join(',');
    };
    const before = hopOf(settled.snap.routes);
    expect(before).toBe(await modelHop());
    for (let i = 0; (await modelHop()) === before; i++) {
      expect(i, 'spine1 never switched to the target').toBeLessThan(6_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    const moved = await poll(settled.snap, 10_000 + SETTLE_MS);
    // Not the table: what changed in it since the version it was read at, and zebra for exactly that.
    const fromVersion =
      Number(/default\/ipv4Unicast:(\d+)\//.exec(settled.snap.routeCheck!.versions)![1]) + 1;
    expect(moved.tables).toEqual([]);
    expect(moved.deltas).toEqual([
      `${spec.vtysh ?? 'vtysh'} -c 'show bgp ipv4 unicast version ${fromVersion} json'`,
      `${spec.vtysh ?? 'vtysh'} -c 'show ip route ${workload.ipv4}/32 json'`,
    ]);
    expect(hopOf(moved.snap.routes)).not.toBe(before);
    expect(hopOf(moved.snap.routes)).toBe(await modelHop());
    expect(moved.snap.routeCheck).toMatchObject({ settled: false, fullAt: 1_000 + SETTLE_MS });

    // The same poll woken by the route monitor (route-prefetch.ts): the probes and every table's
    // listing since its base in one vtysh, beside the digests; then zebra for the moved prefix. Not the
    // probes' digests, the probes on their own, nor the listing on its own: two turns, not four.
    const woke = await poll(settled.snap, 10_000 + SETTLE_MS, true);
    const vtysh = spec.vtysh ?? 'vtysh';
    const prefetch = woke.calls.filter((c) =>
      c.startsWith(`${vtysh} -c 'show bgp vrf all summary remote-as`),
    );
    expect(prefetch).toHaveLength(1);
    expect(prefetch[0]).toContain(`-c 'show bgp vrf all summary failed json'`);
    expect(prefetch[0]).toContain(`-c 'show bgp ipv4 unicast version ${fromVersion} json'`);
    expect(prefetch[0]).toMatch(/-c 'show bgp vrf \S+ ipv6 unicast version \d+ json'/);
    expect(woke.calls.filter((c) => c.includes('sha256sum') && c.includes('summary remote-as'))).toEqual([]);
    expect(woke.deltas.filter((c) => c !== prefetch[0])).toEqual([
      `${vtysh} -c 'show ip route ${workload.ipv4}/32 json'`,
    ]);
    expect(woke.tables).toEqual([]);
    // What it found is what the four-turn poll found, row for row, and says the same of the check.
    const every = (table: RouteTable) =>
      [...table].map(
        (r) => `${r.vrf} ${r.prefix} ${r.selected} ${r.nexthops.map((n) => n.ip ?? n.interface).join(',')}`,
      );
    expect(every(woke.snap.routes)).toEqual(every(moved.snap.routes));
    expect(woke.snap.routeCheck).toEqual(moved.snap.routeCheck);
    expect(woke.snap.bgp.map((b) => `${b.peer} ${b.state}`)).toEqual(
      moved.snap.bgp.map((b) => `${b.peer} ${b.state}`),
    );
    // No session changed, so the megabytes of BGP summary wait: the sessions stand, and the snapshot
    // says their prefix counters are from the read at 1 000 (the BGP view shows it).
    expect(moved.summaries).toEqual([]);
    expect(moved.snap.bgpCountersAt).toBe(1_000);
    expect(moved.snap.bgp.map((b) => `${b.peer} ${b.state}`)).toEqual(
      settled.snap.bgp.map((b) => `${b.peer} ${b.state}`),
    );
    // Everything the read did not cover is the last picture, row for row.
    const rows = (table: RouteTable, keep: (vrf: string, family: number) => boolean) =>
      [...table]
        .filter((r) => keep(r.vrf, r.family))
        .map(
          (r) =>
            `${r.vrf} ${r.prefix} ${r.protocol} ${r.selected} ${r.nexthops.map((n) => n.ip ?? n.interface).join(',')}`,
        )
        .sort();
    const untouched = (vrf: string, family: number) => !(vrf === 'default' && family === 4);
    expect(rows(moved.snap.routes, untouched).length).toBeGreaterThan(0);
    expect(new Set(moved.snap.routes.vrfs()).size).toBeGreaterThan(1);
    expect(rows(moved.snap.routes, untouched)).toEqual(rows(settled.snap.routes, untouched));
    expect(moved.snap.routes.size).toBe(settled.snap.routes.size);
    // FRR's uptime text is as of each table's read: the kept tables' read stays theirs (views advance it).
    expect(moved.snap.routes.readAtOf?.('default', 4)).toBe(10_000 + SETTLE_MS);
    expect(moved.snap.routes.readAtOf?.('default', 6)).toBe(1_000);

    // Until the change has held SETTLE_MS the delta is asked again from the same version (zebra may
    // not have installed what BGP chose when it was asked); the read that settles it is whole.
    const early = await poll(moved.snap, 11_000 + SETTLE_MS);
    expect(early.tables).toEqual([]);
    expect(early.deltas).toEqual(moved.deltas);
    expect(hopOf(early.snap.routes)).toBe(await modelHop());
    // The same answer as the last poll's: the last table object stands (no 120k-row copy at fleet size).
    expect(early.snap.routes).toBe(moved.snap.routes);
    expect(early.snap.routeCheck).toMatchObject({ settled: false });
    const again = await poll(early.snap, 10_000 + 2 * SETTLE_MS);
    expect(again.tables).toEqual([`${spec.vtysh ?? 'vtysh'} -c 'show ip route json'`]);
    expect(again.deltas).toEqual([]);
    expect(again.snap.routeCheck?.settled).toBe(true);
    // It found what the delta had put together: the last table object stands (the workload index is
    // not rebuilt), so the delta's table was the router's, row for row and in FRR's order.
    expect(again.snap.routes).toBe(early.snap.routes);
    const quiet = await poll(again.snap, 11_000 + 2 * SETTLE_MS);
    expect(quiet.tables).toEqual([]);
    expect(quiet.summaries).toEqual([]);
    expect(quiet.snap.bgpCountersAt).toBe(1_000);

    const received = (snap: DeviceSnapshot) =>
      snap.bgp
        .filter((b) => b.vrf === 'default' && b.afiSafi === 'ipv4Unicast')
        .reduce((sum, b) => sum + (b.prefixesReceived ?? 0), 0);
    // Routes move again just as the counters fall due (a second workload announced from the target):
    // the table comes first, the counters wait for a quiet poll.
    const second = lab.fabric
      .workloads()
      .find((w) => w.vrf === 'default' && w.host !== target && w.ipv4 !== workload.ipv4)!;
    const versionsBefore = quiet.snap.routeCheck?.versions;
    expect(
      (await destination.exec(`sudo -n ip route add ${second.ipv4}/32 dev ${tap} metric 512`)).code,
    ).toBe(0);
    for (let i = 0; ; i++) {
      const probe = await lab.fabric
        .device('spine1')!
        .exec(`vtysh -c 'show ip route ${second.ipv4}/32 json'`);
      if (
        probe.stdout.includes(`"selected":true`) &&
        (await poll(quiet.snap, 1_000)).snap.routeCheck?.versions !== versionsBefore
      )
        break;
      expect(i, 'spine1 never learned the second /32 from the target').toBeLessThan(6_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const busy = await poll(quiet.snap, 1_000 + BGP_COUNTERS_MS);
    expect(busy.summaries).toEqual([]);
    expect(busy.tables).toEqual([]);
    expect(busy.deltas).toHaveLength(2);
    expect(busy.deltas[1]).toContain(`show ip route ${second.ipv4}/32 json`);
    expect(busy.snap.bgpCountersAt).toBe(1_000);

    // The next poll sees no move: the summary of the one VRF whose versions moved is read (not every
    // VRF's), the router now receives both /32s from the target too, and the mark is gone.
    const counters = await poll(busy.snap, 2_000 + BGP_COUNTERS_MS);
    expect(counters.summaries).toEqual([]);
    expect(counters.vrfSummaries).toEqual([
      `${spec.vtysh ?? 'vtysh'} -c 'show bgp vrf default summary json'`,
    ]);
    expect(counters.snap.bgp.map((b) => `${b.vrf} ${b.afiSafi} ${b.peer}`)).toEqual(
      settled.snap.bgp.map((b) => `${b.vrf} ${b.afiSafi} ${b.peer}`),
    );
    expect(counters.snap.bgpCountersAt).toBeUndefined();
    expect(received(counters.snap)).toBe(received(settled.snap) + 2);
    const after = await poll(counters.snap, 3_000 + BGP_COUNTERS_MS);
    expect(after.summaries).toEqual([]);
    expect(after.vrfSummaries).toEqual([]);
    expect(after.snap.bgpCountersAt).toBeUndefined();
  }, 120_000);
});
