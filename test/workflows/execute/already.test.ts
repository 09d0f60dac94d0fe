/**
 * Which failed undo commands mean "already in place" (already.ts): the answers below were printed by
 * iproute2 6.x and nftables 1.x on this machine's kernel in a network namespace; anything else —
 * another verb, another error, a permission problem — is a real failure.
 */
import { describe, expect, it } from 'vitest';
import { alreadyInPlace } from '../../../src/workflows/execute/already.ts';

describe('alreadyInPlace', () => {
  it('recognises each verb with exactly its own answer', () => {
    const cases: [string, string, string][] = [
      [
        'sudo -n ip route del 198.51.100.7/32 dev tap-a metric 512',
        'RTNETLINK answers: No such process\n',
        'route already absent',
      ],
      [
        'sudo -n ip -6 route del 2001:db8::/64 dev tap-a metric 1024',
        'RTNETLINK answers: No such process\n',
        'route already absent',
      ],
      ['ip route add 198.51.100.7/32 dev tap-a', 'RTNETLINK answers: File exists\n', 'route already present'],
      [
        'sudo -n ip addr del 169.254.0.1/32 dev tap-a',
        'Error: ipv4: Address not found.\n',
        'address already absent',
      ],
      [
        'sudo -n ip addr del fe80::1/64 dev tap-a',
        'Error: ipv6: address not found.\n',
        'address already absent',
      ],
      [
        'sudo -n ip addr add 169.254.0.1/32 dev tap-a',
        'Error: ipv4: Address already assigned.\n',
        'address already present',
      ],
      [
        'sudo -n ip addr add fe80::1/64 dev tap-a nodad',
        'Error: ipv6: address already assigned.\n',
        'address already present',
      ],
      [
        `sudo -n nft delete element inet vmguard allow4 '{ "tap-a" . 198.51.100.7/32 }'`,
        'Error: Could not process rule: No such file or directory\ndelete element inet vmguard allow4 { "tap-a" . 198.51.100.7/32 }\n',
        'vmguard element already absent',
      ],
      ['sudo -n ip link del tap-a', 'Cannot find device "tap-a"\n', 'TAP already absent'],
      [
        'sudo -n ip tuntap add dev tap-a mode tap',
        'ioctl(TUNSETIFF): Device or resource busy\n',
        'TAP already present',
      ],
    ];
    for (const [command, stderr, state] of cases)
      expect(alreadyInPlace(command, stderr), command).toBe(state);
  });

  it('anything else is a failure: another answer, or the right answer to another verb', () => {
    const failures: [string, string][] = [
      ['sudo -n ip route del 198.51.100.7/32 dev tap-a', 'sudo: a password is required\n'],
      ['sudo -n ip route del 198.51.100.7/32 dev tap-a', 'Cannot find device "tap-a"\n'],
      ['sudo -n ip route add 198.51.100.7/32 dev tap-a', 'RTNETLINK answers: No such process\n'],
      ['sudo -n ip route add 198.51.100.7/32 dev tap-a', 'Error: Nexthop device is not up.\n'],
      ['sudo -n ip addr add 169.254.0.1/32 dev tap-a', 'Error: ipv4: Address not found.\n'],
      [
        `sudo -n nft add element inet vmguard allow4 '{ "tap-a" . 1.2.3.4/32 }'`,
        'Error: Could not process rule: No such file or directory\n',
      ],
      ['sudo -n ip link set tap-a up', 'Cannot find device "tap-a"\n'],
      ['vtysh -c "clear bgp *"', 'RTNETLINK answers: No such process\n'],
    ];
    for (const [command, stderr] of failures) expect(alreadyInPlace(command, stderr), command).toBeNull();
  });
});
