/**
 * Builds the lab fabric from its options: routers and hypervisors with their interfaces, VRFs,
 * sessions and workloads, exactly as a provisioning system would have left them, then lets BGP
 * converge (synchronously) so the lab opens on a settled network.
 */
import type { SimFabricOptions, SimWorkload } from '../types.ts';
import { eui64LinkLocal, parseCidr, type Prefix } from './addr.ts';
import { defaultMetric, MAIN_TABLE } from './kernel.ts';
import { SimNetwork } from './network.ts';
import type { SimNode } from './node.ts';
import { Prng } from './prng.ts';
import { planTenants, planWorkloads, type PlannedWorkload, type TenantPlan } from './tenants.ts';

export const ROUTER_AS = 65000;
export const FIRST_HV_AS = 65101;

export interface BuiltFabric {
  network: SimNetwork;
  tenants: TenantPlan[];
  workloads: SimWorkload[];
  routers: string[];
  hosts: string[];
}

function must(p: Prefix | null): Prefix {
  if (!p) throw new Error('internal: bad prefix');
  return p;
}

function vrfTenants(tenants: readonly TenantPlan[]): { vrf: string; table: number }[] {
  return tenants.flatMap((t) =>
    t.vrf !== undefined && t.table !== undefined ? [{ vrf: t.vrf, table: t.table }] : [],
  );
}

/** Interfaces every device has: loopback with the router id, management, VRF devices. */
function baseInterfaces(
  node: SimNode,
  prng: Prng,
  mgmt: { name: string; address: string },
  vrfs: { vrf: string; table: number }[],
): void {
  const k = node.kernel;
  k.addLink('lo', 'loopback', '00:00:00:00:00:00');
  k.addAddress('lo', { family: 4, local: node.spec.routerId, prefixlen: 32, scope: 'global' });
  k.addLink(mgmt.name, 'ether', prng.mac());
  k.setUp(mgmt.name, true);
  k.addAddress(mgmt.name, { family: 4, local: mgmt.address, prefixlen: 24, scope: 'global' });
  for (const v of vrfs) {
    k.addLink(v.vrf, 'vrf', prng.mac(), { table: v.table });
    k.setUp(v.vrf, true);
  }
}

/** An uplink and its per-VRF VLAN sub-interfaces (VRF-lite: one eBGP session per VRF). */
function uplink(node: SimNode, name: string, prng: Prng, vrfs: { vrf: string; table: number }[]): string {
  const k = node.kernel;
  const mac = prng.mac();
  k.addLink(name, node.spec.kind === 'vyos' ? 'ether' : 'veth', mac);
  k.setUp(name, true);
  for (const v of vrfs) {
    const sub = `${name}.${v.table}`;
    k.addLink(sub, 'vlan', mac, { parent: name, vlanId: v.table });
    k.setMaster(sub, v.vrf);
    k.setUp(sub, true);
  }
  return eui64LinkLocal(mac);
}

function addWorkload(node: SimNode, planned: PlannedWorkload, prng: Prng): void {
  const { record: w, v4, v6 } = planned;
  const k = node.kernel;
  k.addLink(w.tap, 'tun', prng.mac());
  if (w.vrf !== 'default') k.setMaster(w.tap, w.vrf);
  k.setUp(w.tap, true);
  k.addAddress(w.tap, { family: 4, local: '169.254.0.1', prefixlen: 32, scope: 'global' });
  k.addAddress(w.tap, { family: 6, local: 'fe80::1', prefixlen: 64, scope: 'link', nodad: true });
  const table = k.tableOf(w.tap);
  k.addRoute({ prefix: v4, table, dev: w.tap, metric: defaultMetric(4), protocol: 'boot' });
  k.addRoute({ prefix: v6, table, dev: w.tap, metric: defaultMetric(6), protocol: 'boot' });
  node.nft.allow4.add(`${w.tap} . ${v4.text}`);
  node.nft.allow6.add(`${w.tap} . ${v6.text}`);
  node.nft.allow6.add(`${w.tap} . fe80::/64`);
}

/** Hypervisor i's router id: 10.255.1.1 … 10.255.1.254, then 10.255.2.1 … (one /24 holds 254). */
export function hostRouterId(i: number): string {
  return `10.255.${1 + Math.floor(i / 254)}.${(i % 254) + 1}`;
}

/** Hypervisor i's management address: 198.18.0.101 … 198.18.0.254, then 198.18.1.1 … */
export function hostMgmtAddress(i: number): string {
  if (i < 154) return `198.18.0.${101 + i}`;
  const j = i - 154;
  return `198.18.${1 + Math.floor(j / 254)}.${(j % 254) + 1}`;
}

