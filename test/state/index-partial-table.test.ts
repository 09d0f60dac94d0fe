/**
 * A router poll that re-read one VRF/family table (issue 16) gives a table built on the last one.
 * The workload index keeps what it derived from the tables that were kept row for row and looks up
 * again only in the table that was read — and what it shows is what a build from scratch shows.
 */
import { describe, expect, it, vi } from 'vitest';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import { CompactRouteTable } from '../../src/model/compact-route-table.ts';
import { addReplacing, withPrefixAnswer } from '../../src/model/route-answer.ts';
import type { Route } from '../../src/model/route.ts';
import type { RouteTable } from '../../src/model/route-table.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import type { TenantSpec, WorkloadRoute } from '../../src/model/workload.ts';
import {
  buildWorkloadIndex,
  lastIndexBuildLooked,
  type IndexedDevice,
} from '../../src/state/workload-index.ts';
import { bgpRoute, deviceSpec, session, snapshot } from '../helpers/snapshots.ts';

const TENANTS: TenantSpec[] = [
  { name: 'acme', vrf: 'blue', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] },
  { name: 'globex', pools4: ['203.0.113.0/24'], pools6: ['2001:db8:b::/48'] },
];
const tap = (host: string, vrf: string, prefix: string): WorkloadRoute => ({
  host,
  vrf,
  family: prefix.includes(':') ? 6 : 4,
  prefix,
  interface: `tap${prefix.length}`,
  metric: 0,
  protocol: 'kernel',
});
// Host workloads: blue v4/v6 and default v4, on hv1 and hv2.
const workloads = {
  hv1: [
    tap('hv1', 'blue', '198.51.100.1/32'),
    tap('hv1', 'blue', '2001:db8:a:1::/64'),
    tap('hv1', 'default', '203.0.113.1/32'),
  ],
  hv2: [tap('hv2', 'blue', '198.51.100.2/32'), tap('hv2', 'default', '203.0.113.2/32')],
};
const via = (prefix: string, iface: string, vrf: string): Route => bgpRoute(prefix, iface, { vrf });
const peers = [
  session('rr', 'swp1', 'Established', { hostname: 'hv1' }),
  session('rr', 'swp2', 'Established', { hostname: 'hv2' }),
];
const rows = (blueV4: Route[]): Route[] => [
  ...blueV4,
  via('2001:db8:a:1::/64', 'swp1', 'blue'),
  via('203.0.113.1/32', 'swp1', 'default'),
  via('203.0.113.2/32', 'swp2', 'default'),
];
const hosts = (): IndexedDevice[] =>
  (['hv1', 'hv2'] as const).map((name) => ({
    spec: deviceSpec(name, 'hypervisor'),
    snapshot: snapshot(name, { workloadRoutes: workloads[name] }),
    health: 'ok',
    consecutiveFailures: 0,
  }));
const routerDevice = (snap: DeviceSnapshot): IndexedDevice => ({
  spec: deviceSpec('rr', 'router'),
  snapshot: snap,
  health: 'ok',
  consecutiveFailures: 0,
});
/** What the last poll kept plus the blue IPv4 table read again, as frr-state.ts builds it. */
function reread(last: DeviceSnapshot, blueV4: Route[]): DeviceSnapshot {
  const builder = new CompactRouteTableBuilder();
  builder.addFrom(last.routes, (vrf, family) => !(vrf === 'blue' && family === 4));
  for (const r of blueV4) builder.add(r);
  const routes = builder.finish();
  expect(routes.basis?.table.deref()).toBe(last.routes);
  return { ...last, routes, collectedAt: last.collectedAt + 2000 };
}
/** The router's answer for one blue prefix (now via `iface`), `later` ms after its first poll. */
const answerOn = (first: DeviceSnapshot, prefix: string, iface: string, later: number) =>
  withPrefixAnswer(first.routes, 'blue', prefix, [via(prefix, iface, 'blue')], first.collectedAt + later)!;
/** What a build from scratch (another tenant list: no last build to start from) shows. */
const fromScratch = (router: DeviceSnapshot, fixed: IndexedDevice[]) =>
  shown(
    buildWorkloadIndex(
      [routerDevice(router), ...fixed],
      TENANTS.map((t) => ({ ...t })),
    ),
  );
/** The router's first poll (blue .1 via hv1, .2 via hv2) indexed with the hosts: where most cases start. */
function indexedFirst() {
  const fixed = hosts();
  const first = snapshot('rr', {
    bgp: peers,
    routes: rows([via('198.51.100.1/32', 'swp1', 'blue'), via('198.51.100.2/32', 'swp2', 'blue')]),
  });
  const before = buildWorkloadIndex([routerDevice(first), ...fixed], TENANTS);
  return { fixed, first, before };
}
const shown = (index: ReturnType<typeof buildWorkloadIndex>) =>
  index.map(
    (e) =>
      `${e.vrf} ${e.prefix} ${e.seenBy.map((v) => `${v.router}→${v.nexthops[0]?.viaHost ?? '?'}`).join(',')}`,
  );

