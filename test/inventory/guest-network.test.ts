/**
 * A tenant's `guest:` block (issue 17): DNS servers and MTU for its guests' cloud-init
 * network-config, validated at load; bad input is one sentence per problem, exit 2, nothing written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryError, parseInventory } from '../../src/inventory/load.ts';
import { cli } from '../helpers/cli.ts';

const source = '/etc/routedeck/inventory.yaml';
const inventory = (guest: string) =>
  `devices:\n  - { name: hv1, role: hypervisor, kind: frr-linux, host: 127.0.0.1 }\n` +
  `tenants:\n  - { name: acme, pools4: [198.51.100.0/24], pools6: ["2001:db8:a::/48"], guest: ${guest} }\n`;

function problemsOf(text: string): string[] {
  try {
    parseInventory(text, source);
  } catch (error) {
    if (error instanceof InventoryError) return error.problems;
    throw error;
  }
  throw new Error('expected the inventory to be rejected');
}

let parent = '';
beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-guestnet-'));
});
afterAll(async () => {
  if (parent) await rm(parent, { recursive: true, force: true });
});

describe('tenant guest network in the inventory', () => {
  it('loads DNS servers and MTU onto the tenant', () => {
    const inv = parseInventory(inventory('{ dnsServers: [192.0.2.53, "2001:db8::53"], mtu: 1450 }'), source);
    expect(inv.tenants[0]?.guest).toEqual({ dnsServers: ['192.0.2.53', '2001:db8::53'], mtu: 1450 });
    expect(parseInventory(inventory('{}'), source).tenants[0]?.guest).toBeUndefined();
  });

  it.each([
    [
      'an MTU below IPv6’s 1280',
      '{ mtu: 1000 }',
      'tenants[0].guest.mtu: must be a whole number from 1280 (the IPv6 minimum) to 9216',
    ],
    [
      'a fractional MTU',
      '{ mtu: 1450.5 }',
      'tenants[0].guest.mtu: must be a whole number from 1280 (the IPv6 minimum) to 9216',
    ],
    [
      'a DNS server that is no address',
      '{ dnsServers: ["dns.example"] }',
      'tenants[0].guest.dnsServers[0]: must be an IP address',
    ],
    [
      'a DNS server with a prefix',
      '{ dnsServers: ["192.0.2.0/24"] }',
      'tenants[0].guest.dnsServers[0]: must be an IP address',
    ],
    [
      'four DNS servers',
      '{ dnsServers: [192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4] }',
      'tenants[0].guest.dnsServers: lists more than 3 servers (resolv.conf uses the first 3)',
    ],
    [
      'extra routes',
      '{ routes: [{ to: 10.0.0.0/8 }] }',
      expect.stringMatching(/^tenants\[0\]\.guest\.routes: extra guest routes are not supported: /),
    ],
    ['an unknown key', '{ gateway: 192.0.2.1 }', expect.stringMatching(/^tenants\[0\]\.guest: .*gateway/)],
  ])('refuses %s', (_what, guest, problem) => {
    expect(problemsOf(inventory(guest))).toEqual([problem]);
  });

  it('plan create on such an inventory: exit 2, the problem in one sentence, no seed written', async () => {
    const file = path.join(parent, 'inventory.yaml');
    await writeFile(file, inventory('{ mtu: 100 }'));
    const seed = path.join(parent, 'seed');
    const out = await cli(
      [
        'plan',
        'create',
        'w1',
        '--tenant',
        'acme',
        '--host',
        'hv1',
        '--inventory',
        file,
        '--cloud-init-dir',
        seed,
      ],
      { HOME: parent },
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      'tenants[0].guest.mtu: must be a whole number from 1280 (the IPv6 minimum) to 9216',
    );
    expect(out.stdout).toBe('');
    expect(existsSync(seed)).toBe(false);
  });
});
