/**
 * Shared pieces of the planners: the inputs they take, host-op steps (commands and rollback from
 * the same ops), per-device diffs replayed from those ops, and route changes.
 */
import type { DeviceSpec } from '../../model/device.ts';
import type { DeviceDiff, RouteChange, Step, Verification, WorkloadRecord } from '../../model/plan.ts';
import type { TenantSpec } from '../../model/workload.ts';
import { applyOps, GATEWAY4, GATEWAY6, inverseOp, renderOp, type HostOp } from './host-ops.ts';

/** What the live store knows: the hosts announcing a prefix in a VRF right now. */
export interface LiveView {
  announcedBy(prefix: string, vrf: string): string[];
}

export interface PlanMeta {
  id: string;
  operator: string;
  now: Date;
}

export interface PlanTarget {
  tenant: TenantSpec;
  workload: WorkloadRecord;
  /** Router names that must see (or stop seeing) the workload's prefixes. */
  routers: string[];
  live: LiveView;
  /** false when the compute layer (libvirt `type='ethernet'`, QEMU) creates and deletes the TAP. */
  manageTap?: boolean;
}

export const SSH_STEP_TIMEOUT_MS = 15_000;
export const VERIFY_TIMEOUT_MS = 30_000;

/** A step's ops with the device they run on, kept next to the Step for the diff replay. */
export interface OpStep {
  step: Step;
  host: DeviceSpec;
  ops: HostOp[];
}

export function opStep(
  id: string,
  host: DeviceSpec,
  description: string,
  ops: HostOp[],
  verify: Verification[] = [],
): OpStep {
  const commands = ops.flatMap((op) => renderOp(op, host.privilege));
  // Undo in reverse order, each op inverted: the TAP comes back before its addresses do.
  const undo = [...ops].reverse().flatMap((op) => renderOp(inverseOp(op), host.privilege));
  return {
    host,
    ops,
    step: {
      id,
      device: host.name,
      description,
      action: { type: 'ssh', commands },
      rollback: undo.length > 0 ? { type: 'ssh', commands: undo } : null,
      verify,
      timeoutMs: SSH_STEP_TIMEOUT_MS,
    },
  };
}

export function prefixesOf(workload: WorkloadRecord): { family: 4 | 6; prefix: string }[] {
  return [
    { family: 4, prefix: `${workload.ipv4}/32` },
    { family: 6, prefix: workload.ipv6Prefix },
  ];
}

/** The link setup of a TAP: up (in the tenant VRF), the shared link-local gateways. */
export function tapOps(w: WorkloadRecord, op: 'add' | 'del', create: boolean): HostOp[] {
  const addrs: HostOp[] = [
    { kind: 'addr', op, tap: w.tap, cidr: `${GATEWAY4}/32` },
    { kind: 'addr', op, tap: w.tap, cidr: `${GATEWAY6}/64` },
  ];
  const tap: HostOp = { kind: 'tap', op, tap: w.tap, create, ...(w.vrf !== 'default' ? { vrf: w.vrf } : {}) };
  // When the compute layer owns the TAP we leave its link alone on teardown.
  if (op === 'del') return create ? [...addrs, tap] : addrs;
  return [tap, ...addrs];
}

/** Anti-spoofing set elements: the /32, the /64, fe80::/64 (NDP, DAD) and extra allowed addresses. */
export function guardOps(w: WorkloadRecord, op: 'add' | 'delete'): HostOp[] {
  const extra4 = w.extraAllowed.filter((a) => !a.includes(':')).map((a) => (a.includes('/') ? a : `${a}/32`));
  const extra6 = w.extraAllowed.filter((a) => a.includes(':')).map((a) => (a.includes('/') ? a : `${a}/128`));
  return [
    { kind: 'nft', op, set: 'allow4', tap: w.tap, cidrs: [`${w.ipv4}/32`, ...extra4] },
    { kind: 'nft', op, set: 'allow6', tap: w.tap, cidrs: [w.ipv6Prefix, 'fe80::/64', ...extra6] },
  ];
}

export function routeOps(w: WorkloadRecord, op: 'add' | 'del', metric?: number): HostOp[] {
  return prefixesOf(w).map(({ family, prefix }) => ({
    kind: 'route',
    op,
    family,
    prefix,
    tap: w.tap,
    ...(w.vrf !== 'default' ? { vrf: w.vrf } : {}),
    ...(metric !== undefined ? { metric } : {}),
  }));
}

/** The lines a workload's host config consists of once it is fully set up there. */
export function workloadLines(w: WorkloadRecord, create: boolean): string[] {
  return applyOps([], [...tapOps(w, 'add', create), ...guardOps(w, 'add'), ...routeOps(w, 'add')]);
}

export function verifyAll(
  w: WorkloadRecord,
  routers: string[],
  expect: Verification['expect'],
  host?: string,
): Verification[] {
  return prefixesOf(w).map(({ prefix }) => ({
    prefix,
    vrf: w.vrf,
    expect,
    ...(host !== undefined ? { host } : {}),
    routers: [...routers],
    timeoutMs: VERIFY_TIMEOUT_MS,
  }));
}

/** Per device: its workload config before, and after replaying every op of its steps in order. */
export function diffsOf(steps: readonly OpStep[], before: ReadonlyMap<string, string[]>): DeviceDiff[] {
  const devices = [...new Set(steps.map((s) => s.host.name))];
  return devices.map((device) => {
    const start = before.get(device) ?? [];
    const ops = steps.filter((s) => s.host.name === device).flatMap((s) => s.ops);
    return { device, before: [...start], after: applyOps(start, ops) };
  });
}

export function routeChangesOf(
  w: WorkloadRecord,
  routers: string[],
  change: RouteChange['change'],
  fromHost?: string,
  toHost?: string,
): RouteChange[] {
  return routers.flatMap((router) =>
    prefixesOf(w).map(({ family, prefix }) => ({
      router,
      vrf: w.vrf,
      family,
      prefix,
      change,
      ...(fromHost !== undefined ? { fromHost } : {}),
      ...(toHost !== undefined ? { toHost } : {}),
    })),
  );
}
