/**
 * The workload index is rebuilt only when what it reads changed (issue 16): a hypervisor poll with the
 * same TAP routes, or a router poll whose driver held its tables, leaves the index as it was; a new
 * route, a failed poll and a recovered host rebuild it.
 */
import { describe, expect, it } from 'vitest';
import type { WorkloadRoute } from '../../src/model/workload.ts';
import { createAppStore } from '../../src/state/store.ts';
import { deviceSpec, snapshot } from '../helpers/snapshots.ts';

const spec = deviceSpec;

const route = (prefix: string, tap: string): WorkloadRoute => ({
  host: 'hv1',
  vrf: 'default',
  family: 4,
  prefix,
  interface: tap,
  metric: null,
  protocol: 'boot',
});

function setup() {
  return createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices: [spec('hv1', 'hypervisor'), spec('rtr1', 'router')],
    tenants: [{ name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] }],
  });
}

describe('workload index rebuilds', () => {
  it('not for a poll that changed nothing it reads; yes for a new route, a failure and the recovery', () => {
    const store = setup();
    const s = () => store.getState();
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: [route('198.51.100.1/32', 'tap-a')], at: 1 }));
    const first = s().workloads;
    expect(first.map((w) => w.prefix)).toEqual(['198.51.100.1/32']);
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: [route('198.51.100.1/32', 'tap-a')], at: 2 }));
    expect(s().workloads).toBe(first);
    expect(s().devices.hv1!.snapshot!.collectedAt).toBe(2);

    s().pollSucceeded(
      'hv1',
      snapshot('hv1', {
        workloadRoutes: [route('198.51.100.1/32', 'tap-a'), route('198.51.100.2/32', 'tap-b')],
        at: 3,
      }),
    );
    expect(s().workloads.map((w) => w.prefix)).toEqual(['198.51.100.1/32', '198.51.100.2/32']);

    const before = s().workloads;
    s().pollFailed('hv1', 'connect ECONNREFUSED', 4, 'unreachable');
    expect(s().workloads).not.toBe(before);
    expect(s().workloads[0]!.announcers[0]!.hostProblem).toBe('host unreachable');
    s().pollSucceeded(
      'hv1',
      snapshot('hv1', {
        workloadRoutes: [route('198.51.100.1/32', 'tap-a'), route('198.51.100.2/32', 'tap-b')],
        at: 5,
      }),
    );
    expect(s().workloads[0]!.announcers[0]!.hostProblem).toBeNull();
  });

  it('a router: held tables (the same table object) do not rebuild; a new table does', () => {
    const store = setup();
    const s = () => store.getState();
    s().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: [route('198.51.100.1/32', 'tap-a')] }));
    const table = snapshot('rtr1', {});
    s().pollSucceeded('rtr1', table);
    const built = s().workloads;
    s().pollSucceeded('rtr1', { ...snapshot('rtr1', {}), routes: table.routes });
    expect(s().workloads).toBe(built);
    s().pollSucceeded('rtr1', snapshot('rtr1', {}));
    expect(s().workloads).not.toBe(built);
  });
});
