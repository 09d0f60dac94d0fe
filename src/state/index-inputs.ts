/**
 * Whether a new snapshot changes what the workload index reads of its device (issue 16: with nothing
 * changing, a poll must not rebuild a 50k-workload index). Hypervisors: their workload routes.
 * Routers: the route table object (reused by the driver while unchanged, route-check.ts) and the BGP
 * peers' names that resolve next hops to hosts. A device whose last poll failed always counts as
 * changed (its workloads' host problem clears).
 */
import type { DeviceRole } from '../model/device.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';

type Route = DeviceSnapshot['workloadRoutes'][number];
type Session = DeviceSnapshot['bgp'][number];

const sameRoute = (a: Route, b: Route): boolean =>
  a.vrf === b.vrf &&
  a.prefix === b.prefix &&
  a.interface === b.interface &&
  (a.metric ?? null) === (b.metric ?? null) &&
  a.protocol === b.protocol;

const samePeer = (a: Session, b: Session): boolean =>
  a.vrf === b.vrf &&
  a.peer === b.peer &&
  a.peerType === b.peerType &&
  (a.hostname ?? null) === (b.hostname ?? null);

/** Same length, and `same` holds item by item (the same list object: at once). */
export function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  // The driver hands back the last poll's list itself when its inputs held (frr-state.ts).
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
}

export function sameIndexInputs(
  role: DeviceRole,
  before: { snapshot: DeviceSnapshot | null; consecutiveFailures: number } | undefined,
  next: DeviceSnapshot,
): boolean {
  const previous = before?.snapshot;
  if (!previous || before.consecutiveFailures > 0) return false;
  if (role === 'hypervisor') return sameList(previous.workloadRoutes, next.workloadRoutes, sameRoute);
  return previous.routes === next.routes && sameList(previous.bgp, next.bgp, samePeer);
}
