/**
 * A starting console names the lab's workloads by adopting them into the registry as each host's
 * first snapshot reaches the workload index (src/workflows/service/adopt-start.ts). The store
 * publishes a snapshot before the index that holds it: adopting at the snapshot left the last host's
 * workloads unnamed for the whole run.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TenantSpec, WorkloadRoute } from '../../../src/model/workload.ts';
import { openRegistry, type Registry } from '../../../src/registry/index.ts';
import { createAppStore } from '../../../src/state/store.ts';
import { ADOPT_BATCH, adoptLiveGradually, adoptLiveWorkloads } from '../../../src/workflows/service/adopt.ts';
import { adoptAsHostsArrive } from '../../../src/workflows/service/adopt-start.ts';
import { deviceSpec, snapshot } from '../../helpers/snapshots.ts';

const TENANTS: TenantSpec[] = [{ name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] }];

/** Workload `acme-N` on `host`: its /32 and /64 routed to tap-acme-N. */
function workload(host: string, n: number): WorkloadRoute[] {
  const common = { host, vrf: 'default', interface: `tap-acme-${n}`, metric: 0, protocol: 'kernel' as const };
  return [
    { ...common, family: 4, prefix: `198.51.100.${n}/32` },
    { ...common, family: 6, prefix: `2001:db8:a:${n}::/64` },
  ];
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setUp(indexDeferAbove?: number, refuse: () => boolean = () => false) {
  const store = createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices: [deviceSpec('rr1', 'router'), deviceSpec('hv1', 'hypervisor'), deviceSpec('hv2', 'hypervisor')],
    tenants: TENANTS,
    ...(indexDeferAbove !== undefined ? { indexDeferAbove } : {}),
  });
  const registry: Registry = openRegistry({ path: ':memory:' });
  for (const tenant of TENANTS) registry.upsertTenant(tenant);
  const calls: number[] = [];
  const stop = adoptAsHostsArrive(store, () => {
    calls.push(store.getState().workloads.length);
    if (refuse()) throw new Error('database is locked');
    adoptLiveWorkloads(store.getState(), registry, 'test', () => 0);
  });
  const named = () =>
    registry
      .workloads()
      .map((w) => `${w.name}@${w.host}`)
      .sort();
  return { s: () => store.getState(), registry, calls, stop, named };
}

describe('adopting the live workloads as hosts first report', () => {
  const opened: Registry[] = [];
  afterEach(() => {
    for (const r of opened.splice(0)) r.close();
    vi.useRealTimers();
  });

  it('names the workloads of the host that reports last (the index is built after its snapshot)', async () => {
    const { s, registry, calls, stop, named } = setUp();
    opened.push(registry);
    s().pollSucceeded('rr1', snapshot('rr1', { at: 1 }));
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: workload('hv1', 1), at: 2 }));
    await flush();
    // hv2 has not answered yet: nothing is adopted before every device has.
    expect(calls).toEqual([]);
    // The last host: its snapshot is published before the index that holds it.
    const last = [...workload('hv2', 2), ...workload('hv2', 3)];
    s().pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: last, at: 3 }));
    await flush();
    expect(named()).toEqual(['acme-1@hv1', 'acme-2@hv2', 'acme-3@hv2']);
    // One adoption, from an index holding every host's entries (6).
    expect(calls).toEqual([6]);
    // Every host adopted: later polls adopt nothing more (no call at all).
    s().pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: [...workload('hv2', 4)], at: 4 }));
    await flush();
    expect(calls).toHaveLength(1);
    stop();
  });

  it('waits while routers have not answered, then adopts every host at once', async () => {
    const { s, registry, calls, named } = setUp();
    opened.push(registry);
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: workload('hv1', 1), at: 1 }));
    s().pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: workload('hv2', 2), at: 2 }));
    await flush();
    expect(calls).toEqual([]);
    s().pollSucceeded('rr1', snapshot('rr1', { at: 3 }));
    await flush();
    expect(calls).toEqual([4]);
    expect(named()).toEqual(['acme-1@hv1', 'acme-2@hv2']);
  });

  it('a host down at start is adopted when it answers', async () => {
    const { s, registry, calls, named } = setUp();
    opened.push(registry);
    s().pollSucceeded('rr1', snapshot('rr1', { at: 1 }));
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: workload('hv1', 1), at: 2 }));
    s().pollFailed('hv2', 'connect ECONNREFUSED', 3, 'unreachable');
    await flush();
    expect(named()).toEqual(['acme-1@hv1']);
    s().pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: workload('hv2', 2), at: 4 }));
    await flush();
    expect(named()).toEqual(['acme-1@hv1', 'acme-2@hv2']);
    expect(calls).toEqual([2, 4]);
  });

  it('at fleet size (deferred index builds) waits for the build that holds the last host', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // Index builds deferred from 2 entries on, as a fleet's are from 5,000.
    const { s, registry, calls, named } = setUp(2);
    opened.push(registry);
    s().pollSucceeded('rr1', snapshot('rr1', { at: 1 }));
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: workload('hv1', 1), at: 2 }));
    s().pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: workload('hv2', 2), at: 3 }));
    await flush();
    expect(s().indexPending).toBe(true);
    expect(calls).toEqual([]);
    vi.runAllTimers();
    await flush();
    expect(s().indexPending).toBe(false);
    expect(named()).toEqual(['acme-1@hv1', 'acme-2@hv2']);
    expect(calls).toEqual([4]);
  });

  it('a registry that refuses (another console writing) records nothing; the next host adopts both', async () => {
    let refuse = true;
    const { s, registry, calls, named } = setUp(undefined, () => refuse);
    opened.push(registry);
    s().pollSucceeded('rr1', snapshot('rr1', { at: 1 }));
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: workload('hv1', 1), at: 2 }));
    s().pollFailed('hv2', 'timed out', 3, 'unreachable');
    await flush();
    expect(calls).toEqual([2]);
    expect(named()).toEqual([]);
    refuse = false;
    s().pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: workload('hv2', 2), at: 4 }));
    await flush();
    expect(named()).toEqual(['acme-1@hv1', 'acme-2@hv2']);
  });

  it('one adoption at a time: hosts reporting while one runs are adopted by one more run after it', async () => {
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [
        deviceSpec('rr1', 'router'),
        deviceSpec('hv1', 'hypervisor'),
        deviceSpec('hv2', 'hypervisor'),
      ],
      tenants: TENANTS,
    });
    const s = () => store.getState();
    const runs: { finish: () => void }[] = [];
    adoptAsHostsArrive(store, () => new Promise<void>((resolve) => runs.push({ finish: resolve })));
    s().pollSucceeded('rr1', snapshot('rr1', { at: 1 }));
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: workload('hv1', 1), at: 2 }));
    s().pollFailed('hv2', 'timed out', 3, 'unreachable');
    await flush();
    expect(runs).toHaveLength(1);
    s().pollSucceeded('hv2', snapshot('hv2', { workloadRoutes: workload('hv2', 2), at: 4 }));
    await flush();
    expect(runs).toHaveLength(1);
    runs[0]!.finish();
    await flush();
    expect(runs).toHaveLength(2);
    runs[1]!.finish();
    await flush();
    expect(runs).toHaveLength(2);
  });
});

