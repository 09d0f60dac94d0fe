/**
 * The workload index at fleet size (issue 16): rebuilds above a size threshold are coalesced (the view
 * says so while one waits, `pollNow` callers read a built index), and the incremental sort gives exactly
 * the order a full sort gives, across builds that add and remove workloads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TenantSpec, WorkloadRoute } from '../../src/model/workload.ts';
import { buildWorkloadIndex, type IndexedDevice } from '../../src/state/workload-index.ts';
import { createAppStore } from '../../src/state/store.ts';
import { deviceSpec, snapshot } from '../helpers/snapshots.ts';

const spec = deviceSpec;

const TENANTS: TenantSpec[] = [
  { name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] },
  { name: 'globex', pools4: ['203.0.113.0/24'], pools6: ['2001:db8:b::/48'] },
];

const route = (host: string, prefix: string): WorkloadRoute => ({
  host,
  vrf: 'default',
  family: prefix.includes(':') ? 6 : 4,
  prefix,
  interface: `tap-${prefix.replace(/[^0-9a-f]/g, '')}`,
  metric: 0,
  protocol: 'kernel',
});

const v4 = (net: string, n: number) => `${net}.${n}/32`;

describe('deferred index rebuilds above the threshold', () => {
  afterEach(() => vi.useRealTimers());

  it('below it every poll rebuilds at once; above it the rebuild waits, is marked pending, and flushIndex builds it', () => {
    vi.useFakeTimers();
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [spec('hv1', 'hypervisor'), spec('hv2', 'hypervisor')],
      tenants: TENANTS,
      indexDeferAbove: 3,
    });
    const s = () => store.getState();
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: [route('hv1', v4('198.51.100', 1))], at: 1 }));
    expect(s().workloads.map((w) => w.prefix)).toEqual(['198.51.100.1/32']);
    expect(s().indexPending).toBe(false);
    s().pollSucceeded(
      'hv2',
      snapshot('hv2', { workloadRoutes: [1, 2, 3].map((n) => route('hv2', v4('203.0.113', n))), at: 2 }),
    );
    // Built at once: the index had 1 entry (below 3) when the change came.
    expect(s().workloads).toHaveLength(4);

    // Now at 4 entries: the next change waits.
    s().pollSucceeded(
      'hv1',
      snapshot('hv1', { workloadRoutes: [1, 2].map((n) => route('hv1', v4('198.51.100', n))), at: 3 }),
    );
    expect(s().workloads).toHaveLength(4);
    expect(s().indexPending).toBe(true);
    // A second change while one waits joins the same rebuild.
    s().pollFailed('hv2', 'connect ECONNREFUSED', 4, 'unreachable');
    expect(s().indexPending).toBe(true);
    s().flushIndex();
    expect(s().indexPending).toBe(false);
    expect(s().workloads).toHaveLength(5);
    expect(s().workloads.find((w) => w.prefix === '203.0.113.2/32')?.announcers[0]?.hostProblem).toBe(
      'host unreachable',
    );
    // Nothing waits: flushing again changes nothing, the timer built nothing twice.
    const built = s().workloads;
    s().flushIndex();
    vi.runAllTimers();
    expect(s().workloads).toBe(built);

    // Without a flush the timer builds it.
    s().pollSucceeded(
      'hv1',
      snapshot('hv1', { workloadRoutes: [1, 2, 3].map((n) => route('hv1', v4('198.51.100', n))), at: 5 }),
    );
    expect(s().workloads).toHaveLength(5);
    vi.runAllTimers();
    expect(s().workloads).toHaveLength(6);
    expect(s().indexPending).toBe(false);
  });
});

/** A store whose every index build takes "1 s" on its build clock (deferred from one entry on). */
function slowBuildStore(devices: Parameters<typeof createAppStore>[0]['devices']) {
  let ticks = 0;
  const store = createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices,
    tenants: TENANTS,
    indexDeferAbove: 1,
    buildClock: () => (ticks += 500),
  });
  return () => store.getState();
}

