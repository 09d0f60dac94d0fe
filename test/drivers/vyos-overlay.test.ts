import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  vrrpGroupsFromConfig,
  vxlanFromConfig,
  wireguardPeersFromConfig,
} from '../../src/drivers/vyos/overlay-config.ts';
import {
  parseEvpnNexthops,
  parseEvpnVnis,
  parseKeepalivedJson,
  parseWgShowFields,
} from '../../src/drivers/vyos/overlay-runtime.ts';
import {
  collectOverlay,
  mergeVrrp,
  mergeWireguard,
  overlayCommands,
} from '../../src/drivers/vyos/overlay.ts';
import { ParseError } from '../../src/drivers/errors.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import { vrrpProblems, wireguardProblem, vniProblem } from '../../src/model/overlay.ts';

const fixture = (name: string) => readFileSync(path.join('fixtures/overlay', name), 'utf8');
const json = (name: string): unknown => JSON.parse(fixture(name));
const K1 = 'aA4opNfIZ5SUW0+AgGzbzA7l4I/zSB0PaoUdCqfb2u4=';
const K2 = 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=';

describe('WireGuard', () => {
  it('parses the four wg show fields into peers; handshake 0 means never', () => {
    const peers = parseWgShowFields(fixture('wg-show-fields.txt'));
    expect(peers).toHaveLength(3);
    expect(peers[0]).toEqual({
      interface: 'wg0',
      publicKey: K1,
      endpoint: '192.0.2.12:51820',
      allowedIps: ['10.254.0.2/32', '10.255.0.2/32'],
      latestHandshakeAt: 1_700_000_000_000,
      rxBytes: 229320191,
      txBytes: 312480260,
    });
    expect(peers[1]).toMatchObject({
      endpoint: null,
      allowedIps: [],
      latestHandshakeAt: null,
      txBytes: 1184,
    });
    expect(peers[2]).toMatchObject({ interface: 'wg1', endpoint: '[2001:db8::7]:51821' });
  });

  it('no interfaces: three separators and nothing else', () => {
    expect(parseWgShowFields('---\n---\n---\n')).toEqual([]);
  });

  it('rejects output it does not understand, naming the field', () => {
    expect(() => parseWgShowFields('wg0\tnot-a-key\t1\n---\n---\n---\n')).toThrow(
      /wg show endpoints: unexpected line/,
    );
    expect(() => parseWgShowFields('interface: wg0\n')).toThrow(ParseError);
    expect(() => parseWgShowFields(`---\n---\nwg0\t${K1}\tsoon\n---\n`)).toThrow(/not a number/);
  });

  it('reads the peer key from `pubkey` (1.3) and `public-key` (1.4), never the private or preshared key', () => {
    const v13 = wireguardPeersFromConfig(json('vyos-1.3-wireguard.json'));
    const v14 = wireguardPeersFromConfig(json('vyos-1.4-wireguard.json'));
    expect(v13.map((p) => [p.name, p.publicKey, p.endpoint])).toEqual([
      ['dc2', K1, '192.0.2.12:51820'],
      ['laptop', K2, null],
    ]);
    expect(v13[1]!.allowedIps).toEqual(['10.254.0.9/32']); // one value: a string in showConfig
    expect(v14.map((p) => [p.name, p.publicKey, p.disabled])).toEqual([
      ['dc2', K1, false],
      ['old', expect.any(String), true],
    ]);
    expect(JSON.stringify(v14)).not.toMatch(/iDthhSPK|0nQ3dXUx/);
    expect(wireguardPeersFromConfig(null)).toEqual([]);
    expect(() => wireguardPeersFromConfig({ wg0: { peer: { x: { address: '1.2.3.4' } } } })).toThrow(
      /no public key/,
    );
  });

  it('joins runtime and config: names from the config, configured peers missing from wg show flagged', () => {
    const runtime = parseWgShowFields(fixture('wg-show-fields.txt')).map((p) => ({
      ...p,
      interface: 'wg01',
    }));
    const peers = mergeWireguard('r1', runtime, wireguardPeersFromConfig(json('vyos-1.4-wireguard.json')));
    expect(peers.find((p) => p.publicKey === K1)?.name).toBe('dc2');
    // `old` is disabled: not expected in wg show, so not flagged.
    expect(peers.filter((p) => p.configuredOnly)).toEqual([]);
    const missing = mergeWireguard('r1', [], wireguardPeersFromConfig(json('vyos-1.3-wireguard.json')));
    expect(missing.map((p) => [p.name, p.configuredOnly])).toEqual([
      ['dc2', true],
      ['laptop', true],
    ]);
  });

  it('a peer is down when its latest handshake is older than 3 minutes, or never happened', () => {
    const now = 1_700_000_000_000;
    const peer = mergeWireguard('r1', parseWgShowFields(fixture('wg-show-fields.txt')), null);
    expect(wireguardProblem(peer[0]!, now + 179_000)).toBeNull();
    expect(wireguardProblem(peer[0]!, now + 181_000)).toMatch(/no handshake for 181 s/);
    expect(wireguardProblem(peer[1]!, now)).toMatch(/no handshake ever/);
  });
});

