import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceSpec } from '../../src/model/device.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import { Poller } from '../../src/poller/poller.ts';
import type { PollContext } from '../../src/poller/watched-runner.ts';
import { freshness } from '../../src/state/freshness.ts';
import { createAppStore } from '../../src/state/store.ts';
import { SshConnectError } from '../../src/transport/ssh/errors.ts';
import { snapshot } from '../helpers/snapshots.ts';

const spec = (name: string, role: 'router' | 'hypervisor' = 'hypervisor'): DeviceSpec => ({
  name,
  role,
  kind: 'frr-linux',
  host: '127.0.0.1',
  port: 22,
  user: 'root',
  auth: { type: 'agent' },
  vtysh: 'vtysh',
  privilege: '',
});

const pollers: Poller[] = [];
afterEach(() => pollers.splice(0).forEach((poller) => poller.stop()));

function setup(
  names: string[],
  collect: (spec: DeviceSpec) => Promise<DeviceSnapshot>,
  options: { concurrency?: number; intervalMs?: number; pollTimeoutMs?: number } = {},
) {
  const store = createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices: names.map((name) => spec(name)),
    tenants: [],
  });
  const interval = options.intervalMs ?? 20;
  const poller = new Poller({
    store,
    collect,
    concurrency: options.concurrency ?? 16,
    intervalMs: { router: interval, hypervisor: interval },
    maxBackoffMs: 200,
    pollTimeoutMs: options.pollTimeoutMs ?? 5_000,
  });
  pollers.push(poller);
  return { store, poller };
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('poller', () => {
  it('never runs more polls at once than the concurrency limit', async () => {
    let active = 0;
    let peak = 0;
    const { store, poller } = setup(
      ['a', 'b', 'c', 'd', 'e', 'f'],
      async (device) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 20));
        active--;
        return snapshot(device.name, {});
      },
      { concurrency: 2 },
    );
    await poller.pollNow();
    expect(peak).toBe(2);
    expect(Object.values(store.getState().devices).every((device) => device.health === 'ok')).toBe(true);
  });

  it('does not start a second poll of a device while the first is still running', async () => {
    let calls = 0;
    let active = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const { poller } = setup(['slow'], async (device) => {
      calls++;
      active++;
      peak = Math.max(peak, active);
      await new Promise<void>((resolve) => releases.push(resolve));
      active--;
      return snapshot(device.name, {});
    });
    const first = poller.pollNow();
    const second = poller.pollNow();
    const third = poller.pollNow();
    await until(() => releases.length === 1);
    releases[0]!();
    await first;
    // The callers that asked while a poll ran share one more poll, started after the first ended.
    await until(() => releases.length === 2);
    releases[1]!();
    await Promise.all([second, third]);
    expect(calls).toBe(2);
    expect(peak).toBe(1);
  });

  it('pollNow while a poll is running resolves only after a poll that started after the call', async () => {
    let state = 1;
    let release!: () => void;
    const seen: number[] = [];
    const { store, poller } = setup(['hv'], async (device) => {
      const read = state;
      seen.push(read);
      if (seen.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return snapshot(device.name, { at: read });
    });
    const running = poller.pollNow();
    await until(() => seen.length === 1);
    // A change is made on the device while the first poll (which read it before) is still out.
    state = 2;
    const fresh = poller.pollNow();
    release();
    await Promise.all([running, fresh]);
    expect(seen).toEqual([1, 2]);
    expect(store.getState().devices.hv?.snapshot?.collectedAt).toBe(2);
  });

  it('keeps the other devices on schedule while one hangs, and marks the hung one unreachable', async () => {
    const counts: Record<string, number> = { fast: 0, hung: 0 };
    const { store, poller } = setup(
      ['fast', 'hung'],
      async (device) => {
        counts[device.name]!++;
        if (device.name === 'hung') await new Promise(() => {});
        return snapshot(device.name, {});
      },
      { pollTimeoutMs: 150 },
    );
    poller.start();
    await until(() => counts.fast! >= 5);
    expect(store.getState().devices.fast?.health).toBe('ok');
    await until(() => store.getState().devices.hung?.health === 'unreachable');
    expect(store.getState().devices.hung?.lastError).toBe('no answer within 0.15 s');
  });

  it('backs off a failing device and reports the transport error as unreachable', async () => {
    const times: number[] = [];
    const { store, poller } = setup(['down'], async () => {
      times.push(Date.now());
      throw new SshConnectError(
        { host: '127.0.0.1', port: 1, device: 'down' },
        'connect ECONNREFUSED 127.0.0.1:1',
      );
    });
    poller.start();
    await until(() => times.length >= 4);
    const gaps = times.slice(1).map((time, i) => time - times[i]!);
    // 20 ms base interval doubling per failure: 40, 80, 160 (capped at 200). Timers never fire early,
    // so lower bounds hold however loaded the machine is.
    expect(gaps[0]!).toBeGreaterThanOrEqual(38);
    expect(gaps[2]!).toBeGreaterThanOrEqual(155);
    const entry = store.getState().devices.down!;
    expect(entry.health).toBe('unreachable');
    expect(entry.lastError).toContain('ECONNREFUSED');
  });

  it('treats a reachable device that answers badly as degraded, not unreachable', async () => {
    const { store, poller } = setup(['odd'], async () => {
      throw new Error('every command failed: vtysh: failed to connect to any daemons');
    });
    await poller.pollNow();
    expect(store.getState().devices.odd?.health).toBe('degraded');
  });

  it('tells the store the interval it polls each device at, which the stale rule reads', async () => {
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [spec('r1', 'router'), spec('h1')],
      tenants: [],
    });
    // Before any poller: the defaults.
    expect(store.getState().devices.h1?.pollIntervalMs).toBe(10_000);
    const poller = new Poller({
      store,
      collect: async (device) => snapshot(device.name, { at: 1_000 }),
      intervalMs: { router: 2_000 },
    });
    pollers.push(poller);
    const { r1, h1 } = store.getState().devices;
    expect([r1?.pollIntervalMs, h1?.pollIntervalMs]).toEqual([2_000, 10_000]);
    await poller.pollNow();
    const entry = store.getState().devices.r1!;
    expect(freshness(entry, 1_000 + 4_000).stale).toBe(false);
    expect(freshness(entry, 1_000 + 4_001)).toMatchObject({ stale: true, reason: 'poll late' });
  });
});

