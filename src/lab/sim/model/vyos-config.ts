/**
 * A VyOS router's running config as `/retrieve showConfig` returns it (1.4+ paths), and commits:
 * the new config is checked like VyOS's commit scripts would (VRF table ids, a VRF's BGP system-as,
 * vif VRFs, NAT rules), then VRFs, VLAN sub-interfaces, VRF BGP neighbors and static routes are brought in
 * line with it; everything else is stored as given.
 */
import type { VyosConfigJson } from '../types.ts';
import { parseCidr, type Prefix } from './addr.ts';
import type { SimNetwork } from './network.ts';
import type { SimNode } from './node.ts';
import { vniOf } from './overlay.ts';
import type { Prng } from './prng.ts';
import type { StaticRoute } from './rib.ts';
import type { SessionEnd } from './bgp-types.ts';

type Tree = VyosConfigJson;

function tree(v: unknown): Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Tree) : {};
}

/**
 * Large labs: routers send hypervisors `default-originate` and nothing else (fullTablesToHosts), set
 * once on a peer group its thousand neighbors join (one leaf each, not a subtree each).
 */
const HOSTS_DEFAULT_ONLY = 'HOSTS-DEFAULT-ONLY';
const HOSTS_GROUP = 'HOSTS';

function neighbors(sessions: readonly SessionEnd[]): Tree {
  const out: Tree = {};
  for (const s of sessions)
    out[s.iface] = {
      interface: { 'remote-as': 'external' },
      'address-family': { 'ipv4-unicast': {}, 'ipv6-unicast': {} },
      ...(s.exportDefaultOnly ? { 'peer-group': HOSTS_GROUP } : {}),
    };
  return out;
}

const HOSTS_PEER_GROUP: Tree = {
  [HOSTS_GROUP]: {
    'address-family': {
      'ipv4-unicast': { 'default-originate': {}, 'prefix-list': { export: HOSTS_DEFAULT_ONLY } },
      'ipv6-unicast': { 'default-originate': {}, 'prefix-list': { export: `${HOSTS_DEFAULT_ONLY}6` } },
    },
  },
};

const DEFAULT_ONLY_POLICY: Tree = {
  'prefix-list': {
    [HOSTS_DEFAULT_ONLY]: { rule: { '10': { action: 'deny', prefix: '0.0.0.0/0', le: '32' } } },
  },
  'prefix-list6': {
    [`${HOSTS_DEFAULT_ONLY}6`]: { rule: { '10': { action: 'deny', prefix: '::/0', le: '128' } } },
  },
};

