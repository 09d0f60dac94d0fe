/**
 * The workload index when a few hosts' workload routes changed (issue 16: a migration or a new workload
 * at 1,000 hosts must not rebuild 100k entries): only the entries of the prefixes those hosts announced
 * or announce are rebuilt, the others are the same objects, and what it returns is exactly what a build
 * from scratch returns — through moves, additions, removals, a prefix announced by two hosts at once,
 * and router tables changing at the same time.
 */
import { describe, expect, it } from 'vitest';
import type { Route } from '../../src/model/route.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import type { TenantSpec, WorkloadRoute } from '../../src/model/workload.ts';
import {
  buildWorkloadIndex,
  type IndexedDevice,
  type WorkloadEntry,
} from '../../src/state/workload-index.ts';
import { bgpRoute, deviceSpec, session, snapshot } from '../helpers/snapshots.ts';

const TENANTS: TenantSpec[] = [
  { name: 'acme', vrf: 'blue', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] },
  { name: 'globex', pools4: ['203.0.113.0/24'], pools6: ['2001:db8:b::/48'] },
];
const HOSTS = ['hv1', 'hv2', 'hv3', 'hv4', 'hv5', 'hv6'];
// Workload prefixes: blue (acme) v4/v6, default (globex) v4, and some in no pool.
const POOL: { vrf: string; prefix: string }[] = [
  ...Array.from({ length: 30 }, (_, n) => ({ vrf: 'blue', prefix: `198.51.100.${n + 1}/32` })),
  ...Array.from({ length: 20 }, (_, n) => ({ vrf: 'blue', prefix: `2001:db8:a:${n.toString(16)}::/64` })),
  ...Array.from({ length: 30 }, (_, n) => ({ vrf: 'default', prefix: `203.0.113.${n + 1}/32` })),
  ...Array.from({ length: 6 }, (_, n) => ({ vrf: 'default', prefix: `192.0.2.${n + 1}/32` })),
];
const key = (p: { vrf: string; prefix: string }) => `${p.vrf}|${p.prefix}`;

