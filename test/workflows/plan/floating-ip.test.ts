import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/model/plan.ts';
import {
  planFipAttach,
  planFipDetach,
  planFipMove,
  PlanError,
  renderPreview,
  type FipEnd,
} from '../../../src/workflows/plan/index.ts';
import { acme, blue, from, hypervisor, meta, nobody, ROUTERS, workload } from './fixtures.ts';

const web1: FipEnd = { workload: workload({ state: 'active' }), host: hypervisor('hv1') };
const web2: FipEnd = {
  workload: workload({
    name: 'web2',
    tap: 'tap-web2',
    host: 'hv2',
    ipv4: '203.0.113.11',
    ipv6Prefix: '2001:db8:10:21::/64',
    state: 'active',
  }),
  host: hypervisor('hv2'),
};
const web3: FipEnd = {
  workload: workload({
    name: 'web3',
    tap: 'tap-web3',
    host: 'hv1',
    ipv4: '203.0.113.12',
    ipv6Prefix: '2001:db8:10:22::/64',
    state: 'active',
  }),
  host: hypervisor('hv1'),
};
const FIP = '203.0.113.77';
const base = { tenant: acme, address: FIP, routers: ROUTERS };
const steps = (plan: Plan) =>
  plan.steps.map((s) => [s.id, s.device, ...(s.action.type === 'ssh' ? s.action.commands : [])]);