describe('workload index after a partial route read', () => {
  it('a /32 moved in one VRF: its new host is shown; the other tables’ views are the same objects', () => {
    const first = snapshot('rr', {
      bgp: peers,
      routes: rows([via('198.51.100.1/32', 'swp1', 'blue'), via('198.51.100.2/32', 'swp2', 'blue')]),
    });
    const before = buildWorkloadIndex([routerDevice(first), ...hosts()], TENANTS);
    expect(shown(before)).toContain('blue 198.51.100.1/32 rr→hv1');

    // 198.51.100.1 now routed via hv2 (the workload moved); blue IPv4 alone is read again.
    const moved = reread(first, [
      via('198.51.100.1/32', 'swp2', 'blue'),
      via('198.51.100.2/32', 'swp2', 'blue'),
    ]);
    const after = buildWorkloadIndex([routerDevice(moved), ...hosts()], TENANTS);
    const scratch = buildWorkloadIndex(
      [routerDevice({ ...moved, routes: snapshot('rr', { routes: [...moved.routes] }).routes }), ...hosts()],
      TENANTS,
    );
    expect(shown(after)).toEqual(shown(scratch));
    expect(shown(after)).toContain('blue 198.51.100.1/32 rr→hv2');
    const view = (index: typeof before, prefix: string) => index.find((e) => e.prefix === prefix)!.seenBy[0];
    // Kept tables: carried over, not looked up again. The re-read table: looked up again — a prefix that
    // reads the same is the same view (views are interned per router), so its entry is not built again;
    // the moved one is a new view.
    expect(view(after, '203.0.113.1/32')).toBe(view(before, '203.0.113.1/32'));
    expect(view(after, '2001:db8:a:1::/64')).toBe(view(before, '2001:db8:a:1::/64'));
    expect(view(after, '198.51.100.2/32')).toBe(view(before, '198.51.100.2/32'));
    expect(after.find((e) => e.prefix === '198.51.100.2/32')).toBe(
      before.find((e) => e.prefix === '198.51.100.2/32'),
    );
    expect(view(after, '198.51.100.1/32')).not.toBe(view(before, '198.51.100.1/32'));
    expect(view(after, '198.51.100.1/32')?.nexthops[0]?.viaHost).toBe('hv2');
  });

  it('peers changed meanwhile (a hostname): nothing is carried over, every view names the new owner', () => {
    const first = snapshot('rr', {
      bgp: peers,
      routes: rows([via('198.51.100.1/32', 'swp1', 'blue'), via('198.51.100.2/32', 'swp2', 'blue')]),
    });
    buildWorkloadIndex([routerDevice(first), ...hosts()], TENANTS);
    const renamed = {
      ...reread(first, [via('198.51.100.1/32', 'swp1', 'blue'), via('198.51.100.2/32', 'swp2', 'blue')]),
      bgp: [session('rr', 'swp1', 'Established', { hostname: 'hv1-new' }), peers[1]!],
    };
    const after = buildWorkloadIndex([routerDevice(renamed), ...hosts()], TENANTS);
    expect(shown(after)).toContain('default 203.0.113.1/32 rr→hv1-new');
    expect(shown(after)).toContain('blue 2001:db8:a:1::/64 rr→hv1-new');
  });
});

