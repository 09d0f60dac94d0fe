import { describe, expect, it } from 'vitest';
import type { DeviceSpec } from '../../../src/model/device.ts';
import type { GuardElement } from '../../../src/model/guard.ts';
import type { WorkloadRecord } from '../../../src/model/plan.ts';
import { expectedElements, guardDrift, planGuardRepair } from '../../../src/workflows/plan/guard-repair.ts';

const w = (name: string, host: string, n: number, extra: Partial<WorkloadRecord> = {}): WorkloadRecord => ({
  name,
  tenant: 'acme',
  vrf: 'default',
  host,
  tap: `tap-${name}`,
  ipv4: `198.51.100.${n}`,
  ipv6Prefix: `2001:db8:a:${n}::/64`,
  extraAllowed: [],
  state: 'active',
  ...extra,
});
const hv1: DeviceSpec = {
  name: 'hv1',
  role: 'hypervisor',
  kind: 'frr-linux',
  host: '127.0.0.1',
  port: 22,
  user: 'noc',
  auth: { type: 'agent' },
  vtysh: 'vtysh',
  privilege: 'sudo -n',
};

describe('anti-spoofing drift: registry against a host’s vmguard sets', () => {
  const a = w('a', 'hv1', 10, { extraAllowed: ['198.51.100.77', '2001:DB8:A:99::1'] });
  const moved = w('b', 'hv2', 11);
  const gone = w('c', 'hv1', 12, { state: 'retired' });
  const busy = w('d', 'hv2', 13, { state: 'migrating' });

  it('a host whose sets match the registry has no drift (extras canonicalised as nft prints them)', () => {
    expect(expectedElements(a).map((e) => e.cidr)).toEqual([
      '198.51.100.10/32',
      '198.51.100.77/32',
      '2001:db8:a:10::/64',
      'fe80::/64',
      '2001:db8:a:99::1/128',
    ]);
    expect(guardDrift('hv1', expectedElements(a), [a, moved, gone])).toEqual([]);
  });

  it('finds missing, extra and stale elements, with the reason for each', () => {
    const live: GuardElement[] = [
      ...expectedElements(a).filter((e) => e.cidr !== '198.51.100.10/32'),
      { set: 'allow4', tap: 'tap-a', cidr: '198.51.100.200/32' },
      ...expectedElements(moved),
      ...expectedElements(gone).slice(0, 1),
      { set: 'allow4', tap: 'tap-ghost', cidr: '192.0.2.1/32' },
      // A migration in flight: its elements are its plan's business on every host.
      ...expectedElements(busy),
    ];
    const drift = guardDrift('hv1', live, [a, moved, gone, busy]);
    expect(drift.map((d) => `${d.kind} ${d.tap} ${d.cidr} (${d.reason})`)).toEqual([
      'missing tap-a 198.51.100.10/32 (a is active here)',
      'extra tap-a 198.51.100.200/32 (not allowed for a in the registry)',
      'stale tap-b 198.51.100.11/32 (b is on hv2)',
      'stale tap-b 2001:db8:a:11::/64 (b is on hv2)',
      'stale tap-b fe80::/64 (b is on hv2)',
      'stale tap-c 198.51.100.12/32 (c is retired)',
      'stale tap-ghost 192.0.2.1/32 (no workload in the registry has this TAP)',
    ]);
  });

  it('plans one step per drifting host: the exact nft commands, their undo, and the set diff', () => {
    const live: GuardElement[] = [
      ...expectedElements(a).filter((e) => e.cidr !== '198.51.100.10/32'),
      { set: 'allow4', tap: 'tap-ghost', cidr: '192.0.2.1/32' },
    ];
    const drift = guardDrift('hv1', live, [a]);
    const plan = planGuardRepair([{ host: hv1, elements: live, drift }], {
      id: 'p1',
      operator: 'alice',
      now: new Date(0),
    });
    expect(plan.kind).toBe('guard-repair');
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]!.action).toEqual({
      type: 'ssh',
      commands: [
        `sudo -n nft add element inet vmguard allow4 '{ "tap-a" . 198.51.100.10/32 }'`,
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-ghost" . 192.0.2.1/32 }'`,
      ],
    });
    expect(plan.steps[0]!.rollback).toEqual({
      type: 'ssh',
      commands: [
        `sudo -n nft add element inet vmguard allow4 '{ "tap-ghost" . 192.0.2.1/32 }'`,
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-a" . 198.51.100.10/32 }'`,
      ],
    });
    const diff = plan.diffs[0]!;
    expect(diff.after).toContain('nft allow4 "tap-a" . 198.51.100.10/32');
    expect(diff.after).not.toContain('nft allow4 "tap-ghost" . 192.0.2.1/32');
    expect(diff.before).toContain('nft allow4 "tap-ghost" . 192.0.2.1/32');
  });
});
