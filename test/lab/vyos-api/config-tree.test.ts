import { describe, expect, it } from 'vitest';
import { ConfigCliError, ConfigTree, defaultPathValidator } from '../../../src/lab/vyos-api/index.ts';

const words = (line: string): string[] => line.split(' ');

function treeOf(...lines: string[]): ConfigTree {
  const t = new ConfigTree();
  for (const l of lines) t.set(words(l));
  return t;
}

describe('ConfigTree rendering (VyOS JSONRenderer rules)', () => {
  it('renders tag nodes as objects keyed by tag value, single values as strings, valueless nodes as {}', () => {
    const t = treeOf(
      'protocols bgp system-as 65001',
      'protocols bgp neighbor 192.0.2.2 remote-as 65002',
      'protocols bgp neighbor eth1 interface v6only remote-as external',
      'protocols static route 10.9.0.0/24 blackhole',
      'vrf name RED table 100',
      'vrf name BLUE',
    );
    expect(t.showConfig()).toEqual({
      protocols: {
        bgp: {
          'system-as': '65001',
          neighbor: {
            '192.0.2.2': { 'remote-as': '65002' },
            eth1: { interface: { v6only: { 'remote-as': 'external' } } },
          },
        },
        static: { route: { '10.9.0.0/24': { blackhole: {} } } },
      },
      vrf: { name: { RED: { table: '100' }, BLUE: {} } },
    });
  });

  it('renders a multi-value leaf as a list only when it holds several values', () => {
    const t = treeOf(
      'interfaces ethernet eth0 address 10.0.0.1/24',
      'interfaces vxlan vxlan100 remote 203.0.113.2',
    );
    expect(t.showConfig(['interfaces'])).toEqual({
      ethernet: { eth0: { address: '10.0.0.1/24' } },
      vxlan: { vxlan100: { remote: '203.0.113.2' } },
    });
    t.set(words('interfaces ethernet eth0 address'), '10.0.1.1/24');
    t.set(words('interfaces ethernet eth0 address'), '10.0.1.1/24'); // no duplicate
    expect(t.showConfig(['interfaces', 'ethernet', 'eth0'])).toEqual({
      address: ['10.0.0.1/24', '10.0.1.1/24'],
    });
  });

  it('replaces the value of a single-value leaf', () => {
    const t = treeOf('system host-name r1');
    t.set(['system', 'host-name'], 'r2');
    expect(t.returnValue(['system', 'host-name'])).toBe('r2');
    expect(t.returnValues(['system', 'host-name'])).toEqual(['r2']);
  });

  it('treats an explicit value under a tag-node hint as a tag (VRRP address is a tagNode in 1.4)', () => {
    const t = new ConfigTree();
    t.set(words('high-availability vrrp group LAN address'), '192.0.2.1/24');
    t.set(words('high-availability vrrp group LAN interface eth1'));
    expect(t.showConfig(['high-availability', 'vrrp', 'group', 'LAN'])).toEqual({
      address: { '192.0.2.1/24': {} },
      interface: 'eth1',
    });
  });

  it('treats an explicit value after a tag node as a tag value', () => {
    const t = new ConfigTree();
    t.set(['vrf', 'name'], 'RED');
    t.set(words('protocols static route 10.0.0.0/24 interface'), 'eth1');
    t.set(words('interfaces ethernet'), 'eth2');
    expect(t.showConfig()).toEqual({
      vrf: { name: { RED: {} } },
      protocols: { static: { route: { '10.0.0.0/24': { interface: { eth1: {} } } } } },
      interfaces: { ethernet: { eth2: {} } },
    });
  });

  it('says a path is empty when it is missing, a leaf, or has no children', () => {
    const t = treeOf('vrf name RED');
    expect(t.showConfig(['protocols'])).toBeUndefined();
    expect(t.showConfig(['vrf', 'name', 'RED'])).toBeUndefined();
    expect(t.showConfig(['vrf'])).toEqual({ name: { RED: {} } });
    expect(new ConfigTree().showConfig()).toBeUndefined();
  });

  it('round-trips through showConfig JSON', () => {
    const json = {
      interfaces: { ethernet: { eth0: { address: ['10.0.0.1/24', '10.0.1.1/24'], mtu: '9000' } } },
      protocols: { static: { route: { '0.0.0.0/0': { blackhole: {} } } } },
    };
    const t = ConfigTree.fromJson(json);
    expect(t.showConfig()).toEqual(json);
    const copy = t.clone();
    copy.set(['interfaces', 'ethernet', 'eth0', 'mtu'], '1500');
    expect(t.returnValue(['interfaces', 'ethernet', 'eth0', 'mtu'])).toBe('9000');
  });

  it('renders `show configuration commands` with quoted leaf values', () => {
    const t = treeOf(
      'interfaces ethernet eth0 address 10.0.0.1/24',
      'protocols static route 10.9.0.0/24 blackhole',
    );
    expect(t.toCommands()).toEqual([
      "set interfaces ethernet eth0 address '10.0.0.1/24'",
      'set protocols static route 10.9.0.0/24 blackhole',
    ]);
  });
});