export function renderVyosConfig(node: SimNode): Tree {
  const k = node.kernel;
  const ethernet: Tree = {};
  // Indexed once: a large lab's router has a thousand uplinks and twenty thousand VLANs.
  const peers = new Map<string, string>();
  for (const s of node.bgp.instances.get('default')?.sessions ?? [])
    if (!peers.has(s.iface)) peers.set(s.iface, s.remote.device);
  const vlansOf = new Map<string, Tree>();
  for (const sub of k.links.values()) {
    if (sub.parent === undefined || sub.vlanId === undefined) continue;
    const vifs = vlansOf.get(sub.parent) ?? {};
    vifs[String(sub.vlanId)] = { vrf: sub.master ?? '' };
    vlansOf.set(sub.parent, vifs);
  }
  for (const l of [...k.links.values()].sort((a, b) => a.index - b.index)) {
    if (l.kind !== 'ether') continue;
    const e: Tree = {};
    const v4 = l.addrs.find((a) => a.family === 4);
    if (v4) e['address'] = `${v4.local}/${v4.prefixlen}`;
    const peer = peers.get(l.name);
    e['description'] = peer ? `to ${peer}` : 'management';
    const vifs: Tree = vlansOf.get(l.name) ?? {};
    if (Object.keys(vifs).length) e['vif'] = vifs;
    ethernet[l.name] = e;
  }
  const bgp = (vrf: string): Tree => {
    const inst = node.bgp.instance(vrf);
    const af = (family: 4 | 6): Tree => ({
      redistribute: { static: {} } as Tree,
      ...(vrf === 'default' ? {} : vpn(family)),
    });
    const vpn = (family: 4 | 6): Tree => {
      const table = k.links.get(vrf)?.table ?? 0;
      void family;
      return {
        rd: { vpn: { export: `${inst.as}:${table}` } },
        'route-target': { vpn: { both: `${inst.as}:${table}` } },
      };
    };
    return {
      'system-as': String(inst.as),
      parameters: {
        'router-id': inst.routerId,
        ...(node.spec.alwaysCompareMed ? { 'always-compare-med': {} } : {}),
      },
      neighbor: neighbors(inst.sessions),
      ...(inst.sessions.some((s) => s.exportDefaultOnly) ? { 'peer-group': HOSTS_PEER_GROUP } : {}),
      'address-family': { 'ipv4-unicast': af(4), 'ipv6-unicast': af(6) },
    };
  };
  const vrfs: Tree = {};
  for (const v of k.vrfs()) vrfs[v.name] = { table: String(v.table), protocols: { bgp: bgp(v.name) } };
  const overlay = node.overlay?.config(node.name);
  if (overlay) for (const v of k.vrfs()) tree(vrfs[v.name])['vni'] = String(vniOf(v.table ?? 0));
  return {
    ...(overlay ? { 'high-availability': tree(overlay['high-availability']) } : {}),
    interfaces: {
      ethernet,
      loopback: { lo: { address: `${node.spec.routerId}/32` } },
      ...tree(overlay?.['interfaces']),
    },
    ...([...node.bgp.instances.values()].some((i) => i.sessions.some((s) => s.exportDefaultOnly))
      ? { policy: DEFAULT_ONLY_POLICY }
      : {}),
    protocols: { bgp: bgp('default') },
    system: { 'host-name': node.name },
    ...(Object.keys(vrfs).length ? { vrf: { name: vrfs } } : {}),
  };
}

function commitError(text: string, section: string): Error {
  return new Error(`${text}\n\n[[${section}]] failed\nCommit failed`);
}

/** `protocols static route[6] X interface Y | next-hop Z | blackhole`. */
function staticsOf(vrf: string, protocols: Tree, now: number): StaticRoute[] {
  const out: StaticRoute[] = [];
  const st = tree(protocols['static']);
  for (const key of ['route', 'route6']) {
    for (const [pfx, body] of Object.entries(tree(st[key]))) {
      const prefix: Prefix | null = parseCidr(pfx, key === 'route' ? 4 : 6);
      if (!prefix) throw commitError(`Invalid static route prefix "${pfx}"`, 'protocols static');
      const b = tree(body);
      if ('blackhole' in b) out.push({ vrf, prefix, blackhole: true, source: 'vyos', addedAt: now });
      for (const iface of Object.keys(tree(b['interface'])))
        out.push({ vrf, prefix, iface, source: 'vyos', addedAt: now });
      for (const nh of Object.keys(tree(b['next-hop'])))
        out.push({ vrf, prefix, nexthop: nh, source: 'vyos', addedAt: now });
    }
  }
  return out;
}

/**
 * VyOS 1.4's NAT commit checks (vyos-1x `src/conf_mode/nat.py` verify): a source or destination rule
 * translates to something, a static rule names its inbound interface. The rules are only stored.
 */
function checkNat(nat: Tree): void {
  for (const [kind, label] of [
    ['source', 'Source'],
    ['destination', 'Destination'],
  ] as const) {
    for (const [rule, body] of Object.entries(tree(tree(nat[kind])['rule']))) {
      const b = tree(body);
      const translation = tree(b['translation']);
      if (
        !('address' in translation) &&
        !('port' in translation) &&
        !('redirect' in translation) &&
        !('exclude' in b)
      )
        throw commitError(
          `${label} NAT configuration error in rule ${rule}: translation requires address and/or port`,
          'nat',
        );
    }
  }
  for (const [rule, body] of Object.entries(tree(tree(nat['static'])['rule'])))
    if (!('inbound-interface' in tree(body)))
      throw commitError(
        `Static NAT configuration error in rule ${rule}: inbound-interface not specified`,
        'nat',
      );
}

