import { describe, expect, it } from 'vitest';
import {
  planDecommission,
  planMigrate,
  PlanError,
  type MigrateIntent,
} from '../../../src/workflows/plan/index.ts';
import { acme, from, hypervisor, meta, ROUTERS, workload } from './fixtures.ts';

const active = workload({ state: 'active' });
const intent = (over: Partial<MigrateIntent> = {}): MigrateIntent => ({
  tenant: acme,
  workload: active,
  source: hypervisor('hv1'),
  target: hypervisor('hv2'),
  routers: ROUTERS,
  live: from('hv1'),
  ...over,
});
const commands = (plan: ReturnType<typeof planMigrate>) =>
  plan.steps.map((s) => [s.id, s.device, ...(s.action.type === 'ssh' ? s.action.commands : [])]);

describe('planMigrate', () => {
  it('make-before-break: target announces with metric 512 and is verified before the source withdraws', () => {
    const plan = planMigrate(intent(), meta);
    expect(commands(plan)).toEqual([
      [
        'target-tap',
        'hv2',
        'sudo -n ip tuntap add dev tap-web1 mode tap',
        'sudo -n ip link set tap-web1 up',
        'sudo -n ip addr add 169.254.0.1/32 dev tap-web1',
        'sudo -n ip addr add fe80::1/64 dev tap-web1 nodad',
      ],
      [
        'target-guard',
        'hv2',
        `sudo -n nft add element inet vmguard allow4 '{ "tap-web1" . 203.0.113.10/32 }'`,
        `sudo -n nft add element inet vmguard allow6 '{ "tap-web1" . 2001:db8:10:20::/64, "tap-web1" . fe80::/64 }'`,
      ],
      [
        'target-announce-preferred',
        'hv2',
        'sudo -n ip route add 203.0.113.10/32 dev tap-web1 metric 512',
        'sudo -n ip -6 route add 2001:db8:10:20::/64 dev tap-web1 metric 512',
      ],
      [
        'source-withdraw',
        'hv1',
        'sudo -n ip route del 203.0.113.10/32 dev tap-web1',
        'sudo -n ip -6 route del 2001:db8:10:20::/64 dev tap-web1 metric 1024',
      ],
      [
        'source-cleanup',
        'hv1',
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-web1" . 203.0.113.10/32 }'`,
        `sudo -n nft delete element inet vmguard allow6 '{ "tap-web1" . 2001:db8:10:20::/64, "tap-web1" . fe80::/64 }'`,
        'sudo -n ip addr del 169.254.0.1/32 dev tap-web1',
        'sudo -n ip addr del fe80::1/64 dev tap-web1',
        'sudo -n ip tuntap del dev tap-web1 mode tap',
      ],
      [
        'target-normal-metric',
        'hv2',
        'sudo -n ip route add 203.0.113.10/32 dev tap-web1',
        'sudo -n ip -6 route add 2001:db8:10:20::/64 dev tap-web1',
        'sudo -n ip route del 203.0.113.10/32 dev tap-web1 metric 512',
        'sudo -n ip -6 route del 2001:db8:10:20::/64 dev tap-web1 metric 512',
      ],
    ]);
    const ids = plan.steps.map((s) => s.id);
    const preferred = plan.steps[ids.indexOf('target-announce-preferred')];
    expect(preferred?.verify.every((v) => v.expect === 'announced-by' && v.host === 'hv2')).toBe(true);
    expect(preferred?.verify.map((v) => v.routers)).toEqual([ROUTERS, ROUTERS]);
    expect(ids.indexOf('target-announce-preferred')).toBeLessThan(ids.indexOf('source-withdraw'));
    expect(
      plan.routeChanges.every((c) => c.change === 'moves' && c.fromHost === 'hv1' && c.toHost === 'hv2'),
    ).toBe(true);
    // After the plan: the source holds nothing, the target the workload at the normal metric.
    const hv1 = plan.diffs.find((d) => d.device === 'hv1');
    const hv2 = plan.diffs.find((d) => d.device === 'hv2');
    expect(hv1?.before).toContain('route 203.0.113.10/32 dev tap-web1 metric 0');
    expect(hv1?.after).toEqual([]);
    expect(hv2?.before).toEqual([]);
    expect(hv2?.after).toEqual(hv1?.before);
  });

  it('break-before-make: the source withdraws before the target announces (normal metric)', () => {
    const plan = planMigrate(intent({ breakBeforeMake: true }), meta);
    const ids = plan.steps.map((s) => s.id);
    expect(ids).toEqual([
      'target-tap',
      'target-guard',
      'source-withdraw',
      'target-announce',
      'source-cleanup',
    ]);
    expect(plan.steps[3]?.action.commands).toEqual([
      'sudo -n ip route add 203.0.113.10/32 dev tap-web1',
      'sudo -n ip -6 route add 2001:db8:10:20::/64 dev tap-web1',
    ]);
    expect(plan.steps[3]?.verify.map((v) => v.host)).toEqual(['hv2', 'hv2']);
  });

  it('runs the compute hook on the source between staging and withdraw, with quoted values', () => {
    const hook = {
      type: 'command' as const,
      template: 'virsh migrate --live {workload} qemu+ssh://{targetAddress}/system',
    };
    const plan = planMigrate(intent({ computeHook: hook }), meta);
    const ids = plan.steps.map((s) => s.id);
    expect(ids.indexOf('compute-hook')).toBe(ids.indexOf('source-withdraw') - 1);
    expect(ids.indexOf('compute-hook')).toBeGreaterThan(ids.indexOf('target-announce-preferred'));
    const step = plan.steps[ids.indexOf('compute-hook')];
    expect(step?.device).toBe('hv1');
    expect(step?.action).toEqual({
      type: 'ssh',
      commands: ['virsh migrate --live web1 qemu+ssh://hv2.lab.example/system'],
    });
    expect(step?.rollback).toBeNull();
  });

  it.each([
    [
      'an unknown placeholder',
      { type: 'command' as const, template: 'virsh migrate {vm}' },
      /unknown placeholder \{vm\}/,
    ],
    ['an unbalanced brace', { type: 'command' as const, template: 'virsh migrate {workload' }, /unbalanced/],
    ['a multi-line template', { type: 'command' as const, template: 'virsh\nreboot' }, /one line/],
  ])('refuses a compute hook with %s', (_, computeHook, message) => {
    expect(() => planMigrate(intent({ computeHook }), meta)).toThrow(message);
  });

  it('refuses a move to the same host, a conflicting announcer, a hostile target', () => {
    expect(() => planMigrate(intent({ target: hypervisor('hv1') }), meta)).toThrow(/already on hv1/);
    expect(() => planMigrate(intent({ live: { announcedBy: () => ['hv1', 'hv3'] } }), meta)).toThrow(
      /already announced by hv3/,
    );
    expect(() => planMigrate(intent({ target: { ...hypervisor('hv2'), name: 'hv2 && x' } }), meta)).toThrow(
      PlanError,
    );
    expect(() => planMigrate(intent({ workload: workload({ name: 'a;rm -rf /' }) }), meta)).toThrow(
      PlanError,
    );
  });
});

