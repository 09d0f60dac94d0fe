/**
 * create: attach a new workload on its hypervisor — TAP and link-local gateways, anti-spoof set
 * elements, then the /32 and /64 kernel routes. FRR on the host already redistributes kernel
 * routes within the tenant prefix-lists (reference config, §3), so the route *is* the announcement.
 */
import { isValidIp } from '../../addr/cidr.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan } from '../../model/plan.ts';
import {
  diffsOf,
  guardOps,
  opStep,
  prefixesOf,
  routeChangesOf,
  routeOps,
  tapOps,
  verifyAll,
  type PlanMeta,
  type PlanTarget,
} from './build.ts';
import { cloudInitArtifacts } from './cloud-init.ts';
import { GATEWAY4, GATEWAY6 } from './host-ops.ts';
import {
  checkAnnouncers,
  checkDevice,
  checkMac,
  checkRouters,
  checkWorkload,
  PlanError,
} from './validate.ts';

export interface CreateIntent extends PlanTarget {
  host: DeviceSpec;
  /** The guest NIC's MAC, written into network-config so cloud-init matches the right interface. */
  mac: string;
  dnsServers?: string[];
  /** The guest NIC's MTU (inventory `guest.mtu`); IPv6 needs at least 1280. */
  mtu?: number;
}

export function planCreate(intent: CreateIntent, meta: PlanMeta): Plan {
  const { tenant, workload: w, host, routers, live } = intent;
  const manageTap = intent.manageTap ?? true;
  checkWorkload(w, tenant);
  checkDevice(host, 'hypervisor', 'host');
  checkRouters(routers);
  checkMac(intent.mac);
  for (const dns of intent.dnsServers ?? []) {
    if (!isValidIp(dns)) throw new PlanError(`DNS server ${JSON.stringify(dns)} is not an IP address`);
  }
  if (intent.mtu !== undefined && !(Number.isInteger(intent.mtu) && intent.mtu >= 1280 && intent.mtu <= 9216))
    throw new PlanError(`guest MTU ${intent.mtu} is not a whole number from 1280 (IPv6's minimum) to 9216`);
  if (w.host !== host.name)
    throw new PlanError(`workload ${w.name} is recorded on ${w.host}, not ${host.name}`);
  for (const { prefix } of prefixesOf(w)) checkAnnouncers(prefix, live.announcedBy(prefix, w.vrf), []);

  const steps = [
    opStep(
      'tap',
      host,
      `Set up ${w.tap}: up, gateways ${GATEWAY4}/32 and ${GATEWAY6}/64`,
      tapOps(w, 'add', manageTap),
    ),
    opStep('guard', host, `Allow ${w.name}'s addresses as sources on ${w.tap} (vmguard)`, guardOps(w, 'add')),
    opStep(
      'announce',
      host,
      `Route ${w.ipv4}/32 and ${w.ipv6Prefix} to ${w.tap}; the host's FRR redistributes the kernel routes (tenant prefix-lists), which announces them`,
      routeOps(w, 'add'),
      verifyAll(w, routers, 'announced-by', host.name),
    ),
  ];
  return {
    id: meta.id,
    kind: 'create',
    createdAt: meta.now.toISOString(),
    operator: meta.operator,
    workload: w.name,
    tenant: tenant.name,
    summary: `Create ${w.name} (tenant ${tenant.name}, VRF ${w.vrf}) on ${host.name}: ${w.ipv4}/32 and ${w.ipv6Prefix} announced via ${w.tap}`,
    steps: steps.map((s) => s.step),
    diffs: diffsOf(steps, new Map()),
    routeChanges: routeChangesOf(w, routers, 'appears', undefined, host.name),
    artifacts: cloudInitArtifacts(w, {
      mac: intent.mac,
      ...(intent.dnsServers ? { dnsServers: intent.dnsServers } : {}),
      ...(intent.mtu !== undefined ? { mtu: intent.mtu } : {}),
    }),
  };
}
