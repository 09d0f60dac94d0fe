import { describe, expect, it } from 'vitest';
import { planCreate, PlanError, type CreateIntent } from '../../../src/workflows/plan/index.ts';
import { acme, blue, hypervisor, meta, nobody, ROUTERS, workload } from './fixtures.ts';

const intent = (over: Partial<CreateIntent> = {}): CreateIntent => ({
  tenant: acme,
  workload: workload(),
  host: hypervisor('hv1'),
  routers: ROUTERS,
  live: nobody,
  mac: '52:54:00:12:34:56',
  ...over,
});

describe('planCreate', () => {
  it('sends exactly these commands to the hypervisor, with its privilege prefix', () => {
    const plan = planCreate(intent(), meta);
    expect(plan.steps.map((s) => [s.id, s.device, s.action])).toEqual([
      [
        'tap',
        'hv1',
        {
          type: 'ssh',
          commands: [
            'sudo -n ip tuntap add dev tap-web1 mode tap',
            'sudo -n ip link set tap-web1 up',
            'sudo -n ip addr add 169.254.0.1/32 dev tap-web1',
            'sudo -n ip addr add fe80::1/64 dev tap-web1 nodad',
          ],
        },
      ],
      [
        'guard',
        'hv1',
        {
          type: 'ssh',
          commands: [
            `sudo -n nft add element inet vmguard allow4 '{ "tap-web1" . 203.0.113.10/32 }'`,
            `sudo -n nft add element inet vmguard allow6 '{ "tap-web1" . 2001:db8:10:20::/64, "tap-web1" . fe80::/64 }'`,
          ],
        },
      ],
      [
        'announce',
        'hv1',
        {
          type: 'ssh',
          commands: [
            'sudo -n ip route add 203.0.113.10/32 dev tap-web1',
            'sudo -n ip -6 route add 2001:db8:10:20::/64 dev tap-web1',
          ],
        },
      ],
    ]);
    expect(plan.steps[2]?.description).toMatch(/redistributes the kernel routes/);
    expect(plan.steps[2]?.rollback).toEqual({
      type: 'ssh',
      commands: [
        'sudo -n ip -6 route del 2001:db8:10:20::/64 dev tap-web1 metric 1024',
        'sudo -n ip route del 203.0.113.10/32 dev tap-web1',
      ],
    });
    expect(plan.steps[0]?.rollback?.commands).toEqual([
      'sudo -n ip addr del fe80::1/64 dev tap-web1',
      'sudo -n ip addr del 169.254.0.1/32 dev tap-web1',
      'sudo -n ip tuntap del dev tap-web1 mode tap',
    ]);
    expect(plan.steps[2]?.verify.map((v) => [v.prefix, v.expect, v.host, v.routers])).toEqual([
      ['203.0.113.10/32', 'announced-by', 'hv1', ROUTERS],
      ['2001:db8:10:20::/64', 'announced-by', 'hv1', ROUTERS],
    ]);
    expect(plan.routeChanges).toHaveLength(4);
    expect(plan.routeChanges[0]).toEqual({
      router: 'spine1',
      vrf: 'default',
      family: 4,
      prefix: '203.0.113.10/32',
      change: 'appears',
      toHost: 'hv1',
    });
  });

  it('extra allowed addresses join the sets; the compute hook may own the TAP', () => {
    const plan = planCreate(
      intent({ workload: workload({ extraAllowed: ['198.51.100.77', '2001:db8:99::1'] }), manageTap: false }),
      meta,
    );
    expect(plan.steps[0]?.action.commands[0]).toBe('sudo -n ip link set tap-web1 up');
    expect(plan.steps[1]?.action.commands).toEqual([
      `sudo -n nft add element inet vmguard allow4 '{ "tap-web1" . 203.0.113.10/32, "tap-web1" . 198.51.100.77/32 }'`,
      `sudo -n nft add element inet vmguard allow6 '{ "tap-web1" . 2001:db8:10:20::/64, "tap-web1" . fe80::/64, "tap-web1" . 2001:db8:99::1/128 }'`,
    ]);
  });

  it('a VRF tenant enslaves the TAP and routes in the VRF table', () => {
    const w = workload({ tenant: 'blue', vrf: 'blue', ipv4: '10.0.0.7', ipv6Prefix: 'fd00:b:0:7::/64' });
    const plan = planCreate(intent({ tenant: blue, workload: w }), meta);
    expect(plan.steps[0]?.action.commands[1]).toBe('sudo -n ip link set tap-web1 master blue up');
    expect(plan.steps[2]?.action.commands).toEqual([
      'sudo -n ip route add 10.0.0.7/32 dev tap-web1 vrf blue',
      'sudo -n ip -6 route add fd00:b:0:7::/64 dev tap-web1 vrf blue',
    ]);
    expect(plan.steps[2]?.verify[0]?.vrf).toBe('blue');
  });

  it('the diff is the replay of the same ops: nothing before, the full workload config after', () => {
    const plan = planCreate(intent(), meta);
    expect(plan.diffs).toEqual([
      {
        device: 'hv1',
        before: [],
        after: [
          'link tap-web1 up',
          'addr 169.254.0.1/32 dev tap-web1',
          'addr fe80::1/64 dev tap-web1',
          'nft allow4 "tap-web1" . 203.0.113.10/32',
          'nft allow6 "tap-web1" . 2001:db8:10:20::/64',
          'nft allow6 "tap-web1" . fe80::/64',
          'route 203.0.113.10/32 dev tap-web1 metric 0',
          'route 2001:db8:10:20::/64 dev tap-web1 metric 1024',
        ],
      },
    ]);
  });

  it.each([
    ['a hostile workload name', { workload: workload({ name: 'a;rm -rf /' }) }, /workload name/],
    ['a 16-character TAP', { workload: workload({ tap: 'tap-0123456789ab' }) }, /TAP name/],
    ['a TAP not named tap-…', { workload: workload({ tap: 'eth0' }) }, /TAP name/],
    ['a TAP with a quote', { workload: workload({ tap: 'tap-"x' }) }, /TAP name/],
    ['a hostile host name', { host: { ...hypervisor('hv1'), name: 'hv1;reboot' } }, /host name/],
    ['a hostile router name', { routers: ['spine1', '$(id)'] }, /router name/],
    ['a privilege with shell syntax', { host: { ...hypervisor('hv1'), privilege: 'sudo -n;' } }, /privilege/],
    ['an address outside the pools', { workload: workload({ ipv4: '192.0.2.1' }) }, /outside tenant acme/],
    ['a /56 instead of a /64', { workload: workload({ ipv6Prefix: '2001:db8:10:100::/56' }) }, /not a \/64/],
    ['a bad extra address', { workload: workload({ extraAllowed: ['1.2.3.4 ; x'] }) }, /extra allowed/],
    ['a multicast MAC', { mac: '01:00:5e:00:00:01' }, /multicast/],
    ['a router as host', { host: { ...hypervisor('hv1'), role: 'router' as const } }, /not a hypervisor/],
    ['an address already announced', { live: { announcedBy: () => ['hv7'] } }, /already announced by hv7/],
  ])('refuses %s with a PlanError, producing nothing', (_, over, message) => {
    expect(() => planCreate(intent(over), meta)).toThrow(PlanError);
    expect(() => planCreate(intent(over), meta)).toThrow(message);
  });
});
