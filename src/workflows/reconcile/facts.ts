/**
 * What one hypervisor shows of one workload, read from its last poll: the TAP and its link-local
 * gateways, kernel routes of the /32 and /64 (with their metrics), and vmguard elements on the
 * TAP. Pure: a device entry and a workload record in, facts out.
 */
import type { DeviceSnapshot } from '../../model/snapshot.ts';
import type { GuardElement } from '../../model/guard.ts';
import type { WorkloadRecord } from '../../model/plan.ts';
import { GATEWAY4, GATEWAY6 } from '../plan/host-ops.ts';
import { prefixesOf } from '../plan/build.ts';

export interface RouteFact {
  family: 4 | 6;
  prefix: string;
  /** The TAP the route points at (a route on another interface is refused, not acted on). */
  tap: string;
  metric: number;
}

export interface HostFacts {
  host: string;
  /** Why this host's state is not known (unreachable, not polled, poll failed); null when read. */
  unknown: string | null;
  tap: { present: boolean; up: boolean; master: string | null; linkLocal4: boolean; linkLocal6: boolean };
  routes: RouteFact[];
  /** Elements on the workload's TAP; null when the host has no vmguard table (or it was not read). */
  guard: GuardElement[] | null;
}

export interface HostEntry {
  name: string;
  snapshot: DeviceSnapshot | null;
  consecutiveFailures: number;
  health: string;
  lastError: string | null;
}

/** iproute2's defaults when no metric is given: 0 for IPv4, 1024 for IPv6. */
export function defaultMetric(family: 4 | 6): number {
  return family === 4 ? 0 : 1024;
}

export function hostFacts(entry: HostEntry, w: WorkloadRecord): HostFacts {
  const empty = { present: false, up: false, master: null, linkLocal4: false, linkLocal6: false };
  const snap = entry.snapshot;
  if (!snap || entry.consecutiveFailures > 0) {
    const why =
      entry.health === 'unreachable'
        ? `unreachable${entry.lastError ? `: ${entry.lastError}` : ''}`
        : snap
          ? `its last poll failed${entry.lastError ? `: ${entry.lastError}` : ''}`
          : 'not polled yet';
    return { host: entry.name, unknown: why, tap: empty, routes: [], guard: null };
  }
  const link = snap.interfaces.find((i) => i.name === w.tap);
  const has = (family: 4 | 6, address: string, len: number) =>
    link?.addresses.some((a) => a.family === family && a.address === address && a.prefixLength === len) ??
    false;
  const wanted = new Map(prefixesOf(w).map((p) => [p.prefix, p.family]));
  const routes = snap.workloadRoutes
    .filter((r) => r.vrf === w.vrf && wanted.has(r.prefix))
    .map((r) => ({
      family: r.family,
      prefix: r.prefix,
      tap: r.interface,
      metric: r.metric ?? defaultMetric(r.family),
    }));
  const guard = snap.guard?.present ? snap.guard.elements.filter((e) => e.tap === w.tap) : null;
  return {
    host: entry.name,
    unknown: null,
    tap: {
      present: link !== undefined,
      up: link?.up ?? false,
      master: link?.master ?? null,
      linkLocal4: has(4, GATEWAY4, 32),
      linkLocal6: has(6, GATEWAY6, 64),
    },
    routes,
    guard,
  };
}

/** Anything of the workload on this host: a route, a guard element, a link-local gateway on its TAP. */
export function hasTraces(f: HostFacts): boolean {
  return f.routes.length > 0 || (f.guard?.length ?? 0) > 0 || f.tap.linkLocal4 || f.tap.linkLocal6;
}

/** One line of what a host shows, for a refusal or a summary. */
export function describeFacts(f: HostFacts): string {
  if (f.unknown) return `${f.host}: not known (${f.unknown})`;
  const parts: string[] = [];
  for (const r of f.routes) parts.push(`announces ${r.prefix} on ${r.tap} at metric ${r.metric}`);
  if (f.tap.present) {
    const ll = [f.tap.linkLocal4 ? GATEWAY4 : '', f.tap.linkLocal6 ? GATEWAY6 : ''].filter(Boolean);
    parts.push(`TAP ${f.tap.up ? 'up' : 'down'}${ll.length ? ` with ${ll.join(' and ')}` : ''}`);
  }
  if ((f.guard?.length ?? 0) > 0) parts.push(`${f.guard!.length} vmguard element(s)`);
  return `${f.host}: ${parts.length > 0 ? parts.join('; ') : 'nothing of it'}`;
}