/** The waiting build comes exactly `ms` from now: pending 1 ms before, built at it. */
function builtAfter(s: ReturnType<typeof slowBuildStore>, ms: number) {
  vi.advanceTimersByTime(ms - 1);
  expect(s().indexPending).toBe(true);
  vi.advanceTimersByTime(1);
  expect(s().indexPending).toBe(false);
}

/** A host's snapshot with one workload, 198.51.100.n/32. */
const hv = (host: string, n: number, at: number) =>
  snapshot(host, { workloadRoutes: [route(host, v4('198.51.100', n))], at });

describe('a router’s change while hosts’ changes wait', () => {
  afterEach(() => vi.useRealTimers());

  it('is indexed 200 ms after it, not after the wait a long last build earned', () => {
    vi.useFakeTimers();
    // Each build takes "1 s" on this clock: the hosts' changes then wait 4 s (four times the last build).
    // hv4 never answers: the fleet is still starting throughout (see the next test for its end).
    const s = slowBuildStore([
      spec('rr1', 'router'),
      spec('hv1', 'hypervisor'),
      spec('hv2', 'hypervisor'),
      spec('hv3', 'hypervisor'),
      spec('hv4', 'hypervisor'),
    ]);
    s().pollSucceeded('hv1', hv('hv1', 1, 1));
    expect(s().workloads).toHaveLength(1);
    s().pollSucceeded('hv2', hv('hv2', 2, 2));
    expect(s().indexPending).toBe(true);
    vi.advanceTimersByTime(200);
    expect(s().indexPending).toBe(true);
    // The router's table arrives: the waiting build is brought forward to 200 ms from now.
    s().pollSucceeded('rr1', snapshot('rr1', { routes: [], at: 3 }));
    builtAfter(s, 200);
    expect(s().workloads.map((w) => `${w.prefix} ${w.conflicts.join('; ')}`)).toEqual([
      '198.51.100.1/32 not seen by rr1',
      '198.51.100.2/32 not seen by rr1',
    ]);
    // A host's first read alone waits its full time again.
    s().pollSucceeded('hv3', hv('hv3', 4, 4));
    vi.advanceTimersByTime(200);
    expect(s().indexPending).toBe(true);
    vi.runAllTimers();
    expect(s().workloads).toHaveLength(3);
  });

  it('waits eight builds while the fleet starts, four once every device answered; the last answer builds 200 ms later', () => {
    vi.useFakeTimers();
    // Each build measures 500 ms on this clock.
    const s = slowBuildStore([
      spec('hv1', 'hypervisor'),
      spec('hv2', 'hypervisor'),
      spec('hv3', 'hypervisor'),
    ]);
    s().pollSucceeded('hv1', hv('hv1', 1, 1));
    expect(s().workloads).toHaveLength(1);
    // A first read while others have not answered: 8 × 500 ms.
    s().pollSucceeded('hv2', hv('hv2', 2, 2));
    builtAfter(s, 4000);
    expect(s().workloads).toHaveLength(2);
    // The last device's first answer: its build comes 200 ms later, not 4 s.
    s().pollSucceeded('hv3', hv('hv3', 3, 3));
    builtAfter(s, 200);
    expect(s().workloads).toHaveLength(3);
    // Started: a change (hv2 stops answering) waits 4 × 500 ms.
    s().pollFailed('hv2', 'connection refused', 4, 'unreachable');
    builtAfter(s, 2000);
  });

  it('a host that moved a workload (not its first read) is indexed 200 ms after it; many such hosts wait', () => {
    vi.useFakeTimers();
    const hosts = Array.from({ length: 12 }, (_, i) => `hv${i + 1}`);
    const s = slowBuildStore(hosts.map((h) => spec(h, 'hypervisor')));
    hosts.forEach((h, i) => s().pollSucceeded(h, hv(h, i + 1, 1)));
    vi.runAllTimers();
    expect(s().workloads).toHaveLength(12);
    // hv1's workload moves to .101 (a migration's target announcing): indexed 200 ms later.
    s().pollSucceeded('hv1', hv('hv1', 101, 2));
    builtAfter(s, 200);
    expect(s().workloads.some((w) => w.prefix === '198.51.100.101/32')).toBe(true);
    // The same poll again (nothing moved): no build.
    const index = s().workloads;
    s().pollSucceeded('hv1', { ...s().devices['hv1']!.snapshot!, collectedAt: 3 });
    expect(s().indexPending).toBe(false);
    expect(s().workloads).toBe(index);
    // Every host moves at once (a fleet restarting): one build 200 ms later for all of them…
    hosts.forEach((h, i) => s().pollSucceeded(h, hv(h, i + 201, 4)));
    vi.advanceTimersByTime(200);
    expect(s().indexPending).toBe(false);
    expect(s().workloads.map((w) => w.prefix)).toContain('198.51.100.212/32');
    // …and the moves after such a burst wait the time the last build earned (here 2 s), until the
    // allowance refills (one a second).
    s().pollSucceeded('hv2', hv('hv2', 150, 5));
    vi.advanceTimersByTime(200);
    expect(s().indexPending).toBe(true);
    vi.runAllTimers();
    expect(s().workloads.map((w) => w.prefix)).toContain('198.51.100.150/32');
    vi.advanceTimersByTime(10_000);
    s().pollSucceeded('hv3', hv('hv3', 160, 6));
    vi.advanceTimersByTime(200);
    expect(s().indexPending).toBe(false);
    expect(s().workloads.map((w) => w.prefix)).toContain('198.51.100.160/32');
  });
});