describe('planFipAttach', () => {
  it('allows the address on the TAP first, then routes it there and verifies every router uses the host', () => {
    const plan = planFipAttach({ ...base, live: nobody, to: web1 }, meta);
    expect(plan.kind).toBe('floating-ip');
    expect(plan.workload).toBe('fip:203.0.113.77/32');
    expect(steps(plan)).toEqual([
      [
        'owner-guard',
        'hv1',
        `sudo -n nft add element inet vmguard allow4 '{ "tap-web1" . 203.0.113.77/32 }'`,
      ],
      ['owner-announce', 'hv1', 'sudo -n ip route add 203.0.113.77/32 dev tap-web1'],
    ]);
    expect(plan.steps[1]!.verify).toEqual([
      expect.objectContaining({
        prefix: '203.0.113.77/32',
        expect: 'announced-by',
        host: 'hv1',
        routers: ROUTERS,
      }),
    ]);
    // Rollback undoes exactly what was sent.
    expect(plan.steps[1]!.rollback).toEqual({
      type: 'ssh',
      commands: ['sudo -n ip route del 203.0.113.77/32 dev tap-web1'],
    });
    expect(plan.diffs).toEqual([
      {
        device: 'hv1',
        before: [],
        after: ['nft allow4 "tap-web1" . 203.0.113.77/32', 'route 203.0.113.77/32 dev tap-web1 metric 0'],
      },
    ]);
    expect(plan.routeChanges.map((c) => [c.router, c.change, c.toHost])).toEqual([
      ['spine1', 'appears', 'hv1'],
      ['spine2', 'appears', 'hv1'],
    ]);
    // The preview shows every command as sent.
    const preview = renderPreview(plan);
    for (const s of plan.steps)
      for (const c of s.action.type === 'ssh' ? s.action.commands : []) expect(preview).toContain(c);
  });

  it('a VRRP-style pair: both TAPs allow it, only the owner’s host routes it', () => {
    const plan = planFipAttach({ ...base, live: nobody, to: web1, peer: web2 }, meta);
    expect(steps(plan).map((s) => [s[0], s[1]])).toEqual([
      ['owner-guard', 'hv1'],
      ['peer-guard', 'hv2'],
      ['owner-announce', 'hv1'],
    ]);
    expect(steps(plan)[1]).toContain(
      `sudo -n nft add element inet vmguard allow4 '{ "tap-web2" . 203.0.113.77/32 }'`,
    );
    expect(
      plan.steps
        .filter((s) => s.device === 'hv2')
        .flatMap((s) => (s.action as { commands: string[] }).commands),
    ).not.toContain(expect.stringContaining('route'));
  });

  it('an IPv6 /128 goes to allow6 and ip -6 route, in the workload’s VRF', () => {
    const w = workload({
      tenant: 'blue',
      vrf: 'blue',
      ipv4: '10.0.0.5',
      ipv6Prefix: 'fd00:b:0:5::/64',
      state: 'active',
    });
    const plan = planFipAttach(
      {
        tenant: blue,
        address: 'fd00:b:0:99::7',
        routers: ROUTERS,
        live: nobody,
        to: { workload: w, host: hypervisor('hv1') },
      },
      meta,
    );
    expect(steps(plan)).toEqual([
      [
        'owner-guard',
        'hv1',
        `sudo -n nft add element inet vmguard allow6 '{ "tap-web1" . fd00:b:0:99::7/128 }'`,
      ],
      ['owner-announce', 'hv1', 'sudo -n ip -6 route add fd00:b:0:99::7/128 dev tap-web1 vrf blue'],
    ]);
  });

  it.each([
    ['198.51.100.7', /outside tenant acme's IPv4 pools/],
    ['not-an-ip', /is not an IPv4 or IPv6 address/],
    ['203.0.113.0/24', /must be a single address \(\/32\), not a network/],
    ['203.0.113.10', /is web1's own address/],
    ['2001:db8:10:20::5', /is web1's own address/],
  ])('refuses %s with a clear error', (address, message) => {
    expect(() => planFipAttach({ ...base, address, live: nobody, to: web1 }, meta)).toThrow(message);
  });

  it('refuses an address another host already announces, and a workload of another tenant', () => {
    expect(() => planFipAttach({ ...base, live: from('hv3'), to: web1 }, meta)).toThrow(
      /already announced by hv3; refusing to plan/,
    );
    const other = { ...web2, workload: { ...web2.workload, tenant: 'globex' } };
    expect(() => planFipAttach({ ...base, live: nobody, to: web1, peer: other }, meta)).toThrow(PlanError);
    expect(() => planFipAttach({ ...base, live: nobody, to: web1, peer: other }, meta)).toThrow(
      /belongs to tenant globex, not acme/,
    );
  });
});

describe('planFipMove', () => {
  it('between hosts: make-before-break with metric 512, verified before the source withdraws', () => {
    const plan = planFipMove({ ...base, live: from('hv1'), from: web1, to: web2 }, meta);
    expect(steps(plan)).toEqual([
      [
        'target-guard',
        'hv2',
        `sudo -n nft add element inet vmguard allow4 '{ "tap-web2" . 203.0.113.77/32 }'`,
      ],
      ['target-announce-preferred', 'hv2', 'sudo -n ip route add 203.0.113.77/32 dev tap-web2 metric 512'],
      ['source-withdraw', 'hv1', 'sudo -n ip route del 203.0.113.77/32 dev tap-web1'],
      [
        'source-guard',
        'hv1',
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-web1" . 203.0.113.77/32 }'`,
      ],
      [
        'target-normal-metric',
        'hv2',
        'sudo -n ip route add 203.0.113.77/32 dev tap-web2',
        'sudo -n ip route del 203.0.113.77/32 dev tap-web2 metric 512',
      ],
    ]);
    for (const id of ['target-announce-preferred', 'source-withdraw', 'target-normal-metric'])
      expect(plan.steps.find((s) => s.id === id)!.verify[0]).toMatchObject({ host: 'hv2', routers: ROUTERS });
    expect(plan.routeChanges.map((c) => `${c.router} ${c.fromHost}→${c.toHost}`)).toEqual([
      'spine1 hv1→hv2',
      'spine2 hv1→hv2',
    ]);
    const byDevice = Object.fromEntries(plan.diffs.map((d) => [d.device, d]));
    expect(byDevice['hv1']!.after).toEqual([]);
    expect(byDevice['hv2']!.after).toEqual([
      'nft allow4 "tap-web2" . 203.0.113.77/32',
      'route 203.0.113.77/32 dev tap-web2 metric 0',
    ]);
  });

  it('on one host: the target route waits behind the source’s, then takes over; no router change', () => {
    const plan = planFipMove({ ...base, live: from('hv1'), from: web1, to: web3 }, meta);
    expect(steps(plan)).toEqual([
      [
        'target-guard',
        'hv1',
        `sudo -n nft add element inet vmguard allow4 '{ "tap-web3" . 203.0.113.77/32 }'`,
      ],
      ['target-route-standby', 'hv1', 'sudo -n ip route add 203.0.113.77/32 dev tap-web3 metric 512'],
      ['source-withdraw', 'hv1', 'sudo -n ip route del 203.0.113.77/32 dev tap-web1'],
      [
        'source-guard',
        'hv1',
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-web1" . 203.0.113.77/32 }'`,
      ],
      [
        'target-normal-metric',
        'hv1',
        'sudo -n ip route add 203.0.113.77/32 dev tap-web3',
        'sudo -n ip route del 203.0.113.77/32 dev tap-web3 metric 512',
      ],
    ]);
    // At no point is there no route: the target's is added before the source's is deleted.
    expect(plan.routeChanges).toEqual([]);
    expect(plan.diffs).toEqual([
      {
        device: 'hv1',
        before: ['nft allow4 "tap-web1" . 203.0.113.77/32', 'route 203.0.113.77/32 dev tap-web1 metric 0'],
        after: ['nft allow4 "tap-web3" . 203.0.113.77/32', 'route 203.0.113.77/32 dev tap-web3 metric 0'],
      },
    ]);
  });

  it('a pair’s failover moves the route only: both TAPs stay allowed', () => {
    const plan = planFipMove({ ...base, live: from('hv1'), from: web1, to: web2, pair: true }, meta);
    expect(plan.steps.map((s) => s.id)).toEqual([
      'target-announce-preferred',
      'source-withdraw',
      'target-normal-metric',
    ]);
    expect(plan.steps.flatMap((s) => (s.action as { commands: string[] }).commands).join('\n')).not.toContain(
      'nft',
    );
  });

  it('refuses a move to the owner itself and when a third host announces the address', () => {
    expect(() => planFipMove({ ...base, live: from('hv1'), from: web1, to: web1 }, meta)).toThrow(
      /already on web1/,
    );
    expect(() => planFipMove({ ...base, live: from('hv3'), from: web1, to: web2 }, meta)).toThrow(
      /already announced by hv3/,
    );
  });
});

describe('planFipDetach', () => {
  it('withdraws (verified gone on every router), then removes the allow elements of both halves', () => {
    const plan = planFipDetach({ ...base, live: from('hv1'), owner: web1, peer: web2 }, meta);
    expect(steps(plan)).toEqual([
      ['owner-withdraw', 'hv1', 'sudo -n ip route del 203.0.113.77/32 dev tap-web1'],
      [
        'owner-guard',
        'hv1',
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-web1" . 203.0.113.77/32 }'`,
      ],
      [
        'peer-guard',
        'hv2',
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-web2" . 203.0.113.77/32 }'`,
      ],
    ]);
    expect(plan.steps[0]!.verify[0]).toMatchObject({ expect: 'withdrawn', routers: ROUTERS });
    expect(plan.diffs.every((d) => d.after.length === 0)).toBe(true);
  });
});