describe('host poll budget (issue 16)', () => {
  const fleet = (hosts: number) =>
    createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [spec('r1', 'router'), ...Array.from({ length: hosts }, (_, i) => spec(`hv${i + 1}`))],
      tenants: [],
    });
  const intervals = (hosts: number, hostPollsPerSecond?: number) => {
    const store = fleet(hosts);
    const poller = new Poller({
      store,
      collect: async (device) => snapshot(device.name, { at: 1_000 }),
      intervalMs: { router: 2_000, hypervisor: 3_000 },
      ...(hostPollsPerSecond ? { hostPollsPerSecond } : {}),
    });
    pollers.push(poller);
    const { r1, hv1 } = store.getState().devices;
    return [r1?.pollIntervalMs, hv1?.pollIntervalMs];
  };

  it('a small fleet keeps its interval; 1,000 hosts are polled every 10 s, the routers still every 2 s', () => {
    expect(intervals(250)).toEqual([2_000, 3_000]);
    expect(intervals(500)).toEqual([2_000, 5_000]);
    expect(intervals(1_000)).toEqual([2_000, 10_000]);
    expect(intervals(1_000, 1_000)).toEqual([2_000, 3_000]);
  });

  it('a host polled at the stretched interval is not drawn stale for it', async () => {
    const store = fleet(1_000);
    const poller = new Poller({
      store,
      collect: async (device) => snapshot(device.name, { at: 1_000 }),
      intervalMs: { router: 2_000, hypervisor: 3_000 },
    });
    pollers.push(poller);
    await poller.pollNow(['hv1']);
    const entry = store.getState().devices.hv1!;
    expect(freshness(entry, 1_000 + 9_000).stale).toBe(false);
  });
});

