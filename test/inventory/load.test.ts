import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InventoryError, parseInventory } from '../../src/inventory/load.ts';

const example = readFileSync(new URL('../../fixtures/inventory/example.yaml', import.meta.url), 'utf8');
const source = '/etc/routedeck/inventory.yaml';

function problemsOf(text: string): string[] {
  try {
    parseInventory(text, source);
  } catch (error) {
    if (error instanceof InventoryError) return error.problems;
    throw error;
  }
  throw new Error('expected the inventory to be rejected');
}

const oneDevice = (device: string, extra = ''): string => `devices:\n  - ${device}\n${extra}`;

describe('inventory', () => {
  it('loads the example with defaults applied and paths resolved next to the file', () => {
    const inventory = parseInventory(example, source);
    expect(inventory.name).toBe('example-dc1');
    expect(inventory.knownHostsFile).toBe('/etc/routedeck/known_hosts');
    const [spine1, spine2, hv1, hv2] = inventory.devices;
    expect(spine1).toMatchObject({
      kind: 'vyos',
      user: 'vyos',
      vtysh: 'vtysh',
      privilege: 'sudo -n',
      port: 22,
    });
    expect(spine1?.api?.tls).toEqual({ mode: 'pin', sha256: 'ABCDEF0123456789'.repeat(4) });
    expect(spine1?.api?.key).toEqual({ env: 'SPINE1_API_KEY' });
    expect(spine2?.api).toMatchObject({
      key: { file: '/etc/routedeck/secrets/spine2.key' },
      tls: { mode: 'ca', caFile: '/etc/routedeck/ca.pem' },
    });
    expect(hv1).toMatchObject({
      host: '2001:db8::21',
      user: 'noc',
      vtysh: 'sudo vtysh',
      auth: { type: 'agent' },
      uplinks: ['eth0', 'eth1'],
    });
    expect(hv2).toMatchObject({ port: 2222, auth: { type: 'key' } });
    expect(inventory.tenants.map((tenant) => tenant.name)).toEqual(['acme', 'globex', 'initech']);
    expect(inventory.tenants[0]?.pools6).toEqual(['2001:db8:a::/48']);
  });

  it.each([
    [
      'a shell command in a name',
      '{ name: "a; rm -rf /", role: router, kind: vyos, host: 192.0.2.1 }',
      /devices\[0\]\.name: must be/,
    ],
    [
      'a newline in a host',
      '{ name: r1, role: router, kind: vyos, host: "192.0.2.1\\nProxyCommand x" }',
      /devices\[0\]\.host: must be a hostname or an IP/,
    ],
    [
      'a 16-character interface name',
      '{ name: hv1, role: hypervisor, kind: frr-linux, host: h, uplinks: [abcdefghijklmnop] }',
      /devices\[0\]\.uplinks\[0\]: is longer than 15 characters/,
    ],
    [
      'shell syntax in the vtysh invocation',
      '{ name: hv1, role: hypervisor, kind: frr-linux, host: h, vtysh: "vtysh $(id)" }',
      /devices\[0\]\.vtysh: must be plain words/,
    ],
    [
      'a plaintext API key',
      '{ name: r1, role: router, kind: vyos, host: h, api: { url: "https://h", key: "s3cret" } }',
      /devices\[0\]\.api\.key: must be a reference .*never written in the inventory/,
    ],
    [
      'an http API url',
      '{ name: r1, role: router, kind: vyos, host: h, api: { url: "http://h", key: { env: K } } }',
      /devices\[0\]\.api\.url: must be an https/,
    ],
    [
      'an unknown field',
      '{ name: r1, role: router, kind: vyos, host: h, pasword: x }',
      /devices\[0\]: Unrecognized key.*pasword/,
    ],
    ['a wrong role', '{ name: r1, role: spine, kind: vyos, host: h }', /devices\[0\]\.role:/],
  ])('rejects %s with the path and the problem', (_label, device, expected) => {
    const problems = problemsOf(oneDevice(device));
    expect(problems.join('\n')).toMatch(expected);
  });

  it('rejects an invalid CIDR, host bits, wrong family and overlapping pools in one report', () => {
    const problems = problemsOf(
      oneDevice(
        '{ name: r1, role: router, kind: vyos, host: h }',
        `tenants:
  - { name: acme, pools4: [198.51.100.0/33, 10.0.0.0/16], pools6: [10.1.0.0/16] }
  - { name: globex, pools4: [10.0.128.0/17, 192.0.2.1/24] }`,
      ),
    );
    expect(problems).toEqual([
      'tenants[0].pools4[0]: "198.51.100.0/33": an IPv4 prefix length is 0–32',
      'tenants[0].pools6[0]: "10.1.0.0/16" is not an IPv6 prefix',
      'tenants[1].pools4[1]: "192.0.2.1/24" has host bits set; did you mean 192.0.2.0/24?',
      'tenants[1].pools4[0]: 10.0.128.0/17 overlaps tenants[0].pools4[1] (10.0.0.0/16, tenant acme) in VRF default',
    ]);
  });

  it('allows overlapping pools when the tenants are in different VRFs', () => {
    const inventory = parseInventory(
      oneDevice(
        '{ name: r1, role: router, kind: vyos, host: h }',
        `tenants:
  - { name: a, vrf: red, pools4: [10.0.0.0/24] }
  - { name: b, vrf: blue, pools4: [10.0.0.0/24] }`,
      ),
      source,
    );
    expect(inventory.tenants).toHaveLength(2);
  });

  it('rejects duplicate device names and an API on an FRR host', () => {
    const problems = problemsOf(`devices:
  - { name: hv1, role: hypervisor, kind: frr-linux, host: a }
  - { name: HV1, role: hypervisor, kind: frr-linux, host: b, api: { url: "https://b", key: { env: K } } }`);
    expect(problems).toEqual([
      'devices[1].name: "HV1" is already used by devices[0]',
      'devices[1].api: only devices of kind vyos have an HTTPS API',
    ]);
  });

  it('reports YAML syntax errors and empty device lists', () => {
    expect(problemsOf('devices: [ {name: x')[0]).toMatch(/^YAML: /);
    expect(problemsOf('devices: []')).toEqual(['devices: must list at least one device']);
  });
});
