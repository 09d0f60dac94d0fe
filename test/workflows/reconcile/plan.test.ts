/** The reconcile planner on hand-made facts: only what differs is sent, in make-before-break order. */
import { describe, expect, it } from 'vitest';
import { PlanError } from '../../../src/workflows/plan/index.ts';
import type { HostFacts } from '../../../src/workflows/reconcile/facts.ts';
import { planReconcile, type ReconcileIntent } from '../../../src/workflows/reconcile/plan.ts';
import { hypervisor, workload } from '../plan/fixtures.ts';

const w = workload({ state: 'active' });
const meta = { id: 'r1', operator: 'alice', now: new Date('2026-01-01T00:00:00Z') };
const guard: HostFacts['guard'] = [
  { set: 'allow4', tap: 'tap-web1', cidr: '203.0.113.10/32' },
  { set: 'allow6', tap: 'tap-web1', cidr: '2001:db8:10:20::/64' },
  { set: 'allow6', tap: 'tap-web1', cidr: 'fe80::/64' },
];
const full = (host: string, metric4 = 0, metric6 = 1024): HostFacts => ({
  host,
  unknown: null,
  tap: { present: true, up: true, master: null, linkLocal4: true, linkLocal6: true },
  routes: [
    { family: 4, prefix: '203.0.113.10/32', tap: 'tap-web1', metric: metric4 },
    { family: 6, prefix: '2001:db8:10:20::/64', tap: 'tap-web1', metric: metric6 },
  ],
  guard,
});
const none = (host: string): HostFacts => ({
  host,
  unknown: null,
  tap: { present: false, up: false, master: null, linkLocal4: false, linkLocal6: false },
  routes: [],
  guard: [],
});

function intent(facts: HostFacts[], holder: string | null): ReconcileIntent {
  return {
    workload: w,
    hosts: facts.map((f) => ({ spec: hypervisor(f.host), facts: f })),
    routers: ['spine1'],
    holder,
    registry: holder ? { kind: 'active', host: holder } : { kind: 'retired' },
    why: 'test',
    manageTap: true,
    settles: null,
  };
}

describe('planReconcile', () => {
  it('already agreed and recorded: no plan', () => {
    expect(planReconcile(intent([full('hv1'), none('hv2')], 'hv1'), meta, 'acme')).toBeNull();
  });

  it('a holder at metric 512 gets its normal route first and loses the 512 one last, verified there', () => {
    const plan = planReconcile(intent([full('hv1', 512, 512), full('hv2')], 'hv1'), meta, 'acme')!;
    expect(plan.steps.map((s) => s.id)).toEqual([
      'holder-setup',
      'withdraw-hv2',
      'cleanup-hv2',
      'holder-normal-metric',
    ]);
    expect(plan.steps[0]!.action).toEqual({
      type: 'ssh',
      commands: [
        'sudo -n ip route add 203.0.113.10/32 dev tap-web1',
        'sudo -n ip -6 route add 2001:db8:10:20::/64 dev tap-web1',
      ],
    });
    expect(plan.steps[3]!.action).toEqual({
      type: 'ssh',
      commands: [
        'sudo -n ip route del 203.0.113.10/32 dev tap-web1 metric 512',
        'sudo -n ip -6 route del 2001:db8:10:20::/64 dev tap-web1 metric 512',
      ],
    });
    expect(plan.steps.map((s) => s.verify.length)).toEqual([0, 0, 0, 2]);
    expect(plan.routeChanges.every((c) => c.change === 'moves' && c.toHost === 'hv1')).toBe(true);
  });

  it('no holder: every host withdraws and is cleaned, verified withdrawn', () => {
    const plan = planReconcile(intent([full('hv1'), none('hv2')], null), meta, 'acme')!;
    expect(plan.steps.map((s) => s.id)).toEqual(['withdraw-hv1', 'cleanup-hv1']);
    expect(plan.steps[0]!.verify.every((v) => v.expect === 'withdrawn')).toBe(true);
    expect(plan.steps[1]!.action).toMatchObject({
      commands: expect.arrayContaining(['sudo -n ip tuntap del dev tap-web1 mode tap']),
    });
  });

  it('a bare TAP elsewhere (no gateway, route or element) is left alone', () => {
    const bare: HostFacts = { ...none('hv2'), tap: { ...none('hv2').tap, present: true } };
    expect(planReconcile(intent([full('hv1'), bare], 'hv1'), meta, 'acme')).toBeNull();
  });

  it('a route to another interface, or an unread host, is refused rather than guessed at', () => {
    const odd = full('hv2');
    odd.routes = [{ family: 4, prefix: '203.0.113.10/32', tap: 'vnet7', metric: 0 }];
    expect(() => planReconcile(intent([full('hv1'), odd], 'hv1'), meta, 'acme')).toThrow(
      /hv2 routes 203\.0\.113\.10\/32 to vnet7, not web1's tap-web1/,
    );
    const unread: HostFacts = { ...none('hv2'), unknown: 'unreachable' };
    expect(() => planReconcile(intent([full('hv1'), unread], 'hv1'), meta, 'acme')).toThrow(PlanError);
  });
});