describe('ConfigTree set/delete/exists', () => {
  it('deletes one value of a multi-value leaf, then the leaf, then emptied parents', () => {
    const t = treeOf(
      'interfaces ethernet eth0 address 10.0.0.1/24',
      'interfaces ethernet eth0 address 10.0.1.1/24',
      'system host-name r1',
    );
    expect(t.exists(words('interfaces ethernet eth0 address 10.0.1.1/24'))).toBe(true);
    expect(t.delete(words('interfaces ethernet eth0 address'), '10.0.1.1/24')).toBe(true);
    expect(t.returnValues(words('interfaces ethernet eth0 address'))).toEqual(['10.0.0.1/24']);
    expect(t.delete(words('interfaces ethernet eth0 address 10.0.0.1/24'))).toBe(true);
    expect(t.exists(['interfaces'])).toBe(false);
    expect(t.showConfig()).toEqual({ system: { 'host-name': 'r1' } });
  });

  it('reports a delete of a missing path or value', () => {
    const t = treeOf('system host-name r1');
    expect(t.delete(words('protocols bgp'))).toBe(false);
    expect(t.delete(words('system host-name r9'))).toBe(false);
    expect(t.exists(words('system host-name r9'))).toBe(false);
    expect(t.returnValue(words('system domain-name'))).toBeNull();
    expect(t.returnValues(words('system domain-name'))).toEqual([]);
  });

  it('fails like the CLI when a leaf is used as a node', () => {
    const t = treeOf('system host-name r1');
    expect(() => t.set(['system', 'host-name'])).toThrow(
      new ConfigCliError('Configuration path: [system host-name] requires a value'),
    );
  });
});

describe('defaultPathValidator (1.3 spellings a 1.4 router rejects)', () => {
  it.each([
    ['protocols bgp 65001 neighbor 192.0.2.2 remote-as 65002', 'protocols bgp 65001'],
    [
      'protocols static interface-route 10.0.0.0/24 next-hop-interface eth1',
      'protocols static interface-route',
    ],
    ['protocols vrf RED static route 10.0.0.0/24 blackhole', 'protocols vrf'],
    ['interfaces wireguard wg0 peer P1 pubkey abc=', 'interfaces wireguard wg0 peer P1 pubkey'],
    [
      'high-availability vrrp group LAN virtual-address 192.0.2.1/24',
      'high-availability vrrp group LAN virtual-address',
    ],
    ['nat source rule 100 outbound-interface eth0', 'nat source rule 100 outbound-interface eth0'],
    ['firewall name WAN-IN default-action drop', 'firewall name'],
    ['vrf name RED protocols bgp 65001 neighbor x', 'vrf name RED protocols bgp 65001'],
  ])('%s', (line, prefix) => {
    expect(defaultPathValidator(words(line), 'set')).toBe(`Configuration path: [${prefix}] is not valid`);
  });

  it('accepts 1.4 spellings', () => {
    for (const line of [
      'protocols bgp system-as 65001',
      'protocols static route 10.0.0.0/24 interface eth1',
      'vrf name RED protocols bgp system-as 65001',
      'nat source rule 100 outbound-interface name eth0',
      'firewall ipv4 name WAN-IN default-action drop',
      'interfaces wireguard wg0 peer P1 public-key abc=',
    ]) {
      expect(defaultPathValidator(words(line), 'set')).toBeUndefined();
    }
  });
});
