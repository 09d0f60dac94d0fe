import { describe, expect, it } from 'vitest';
import { driverFor, frrLinuxDriver, vyosDriver } from '../../src/drivers/index.ts';
import type { DeviceKind, DeviceSpec } from '../../src/model/device.ts';
import { VyosEmptyConfigError } from '../../src/transport/vyos-api/errors.ts';
import { overlayCommands } from '../../src/drivers/vyos/overlay.ts';
import { manifest, readFixture, ReplayRunner } from './fixtures.ts';

function spec(name: string, role: DeviceSpec['role'], kind: DeviceKind = 'frr-linux'): DeviceSpec {
  return {
    name,
    role,
    kind,
    host: '198.18.0.21',
    port: 22,
    user: 'noc',
    auth: { type: 'agent' },
    vtysh: `vtysh -N ${name}`,
    privilege: 'sudo -n',
  };
}

const hv1 = spec('hv1', 'hypervisor');
const q = (device: string, cmd: string): string => `vtysh -N ${device} -c '${cmd}'`;
const BGP = q('hv1', 'show bgp vrf all summary json');
const ROUTES4 = q('hv1', 'show ip route vrf all json');
const ROUTES6 = q('hv1', 'show ipv6 route vrf all json');
const now = (): number => 1_700_000_000_000;

function capturedRouteCount(device: string): number {
  let n = 0;
  for (const f of ['show-ip-route-vrf-all-json', 'show-ipv6-route-vrf-all-json']) {
    const doc = JSON.parse(readFixture(`frr-8.4/${device}/${f}.json`)) as Record<string, unknown[]>;
    for (const entries of Object.values(doc)) n += entries.length;
  }
  return n;
}

/** Streamed commands asked while another stream was still answering (answers come a few turns late). */
function streamsAskedWhileAnother(runner: ReplayRunner): string[] {
  const answering = new Set<string>();
  const overlapped: string[] = [];
  const execStream = runner.execStream.bind(runner);
  runner.execStream = async (command, onStdout) => {
    if (answering.size > 0) overlapped.push(command);
    answering.add(command);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    try {
      return await execStream(command, onStdout);
    } finally {
      answering.delete(command);
    }
  };
  return overlapped;
}

