/**
 * Tenant provisioning as a plan (issue 8): the tenant's VRF on every router through the VyOS API
 * (1.4+ paths: `vrf name X table N`, `vrf name X protocols bgp …` with RD and route targets, the
 * L3 VNI where EVPN is used, a VLAN sub-interface per hypervisor uplink — VRF-lite, one eBGP
 * session per VRF), then on every hypervisor the VRF device, its VLANs, the tenant prefix-lists and
 * route-maps and the BGP instance in the VRF. Pure: every command comes from the input.
 */
import type { DeviceSpec } from '../../model/device.ts';
import type { DeviceDiff, Plan, Step, StepAction } from '../../model/plan.ts';
import { shellJoin } from '../../transport/ssh/quote.ts';
import type { PlanMeta } from '../plan/build.ts';
import {
  checkTenantInput,
  type HostFacts,
  type RouterFacts,
  type TenantIntent,
  type TenantPlanInput,
} from './intent.ts';
import { changeProtocolText } from './version.ts';

type VyosCommand = Extract<StepAction, { type: 'vyos-configure' }>['commands'][number];

export const ROUTER_STEP_TIMEOUT_MS = 30_000;
export const HOST_STEP_TIMEOUT_MS = 15_000;

const set = (path: string[], value?: string): VyosCommand => ({
  op: 'set',
  path,
  ...(value !== undefined ? { value } : {}),
});
const del = (path: string[]): VyosCommand => ({ op: 'delete', path });

/** The lab's and the reference's names: TENANT4-BLUE, TENANT-OUT4-BLUE for VRF blue. */
export function prefixListNames(vrf: string): { list4: string; list6: string; map4: string; map6: string } {
  const tag = vrf.toUpperCase();
  return {
    list4: `TENANT4-${tag}`,
    list6: `TENANT6-${tag}`,
    map4: `TENANT-OUT4-${tag}`,
    map6: `TENANT-OUT6-${tag}`,
  };
}

/** The set commands for one router (VyOS 1.4+ paths), in the order they are sent. */
export function routerCommands(t: TenantIntent, r: RouterFacts): VyosCommand[] {
  const vrf = ['vrf', 'name', t.vrf];
  const bgp = [...vrf, 'protocols', 'bgp'];
  const out: VyosCommand[] = [set([...vrf, 'table'], String(t.table))];
  if (t.vni !== undefined) out.push(set([...vrf, 'vni'], String(t.vni)));
  out.push(set([...bgp, 'system-as'], r.asn));
  for (const af of ['ipv4-unicast', 'ipv6-unicast']) {
    const a = [...bgp, 'address-family', af];
    out.push(
      set([...a, 'rd', 'vpn', 'export'], t.rd),
      // One leaf, several targets separated by spaces (vyos-1x include/bgp/afi-route-target-vpn.xml.i).
      set([...a, 'route-target', 'vpn', 'import'], t.rtImport.join(' ')),
      set([...a, 'route-target', 'vpn', 'export'], t.rtExport.join(' ')),
    );
  }
  if (t.vni !== undefined)
    for (const family of ['ipv4', 'ipv6'])
      out.push(set([...bgp, 'address-family', 'l2vpn-evpn', 'advertise', family, 'unicast']));
  for (const { iface } of r.uplinks) {
    const sub = `${iface}.${t.table}`;
    out.push(
      set(['interfaces', 'ethernet', iface, 'vif', String(t.table), 'vrf'], t.vrf),
      set([...bgp, 'neighbor', sub, 'interface', 'remote-as'], 'external'),
      set([...bgp, 'neighbor', sub, 'address-family', 'ipv4-unicast']),
      set([...bgp, 'neighbor', sub, 'address-family', 'ipv6-unicast']),
    );
  }
  return out;
}

/** What undoes the router's batch: the sub-interfaces and the VRF, which did not exist before. */
export function routerUndo(t: TenantIntent, r: RouterFacts): VyosCommand[] {
  return [
    ...r.uplinks.map(({ iface }) => del(['interfaces', 'ethernet', iface, 'vif', String(t.table)])),
    del(['vrf', 'name', t.vrf]),
  ];
}

