/**
 * decommission: withdraw the workload's routes, verify every router lost them, then remove its
 * vmguard elements and TAP setup. Releasing the /32 and /64 is a registry change, not a device
 * action: the executor releases them when a `decommission` plan is applied (the summary says so).
 */
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
  workloadLines,
  type PlanMeta,
  type PlanTarget,
} from './build.ts';
import { checkAnnouncers, checkDevice, checkRouters, checkWorkload, PlanError } from './validate.ts';

export interface DecommissionIntent extends PlanTarget {
  host: DeviceSpec;
}

export function planDecommission(intent: DecommissionIntent, meta: PlanMeta): Plan {
  const { tenant, workload: w, host, routers, live } = intent;
  const manageTap = intent.manageTap ?? true;
  checkWorkload(w, tenant);
  checkDevice(host, 'hypervisor', 'host');
  checkRouters(routers);
  if (w.host !== host.name)
    throw new PlanError(`workload ${w.name} is recorded on ${w.host}, not ${host.name}`);
  // Another host announcing it means a conflict an engineer must look at before anything is removed.
  for (const { prefix } of prefixesOf(w))
    checkAnnouncers(prefix, live.announcedBy(prefix, w.vrf), [host.name]);

  const steps = [
    opStep(
      'withdraw',
      host,
      `Withdraw ${w.ipv4}/32 and ${w.ipv6Prefix} at ${host.name} (delete the kernel routes)`,
      routeOps(w, 'del'),
      verifyAll(w, routers, 'withdrawn'),
    ),
    opStep('cleanup', host, `Remove ${w.name}'s vmguard elements and ${w.tap} setup at ${host.name}`, [
      ...guardOps(w, 'delete'),
      ...tapOps(w, 'del', manageTap),
    ]),
  ];
  return {
    id: meta.id,
    kind: 'decommission',
    createdAt: meta.now.toISOString(),
    operator: meta.operator,
    workload: w.name,
    tenant: tenant.name,
    summary: `Decommission ${w.name} (tenant ${tenant.name}, VRF ${w.vrf}) on ${host.name}: ${w.ipv4}/32 and ${w.ipv6Prefix} disappear, then are released in the registry`,
    steps: steps.map((s) => s.step),
    diffs: diffsOf(steps, new Map([[host.name, workloadLines(w, manageTap)]])),
    routeChanges: routeChangesOf(w, routers, 'disappears', host.name),
    artifacts: {},
  };
}