describe('workload index when only a router changed', () => {
  const full = (index: ReturnType<typeof buildWorkloadIndex>) =>
    index.map(
      (e) =>
        `${e.tenant} ${e.vrf} ${e.prefix} [${e.announcers.map((a) => a.host).join(',')}] ` +
        `${e.seenBy.map((v) => `${v.router}→${v.nexthops[0]?.viaHost ?? '?'}`).join(',')} {${e.conflicts.join('; ')}}`,
    );

  it('rebuilds the entries whose view moved, keeps the others (same objects), and equals a build from scratch', () => {
    const { fixed, first, before } = indexedFirst();
    // 198.51.100.1 routed via hv2 and 198.51.100.2 gone from the router: two entries change.
    const moved = reread(first, [via('198.51.100.1/32', 'swp2', 'blue')]);
    const after = buildWorkloadIndex([routerDevice(moved), ...fixed], TENANTS);
    const scratch = buildWorkloadIndex(
      [routerDevice(moved), ...fixed],
      TENANTS.map((t) => ({ ...t })),
    );
    expect(full(after)).toEqual(full(scratch));
    const at = (index: typeof before, prefix: string) => index.find((e) => e.prefix === prefix)!;
    expect(at(after, '198.51.100.1/32').seenBy[0]?.nexthops[0]?.viaHost).toBe('hv2');
    expect(at(after, '198.51.100.2/32').conflicts).toContain('not seen by rr');
    expect(at(after, '203.0.113.1/32')).toBe(at(before, '203.0.113.1/32'));
    expect(at(after, '198.51.100.1/32')).not.toBe(at(before, '198.51.100.1/32'));
    // Nothing changed since: the same list.
    expect(buildWorkloadIndex([routerDevice(moved), ...fixed], TENANTS)).toBe(after);

    // A host changed (a new workload): a full build, still right.
    const grown = fixed.map((d) =>
      d.spec.name === 'hv1'
        ? {
            ...d,
            snapshot: snapshot('hv1', {
              workloadRoutes: [...workloads.hv1, tap('hv1', 'default', '203.0.113.9/32')],
            }),
          }
        : d,
    );
    const third = buildWorkloadIndex([routerDevice(moved), ...grown], TENANTS);
    expect(full(third)).toEqual(
      full(
        buildWorkloadIndex(
          [routerDevice(moved), ...grown],
          TENANTS.map((t) => ({ ...t })),
        ),
      ),
    );
    expect(at(third, '203.0.113.9/32').conflicts).toContain('not seen by rr');
  });

  it('two router polls between builds (a table re-read by the first, kept by the second): equals a build from scratch', () => {
    const { fixed, first, before } = indexedFirst();
    // Poll 2 re-reads blue IPv4 (198.51.100.1 moved to hv2); no build runs (deferred).
    const second = reread(first, [
      via('198.51.100.1/32', 'swp2', 'blue'),
      via('198.51.100.2/32', 'swp2', 'blue'),
    ]);
    buildWorkloadIndex(
      [routerDevice(second), ...fixed],
      TENANTS.map((t) => ({ ...t })),
    );
    // Poll 3 re-reads default IPv4 only, keeping blue IPv4 from poll 2.
    const builder = new CompactRouteTableBuilder();
    builder.addFrom(second.routes, (vrf, family) => !(vrf === 'default' && family === 4));
    builder.add(via('203.0.113.1/32', 'swp1', 'default'));
    builder.add(via('203.0.113.2/32', 'swp2', 'default'));
    const third = { ...second, routes: builder.finish(), collectedAt: second.collectedAt + 2000 };
    const after = buildWorkloadIndex([routerDevice(third), ...fixed], TENANTS);
    expect(shown(after)).toContain('blue 198.51.100.1/32 rr→hv2');
    expect(shown(after)).toEqual(
      shown(
        buildWorkloadIndex(
          [routerDevice(third), ...fixed],
          TENANTS.map((t) => ({ ...t })),
        ),
      ),
    );
    expect(shown(before)).toContain('blue 198.51.100.1/32 rr→hv1');
  });
});

