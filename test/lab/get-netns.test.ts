import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, type Fabric } from '../../src/cli/wiring.ts';
import { cli } from '../helpers/cli.ts';
import { driverFor } from '../../src/drivers/index.ts';
import { parsePrefixRoutes } from '../../src/drivers/prefix-route.ts';
import { SETTLE_MS } from '../../src/drivers/route-check.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import type { RouteTable } from '../../src/model/route-table.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import type { CommandRunner } from '../../src/transport/types.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import {
  labNamespace,
  netnsCanRun,
  acquireNetnsLock,
  netnsDown,
  netnsUp,
  runInNamespace,
  stopFrrDaemon,
  tryRunInNamespace,
  vtysh,
  type NetnsLabInfo,
  type WorkloadInfo,
} from '../../src/lab/netns/index.ts';

const can = netnsCanRun();
if (!can.ok && process.env['ROUTEDECK_REQUIRE_LAB'] === '1') {
  describe('routedeck get on the netns lab', () => {
    it('can run here (ROUTEDECK_REQUIRE_LAB=1)', () =>
      expect.fail(`netns lab required but cannot run: ${can.reason}`));
  });
}

/** Only the received-prefix counts of summaries (uptimes and message counters move on their own). */
function pfx(all: Record<string, Record<string, { peers: Record<string, { pfxRcd: number }> }>>): string[] {
  return Object.entries(all).flatMap(([device, summaries]) =>
    Object.entries(summaries).flatMap(([afi, summary]) =>
      Object.entries(summary.peers).map(([peer, c]) => `${device} ${afi} ${peer} ${c.pfxRcd}`),
    ),
  );
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - start;
}

interface SessionJson {
  device: string;
  afiSafi: string;
  peer: string;
  hostname?: string;
  state: string;
  established: boolean;
  prefixesReceived: number | null;
}

let releaseLock: (() => void) | undefined;