function vtyshArgs(spec: DeviceSpec): string[] {
  const words = spec.vtysh.split(/\s+/).filter(Boolean);
  // Configuration needs root unless the inventory's vtysh already elevates.
  const elevated = ['sudo', 'doas'].includes(words[0] ?? '');
  return [...(elevated || !spec.privilege ? [] : spec.privilege.split(/\s+/)), ...words];
}

/** The vtysh configuration lines for one hypervisor (also its diff), in order. */
export function hostConfigLines(t: TenantIntent, h: HostFacts): string[] {
  const n = prefixListNames(t.vrf);
  const subs = h.uplinks.map(({ iface }) => `${iface}.${t.table}`);
  const lines: string[] = [];
  t.pools4.forEach((p, i) => lines.push(`ip prefix-list ${n.list4} seq ${10 * (i + 1)} permit ${p} ge 32`));
  t.pools6.forEach((p, i) => lines.push(`ipv6 prefix-list ${n.list6} seq ${10 * (i + 1)} permit ${p} ge 64`));
  for (const [map, match] of [
    [n.map4, `match ip address prefix-list ${n.list4}`],
    [n.map6, `match ipv6 address prefix-list ${n.list6}`],
  ] as const) {
    // The reference route-map: the elevated kernel metric (a migration target) becomes MED 0.
    lines.push(`route-map ${map} permit 5`, match, 'match metric 512', 'set metric 0', 'exit');
    lines.push(`route-map ${map} permit 10`, match, 'set metric 100', 'exit');
  }
  lines.push(`router bgp ${h.asn} vrf ${t.vrf}`);
  for (const sub of subs) lines.push(`neighbor ${sub} interface remote-as external`);
  lines.push('address-family ipv4 unicast', `redistribute kernel route-map ${n.map4}`, 'exit-address-family');
  lines.push('address-family ipv6 unicast', `redistribute kernel route-map ${n.map6}`);
  for (const sub of subs) lines.push(`neighbor ${sub} activate`);
  lines.push('exit-address-family', 'exit');
  return lines;
}

function hostStep(t: TenantIntent, h: HostFacts): Step {
  const run = (args: string[]): string =>
    h.spec.privilege ? `${h.spec.privilege} ${shellJoin(args)}` : shellJoin(args);
  const vtysh = (lines: string[]): string =>
    shellJoin([
      ...vtyshArgs(h.spec),
      '-c',
      'configure terminal',
      ...lines.flatMap((l) => ['-c', l]),
      '-c',
      'end',
    ]);
  const n = prefixListNames(t.vrf);
  const subs = h.uplinks.map(({ iface }) => ({ iface, sub: `${iface}.${t.table}` }));
  const commands = [
    run(['ip', 'link', 'add', t.vrf, 'type', 'vrf', 'table', String(t.table)]),
    run(['ip', 'link', 'set', t.vrf, 'up']),
    ...subs.flatMap(({ iface, sub }) => [
      run(['ip', 'link', 'add', 'link', iface, 'name', sub, 'type', 'vlan', 'id', String(t.table)]),
      run(['ip', 'link', 'set', sub, 'master', t.vrf, 'up']),
    ]),
    vtysh(hostConfigLines(t, h)),
  ];
  const undo = [
    vtysh([
      `no router bgp ${h.asn} vrf ${t.vrf}`,
      `no route-map ${n.map4}`,
      `no route-map ${n.map6}`,
      ...t.pools4.map((p, i) => `no ip prefix-list ${n.list4} seq ${10 * (i + 1)} permit ${p} ge 32`),
      ...t.pools6.map((p, i) => `no ipv6 prefix-list ${n.list6} seq ${10 * (i + 1)} permit ${p} ge 64`),
    ]),
    ...subs.map(({ sub }) => run(['ip', 'link', 'del', sub])),
    run(['ip', 'link', 'del', t.vrf]),
  ];
  return {
    id: `host-${h.spec.name}`,
    device: h.spec.name,
    description:
      `VRF ${t.vrf} (table ${t.table}), VLAN ${t.table} on ${subs.map((s) => s.iface).join(', ')}, ` +
      `prefix-lists ${n.list4}/${n.list6}, BGP in the VRF to ${h.uplinks.map((u) => u.router).join(', ')}; ` +
      `rollback: by ${undo.length} inverse command(s)`,
    action: { type: 'ssh', commands },
    rollback: { type: 'ssh', commands: undo },
    verify: [],
    timeoutMs: HOST_STEP_TIMEOUT_MS,
  };
}