describe('frr-linux driver', () => {
  it('sends exactly these commands, kernel routes only on hypervisors', () => {
    expect(frrLinuxDriver.collectCommands(hv1)).toEqual([
      BGP,
      ROUTES4,
      ROUTES6,
      'ip -j -d addr show',
      'ip -j -4 route show table all type unicast',
      'ip -j -6 route show table all type unicast',
      'sudo -n nft -j list table inet vmguard',
    ]);
    expect(frrLinuxDriver.collectCommands(spec('rtr1', 'router'))).toEqual([
      q('rtr1', 'show bgp vrf all summary json'),
      q('rtr1', 'show ip route vrf all json'),
      q('rtr1', 'show ipv6 route vrf all json'),
      'ip -j -d addr show',
    ]);
  });

  it('collects a whole snapshot from real captures', async () => {
    const runner = ReplayRunner.forDevice('hv1');
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toEqual([]);
    expect(new Set(runner.calls)).toEqual(new Set(frrLinuxDriver.collectCommands(hv1)));
    expect(snap).toMatchObject({ device: 'hv1', collectedAt: now(), vrfs: [] });
    expect(snap.bgp.filter((s) => s.established)).toHaveLength(4);
    expect(snap.routes.size).toBe(capturedRouteCount('hv1'));
    expect(snap.routes.lookup('198.51.100.11')?.protocol).toBe('bgp');
    expect(snap.routes.lookup('2001:db8:a:10::1')?.nexthops[0]?.interface).toBe('tap-acme-1');
    expect(snap.interfaces.map((i) => i.name)).toContain('tap-acme-1');
    expect(snap.workloadRoutes.map((w) => `${w.prefix} ${w.interface}`).sort()).toEqual([
      '198.51.100.10/32 tap-acme-1',
      '2001:db8:a:10::/64 tap-acme-1',
      '2001:db8:b:12::/64 tap-globex-3',
      '203.0.113.12/32 tap-globex-3',
    ]);
  });

  it('reads a host’s IPv4 and IPv6 tables at once (a migration’s target waits on that poll), IPv4 rows first', async () => {
    const runner = ReplayRunner.forDevice('hv1');
    const overlapped = streamsAskedWhileAnother(runner);
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toEqual([]);
    expect(overlapped).toEqual([ROUTES6]);
    expect(snap.routes.size).toBe(capturedRouteCount('hv1'));
    const families = [...snap.routes].map((r) => r.family);
    expect(families.indexOf(6)).toBeGreaterThan(families.lastIndexOf(4));
    // A router's (large) tables still one after the other.
    const routerRunner = ReplayRunner.forDevice('rtr1');
    const routerOverlapped = streamsAskedWhileAnother(routerRunner);
    const routerSnap = await frrLinuxDriver.collect({
      device: spec('rtr1', 'router'),
      runner: routerRunner,
      now,
    });
    expect(routerSnap.routes.size).toBeGreaterThan(0);
    expect(routerOverlapped).toEqual([]);
  });

  it('a watched host has its route tables asked first, beside the digests, and used when its BGP versions moved', async () => {
    const first = await frrLinuxDriver.collect({ device: hv1, runner: ReplayRunner.forDevice('hv1'), now });
    const summary = readFixture('frr-8.4/hv1/show-bgp-vrf-all-summary-json.json');
    const moved = summary.replace(
      /"tableVersion":(\d+)/,
      (_m, v: string) => `"tableVersion":${Number(v) + 5}`,
    );
    expect(moved).not.toBe(summary);
    const poll = async (watched: boolean, bgp: string) => {
      const runner = ReplayRunner.forDevice('hv1', { [BGP]: { stdout: bgp } });
      const snap = await frrLinuxDriver.collect({ device: hv1, runner, now, previous: first, watched });
      return { snap, calls: runner.calls };
    };
    // Not watched: the tables are asked once the BGP versions were read (a turn later).
    const routine = await poll(false, moved);
    expect(routine.calls.indexOf(ROUTES4)).toBeGreaterThan(routine.calls.indexOf(BGP));
    // Watched: asked before anything else, once each, and they are the snapshot's tables.
    const watched = await poll(true, moved);
    expect(watched.snap.partialErrors).toEqual([]);
    expect(watched.calls.slice(0, 2)).toEqual([ROUTES4, ROUTES6]);
    expect(watched.calls.filter((c) => c === ROUTES4 || c === ROUTES6)).toHaveLength(2);
    expect(watched.snap.routes.size).toBe(capturedRouteCount('hv1'));
    expect([...watched.snap.routes]).toEqual([...routine.snap.routes]);
    // Watched with nothing moved: read anyway, but the last tables stand (the same object).
    const still = await poll(true, summary);
    expect(still.calls.slice(0, 2)).toEqual([ROUTES4, ROUTES6]);
    expect(still.snap.routes).toBe(first.routes);
  });

  it('turns bgpd not running into a partial error naming the command (real hv3 capture)', async () => {
    const down = manifest().find(
      (c) => c.file === 'hv3/show-bgp-vrf-all-summary-json--bgpd-not-running.json',
    )!;
    const runner = ReplayRunner.forDevice('hv1', {
      [BGP]: { stdout: readFixture(`frr-8.4/${down.file}`), stderr: down.stderr, code: down.exitCode },
    });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toEqual([`bgp: ${BGP}: exit 1: bgpd is not running`]);
    expect(snap.bgp).toEqual([]);
    expect(snap.routes.size).toBe(capturedRouteCount('hv1'));
  });

  it('reports `% Unknown command` on stdout even with exit status 0', async () => {
    const runner = ReplayRunner.forDevice('hv1', {
      [ROUTES6]: { stdout: '% Unknown command: show ipv6 route vrf all json\n', code: 0 },
    });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toEqual([
      `routes: ${ROUTES6}: failed: % Unknown command: show ipv6 route vrf all json`,
    ]);
    expect(snap.routes.vrfs()).toEqual(['default']);
    expect(snap.routes.indexesOf('default', 6)).toHaveLength(0);
    expect(snap.routes.indexesOf('default', 4).length).toBeGreaterThan(0);
  });

  it('drops every row of a route stream that breaks half-way', async () => {
    const full = readFixture('frr-8.4/hv1/show-ip-route-vrf-all-json.json');
    const runner = ReplayRunner.forDevice('hv1', { [ROUTES4]: { stdout: full.slice(0, full.length / 2) } });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toHaveLength(1);
    expect(snap.partialErrors[0]).toMatch(
      /^routes: hv1: vtysh -N hv1 -c 'show ip route vrf all json': .*truncated/,
    );
    expect(snap.routes.indexesOf('default', 4)).toHaveLength(0);
    expect(snap.routes.indexesOf('default', 6).length).toBeGreaterThan(0);
  });

  // Issue 12 item 5: an empty answer with exit 0 is not an empty table.
  it('reports empty route output as an error naming device and command, keeping no rows', async () => {
    const runner = ReplayRunner.forDevice('hv1', { [ROUTES4]: { stdout: '' } });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toEqual([
      `routes: hv1: ${ROUTES4}: output is empty (FRR prints {} for an empty table)`,
    ]);
    expect(snap.routes.indexesOf('default', 4)).toHaveLength(0);
    expect(snap.routes.indexesOf('default', 6).length).toBeGreaterThan(0);
  });

  // Issue 12 item 4, end to end: the real capture with one interface renamed to hold a `[`.
  it('keeps every IPv4 route when an interface name holds a "["', async () => {
    const text = readFixture('frr-8.4/hv1/show-ip-route-vrf-all-json.json').replaceAll(
      '"interfaceName":"up-rtr1"',
      '"interfaceName":"rr[hv1"',
    );
    expect(text).toContain('rr[hv1');
    const runner = ReplayRunner.forDevice('hv1', { [ROUTES4]: { stdout: text } });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toEqual([]);
    expect(snap.routes.size).toBe(capturedRouteCount('hv1'));
    const viaOdd = [...snap.routes].filter((r) => r.nexthops.some((n) => n.interface === 'rr[hv1'));
    expect(viaOdd.length).toBeGreaterThan(0);
  });

  it('reports a BGP summary of an unknown shape as an error naming device and command', async () => {
    const runner = ReplayRunner.forDevice('hv1', {
      [BGP]: { stdout: '{"ipv4Unicast":{"peers":{}},"RED":{"ipv4Unicast":{"peers":{}}}}' },
    });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toEqual([
      `bgp: hv1: ${BGP}: unexpected BGP summary shape: top level mixes address families and other names ("RED")`,
    ]);
    expect(snap.bgp).toEqual([]);
  });

  it('reports an unparseable part and keeps the rest', async () => {
    const runner = ReplayRunner.forDevice('hv1', { 'ip -j -d addr show': { stdout: 'Dump terminated\n' } });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner, now });
    expect(snap.partialErrors).toEqual([
      expect.stringMatching(/^interfaces: hv1: ip -j -d addr show: ip link\/addr listing is not JSON/),
    ]);
    expect(snap.interfaces).toEqual([]);
    expect(snap.bgp.length).toBeGreaterThan(0);
  });

  it('throws when every part fails, so the poller marks the device unreachable', async () => {
    const dead = new ReplayRunner(new Map());
    await expect(frrLinuxDriver.collect({ device: hv1, runner: dead, now })).rejects.toThrow(
      /hv1: every part of the collection failed: .*exit 127/,
    );
    const refused = Object.fromEntries(
      frrLinuxDriver.collectCommands(hv1).map((c) => [c, new Error('ECONNREFUSED')]),
    );
    await expect(
      frrLinuxDriver.collect({ device: hv1, runner: ReplayRunner.forDevice('hv1', refused), now }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('vyos driver', () => {
  const r1 = { ...spec('rtr1', 'router', 'vyos'), api: undefined };
  const config = { name: { RED: { table: '100', vni: '10100' } } };

  // A VyOS router without overlay: wg lists nothing, keepalived is not running, zebra has no EVPN.
  const c = overlayCommands(r1);
  const noOverlay = {
    [c.wireguard]: { stdout: '---\n---\n---\n' },
    [c.vrrp]: { stdout: '[]\n' },
    [c.evpnVnis]: { stdout: '' },
    [c.evpnNexthops]: { stdout: '' },
  };
  const replay = () => ReplayRunner.forDevice('rtr1', noOverlay);

  it('sends the FRR state commands but no kernel route listing, then the overlay commands', () => {
    expect(vyosDriver.collectCommands(r1)).toEqual([
      ...frrLinuxDriver.collectCommands(spec('rtr1', 'router')),
      ...Object.values(c),
    ]);
  });

  it('takes VRFs from the API and state over SSH', async () => {
    const api = { showConfig: async (path: string[]) => (path[0] === 'vrf' ? config : null) };
    const snap = await vyosDriver.collect({ device: r1, runner: replay(), api, now });
    expect(snap.partialErrors).toEqual([]);
    expect(snap.vrfs).toEqual([expect.objectContaining({ name: 'RED', table: 100, vni: 10100 })]);
    expect(snap.bgp.map((s) => s.peer)).toContain('dn-hv3');
    expect(snap.workloadRoutes).toEqual([]);
  });

  it('reads the API 400 "empty" answer as no VRFs, and any other failure as a partial error', async () => {
    const empty = {
      showConfig: async () => {
        throw new VyosEmptyConfigError(
          'VyOS API /retrieve: HTTP 400: Configuration under specified path is empty',
          {
            endpoint: '/retrieve',
            status: 400,
          },
        );
      },
    };
    const snap = await vyosDriver.collect({
      device: r1,
      runner: replay(),
      api: empty,
      now,
    });
    expect(snap.partialErrors).toEqual([]);
    expect(snap.vrfs).toEqual([]);

    const broken = { showConfig: async () => Promise.reject(new Error('VyOS API /retrieve: HTTP 500')) };
    const snap2 = await vyosDriver.collect({
      device: r1,
      runner: replay(),
      api: broken,
      now,
    });
    expect(snap2.partialErrors).toEqual([
      'vrfs: VyOS API /retrieve: HTTP 500',
      ...['wireguard', 'vxlan', 'vrrp'].map((x) => `overlay ${x} config: VyOS API /retrieve: HTTP 500`),
    ]);
  });
});

describe('driverFor', () => {
  it('maps each kind to its driver and refuses unknown kinds', () => {
    expect(driverFor('frr-linux')).toBe(frrLinuxDriver);
    expect(driverFor('vyos')).toBe(vyosDriver);
    expect(() => driverFor('junos' as DeviceKind)).toThrow(/no driver/);
  });
});