describe('VRRP', () => {
  it('parses keepalived JSON: states by number, effective priority, addresses without dev/scope', () => {
    const groups = parseKeepalivedJson(fixture('keepalived.json'));
    expect(groups).toEqual([
      {
        name: 'LAN',
        interface: 'eth1',
        vrid: 10,
        state: 'MASTER',
        priority: 200,
        addresses: ['192.0.2.1/24', '192.0.2.2/24'],
        lastTransitionAt: 1699999000123,
      },
      expect.objectContaining({ name: 'WAN', state: 'BACKUP', priority: 100, addresses: ['203.0.113.1/24'] }),
    ]);
    // json_version 2 wraps the list; an empty dump (keepalived not running) is no groups.
    expect(parseKeepalivedJson(`{"vrrp":${fixture('keepalived.json')}}`)).toHaveLength(2);
    expect(parseKeepalivedJson('[]')).toEqual([]);
    expect(() => parseKeepalivedJson('VRRP data is not available')).toThrow(/not JSON/);
    expect(() => parseKeepalivedJson('[{"data":{"iname":"X"}}]')).toThrow(/unexpected keepalived JSON/);
  });

  it('reads `virtual-address` (1.3) and `address` (1.4) alike', () => {
    const v13 = vrrpGroupsFromConfig(json('vyos-1.3-vrrp.json'));
    const v14 = vrrpGroupsFromConfig(json('vyos-1.4-vrrp.json'));
    expect(v13).toEqual(v14);
    expect(v14).toEqual([
      {
        name: 'LAN',
        interface: 'eth1',
        vrid: 10,
        priority: 200,
        addresses: ['192.0.2.1/24', '192.0.2.2/24'],
        disabled: false,
      },
      {
        name: 'WAN',
        interface: 'eth2',
        vrid: 20,
        priority: 100,
        addresses: ['203.0.113.1/24'],
        disabled: false,
      },
    ]);
  });

  it('a configured group keepalived does not report is NOT RUNNING', () => {
    const groups = mergeVrrp('r1', [], vrrpGroupsFromConfig(json('vyos-1.4-vrrp.json')));
    expect(groups.map((g) => g.state)).toEqual(['NOT RUNNING', 'NOT RUNNING']);
  });

  it('judges groups across routers: one MASTER is healthy, none or two is a problem, FAULT too', () => {
    const g = (device: string, state: 'MASTER' | 'BACKUP' | 'FAULT') => ({
      device,
      name: 'LAN',
      interface: 'eth1',
      vrid: 10,
      state,
      priority: 100,
      addresses: [],
      lastTransitionAt: null,
    });
    expect(vrrpProblems([g('a', 'MASTER'), g('b', 'BACKUP')]).size).toBe(0);
    expect([...vrrpProblems([g('a', 'MASTER'), g('b', 'MASTER')]).values()]).toEqual([
      '2 MASTERs (split brain)',
      '2 MASTERs (split brain)',
    ]);
    expect([...vrrpProblems([g('a', 'BACKUP'), g('b', 'BACKUP')]).values()]).toEqual([
      'no MASTER',
      'no MASTER',
    ]);
    const faulted = [g('a', 'FAULT'), g('b', 'MASTER')];
    expect([...vrrpProblems(faulted).entries()].map(([x, p]) => [x.device, p])).toEqual([
      ['a', 'member FAULT'],
    ]);
  });
});

