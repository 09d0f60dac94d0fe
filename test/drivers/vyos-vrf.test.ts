import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/drivers/errors.ts';
import { vrfsFromVyosConfig } from '../../src/drivers/vyos/vrf-config.ts';

// showConfig(['vrf']) as VyOS 1.4 renders `vrf name …` (single values as strings, multi as lists).
const CONFIG = {
  name: {
    RED: {
      table: '100',
      vni: '10100',
      protocols: {
        bgp: {
          'system-as': '65000',
          'address-family': {
            'ipv4-unicast': {
              rd: { vpn: { export: '65000:100' } },
              'route-target': { vpn: { both: '65000:100', import: '65000:1 65000:2' } },
            },
            'l2vpn-evpn': { rd: '10.0.0.1:100', 'route-target': { export: ['65000:300'] } },
          },
        },
      },
    },
    BLUE: { table: '200' },
  },
};

describe('vrfsFromVyosConfig', () => {
  it('reads table, VNI, RD and route targets', () => {
    expect(vrfsFromVyosConfig(CONFIG)).toEqual([
      {
        name: 'RED',
        table: 100,
        vni: 10100,
        rd: '65000:100',
        routeTargetsImport: ['65000:1', '65000:2', '65000:100'],
        routeTargetsExport: ['65000:100', '65000:300'],
      },
      { name: 'BLUE', table: 200, vni: null, rd: null, routeTargetsImport: [], routeTargetsExport: [] },
    ]);
  });

  it('has no VRFs for an empty path', () => {
    expect(vrfsFromVyosConfig(null)).toEqual([]);
    expect(vrfsFromVyosConfig({})).toEqual([]);
  });

  it('throws ParseError on a shape it does not know', () => {
    expect(() => vrfsFromVyosConfig({ name: { RED: { table: { x: 1 } } } })).toThrow(ParseError);
    expect(() => vrfsFromVyosConfig('vrf name RED')).toThrow(ParseError);
  });
});