describe('planDecommission', () => {
  it('withdraws, verifies gone on every router, then removes vmguard elements and the TAP', () => {
    const plan = planDecommission(
      { tenant: acme, workload: active, host: hypervisor('hv1'), routers: ROUTERS, live: from('hv1') },
      meta,
    );
    expect(commands(plan)).toEqual([
      [
        'withdraw',
        'hv1',
        'sudo -n ip route del 203.0.113.10/32 dev tap-web1',
        'sudo -n ip -6 route del 2001:db8:10:20::/64 dev tap-web1 metric 1024',
      ],
      [
        'cleanup',
        'hv1',
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-web1" . 203.0.113.10/32 }'`,
        `sudo -n nft delete element inet vmguard allow6 '{ "tap-web1" . 2001:db8:10:20::/64, "tap-web1" . fe80::/64 }'`,
        'sudo -n ip addr del 169.254.0.1/32 dev tap-web1',
        'sudo -n ip addr del fe80::1/64 dev tap-web1',
        'sudo -n ip tuntap del dev tap-web1 mode tap',
      ],
    ]);
    expect(plan.steps[0]?.verify.map((v) => [v.prefix, v.expect, v.routers])).toEqual([
      ['203.0.113.10/32', 'withdrawn', ROUTERS],
      ['2001:db8:10:20::/64', 'withdrawn', ROUTERS],
    ]);
    expect(plan.diffs[0]?.after).toEqual([]);
    expect(plan.routeChanges.every((c) => c.change === 'disappears' && c.fromHost === 'hv1')).toBe(true);
    expect(plan.summary).toMatch(/released in the registry/);
  });
});