describe('workload index after a router answered for one prefix, or a poll read a delta', () => {
  const lookups = () => {
    const asked: string[] = [];
    const original = CompactRouteTable.prototype.selectedRowOf;
    const spy = vi.spyOn(CompactRouteTable.prototype, 'selectedRowOf').mockImplementation(function (
      this: CompactRouteTable,
      prefix: string,
      vrf?: string,
    ) {
      asked.push(`${vrf} ${prefix}`);
      return original.call(this, prefix, vrf);
    });
    return { asked, restore: () => spy.mockRestore() };
  };

  it('a migration’s answer: only that prefix is looked up again, the index equals a build from scratch', () => {
    const { fixed, first, before } = indexedFirst();
    // The router says 198.51.100.1 is now via hv2 (the verification's answer, put into its table).
    const answered = answerOn(first, '198.51.100.1/32', 'swp2', 1000);
    expect(answered.basis?.changed?.('blue', 4)).toContain('198.51.100.1/32');
    const spy = lookups();
    let after: ReturnType<typeof buildWorkloadIndex>;
    try {
      after = buildWorkloadIndex([routerDevice({ ...first, routes: answered }), ...fixed], TENANTS);
    } finally {
      spy.restore();
    }
    expect(spy.asked).toEqual(['blue 198.51.100.1/32']);
    expect(shown(after)).toContain('blue 198.51.100.1/32 rr→hv2');
    expect(shown(after)).toEqual(fromScratch({ ...first, routes: answered }, fixed));
    const at = (index: typeof before, prefix: string) => index.find((e) => e.prefix === prefix)!;
    expect(at(after, '198.51.100.2/32')).toBe(at(before, '198.51.100.2/32'));
  });

  it('a poll that read before an answer the index showed (both built on one table): only what either replaced is looked at', () => {
    const { fixed, first } = indexedFirst();
    // The answer for .1 (via hv2) is shown; then a table built on the first one, not on the answer,
    // with .2 replaced (via hv1) — as keepAnswers names a poll's table that started before the answer.
    const answered = answerOn(first, '198.51.100.1/32', 'swp2', 1000);
    const shownAnswer = buildWorkloadIndex([routerDevice({ ...first, routes: answered }), ...fixed], TENANTS);
    expect(shown(shownAnswer)).toContain('blue 198.51.100.1/32 rr→hv2');
    const sibling = answerOn(first, '198.51.100.2/32', 'swp1', 2000);
    expect(sibling.basis?.table.deref()).toBe(first.routes);
    const after = buildWorkloadIndex([routerDevice({ ...first, routes: sibling }), ...fixed], TENANTS);
    // .1 is via hv1 again in this table, .2 now via hv1: both looked at, nothing else (five entries).
    expect(lastIndexBuildLooked()).toBe(2);
    expect(shown(after)).toContain('blue 198.51.100.1/32 rr→hv1');
    expect(shown(after)).toContain('blue 198.51.100.2/32 rr→hv1');
    expect(shown(after)).toEqual(fromScratch({ ...first, routes: sibling }, fixed));
  });

  it('a delta that moves one prefix, then one that drops another: each looked up alone, shown as it is now', () => {
    const { fixed, first, before } = indexedFirst();
    // As frr-state.ts builds a poll's delta: the other tables kept, blue IPv4 with the listed prefixes replaced.
    const delta = (last: RouteTable, answers: Map<string, Route[]>) => {
      const builder = new CompactRouteTableBuilder();
      builder.addFrom(last, (vrf, family) => !(vrf === 'blue' && family === 4));
      addReplacing(builder, last, 'blue', 4, answers);
      return builder.finish();
    };
    const index = (routes: RouteTable) => {
      const spy = lookups();
      try {
        return {
          index: buildWorkloadIndex([routerDevice({ ...first, routes }), ...fixed], TENANTS),
          asked: spy.asked,
        };
      } finally {
        spy.restore();
      }
    };
    const moved = delta(
      first.routes,
      new Map([['198.51.100.1/32', [via('198.51.100.1/32', 'swp2', 'blue')]]]),
    );
    const second = index(moved);
    expect(second.asked).toEqual(['blue 198.51.100.1/32']);
    expect(shown(second.index)).toContain('blue 198.51.100.1/32 rr→hv2');
    const at = (list: typeof before, prefix: string) => list.find((e) => e.prefix === prefix)!;
    expect(at(second.index, '198.51.100.2/32')).toBe(at(before, '198.51.100.2/32'));

    const dropped = delta(moved, new Map([['198.51.100.2/32', []]]));
    const third = index(dropped);
    expect(third.asked).toEqual(['blue 198.51.100.2/32']);
    expect(at(third.index, '198.51.100.2/32').conflicts).toContain('not seen by rr');
    expect(shown(third.index)).toContain('blue 198.51.100.1/32 rr→hv2');
    expect(shown(third.index)).toEqual(
      shown(
        buildWorkloadIndex(
          [routerDevice({ ...first, routes: dropped }), ...fixed],
          TENANTS.map((t) => ({ ...t })),
        ),
      ),
    );
  });

  it('a table read afresh in the same poll is looked up whole (nothing said which prefixes moved)', () => {
    const { fixed, first } = indexedFirst();
    const builder = new CompactRouteTableBuilder();
    builder.addFrom(first.routes, (vrf, family) => !(vrf === 'blue' && family === 4) && vrf !== 'default');
    addReplacing(
      builder,
      first.routes,
      'blue',
      4,
      new Map([['198.51.100.1/32', [via('198.51.100.1/32', 'swp2', 'blue')]]]),
    );
    // default IPv4 read whole: 203.0.113.1 moved too, and no delta said so.
    builder.add(via('203.0.113.1/32', 'swp2', 'default'));
    builder.add(via('203.0.113.2/32', 'swp2', 'default'));
    const routes = builder.finish();
    expect(routes.basis?.changed?.('default', 4)).toBeUndefined();
    const after = buildWorkloadIndex([routerDevice({ ...first, routes }), ...fixed], TENANTS);
    expect(shown(after)).toContain('default 203.0.113.1/32 rr→hv2');
    expect(shown(after)).toContain('blue 198.51.100.1/32 rr→hv2');
    expect(shown(after)).toContain('blue 198.51.100.2/32 rr→hv2');
  });
});
