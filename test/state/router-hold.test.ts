/**
 * A starting console's routers join the workload index together (src/state/router-hold.ts): a large
 * table read while other routers' first polls are out is held from the index — the screen says so —
 * until those polls end (read or failed), JOIN_HOLD_MS pass, or a caller flushes the index; small
 * tables (a lab, the tests) join as they are read.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TenantSpec, WorkloadRoute } from '../../src/model/workload.ts';
import { JOIN_HOLD_MS } from '../../src/state/router-hold.ts';
import { createAppStore } from '../../src/state/store.ts';
import { bgpRoute, deviceSpec, snapshot } from '../helpers/snapshots.ts';
import { NOW } from '../components/fixtures.ts';
import { KEY, renderConsole, type Screen } from '../components/harness.ts';

const TENANTS: TenantSpec[] = [{ name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] }];
const PREFIXES = [1, 2, 3, 4].map((n) => `198.51.100.${n}/32`);

const route = (host: string, prefix: string): WorkloadRoute => ({
  host,
  vrf: 'default',
  family: 4,
  prefix,
  interface: `tap-${prefix.split('.')[3]!.split('/')[0]}`,
  metric: 0,
  protocol: 'kernel',
});

/** Routers rr1–rr3 and host hv1 announcing PREFIXES; tables of 4 routes count as large from `large` on. */
function fleet(large: number) {
  const store = createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices: ['rr1', 'rr2', 'rr3']
      .map((r) => deviceSpec(r, 'router'))
      .concat(deviceSpec('hv1', 'hypervisor')),
    tenants: TENANTS,
    indexDeferAbove: large,
  });
  const s = () => store.getState();
  s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: PREFIXES.map((p) => route('hv1', p)), at: 1 }));
  vi.runAllTimers();
  return Object.assign(s, { store });
}
const routerRead = (name: string, at: number) =>
  snapshot(name, { routes: PREFIXES.map((p) => bgpRoute(p, 'swp1')), at });
/** Which routers the index's entries are seen by (every entry the same here). */
const seenBy = (s: ReturnType<typeof fleet>) => [
  ...new Set(s().workloads.flatMap((w) => w.seenBy.map((v) => v.router))),
];

describe('routers joining the workload index at a fleet’s start', () => {
  afterEach(() => vi.useRealTimers());

  it('holds large first tables while other routers’ first polls are out, then joins them in one build', () => {
    vi.useFakeTimers();
    const s = fleet(4);
    s().pollSucceeded('rr1', routerRead('rr1', 2));
    vi.advanceTimersByTime(5_000);
    expect(seenBy(s)).toEqual([]);
    expect(s().routersHeld).toBe(1);
    expect(s().indexPending).toBe(true);
    // Its own state is in the store at once (the router's own views read it).
    expect(s().devices['rr1']!.snapshot!.routes.size).toBe(4);
    s().pollSucceeded('rr2', routerRead('rr2', 3));
    expect(s().routersHeld).toBe(2);
    const before = s().workloads;
    let builds = 0;
    const stop = s.store.subscribe((now, last) => void (now.workloads !== last.workloads && builds++));
    // The last one's first poll ends: all three join in the next build — one build, not three.
    s().pollSucceeded('rr3', routerRead('rr3', 4));
    vi.advanceTimersByTime(5_000);
    stop();
    expect(builds).toBe(1);
    expect(s().routersHeld).toBe(0);
    expect(s().workloads).not.toBe(before);
    expect(seenBy(s)).toEqual(['rr1', 'rr2', 'rr3']);
    expect(s().indexPending).toBe(false);
    expect(s().workloads.every((w) => w.conflicts.length === 0)).toBe(true);
  });

  it('a router whose first poll fails lets the held ones join; its absence is then a conflict', () => {
    vi.useFakeTimers();
    const s = fleet(4);
    s().pollSucceeded('rr1', routerRead('rr1', 2));
    s().pollSucceeded('rr2', routerRead('rr2', 3));
    expect(s().routersHeld).toBe(2);
    s().pollFailed('rr3', 'connect ECONNREFUSED 127.0.0.1:22', 4, 'unreachable');
    vi.advanceTimersByTime(5_000);
    expect(s().routersHeld).toBe(0);
    expect(seenBy(s)).toEqual(['rr1', 'rr2']);
  });

  it(`joins after ${JOIN_HOLD_MS / 1000} s whatever the others do, and at once when the index is flushed`, () => {
    vi.useFakeTimers();
    const s = fleet(4);
    s().pollSucceeded('rr1', routerRead('rr1', 2));
    vi.advanceTimersByTime(JOIN_HOLD_MS - 1);
    expect(seenBy(s)).toEqual([]);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(5_000);
    expect(seenBy(s)).toEqual(['rr1']);
    expect(s().routersHeld).toBe(0);
    // rr2 read while rr3 is still out: held again; a workflow's pollNow flushes the index.
    s().pollSucceeded('rr2', routerRead('rr2', 3));
    expect(s().routersHeld).toBe(1);
    s().flushIndex();
    expect(seenBy(s)).toEqual(['rr1', 'rr2']);
    expect(s().indexPending).toBe(false);
  });

  it('small tables join as they are read', () => {
    vi.useFakeTimers();
    const s = fleet(5);
    s().pollSucceeded('rr1', routerRead('rr1', 2));
    vi.advanceTimersByTime(5_000);
    expect(s().routersHeld).toBe(0);
    expect(seenBy(s)).toEqual(['rr1']);
  });
});

describe('the Workloads view while routers are held', () => {
  let screen: Screen | null = null;
  afterEach(async () => {
    await screen?.close();
    screen = null;
  });

  it('says how many routers wait to join and that the others’ first reads are awaited', async () => {
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: ['rr1', 'rr2'].map((r) => deviceSpec(r, 'router')).concat(deviceSpec('hv1', 'hypervisor')),
      tenants: TENANTS,
      indexDeferAbove: 4,
    });
    store
      .getState()
      .pollSucceeded(
        'hv1',
        snapshot('hv1', { workloadRoutes: PREFIXES.map((p) => route('hv1', p)), at: NOW }),
      );
    store.getState().flushIndex();
    store.getState().pollSucceeded('rr1', routerRead('rr1', NOW));
    screen = renderConsole({ store, now: () => NOW, cols: 140, rows: 30 });
    await screen.type(':', 'workloads', KEY.enter);
    await screen.waitForText(
      "1 router read, joining ROUTERS when the others' first reads end (at most 20 s)",
    );
    expect(screen.text()).toContain('198.51.100.1');
    // rr2 read: both join, the note goes.
    store.getState().pollSucceeded('rr2', routerRead('rr2', NOW));
    store.getState().flushIndex();
    await screen.waitFor((s) => !s.text().includes('joining ROUTERS'), 'the note gone');
    expect(store.getState().workloads.every((w) => w.seenBy.length === 2)).toBe(true);
  });
});
