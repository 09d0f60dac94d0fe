/**
 * Issue 12 in `routedeck get`: every device-derived row carries its age (`polledAt`, `stale`), a stale
 * row is dimmed and says `stale Ns`, and an unreachable hypervisor's workloads stay listed, flagged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bgpView, devicesView, workloadsView } from '../../src/cli/get-views.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import { createAppStore } from '../../src/state/store.ts';
import { cli } from '../helpers/cli.ts';
import { bgpRoute, session, snapshot } from '../helpers/snapshots.ts';

const spec = (name: string, role: DeviceSpec['role']): DeviceSpec => ({
  name,
  role,
  kind: 'frr-linux',
  host: '192.0.2.1',
  port: 22,
  user: 'root',
  auth: { type: 'agent' },
  vtysh: 'vtysh',
  privilege: '',
});
const tap = (host: string, prefix: string, iface: string) => ({
  host,
  vrf: 'default',
  family: (prefix.includes(':') ? 6 : 4) as 4 | 6,
  prefix,
  interface: iface,
  metric: 0,
  protocol: 'kernel',
});
const ALL = { devices: [], vrf: null, prefix: null };
const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

/** rtr1 polled at T0 (5 s interval), hv1 at T0 and then unreachable, hv2 never read. */
function store() {
  const s = createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices: [spec('rtr1', 'router'), spec('hv1', 'hypervisor'), spec('hv2', 'hypervisor')],
    tenants: [{ name: 'acme', pools4: ['198.51.100.0/24'], pools6: [] }],
  });
  const { pollSucceeded, pollFailed } = s.getState();
  pollSucceeded(
    'hv1',
    snapshot('hv1', { workloadRoutes: [tap('hv1', '198.51.100.10/32', 'tap-a1')], at: T0 }),
  );
  pollSucceeded(
    'rtr1',
    snapshot('rtr1', {
      at: T0,
      bgp: [
        session('rtr1', 'dn-hv1', 'Established', { hostname: 'hv1' }),
        session('rtr1', 'dn-hv2', 'Established', { hostname: 'hv2' }),
      ],
      routes: [bgpRoute('198.51.100.10/32', 'dn-hv1'), bgpRoute('198.51.100.20/32', 'dn-hv2')],
    }),
  );
  pollSucceeded(
    'hv1',
    snapshot('hv1', {
      bgp: [session('hv1', 'up-rtr1', 'Established')],
      workloadRoutes: [tap('hv1', '198.51.100.10/32', 'tap-a1')],
      at: T0,
    }),
  );
  pollFailed('hv1', 'connect ECONNREFUSED', T0 + 1_000, 'unreachable');
  pollFailed('hv2', 'connect ECONNREFUSED', T0 + 1_000, 'unreachable');
  return s.getState();
}

