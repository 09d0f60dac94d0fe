/**
 * Whether a new snapshot changes what the workload index reads of its device (issue 16: with nothing
 * changing, a poll must not rebuild a 50k-workload index). Hypervisors: their workload routes.
 * Routers: the route table object (reused by the driver while unchanged, route-check.ts) and the BGP
 * peers' names that resolve next hops to hosts. A device whose last poll failed always counts as
 * changed (its workloads' host problem clears).
 */
import type { DeviceRole } from '../model/device.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';

const routeKey = (r: DeviceSnapshot['workloadRoutes'][number]): string =>
  `${r.vrf}|${r.prefix}|${r.interface}|${r.metric ?? ''}|${r.protocol}`;

const peerKey = (s: DeviceSnapshot['bgp'][number]): string =>
  `${s.vrf}|${s.peer}|${s.peerType}|${s.hostname ?? ''}`;

function sameList<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (key(a[i]!) !== key(b[i]!)) return false;
  return true;
}

export function sameIndexInputs(
  role: DeviceRole,
  before: { snapshot: DeviceSnapshot | null; consecutiveFailures: number } | undefined,
  next: DeviceSnapshot,
): boolean {
  const previous = before?.snapshot;
  if (!previous || before.consecutiveFailures > 0) return false;
  if (role === 'hypervisor') return sameList(previous.workloadRoutes, next.workloadRoutes, routeKey);
  return previous.routes === next.routes && sameList(previous.bgp, next.bgp, peerKey);
}