describe('adopting a fleet’s workloads gradually', () => {
  /** An index of `n` workloads on hv1…hv10 (entries as the index holds them). */
  function fleetState(n: number) {
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [
        deviceSpec('rr1', 'router'),
        ...Array.from({ length: 10 }, (_, i) => deviceSpec(`hv${i + 1}`, 'hypervisor')),
      ],
      tenants: TENANTS,
    });
    for (let h = 1; h <= 10; h++) {
      const routes = [];
      for (let n2 = h; n2 <= n; n2 += 10) routes.push(...workload(`hv${h}`, n2));
      store.getState().pollSucceeded(`hv${h}`, snapshot(`hv${h}`, { workloadRoutes: routes, at: 1 }));
    }
    return store.getState();
  }

  it('records them a batch at a time with the event loop free between batches, every one named', async () => {
    const state = fleetState(200);
    const registry = openRegistry({ path: ':memory:' });
    for (const tenant of TENANTS) registry.upsertTenant(tenant);
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    const adopted = await adoptLiveGradually(state, registry, 'test', () => 0, {
      // Told once before the first batch (0 of 200), then after each.
      onProgress: (done) => void (done > 0 && seen.push(ticks)),
    });
    ticking = false;
    expect(adopted).toHaveLength(200);
    expect(registry.workloads()).toHaveLength(200);
    expect(seen).toHaveLength(Math.ceil(200 / ADOPT_BATCH));
    // Other work (the console's polls, its frames) ran between every two batches.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    registry.close();
  });

  it('stops between batches when the console closes, leaving what it recorded whole', async () => {
    const state = fleetState(200);
    const registry = openRegistry({ path: ':memory:' });
    for (const tenant of TENANTS) registry.upsertTenant(tenant);
    let batches = 0;
    const adopted = await adoptLiveGradually(state, registry, 'test', () => 0, {
      stopped: () => batches >= 1,
      onProgress: (done) => void (done > 0 && batches++),
    });
    expect(adopted).toHaveLength(ADOPT_BATCH);
    expect(registry.workloads()).toHaveLength(ADOPT_BATCH);
    // Each recorded workload holds both its addresses.
    for (const w of registry.workloads())
      expect(registry.allocated({ tenant: 'acme' }).filter((a) => a.workload === w.name)).toHaveLength(2);
    registry.close();
  });
});