/** How a router's change is committed, kept and undone, as the preview says it. */
export function rollbackMode(r: RouterFacts, confirmMinutes: number): string {
  return changeProtocolText(r.version, r.commitConfirm ? confirmMinutes : undefined, r.confirmAction);
}

function routerStep(t: TenantIntent, r: RouterFacts, confirmMinutes: number): Step {
  const commands = routerCommands(t, r);
  return {
    id: `router-${r.name}`,
    device: r.name,
    description:
      `VRF ${t.vrf} table ${t.table}, RD ${t.rd}, BGP in the VRF to ${r.uplinks.map((u) => u.host).join(', ')} ` +
      `(one commit); ${rollbackMode(r, confirmMinutes)}`,
    action: { type: 'vyos-configure', commands, ...(r.commitConfirm ? { confirmMinutes } : {}) },
    rollback: { type: 'vyos-configure', commands: routerUndo(t, r) },
    verify: [],
    timeoutMs: ROUTER_STEP_TIMEOUT_MS,
  };
}

/** `action reboot` (or per router when they differ): what an unconfirmed timer would do. */
function actions(routers: readonly RouterFacts[]): string {
  const armed = routers.filter((r) => r.commitConfirm);
  const kinds = new Set(armed.map((r) => r.confirmAction ?? 'reboot'));
  if (kinds.size === 1) return `action ${[...kinds][0]}`;
  return armed.map((r) => `${r.name}: action ${r.confirmAction ?? 'reboot'}`).join(', ');
}

const line = (c: VyosCommand): string =>
  [c.op, ...c.path, ...(c.value !== undefined ? [c.value] : [])].join(' ');

/** Routers first (each one commit), then the hypervisors: a session comes up once both ends have it. */
export function planTenantProvisioning(input: TenantPlanInput, meta: PlanMeta): Plan {
  checkTenantInput(input);
  const { intent: t, routers, hosts, confirmMinutes } = input;
  const steps = [
    ...routers.map((r) => routerStep(t, r, confirmMinutes)),
    ...hosts.map((h) => hostStep(t, h)),
  ];
  const diffs: DeviceDiff[] = [
    ...routers.map((r) => ({ device: r.name, before: [], after: routerCommands(t, r).map(line) })),
    ...hosts.map((h) => ({
      device: h.spec.name,
      before: [],
      after: [
        `vrf ${t.vrf} table ${t.table} up`,
        ...h.uplinks.map(({ iface }) => `vlan ${iface}.${t.table} master ${t.vrf} up`),
        ...hostConfigLines(t, h),
      ],
    })),
  ];
  const automatic = routers.filter((r) => r.commitConfirm).map((r) => r.name);
  return {
    id: meta.id,
    kind: 'tenant',
    createdAt: meta.now.toISOString(),
    operator: meta.operator,
    workload: `tenant:${t.name}`,
    tenant: t.name,
    summary:
      `provision tenant ${t.name}: VRF ${t.vrf} table ${t.table}, RD ${t.rd}, RT import ${t.rtImport.join(' ')} ` +
      `export ${t.rtExport.join(' ')}${t.vni !== undefined ? `, L3 VNI ${t.vni}` : ''}; pools ${[...t.pools4, ...t.pools6].join(', ')}; ` +
      `on ${routers.map((r) => r.name).join(', ')} and ${hosts.length} hypervisor(s); ` +
      'routers: saved (/config-file save) once verified, undone by inverse commands on a failure' +
      (automatic.length === 0
        ? ' (no commit-confirm)'
        : `; commit-confirm ${confirmMinutes} min on ${automatic.join(', ')} (${actions(routers)}), never left running`),
    steps,
    diffs,
    routeChanges: [],
    artifacts: {},
  };
}