describe('EVPN and VXLAN', () => {
  it('L2 VNIs carry their VTEPs, L3 VNIs take the next-hops; no VTEPs is a problem', () => {
    const nh = parseEvpnNexthops(fixture('evpn-nexthops.json'));
    expect(nh.get(4001)).toEqual(['192.0.2.21', '192.0.2.22']);
    const vnis = parseEvpnVnis(fixture('evpn-vni.json'), 'r1', nh);
    expect(vnis.map((v) => [v.vni, v.type, v.vrf, v.remoteVteps])).toEqual([
      [100, 'L2', 'default', ['192.0.2.21', '192.0.2.22']],
      [200, 'L2', 'default', []],
      [4001, 'L3', 'RED', ['192.0.2.21', '192.0.2.22']],
      [4002, 'L3', 'BLUE', []],
    ]);
    expect(vnis.filter((v) => vniProblem(v) !== null).map((v) => v.vni)).toEqual([200, 4002]);
  });

  it('FRR prints nothing without EVPN: no VNIs, not an error', () => {
    expect(parseEvpnVnis('', 'r1')).toEqual([]);
    expect(parseEvpnNexthops('')).toEqual(new Map());
    expect(() => parseEvpnVnis('% Unknown command', 'r1')).toThrow(ParseError);
    expect(parseEvpnVnis('{\n}\n', 'r1')).toEqual([]); // FRR 9.0+ without EVPN
  });

  it('refuses a document not keyed by VNI (the per-VNI detail), naming the device', () => {
    const detail = '{"vni":101,"type":"L2","vxlanInterface":"vxlan101","numRemoteVteps":1}';
    expect(() => parseEvpnVnis(detail, 'r1')).toThrow(/^r1: /);
    expect(() => parseEvpnVnis('{"101":{"vni":102,"type":"L2"}}', 'r1')).toThrow(
      'r1: unexpected show evpn vni JSON: key "101" is not its VNI',
    );
  });

  it('reads VXLAN interfaces; an unset port stays unknown (8472 on 1.3, 4789 on 1.4)', () => {
    expect(vxlanFromConfig(json('vyos-1.4-vxlan.json'))).toEqual([
      {
        name: 'vxlan100',
        vni: 100,
        remotes: ['192.0.2.21', '192.0.2.22'],
        sourceAddress: '192.0.2.11',
        port: 4789,
        vrf: null,
        external: false,
      },
      {
        name: 'vxlan4001',
        vni: 4001,
        remotes: [],
        sourceAddress: '192.0.2.11',
        port: null,
        vrf: 'RED',
        external: true,
      },
    ]);
  });
});

describe('collectOverlay', () => {
  const device: DeviceSpec = {
    name: 'r1',
    role: 'router',
    kind: 'vyos',
    host: '127.0.0.1',
    port: 22,
    user: 'noc',
    auth: { type: 'agent' },
    vtysh: 'vtysh',
    privilege: 'sudo -n',
  };
  const c = overlayCommands(device);

  it('sends only read commands, wg fields (never the dump with keys), the VRRP dump under sudo', () => {
    expect(c.wireguard).toBe(
      'sudo -n wg show all endpoints && echo --- && sudo -n wg show all allowed-ips && echo --- && ' +
        'sudo -n wg show all latest-handshakes && echo --- && sudo -n wg show all transfer',
    );
    expect(c.wireguard).not.toMatch(/dump|private/);
    expect(c.vrrp).toMatch(/^sudo -n python3 -c 'from vyos.ifconfig.vrrp import VRRP; /);
  });

  it('one failing source is a partial error; the others still come through', async () => {
    const replies: Record<string, { stdout: string; code: number; stderr?: string }> = {
      [c.wireguard]: { stdout: fixture('wg-show-fields.txt'), code: 0 },
      [c.vrrp]: { stdout: '', code: 1, stderr: 'vyos.ifconfig.vrrp.VRRPError: VRRP data is not available' },
      [c.evpnVnis]: { stdout: fixture('evpn-vni.json'), code: 0 },
      [c.evpnNexthops]: { stdout: fixture('evpn-nexthops.json'), code: 0 },
    };
    const runner = {
      exec: async (command: string) => ({ stderr: '', ...(replies[command] ?? { stdout: '', code: 127 }) }),
      execStream: async () => ({ code: 1, stderr: '' }),
    };
    const api = {
      showConfig: async (p: string[]) =>
        p[1] === 'wireguard'
          ? json('vyos-1.4-wireguard.json')
          : p[0] === 'high-availability'
            ? json('vyos-1.4-vrrp.json')
            : null,
    };
    const { overlay, errors } = await collectOverlay(device, runner, api);
    expect(errors).toEqual([expect.stringMatching(/^overlay vrrp: .*exit 1: vyos.ifconfig.vrrp.VRRPError/)]);
    expect(overlay.wireguard).toHaveLength(4); // 3 running + the configured dc2 on wg01 absent from wg show
    expect(overlay.vnis.map((v) => v.vni)).toEqual([100, 200, 4001, 4002]);
    expect(overlay.vrrp).toEqual([]); // runtime failed: no claims about the configured groups
  });
});