export function applyVyosConfig(node: SimNode, network: SimNetwork, config: Tree, prng: Prng): void {
  const k = node.kernel;
  checkNat(tree(config['nat']));
  const wanted = new Map<string, number>();
  const tables = new Map<number, string>();
  for (const [name, body] of Object.entries(tree(tree(config['vrf'])['name']))) {
    const t = tree(body)['table'];
    const table = Number(t);
    if (t === undefined) throw commitError(`VRF "${name}" table id is mandatory!`, 'vrf');
    if (tables.has(table) || [254, 255].includes(table))
      throw commitError(`VRF "${name}" table id is not unique!`, 'vrf');
    const existing = k.links.get(name);
    if (existing?.kind === 'vrf' && existing.table !== table)
      throw commitError(`VRF "${name}" table id modification not possible!`, 'vrf');
    tables.set(table, name);
    wanted.set(name, table);
  }
  // VRF-lite uplinks: `interfaces ethernet E vif N vrf V` is the VLAN sub-interface E.N in V.
  const vifs = new Map<string, { parent: string; vlanId: number; vrf: string | undefined }>();
  for (const [eth, body] of Object.entries(tree(tree(config['interfaces'])['ethernet']))) {
    for (const [id, vif] of Object.entries(tree(tree(body)['vif']))) {
      const vrf = tree(vif)['vrf'];
      const name = typeof vrf === 'string' && vrf !== '' ? vrf : undefined;
      if (name !== undefined && !wanted.has(name))
        throw commitError(`VRF "${name}" does not exist!`, `interfaces ethernet ${eth} vif ${id}`);
      vifs.set(`${eth}.${id}`, { parent: eth, vlanId: Number(id), vrf: name });
    }
  }
  const neighbors = new Map<string, string[]>();
  for (const [name, body] of Object.entries(tree(tree(config['vrf'])['name']))) {
    const protocols = tree(tree(body)['protocols']);
    if (!('bgp' in protocols)) continue;
    const bgp = tree(protocols['bgp']);
    if (typeof bgp['system-as'] !== 'string')
      throw commitError('BGP system-as number must be defined!', `vrf name ${name} protocols bgp`);
    neighbors.set(name, Object.keys(tree(bgp['neighbor'])));
  }
  const now = Date.now();
  const statics = staticsOf('default', tree(config['protocols']), now);
  for (const [name, body] of Object.entries(tree(tree(config['vrf'])['name'])))
    statics.push(...staticsOf(name, tree(tree(body)['protocols']), now));
  // Checks passed: from here on the commit succeeds.
  for (const v of k.vrfs()) if (!wanted.has(v.name)) network.removeVrf(node, v.name);
  for (const [name, table] of wanted) {
    if (k.links.has(name)) continue;
    k.addLink(name, 'vrf', prng.mac(), { table });
    k.setUp(name, true);
    node.bgp.instance(name);
    for (const f of [4, 6]) node.redistribute.add(`${name}|${f}|static`);
  }
  for (const link of [...k.links.values()])
    if (link.kind === 'vlan' && link.parent !== undefined && !vifs.has(link.name) && k.links.has(link.name))
      k.deleteLink(link.name);
  for (const [name, vif] of vifs) {
    const parent = k.links.get(vif.parent);
    if (!parent) continue;
    if (!k.links.has(name)) {
      k.addLink(name, 'vlan', parent.mac, { parent: vif.parent, vlanId: vif.vlanId });
      k.setUp(name, true);
    }
    if (k.links.get(name)?.master !== vif.vrf) k.setMaster(name, vif.vrf);
  }
  for (let i = node.statics.length - 1; i >= 0; i--)
    if (node.statics[i]?.source === 'vyos') node.statics.splice(i, 1);
  node.statics.push(...statics);
  node.touch();
  node.sync();
  for (const [vrf, ifaces] of neighbors) for (const iface of ifaces) node.bgp.configureNeighbor(vrf, iface);
}