describe('incremental sort', () => {
  // A deterministic pseudo-random sequence (no Math.random in tests).
  function lcg(seed: number) {
    let x = seed;
    return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  }

  const collator = new Intl.Collator('en', { numeric: true });
  const fullSort = (entries: { tenant: string | null; prefix: string; vrf: string }[]) =>
    [...entries]
      .sort(
        (a, b) =>
          collator.compare(a.tenant ?? '~', b.tenant ?? '~') ||
          collator.compare(a.prefix, b.prefix) ||
          collator.compare(a.vrf, b.vrf),
      )
      .map((e) => `${e.vrf}|${e.prefix}`);

  it('gives the order of a full sort by tenant, prefix (numeric-aware), vrf after every build', () => {
    const next = lcg(7);
    const pool = [
      ...Array.from({ length: 60 }, (_, n) => v4('198.51.100', n + 1)),
      ...Array.from({ length: 60 }, (_, n) => v4('203.0.113', n + 1)),
      ...Array.from({ length: 40 }, (_, n) => `2001:db8:a:${n.toString(16)}::/64`),
      ...Array.from({ length: 20 }, (_, n) => v4('192.0.2', n + 1)), // in no tenant pool
    ];
    const tenants = [...TENANTS];
    let present = new Set(pool.filter(() => next() < 0.5));
    for (let build = 0; build < 12; build++) {
      const devices: IndexedDevice[] = ['hv1', 'hv2'].map((host, h) => ({
        spec: spec(host, 'hypervisor'),
        snapshot: snapshot(host, {
          workloadRoutes: [...present].filter((_, i) => i % 2 === h).map((p) => route(host, p)),
          at: build,
        }),
        health: 'ok',
        consecutiveFailures: 0,
      }));
      const index = buildWorkloadIndex(devices, tenants);
      expect(index.map((e) => `${e.vrf}|${e.prefix}`)).toEqual(fullSort(index));
      expect(index).toHaveLength(present.size);
      // Next build: drop some, add some (a few, or many on some builds).
      const churn = build % 4 === 3 ? 0.5 : 0.05;
      present = new Set(pool.filter((p) => (present.has(p) ? next() > churn : next() < churn)));
    }
  });
});