function lcg(seed: number) {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const tap = (host: string, p: { vrf: string; prefix: string }): WorkloadRoute => ({
  host,
  vrf: p.vrf,
  family: p.prefix.includes(':') ? 6 : 4,
  prefix: p.prefix,
  interface: `tap-${p.prefix.replace(/[^0-9a-f]/g, '')}`,
  metric: 0,
  protocol: 'kernel',
});
const peers = HOSTS.map((host, i) => session('rr', `swp${i + 1}`, 'Established', { hostname: host }));

/** Everything an engineer sees of an entry. */
const shown = (index: readonly WorkloadEntry[]) =>
  index.map(
    (e) =>
      `${e.tenant} ${e.vrf} ${e.prefix} [${e.announcers.map((a) => `${a.host}:${a.interface}`).join(',')}] ` +
      `${e.seenBy.map((v) => `${v.router}→${v.nexthops[0]?.viaHost ?? '?'}${v.selected ? '' : '(not selected)'}`).join(',')} ` +
      `{${e.conflicts.join('; ')}}`,
  );

describe('workload index when a few hosts changed', () => {
  /** `joins`: the step each router is first read at (null before: a starting console reads them in turn). */
  const scenario = (seed: number, failures: boolean, joins: { rr?: number; rr2?: number } = {}) => {
    const next = lcg(seed);
    // Hosts that cannot be read now (their last routes stay; routers' routes via them are inferred).
    const failing = new Map<string, 'unreachable' | 'degraded'>();
    // Hosts not polled yet (a console starting): no snapshot at all until their first poll.
    const unpolled = new Set(failures ? HOSTS.slice(-2) : []);
    // Which hosts announce each prefix (usually one; sometimes two, as in the middle of a move).
    const owners = new Map<string, string[]>();
    for (const p of POOL) if (next() < 0.6) owners.set(key(p), [HOSTS[Math.floor(next() * HOSTS.length)]!]);
    let hostRoutes = new Map<string, WorkloadRoute[]>();
    const renderHosts = (changed: Set<string> | null) => {
      const fresh = new Map<string, WorkloadRoute[]>();
      for (const host of HOSTS) {
        if (changed && !changed.has(host)) {
          fresh.set(host, hostRoutes.get(host)!);
          continue;
        }
        fresh.set(
          host,
          POOL.filter((p) => owners.get(key(p))?.includes(host)).map((p) => tap(host, p)),
        );
      }
      hostRoutes = fresh;
    };
    renderHosts(null);
    const routerTable = (lagging: Set<string>): Route[] =>
      POOL.flatMap((p) => {
        const first = owners.get(key(p))?.[0];
        if (!first || lagging.has(key(p))) return [];
        return [bgpRoute(p.prefix, `swp${HOSTS.indexOf(first) + 1}`, { vrf: p.vrf })];
      });
    let router: DeviceSnapshot | null =
      joins.rr === undefined ? snapshot('rr', { bgp: peers, routes: routerTable(new Set()) }) : null;
    let router2: DeviceSnapshot | null =
      joins.rr2 === undefined ? snapshot('rr2', { bgp: peers, routes: routerTable(new Set()) }) : null;
    const devices = (): IndexedDevice[] => [
      { spec: deviceSpec('rr', 'router'), snapshot: router, health: 'ok', consecutiveFailures: 0 },
      { spec: deviceSpec('rr2', 'router'), snapshot: router2, health: 'ok', consecutiveFailures: 0 },
      ...HOSTS.map((host): IndexedDevice => ({
        spec: deviceSpec(host, 'hypervisor'),
        snapshot: unpolled.has(host)
          ? null
          : { ...snapshot(host, { at: 1 }), workloadRoutes: hostRoutes.get(host)! },
        health: failing.get(host) ?? 'ok',
        consecutiveFailures: failing.has(host) ? 1 : 0,
      })),
    ];
    const tenants = [...TENANTS];
    let before = buildWorkloadIndex(devices(), tenants);
    let unchangedRouterSteps = 0;
    for (let step = 0; step < 40; step++) {
      // One to three hosts change: a move (withdrawn on one, announced on another), a new or removed
      // workload, or a prefix announced from two hosts at once.
      const changed = new Set<string>();
      const changes = 1 + Math.floor(next() * 3);
      const touched = new Set<string>();
      for (let c = 0; c < changes; c++) {
        const p = POOL[Math.floor(next() * POOL.length)]!;
        const host = HOSTS[Math.floor(next() * HOSTS.length)]!;
        const now = owners.get(key(p)) ?? [];
        const kind = next();
        let after: string[];
        if (now.length === 0) after = [host];
        else if (kind < 0.4)
          after = [host]; // moved
        else if (kind < 0.7)
          after = now.includes(host) ? now : [...now, host]; // announced twice
        else after = []; // removed
        for (const h of new Set([...now, ...after])) changed.add(h);
        if (after.length === 0) owners.delete(key(p));
        else owners.set(key(p), after);
        touched.add(key(p));
      }
      renderHosts(changed);
      // A host polled for the first time.
      if (unpolled.size > 0 && next() < 0.2) {
        const host = [...unpolled][0]!;
        unpolled.delete(host);
        changed.add(host);
      }
      // A host that cannot be read now, or can again (its routes as they were).
      if (failures && next() < 0.4) {
        const host = HOSTS[Math.floor(next() * HOSTS.length)]!;
        if (failing.has(host)) failing.delete(host);
        else failing.set(host, next() < 0.5 ? 'unreachable' : 'degraded');
        changed.add(host);
      }
      // Routers follow on some steps (sometimes still lacking a changed prefix), not on others.
      const lagging = new Set([...touched].filter(() => next() < 0.3));
      const routerChanged = router === null ? step === joins.rr : next() < 0.5;
      if (routerChanged) router = snapshot('rr', { bgp: peers, routes: routerTable(lagging) });
      const router2Changed = router2 === null ? step === joins.rr2 : next() < 0.3;
      if (router2Changed) router2 = snapshot('rr2', { bgp: peers, routes: routerTable(new Set()) });
      const after = buildWorkloadIndex(devices(), tenants);
      const scratch = buildWorkloadIndex(
        devices(),
        TENANTS.map((t) => ({ ...t })),
      );
      expect(shown(after), `step ${step}`).toEqual(shown(scratch));
      // Router unchanged: the entries of untouched prefixes are the last build's objects (a full build
      // would have made every entry again).
      if (!routerChanged && !router2Changed) {
        const last = new Map(before.map((e) => [key(e), e]));
        // Rebuilt: at most the prefixes of the hosts that changed (a host's few dozen workloads).
        const ofChanged = (e: WorkloadEntry | undefined) =>
          e?.announcers.some((a) => changed.has(a.host)) ?? false;
        const kept = after.filter(
          (e) => !touched.has(key(e)) && !ofChanged(e) && !ofChanged(last.get(key(e))),
        );
        expect(kept.length).toBeGreaterThan(0);
        expect(
          kept.every((e) => last.get(key(e)) === e),
          `step ${step}`,
        ).toBe(true);
        unchangedRouterSteps++;
      }
      before = after;
    }
    return unchangedRouterSteps;
  };

  it('equals a build from scratch after every change, and keeps the entries no change touched', () => {
    expect(scenario(11, false)).toBeGreaterThan(8);
  });

  it('the same while hosts cannot be read and can again (routes via them inferred from the routers)', () => {
    for (const seed of [3, 5, 17]) expect(scenario(seed, true)).toBeGreaterThan(5);
  });

  it('routers read for the first time one after the other (a starting console): each join equals a build from scratch', () => {
    // rr2 first, then rr (before it in device order), while hosts cannot be read; and rr then rr2.
    for (const seed of [3, 5, 17]) {
      expect(scenario(seed, true, { rr2: 4, rr: 12 })).toBeGreaterThan(3);
      expect(scenario(seed, true, { rr: 2, rr2: 9 })).toBeGreaterThan(3);
    }
    expect(scenario(11, false, { rr2: 6 })).toBeGreaterThan(3);
  });

  it('routers joining while hosts are unread, go down or are first read: each join equals a build from scratch', () => {
    // Three routers that disagree: ECMP over two hosts, a prefix one router lacks, prefixes only routers
    // know (their hosts cannot be read); joined last-first, so a join lands between routers in order.
    const ROUTERS = ['rr', 'rr2', 'rr3'];
    const hopsOf = new Map<string, Map<string, string[]>>();
    const next = lcg(29);
    for (const r of ROUTERS) {
      const table = new Map<string, string[]>();
      for (const p of POOL) {
        const roll = next();
        if (roll < 0.15) continue; // this router has no route for it
        const first = HOSTS[Math.floor(next() * HOSTS.length)]!;
        const second = HOSTS[Math.floor(next() * HOSTS.length)]!;
        table.set(key(p), roll < 0.45 && second !== first ? [first, second] : [first]);
      }
      hopsOf.set(r, table);
    }
    const routerSnap = (r: string) =>
      snapshot(r, {
        bgp: HOSTS.map((host, i) => session(r, `swp${i + 1}`, 'Established', { hostname: host })),
        routes: POOL.flatMap((p) => {
          const hops = hopsOf.get(r)!.get(key(p));
          if (!hops) return [];
          const swp = (h: string) => `swp${HOSTS.indexOf(h) + 1}`;
          return [
            bgpRoute(p.prefix, swp(hops[0]!), {
              vrf: p.vrf,
              nexthops: hops.map((h) => ({ ip: 'fe80::1', interface: swp(h), active: true })),
            }),
          ];
        }),
      });
    // hv1, hv2 read (each announces a third of the prefixes); hv3 down; hv4–hv6 not polled yet.
    const announced = (host: string) =>
      POOL.filter((_, n) => n % 3 === HOSTS.indexOf(host)).map((p) => tap(host, p));
    // Read once: between joins every host's routes and every joined router's table are the same objects.
    const routerSnaps = new Map(ROUTERS.map((r) => [r, routerSnap(r)]));
    const hostSnaps = HOSTS.map((host, i) =>
      i < 3 ? { ...snapshot(host, { at: 1 }), workloadRoutes: i < 2 ? announced(host) : [] } : null,
    );
    const unreachable = new Set(['hv3']);
    const joined = new Set<string>();
    const devices = (): IndexedDevice[] => [
      ...ROUTERS.map((r): IndexedDevice => ({
        spec: deviceSpec(r, 'router'),
        snapshot: joined.has(r) ? routerSnaps.get(r)! : null,
        health: 'ok',
        consecutiveFailures: 0,
      })),
      ...HOSTS.map((host, i): IndexedDevice => ({
        spec: deviceSpec(host, 'hypervisor'),
        snapshot: hostSnaps[i]!,
        health: unreachable.has(host) ? 'unreachable' : 'ok',
        consecutiveFailures: unreachable.has(host) ? 1 : 0,
      })),
    ];
    const withSources = (index: readonly WorkloadEntry[]) =>
      index.map(
        (e, n) => `${shown(index)[n]} ${e.announcers.map((a) => `${a.source}/${a.hostProblem}`).join(',')}`,
      );
    const tenants = [...TENANTS];
    let before = buildWorkloadIndex(devices(), tenants);
    let grew = 0;
    let reinferred = 0;
    // rr3 alone; rr as hv2 goes down (its last routes stay); rr2 as hv4 is first read.
    const alongside: Record<string, () => void> = {
      rr3: () => undefined,
      rr: () => unreachable.add('hv2'),
      rr2: () => {
        hostSnaps[3] = {
          ...snapshot('hv4', { at: 1 }),
          workloadRoutes: POOL.filter((_, n) => n % 7 === 0).map((p) => tap('hv4', p)),
        };
      },
    };
    for (const r of ['rr3', 'rr', 'rr2']) {
      joined.add(r);
      alongside[r]!();
      const after = buildWorkloadIndex(devices(), tenants);
      const scratch = buildWorkloadIndex(
        devices(),
        TENANTS.map((t) => ({ ...t })),
      );
      expect(withSources(after), `${r} joined`).toEqual(withSources(scratch));
      // Not trivially so: the join added entries (routes via unread hosts) and changed inferred announcers.
      if (after.length > before.length) grew++;
      const last = new Map(before.map((e) => [key(e), e]));
      for (const e of after) {
        const was = last
          .get(key(e))
          ?.announcers.map((a) => a.host)
          .join(',');
        if (was !== undefined && was !== e.announcers.map((a) => a.host).join(',')) reinferred++;
      }
      before = after;
    }
    expect(grew).toBeGreaterThan(0);
    expect(reinferred).toBeGreaterThan(0);
  });

  it('routers that disagree about unread hosts: their guesses in router order, then hop order, as a full build gives', () => {
    const p = { vrf: 'default', prefix: '203.0.113.7/32' };
    const hop = (swp: string) => ({ ip: 'fe80::1', interface: swp, active: true });
    // rr routes it over hv4 then hv3 (ECMP), rr2 over hv2; none of the three can be read.
    const rr = snapshot('rr', {
      bgp: peers,
      routes: [bgpRoute(p.prefix, 'swp4', { nexthops: [hop('swp4'), hop('swp3')] })],
    });
    const rr2peers = HOSTS.map((host, i) => session('rr2', `swp${i + 1}`, 'Established', { hostname: host }));
    const rr2 = snapshot('rr2', { bgp: rr2peers, routes: [bgpRoute(p.prefix, 'swp2')] });
    const routerDevice = (name: string, snap: DeviceSnapshot): IndexedDevice => ({
      spec: deviceSpec(name, 'router'),
      snapshot: snap,
      health: 'ok',
      consecutiveFailures: 0,
    });
    const host = (name: string, routes: WorkloadRoute[] | null): IndexedDevice => ({
      spec: deviceSpec(name, 'hypervisor'),
      snapshot: routes ? { ...snapshot(name, { at: 1 }), workloadRoutes: routes } : null,
      health: routes ? 'ok' : 'unreachable',
      consecutiveFailures: routes ? 0 : 1,
    });
    const devices = (hv1: WorkloadRoute[]) => [
      routerDevice('rr2', rr2),
      routerDevice('rr', rr),
      host('hv1', hv1),
      host('hv2', null),
      host('hv3', null),
      host('hv4', null),
    ];
    const tenants = [...TENANTS];
    buildWorkloadIndex(devices([]), tenants);
    // hv1 (readable) announces it too: a delta build of that prefix.
    const delta = buildWorkloadIndex(devices([tap('hv1', p)]), tenants);
    const scratch = buildWorkloadIndex(
      devices([tap('hv1', p)]),
      TENANTS.map((t) => ({ ...t })),
    );
    expect(shown(delta)).toEqual(shown(scratch));
    expect(delta.find((e) => e.prefix === p.prefix)!.announcers.map((a) => `${a.host}:${a.source}`)).toEqual([
      'hv1:host',
      'hv2:routers',
      'hv4:routers',
      'hv3:routers',
    ]);
  });

  it('a host whose last poll failed meanwhile: a full build, its workloads flagged', () => {
    const hv1 = [tap('hv1', { vrf: 'default', prefix: '203.0.113.1/32' })];
    const hv2 = [tap('hv2', { vrf: 'default', prefix: '203.0.113.2/32' })];
    const router = snapshot('rr', {
      bgp: peers,
      routes: [bgpRoute('203.0.113.1/32', 'swp1'), bgpRoute('203.0.113.2/32', 'swp2')],
    });
    const device = (host: string, routes: WorkloadRoute[], failures = 0): IndexedDevice => ({
      spec: deviceSpec(host, 'hypervisor'),
      snapshot: { ...snapshot(host, { at: 1 }), workloadRoutes: routes },
      health: failures > 0 ? 'unreachable' : 'ok',
      consecutiveFailures: failures,
    });
    const r: IndexedDevice = {
      spec: deviceSpec('rr', 'router'),
      snapshot: router,
      health: 'ok',
      consecutiveFailures: 0,
    };
    const tenants = [...TENANTS];
    buildWorkloadIndex([r, device('hv1', hv1), device('hv2', hv2)], tenants);
    const after = buildWorkloadIndex([r, device('hv1', []), device('hv2', hv2, 1)], tenants);
    // hv1 withdrew its workload (readable: nothing inferred for it); hv2's is kept, flagged.
    expect(after.map((e) => e.prefix)).toEqual(['203.0.113.2/32']);
    expect(after[0]!.announcers[0]!.hostProblem).toBe('host unreachable');
    expect(after[0]!.conflicts).toContain('host hv2 unreachable — routers still route it via hv2');
  });
});
