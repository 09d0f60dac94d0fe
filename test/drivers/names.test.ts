import { describe, expect, it } from 'vitest';
import { isValidDeviceName, isValidInterfaceName, isValidVrfName } from '../../src/drivers/names.ts';
import { privileged, shellQuote, vtyshCommand } from '../../src/drivers/shell.ts';

const HOSTILE = [
  '',
  ' ',
  'a b',
  'a;b',
  'a|b',
  'a&b',
  '$(x)',
  '`x`',
  "a'b",
  'a"b',
  'a\\b',
  'a/b',
  'a\nb',
  '-x',
  'a>b',
  'a*',
];

describe('name validators', () => {
  it('accepts real names', () => {
    for (const n of ['rtr1', 'hv-01.dc2', 'BORDER_1', 'a'.repeat(63)])
      expect(isValidDeviceName(n)).toBe(true);
    for (const n of ['eth0', 'tap-acme-1', 'eth0.100', 'vnet12', 'dn-hv1', 'br_x', 'a'.repeat(15)]) {
      expect(isValidInterfaceName(n)).toBe(true);
    }
    for (const n of ['RED', 'tenant-acme', 'vrf_1']) expect(isValidVrfName(n)).toBe(true);
  });

  it('refuses shell metacharacters, whitespace, slashes and over-long names', () => {
    for (const n of HOSTILE) {
      expect(isValidDeviceName(n)).toBe(false);
      expect(isValidInterfaceName(n)).toBe(false);
      expect(isValidVrfName(n)).toBe(false);
    }
    expect(isValidDeviceName('a'.repeat(64))).toBe(false);
    expect(isValidInterfaceName('a'.repeat(16))).toBe(false);
    expect(isValidInterfaceName('eth0:1')).toBe(false);
    expect(isValidVrfName('a'.repeat(16))).toBe(false);
  });
});

describe('command quoting', () => {
  it('single-quotes, including quotes inside', () => {
    expect(shellQuote('show bgp vrf all summary json')).toBe("'show bgp vrf all summary json'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('builds the exact vtysh command from the device settings', () => {
    expect(vtyshCommand({ vtysh: 'vtysh -N hv1' }, 'show ip route vrf all json')).toBe(
      "vtysh -N hv1 -c 'show ip route vrf all json'",
    );
    expect(vtyshCommand({ vtysh: 'sudo -n vtysh' }, 'show bgp summary json')).toBe(
      "sudo -n vtysh -c 'show bgp summary json'",
    );
    expect(privileged({ privilege: 'sudo -n' }, 'nft -j list ruleset')).toBe('sudo -n nft -j list ruleset');
    expect(privileged({ privilege: '' }, 'nft -j list ruleset')).toBe('nft -j list ruleset');
  });
});