describe('poll deadline: silence fails a poll, a slow answer does not (issue 16)', () => {
  afterEach(() => vi.useRealTimers());

  /** A device that answers a chunk every `everyMs` for `forMs`, then stays silent (or finishes). */
  function answering(everyMs: number, forMs: number, then: 'finish' | 'silence') {
    const seen: { signal: AbortSignal | null } = { signal: null };
    const collect = (device: DeviceSpec, context: PollContext) =>
      new Promise<DeviceSnapshot>((resolve) => {
        seen.signal = context.signal;
        let elapsed = 0;
        const tick = () => {
          if (context.signal.aborted) return;
          context.progress();
          elapsed += everyMs;
          if (elapsed < forMs) setTimeout(tick, everyMs);
          else if (then === 'finish') resolve(snapshot(device.name, { at: 7 }));
        };
        setTimeout(tick, everyMs);
      });
    return { collect, seen };
  }

  function poller(collect: (d: DeviceSpec, c: PollContext) => Promise<DeviceSnapshot>, pollMaxMs?: number) {
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [spec('rtr', 'router')],
      tenants: [],
    });
    const p = new Poller({ store, collect, pollTimeoutMs: 1_000, ...(pollMaxMs ? { pollMaxMs } : {}) });
    pollers.push(p);
    return { store, p };
  }

  it('a read that keeps answering for 10× the timeout succeeds', async () => {
    vi.useFakeTimers();
    const { collect, seen } = answering(400, 10_000, 'finish');
    const { store, p } = poller(collect);
    const done = p.pollNow();
    await vi.advanceTimersByTimeAsync(10_500);
    await done;
    expect(store.getState().devices.rtr?.health).toBe('ok');
    expect(store.getState().devices.rtr?.snapshot?.collectedAt).toBe(7);
    expect(seen.signal?.aborted).toBe(false);
  });

  it('a read that goes silent fails after the timeout of silence, and its commands are stopped', async () => {
    vi.useFakeTimers();
    const { collect, seen } = answering(400, 3_000, 'silence');
    const { store, p } = poller(collect);
    const done = p.pollNow();
    await vi.advanceTimersByTimeAsync(3_500);
    expect(store.getState().devices.rtr?.lastError).toBeNull();
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    expect(store.getState().devices.rtr?.health).toBe('unreachable');
    expect(store.getState().devices.rtr?.lastError).toBe('no answer within 1 s');
    expect(seen.signal?.aborted).toBe(true);
  });

  it('a read still answering at the hard limit is stopped there, saying so', async () => {
    vi.useFakeTimers();
    const { collect, seen } = answering(100, 1_000_000, 'finish');
    const { store, p } = poller(collect, 5_000);
    const done = p.pollNow();
    await vi.advanceTimersByTimeAsync(5_100);
    await done;
    expect(store.getState().devices.rtr?.lastError).toMatch(/^still answering after 5 s: stopped/);
    expect(seen.signal?.aborted).toBe(true);
  });

  it('tells a poll it is watched when a few devices are polled by name or fast, not a whole-fabric poll or a routine one', async () => {
    const names = ['hv1', 'hv2', 'hv3'];
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: names.map((name) => spec(name)),
      tenants: [],
    });
    const told: string[] = [];
    const poller = new Poller({
      store,
      collect: async (s, context) => {
        told.push(`${s.name} ${context.watched === true ? 'watched' : 'routine'}`);
        return snapshot(s.name, {});
      },
      intervalMs: { router: 3_600_000, hypervisor: 3_600_000 },
    });
    pollers.push(poller);
    poller.start();
    await until(() => told.length === 3);
    expect(told.splice(0).sort()).toEqual(['hv1 routine', 'hv2 routine', 'hv3 routine']);
    await poller.pollNow(['hv2']);
    expect(told.splice(0)).toEqual(['hv2 watched']);
    await poller.pollNow();
    expect(told.splice(0).sort()).toEqual(['hv1 routine', 'hv2 routine', 'hv3 routine']);
    // Fast polling (a migration step's verification): the first poll after it is watched, the fast
    // ones after that are routine (they mostly find the device as it was).
    poller.pollFast(['hv3'], 1, 60_000);
    await until(() => told.filter((t) => t.startsWith('hv3')).length >= 3);
    expect(
      told
        .splice(0)
        .filter((t) => t.startsWith('hv3'))
        .slice(0, 3),
    ).toEqual(['hv3 watched', 'hv3 routine', 'hv3 routine']);
    poller.stop();
    told.splice(0);
    await poller.pollNow(['hv1', 'hv3']);
    expect(told.filter((t) => t.endsWith('watched')).sort()).toEqual(['hv1 watched', 'hv3 watched']);
  });
});