describe.skipIf(!can.ok)('routedeck get on the netns lab (real FRR over real SSH)', () => {
  let parent = '';
  let lab: NetnsLabInfo;
  let workloads: WorkloadInfo[];

  beforeAll(async () => {
    // One lab per machine: wait for any other run holding it.
    releaseLock = await acquireNetnsLock();
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-get-'));
    lab = await netnsUp({ dir: path.join(parent, 'lab') });
    workloads = JSON.parse(await readFile(lab.workloadsPath, 'utf8')) as WorkloadInfo[];
  }, 900_000);

  afterAll(async () => {
    await netnsDown({ dir: path.join(parent, 'lab') });
    await rm(parent, { recursive: true, force: true });
    releaseLock?.();
  }, 180_000);

  it('get bgp --json lists every session Established with the prefix counts FRR reports', async () => {
    type Summary = Record<string, { peers: Record<string, { pfxRcd: number }> }>;
    const frrCounts = async () => {
      const out: Record<string, Summary> = {};
      for (const device of ['rtr1', 'hv2'])
        out[device] = JSON.parse(await vtysh(device, 'show bgp summary json')) as Summary;
      return out;
    };
    // Right after the lab came up FRR may still be exchanging routes (more so on a loaded machine): the
    // counts are compared once FRR's own held across routedeck's read (read before and after it).
    let result: Awaited<ReturnType<typeof cli>> | undefined;
    let frr: Record<string, Summary> = {};
    for (let attempt = 0; attempt < 30; attempt++) {
      const before = await frrCounts();
      result = await cli(['get', 'bgp', '--json', '--inventory', lab.inventoryPath]);
      frr = await frrCounts();
      if (JSON.stringify(pfx(before)) === JSON.stringify(pfx(frr))) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(result!.stderr).toBe('');
    expect(result!.code).toBe(0);
    const { sessions } = JSON.parse(result!.stdout) as { sessions: SessionJson[] };
    expect(Object.keys(frr)).toEqual(['rtr1', 'hv2']);
    // 6 router–hypervisor links, seen from both ends, in two address families.
    expect(sessions).toHaveLength(24);
    expect(sessions.every((session) => session.established)).toBe(true);
    for (const [device, summaries] of Object.entries(frr)) {
      for (const [afi, summary] of Object.entries(summaries)) {
        for (const [peer, counters] of Object.entries(summary.peers)) {
          const ours = sessions.find((s) => s.device === device && s.afiSafi === afi && s.peer === peer);
          expect(ours?.prefixesReceived, `${device} ${afi} ${peer}`).toBe(counters.pfxRcd);
        }
      }
    }
    expect(sessions.find((s) => s.device === 'rtr1' && s.peer === 'dn-hv3')?.hostname).toBe('hv3');
  });

  it('get workloads lists each /32 and /64 with the hypervisor announcing it and the routers seeing it', async () => {
    const result = await cli(['get', 'workloads', '--json', '--inventory', lab.inventoryPath]);
    expect(result.code).toBe(0);
    const { workloads: entries } = JSON.parse(result.stdout) as {
      workloads: {
        prefix: string;
        tenant: string;
        announcers: { host: string; interface: string }[];
        seenBy: { router: string; nexthops: { viaHost?: string }[] }[];
        conflicts: string[];
      }[];
    };
    for (const workload of workloads) {
      for (const prefix of [`${workload.ipv4}/32`, workload.ipv6Prefix]) {
        const entry = entries.find((e) => e.prefix === prefix);
        expect(entry, prefix).toBeDefined();
        expect(entry?.tenant).toBe(workload.tenant);
        expect(entry?.announcers).toEqual([
          expect.objectContaining({ host: workload.host, interface: workload.tap }),
        ]);
        expect(entry?.seenBy.map((view) => `${view.router}→${view.nexthops[0]?.viaHost}`).sort()).toEqual([
          `rtr1→${workload.host}`,
          `rtr2→${workload.host}`,
        ]);
        expect(entry?.conflicts).toEqual([]);
      }
    }
    const text = await cli(['get', 'workloads', '--inventory', lab.inventoryPath]);
    expect(text.stdout).toMatch(
      new RegExp(
        `acme\\s+default\\s+${workloads[0]!.ipv4.replace(/\./g, '\\.')}/32\\s+${workloads[0]!.host}/${workloads[0]!.tap}`,
      ),
    );
  });

  it('get routes --prefix does a longest-prefix match on the router', async () => {
    const target = workloads[0]!;
    const result = await cli([
      'get',
      'routes',
      '--json',
      '--device',
      'rtr1',
      '--prefix',
      target.ipv4,
      '--inventory',
      lab.inventoryPath,
    ]);
    expect(result.code).toBe(0);
    const { routes } = JSON.parse(result.stdout) as {
      routes: { device: string; prefix: string; protocol: string }[];
    };
    expect(routes).toEqual([
      expect.objectContaining({ device: 'rtr1', prefix: `${target.ipv4}/32`, protocol: 'bgp' }),
    ]);
  });

  it('a /32 moving between hosts is read from real FRR as what changed: the version listing and that prefix, the same rows as the whole table', async () => {
    const fabric = openFabric(loadInventoryFile(lab.inventoryPath), { kind: 'lab-netns', label: 'netns' });
    try {
      const spec = fabric.store.getState().devices['rtr1']!.spec;
      const base = fabric.ssh.get(spec);
      const calls: string[] = [];
      const runner: CommandRunner = {
        exec: (command, ...rest) => {
          calls.push(command);
          return base.exec(command, ...rest);
        },
        execStream: (command, ...rest) => {
          calls.push(command);
          return base.execStream(command, ...rest);
        },
      } as CommandRunner;
      const driver = driverFor(spec.kind);
      const poll = async (previous: DeviceSnapshot | null, at: number) => {
        calls.length = 0;
        const snap = await driver.collect({ device: spec, runner, previous, now: () => at });
        expect(snap.partialErrors).toEqual([]);
        return snap;
      };
      const rows = (table: RouteTable) =>
        Array.from(table.indexesOf('default', 4), (i) => {
          const r = table.at(i);
          return `${r.prefix} ${r.protocol} ${r.selected} ${r.installed} ${r.nexthops.map((n) => `${n.ip ?? ''}%${n.interface ?? ''}`).join(',')}`;
        });
      // Settled: read whole, then whole again once the versions held SETTLE_MS (the clock is ours).
      let settled = await poll(await poll(null, 1_000), 1_000 + SETTLE_MS);
      for (let i = 0; !settled.routeCheck?.settled; i++) {
        expect(i, 'rtr1 never held still').toBeLessThan(30);
        settled = await poll(settled, 1_000 + (i + 2) * SETTLE_MS);
      }
      const now0 = 1_000 + 40 * SETTLE_MS;
      const version = (snap: DeviceSnapshot) =>
        /default\/ipv4Unicast:(\d+)\/(\d+)/.exec(snap.routeCheck!.versions)!;
      const [, v0, rib0] = version(settled);

      // hv1's first workload announced from hv2 too, at kernel metric 512 (MED 0): rtr1 switches to hv2.
      const w = workloads.find((x) => x.host === 'hv1')!;
      const hv2 = labNamespace('hv2');
      const tap = 'tap-delta';
      await runInNamespace(hv2, ['ip', 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
      try {
        await runInNamespace(hv2, ['ip', 'link', 'set', tap, 'up']);
        await runInNamespace(hv2, ['ip', 'addr', 'add', '169.254.0.1/32', 'dev', tap]);
        await runInNamespace(hv2, ['ip', 'route', 'add', `${w.ipv4}/32`, 'dev', tap, 'metric', '512']);
        const hop = async () =>
          JSON.stringify(
            (JSON.parse(await vtysh('rtr1', `show ip route ${w.ipv4}/32 json`)) as Record<string, unknown[]>)[
              `${w.ipv4}/32`
            ],
          );
        const before = await hop();
        for (let i = 0; (await hop()) === before; i++) {
          expect(i, 'rtr1 never switched to hv2').toBeLessThan(600);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // The poll reads what changed: BGP's listing since the version the table was read at, then
        // zebra for those prefixes. Until zebra and the read agree (zebra installs a moment after
        // BGP chose), the delta is asked again from the same version, as the driver does.
        let moved = await poll(settled, now0);
        let whole: string[] = [];
        for (let i = 0; ; i++) {
          const listing = calls.find((c) => / ipv4 unicast version \d+ json'$/.test(c));
          expect(listing, calls.join('\n')).toBe(
            `${spec.vtysh} -c 'show bgp ipv4 unicast version ${Number(v0) + 1} json'`,
          );
          expect(calls.some((c) => c.includes(`show ip route ${w.ipv4}/32 json`))).toBe(true);
          expect(calls.filter((c) => / route (vrf \S+ )?json'$/.test(c))).toEqual([]);
          const table = JSON.parse(await vtysh('rtr1', 'show ip route json')) as Record<string, unknown>;
          const fresh = new CompactRouteTableBuilder();
          for (const [prefix, entries] of Object.entries(table))
            for (const r of parsePrefixRoutes(
              JSON.stringify({ [prefix]: entries }),
              prefix,
              'show ip route json',
              'rtr1',
            ))
              fresh.add(r);
          whole = rows(fresh.finish());
          if (JSON.stringify(rows(moved.routes)) === JSON.stringify(whole)) break;
          expect(
            i,
            `delta ${JSON.stringify(rows(moved.routes))} never matched ${JSON.stringify(whole)}`,
          ).toBeLessThan(50);
          moved = await poll(moved, now0 + 1 + i);
        }
        expect(rows(moved.routes)).toEqual(whole);
        const selected = (table: RouteTable) =>
          rows(table).find((r) => r.startsWith(`${w.ipv4}/32 bgp true`));
        expect(selected(moved.routes)).toBeDefined();
        expect(selected(moved.routes)).not.toBe(selected(settled.routes));
        // The same destinations (a second path to one of them): the route count held, so a delta was right.
        expect(version(moved)[2]).toBe(rib0);
        // Woken by the route monitor, the same poll asks real vtysh the probes and every table's listing
        // in one command (route-prefetch.ts) — FRR answers one JSON document each, so they are used: no
        // probe or listing on its own follows, only zebra for the prefix; the same rows as before.
        calls.length = 0;
        const woke = await driver.collect({
          device: spec,
          runner,
          previous: settled,
          now: () => now0 + 100,
          woken: true,
        });
        expect(woke.partialErrors).toEqual([]);
        const prefetch = calls.filter((c) =>
          c.includes("-c 'show bgp vrf all summary remote-as 4294967295 json' -c"),
        );
        expect(prefetch, calls.join('\n')).toHaveLength(1);
        expect(prefetch[0]).toContain(`-c 'show bgp ipv4 unicast version ${Number(v0) + 1} json'`);
        expect(
          calls.filter((c) => c !== prefetch[0] && /summary (remote-as|failed)|version \d+ json/.test(c)),
        ).toEqual([]);
        expect(calls.some((c) => c.includes(`show ip route ${w.ipv4}/32 json`))).toBe(true);
        expect(rows(woke.routes)).toEqual(whole);
      } finally {
        await tryRunInNamespace(hv2, ['ip', 'link', 'del', tap]);
      }
    } finally {
      await fabric.close();
    }
  }, 180_000);

  it('a router’s kernel route monitor (real ip monitor over real SSH) polls it when a /32 moves, though its interval is an hour', async () => {
    const hour = 3_600_000;
    const fabric = openFabric(
      loadInventoryFile(lab.inventoryPath),
      { kind: 'lab-netns', label: 'netns' },
      { poller: { intervalMs: { router: hour, hypervisor: hour } } },
    );
    const state = () => fabric.store.getState();
    const w = workloads.find((x) => x.host === 'hv1')!;
    const hv2 = labNamespace('hv2');
    const tap = 'tap-mon';
    try {
      fabric.poller.start();
      await until(
        'rtr1 and rtr2 polled, their monitors open',
        () =>
          ['rtr1', 'rtr2'].every(
            (r) => state().devices[r]!.snapshot !== null && state().devices[r]!.changeFeed,
          ),
        60_000,
      );
      const hop = (router: string) =>
        state()
          .devices[router]!.snapshot!.routes.lookup(w.ipv4, 'default')
          ?.nexthops.map((n) => `${n.ip ?? ''}%${n.interface ?? ''}`)
          .join(',');
      const before = { rtr1: hop('rtr1'), rtr2: hop('rtr2') };
      expect(before.rtr1).toBeDefined();
      await runInNamespace(hv2, ['ip', 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
      await runInNamespace(hv2, ['ip', 'link', 'set', tap, 'up']);
      await runInNamespace(hv2, ['ip', 'route', 'add', `${w.ipv4}/32`, 'dev', tap, 'metric', '512']);
      // Only a poll the monitor started can show it: the next interval poll is an hour away.
      await until(
        'both routers show the /32 via hv2',
        () => hop('rtr1') !== before.rtr1 && hop('rtr2') !== before.rtr2,
        120_000,
      );
      expect(hop('rtr1')).toMatch(/%dn-hv2$/);
      expect(hop('rtr2')).toMatch(/%dn-hv2$/);
    } finally {
      fabric.poller.stop();
      await tryRunInNamespace(hv2, ['ip', 'link', 'del', tap]);
      await fabric.close();
    }
  }, 300_000);

  describe('failures while polling', () => {
    let fabric: Fabric;
    const interval = 1_000;

    beforeAll(async () => {
      const inventory = loadInventoryFile(lab.inventoryPath);
      fabric = openFabric(
        inventory,
        { kind: 'lab-netns', label: 'netns' },
        { poller: { intervalMs: { router: interval, hypervisor: interval } } },
      );
      fabric.poller.start();
      await until(
        'first poll',
        () => Object.values(fabric.store.getState().devices).every((d) => d.health === 'ok'),
        60_000,
      );
    }, 180_000);
    afterAll(async () => {
      await fabric.close();
      await netnsUp({ dir: path.join(parent, 'lab') }); // repairs whatever a test broke
    }, 180_000);

    // Waits are for content, sized for a loaded 2-core machine: how soon is bench/'s to measure.
    const SEEN_MS = 60_000;

    it('stopping bgpd on a hypervisor shows its sessions down and the hypervisor degraded', async () => {
      await stopFrrDaemon('hv3', 'bgpd');
      const sessionsToHv3 = () =>
        ['rtr1', 'rtr2'].flatMap((router) =>
          fabric.store.getState().devices[router]!.snapshot!.bgp.filter((s) => s.peer === 'dn-hv3'),
        );
      await until(
        'routers see hv3 down',
        () => sessionsToHv3().length > 0 && sessionsToHv3().every((s) => !s.established),
        SEEN_MS,
      );
      await until('hv3 degraded', () => fabric.store.getState().devices.hv3!.health === 'degraded', SEEN_MS);
      expect(fabric.store.getState().devices.hv3!.lastError).toMatch(/bgp/i);
      expect(fabric.store.getState().devices.rtr1!.health).toBe('ok');
    }, 180_000);

    it('stopping sshd marks the device unreachable while the others stay ok', async () => {
      // Kill the listener and the per-connection sshd children, as when the daemon dies; none may be left.
      const sshdPids = async () => {
        const ns = labNamespace('hv2');
        const pids = (await runInNamespace(ns, ['ip', 'netns', 'pids', ns])).split('\n').filter(Boolean);
        const found: string[] = [];
        for (const pid of pids) {
          if ((await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'sshd')
            found.push(pid);
        }
        return found;
      };
      for (const pid of await sshdPids())
        await tryRunInNamespace(labNamespace('hv2'), ['kill', '-KILL', pid]);
      expect(await sshdPids()).toEqual([]);
      await until(
        'hv2 unreachable',
        () => fabric.store.getState().devices.hv2!.health === 'unreachable',
        SEEN_MS,
      );
      const state = fabric.store.getState();
      expect(state.devices.hv2!.lastError).toMatch(/198\.18\.0\.22/);
      for (const name of ['rtr1', 'rtr2', 'hv1']) expect(state.devices[name]!.health, name).toBe('ok');
    }, 180_000);
  });
});