/** Full tables on every hypervisor grow as hosts × routes: only within these. */
export const FULL_TABLES_MAX = { hosts: 50, workloads: 500 };

/**
 * Whether routers send hypervisors their whole tables (as a small lab always has) or only a default
 * route: every hypervisor holding every route is hosts × routes paths, which past the old limits
 * (50 hosts, 500 workloads) no longer fits one process.
 */
export function fullTablesToHosts(options: SimFabricOptions): boolean {
  return (
    (options.hostRoutes ??
      (options.hosts <= FULL_TABLES_MAX.hosts && options.workloads <= FULL_TABLES_MAX.workloads
        ? 'full'
        : 'default')) === 'full'
  );
}

export function buildFabric(options: SimFabricOptions): BuiltFabric {
  const prng = new Prng(options.seed);
  const bootedAt = Date.now() - prng.int(3, 9) * 3600_000;
  const network = new SimNetwork(
    options.hopDelayMs,
    options.jitterMs,
    new Prng(options.seed ^ 0x5eed),
    bootedAt,
  );
  const tenants = planTenants(options.tenants, options.workloads);
  const defaultToHosts = !fullTablesToHosts(options);
  const vrfs = vrfTenants(tenants);
  const routers = Array.from({ length: options.routers }, (_, i) => `spine${i + 1}`);
  const hosts = Array.from({ length: options.hosts }, (_, i) => `hv${i + 1}`);
  const pools = new Map<string, Prefix[]>();
  for (const t of tenants) {
    const vrf = t.vrf ?? 'default';
    const list = [...t.pools4, ...t.pools6].map((p) => must(parseCidr(p)));
    pools.set(vrf, [...(pools.get(vrf) ?? []), ...list]);
  }
  const rtrNodes = routers.map((name, j) =>
    network.addNode({
      name,
      role: 'router',
      kind: 'vyos',
      asn: ROUTER_AS,
      routerId: `10.255.0.${j + 1}`,
      alwaysCompareMed: true,
      ...(defaultToHosts ? { defaultToHosts } : {}),
      pools: new Map(),
    }),
  );
  const hvNodes = hosts.map((name, i) =>
    network.addNode({
      name,
      role: 'hypervisor',
      kind: 'frr-linux',
      asn: FIRST_HV_AS + i,
      routerId: hostRouterId(i),
      alwaysCompareMed: false,
      pools,
    }),
  );
  rtrNodes.forEach((n, j) =>
    baseInterfaces(n, prng, { name: 'eth0', address: `198.18.0.${10 + j + 1}` }, vrfs),
  );
  hvNodes.forEach((n, i) => baseInterfaces(n, prng, { name: 'mgmt0', address: hostMgmtAddress(i) }, vrfs));
  for (const n of [...rtrNodes, ...hvNodes]) {
    for (const vrf of ['default', ...vrfs.map((v) => v.vrf)]) {
      n.bgp.instance(vrf);
      for (const family of [4, 6])
        n.redistribute.add(`${vrf}|${family}|${n.spec.role === 'router' ? 'static' : 'kernel'}`);
    }
  }
  const planned = planWorkloads(options.workloads, tenants, hosts, prng);
  for (const p of planned) {
    const node = network.node(p.record.host);
    if (node) addWorkload(node, p, prng);
  }
  const workloads = planned.map((p) => p.record);
  hvNodes.forEach((hv, i) => {
    rtrNodes.forEach((rtr, j) => {
      const rIf = `eth${i + 1}`;
      const hIf = `eth${j}`;
      const rLL = uplink(rtr, rIf, prng, vrfs);
      const hLL = uplink(hv, hIf, prng, vrfs);
      const since = bootedAt + prng.int(5, 60) * 1000;
      for (const v of [{ vrf: 'default', table: MAIN_TABLE }, ...vrfs]) {
        const sfx = v.vrf === 'default' ? '' : `.${v.table}`;
        const end = (node: SimNode, iface: string, linkLocal: string) => ({
          device: node.name,
          vrf: v.vrf,
          iface: iface + sfx,
          linkLocal,
          localAs: node.spec.asn,
          routerId: node.spec.routerId,
        });
        network.connect(end(rtr, rIf, rLL), end(hv, hIf, hLL), since);
      }
    });
  });
  for (const n of network.nodes.values()) n.sync();
  network.goLive();
  return { network, tenants, workloads, routers, hosts };
}