describe('get views: ages and stale rows', () => {
  it('bgp: a session from a device whose last poll failed is stale, dimmed, never green', () => {
    const out = bgpView(store(), ALL, { color: true }, T0 + 3_000);
    const json = out.json as {
      sessions: { device: string; polledAt: string; stale: boolean; staleReason: string | null }[];
    };
    expect(json.sessions.map((s) => [s.device, s.polledAt, s.stale])).toEqual([
      ['rtr1', new Date(T0).toISOString(), false],
      ['rtr1', new Date(T0).toISOString(), false],
      ['hv1', new Date(T0).toISOString(), true],
    ]);
    expect(json.sessions[2]?.staleReason).toBe('unreachable since last poll');
    const plain = (line: string) =>
      line.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    const hv1 = out.text.split('\n').find((line) => plain(line).startsWith('hv1'));
    expect(hv1).toContain('\x1b[2mEstablished');
    expect(hv1).toContain('stale 3s');
    expect(out.text).not.toContain('\x1b[32m');
    // A current row says its age.
    expect(plain(out.text.split('\n').find((line) => plain(line).startsWith('rtr1')) ?? '')).toMatch(/ 3s /);
  });

  it('bgp: data older than two poll intervals is stale even without a failed poll', () => {
    const json = bgpView(store(), { ...ALL, devices: ['rtr1'] }, {}, T0 + 10_001).json as {
      sessions: { stale: boolean; staleReason: string }[];
    };
    expect(json.sessions.map((s) => [s.stale, s.staleReason])).toEqual([
      [true, 'poll late'],
      [true, 'poll late'],
    ]);
  });

  it('bgp: held sessions say their time in state as of the poll that confirmed them', () => {
    const s = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [spec('rtr1', 'router')],
      tenants: [],
    });
    const held = [{ ...session('rtr1', 'dn-hv1', 'Established'), uptimeMs: 3_600_000 }];
    // Read at T0, confirmed unchanged by the probes of a poll 65 s later.
    s.getState().pollSucceeded('rtr1', {
      ...snapshot('rtr1', { at: T0 + 65_000, bgp: held }),
      bgpReadAt: T0,
    });
    const out = bgpView(s.getState(), ALL, {}, T0 + 66_000);
    const json = out.json as { sessions: { uptimeMs: number }[] };
    expect(json.sessions.map((x) => x.uptimeMs)).toEqual([3_665_000]);
    expect(out.text).toContain('01:01:05');
  });

  it('devices: the BGP count of an unreachable device reads as stale', () => {
    const out = devicesView(store(), ALL, {}, T0 + 20_000);
    const row = out.text.split('\n').find((line) => line.startsWith('hv1'));
    expect(row).toMatch(/unreachable +stale 20s +1\/1/);
    const json = out.json as { devices: { name: string; stale: boolean; polledAt: string | null }[] };
    expect(json.devices.map((d) => [d.name, d.stale, d.polledAt])).toEqual([
      ['rtr1', true, new Date(T0).toISOString()],
      ['hv1', true, new Date(T0).toISOString()],
      ['hv2', true, null],
    ]);
  });

  it('workloads: a host never read keeps its prefix, flagged; a stale host’s row is marked stale', () => {
    const out = workloadsView(store(), ALL, {}, T0 + 2_000);
    const json = out.json as {
      workloads: {
        prefix: string;
        announcers: { host: string; interface: string | null; source: string }[];
        conflicts: string[];
        stale: boolean;
        polledAt: string | null;
      }[];
    };
    expect(json.workloads.map((w) => [w.prefix, w.announcers, w.conflicts, w.stale])).toEqual([
      [
        '198.51.100.10/32',
        [{ host: 'hv1', interface: 'tap-a1', metric: 0, source: 'host', hostProblem: 'host unreachable' }],
        ['host hv1 unreachable — routers still route it via hv1'],
        true,
      ],
      [
        '198.51.100.20/32',
        [{ host: 'hv2', interface: null, metric: null, source: 'routers', hostProblem: 'host unreachable' }],
        ['host hv2 unreachable — routers still route it via hv2'],
        true,
      ],
    ]);
    expect(json.workloads[1]?.polledAt).toBeNull();
    expect(out.text).toMatch(
      /198\.51\.100\.20\/32 +hv2\/\? \(host unreachable\) +rtr1→hv2 +stale, never polled +host hv2 unreachable — routers still route it via hv2/,
    );
  });
});

describe('get workloads on the embedded lab with a hypervisor’s SSH dropped', () => {
  let parent = '';
  let lab: SimLab;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-stale-cli-'));
    lab = await startSimLab({ dir: path.join(parent, 'sim') });
    env = { ROUTEDECK_LAB_DIR: parent, HOME: parent };
  }, 180_000);
  afterAll(async () => {
    await lab?.stop();
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  type Doc = {
    workloads: {
      vrf: string;
      prefix: string;
      announcers: { host: string; source: string }[];
      conflicts: string[];
      stale: boolean;
      polledAt: string | null;
    }[];
    errors: { device: string }[];
  };

  it('lists every prefix the routers route, those via hv3 flagged; exit 1', async () => {
    const before = await cli(['get', 'workloads', '--lab', '--json'], env);
    expect(before.code).toBe(0);
    const all = (JSON.parse(before.stdout) as Doc).workloads;
    expect(all.every((w) => !w.stale && w.polledAt !== null)).toBe(true);
    const key = (w: { vrf: string; prefix: string }) => `${w.vrf}|${w.prefix}`;
    const onHv3 = all.filter((w) => w.announcers.some((a) => a.host === 'hv3')).map(key);
    expect(onHv3.length).toBeGreaterThan(0);

    lab.faults.dropSsh('hv3', 120_000);
    const after = await cli(['get', 'workloads', '--lab', '--json'], env);
    expect(after.code).toBe(1);
    const doc = JSON.parse(after.stdout) as Doc;
    expect(doc.errors.map((e) => e.device)).toEqual(['hv3']);
    expect(doc.workloads.map(key).sort()).toEqual(all.map(key).sort());
    for (const w of doc.workloads.filter((row) => onHv3.includes(key(row)))) {
      expect(w.announcers).toEqual([expect.objectContaining({ host: 'hv3', source: 'routers' })]);
      expect(w.conflicts).toContain('host hv3 unreachable — routers still route it via hv3');
      expect(w.stale).toBe(true);
    }
    const text = await cli(['get', 'workloads', '--lab'], env);
    expect(text.stdout).toContain('hv3/? (host unreachable)');
  }, 180_000);
});
