/**
 * What the workflow service asks of the live store and the registry before it plans or applies:
 * device specs, who announces a prefix, and the refusals when a tenant, host or router is missing
 * or down. Pure reads; each throws a WorkflowError naming what is wrong.
 */
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan } from '../../model/plan.ts';
import type { Registry, TenantRecord } from '../../registry/index.ts';
import type { AppStore } from '../../state/store.ts';
import type { LiveView } from '../plan/build.ts';
import { WorkflowError } from './errors.ts';

export function hypervisorsOf(store: AppStore): { name: string; health: string }[] {
  const state = store.getState();
  return state.deviceOrder
    .map((name) => state.devices[name]!)
    .filter((d) => d.spec.role === 'hypervisor')
    .map((d) => ({ name: d.spec.name, health: d.health }));
}

/** Every device a plan sends to is in the inventory and not unreachable, or nothing is sent. */
export function recheckDevices(store: AppStore, plan: Plan): void {
  const state = store.getState();
  for (const device of new Set(plan.steps.map((s) => s.device))) {
    const entry = state.devices[device];
    if (!entry) throw new WorkflowError(`plan ${plan.id}: device ${device} is not in the inventory`);
    if (entry.health === 'unreachable')
      throw new WorkflowError(
        `${device} is unreachable (${entry.lastError ?? 'no answer'}); nothing was sent`,
      );
  }
}

/** Who announces what right now, from the polled hypervisors. */
export function liveViewOf(store: AppStore): LiveView {
  const workloads = store.getState().workloads;
  return {
    announcedBy: (prefix, vrf) =>
      workloads.find((w) => w.vrf === vrf && w.prefix === prefix)?.announcers.map((a) => a.host) ?? [],
  };
}

/** Device specs by name, from the inventory. */
export function specsOf(store: AppStore): Map<string, DeviceSpec> {
  const state = store.getState();
  return new Map(state.deviceOrder.map((name) => [name, state.devices[name]!.spec]));
}

/** A tenant of the registry by name, or a WorkflowError listing the known ones. */
export function requireTenant(registry: Registry, name: string): TenantRecord {
  const tenant = registry.tenant(name);
  if (!tenant) {
    const known = registry.tenants().map((t) => t.name);
    throw new WorkflowError(`unknown tenant "${name}" (known: ${known.join(', ') || 'none'})`);
  }
  return tenant;
}

/** A reachable hypervisor by name, or a WorkflowError saying why not. */
export function requireHypervisor(store: AppStore, name: string, what: string): DeviceSpec {
  const entry = store.getState().devices[name];
  if (!entry || entry.spec.role !== 'hypervisor') {
    const known = hypervisorsOf(store).map((h) => h.name);
    throw new WorkflowError(`${what} "${name}" is not a hypervisor in the inventory (${known.join(', ')})`);
  }
  if (entry.health !== 'ok') {
    throw new WorkflowError(
      `${what} ${name} is ${entry.health === 'unknown' ? 'not polled yet' : entry.health}` +
        `${entry.lastError ? ` (${entry.lastError})` : ''}; refusing to plan`,
    );
  }
  return entry.spec;
}

/** Every router (each must be up: each verifies a change), or a WorkflowError. */
export function requireRouters(store: AppStore): string[] {
  const state = store.getState();
  const routers = state.deviceOrder.map((n) => state.devices[n]!).filter((d) => d.spec.role === 'router');
  if (routers.length === 0) throw new WorkflowError('the inventory has no routers to verify a change on');
  const down = routers.filter((r) => r.health !== 'ok');
  if (down.length > 0) {
    throw new WorkflowError(
      `router(s) ${down.map((r) => `${r.spec.name} (${r.health})`).join(', ')} cannot verify the change; refusing to plan`,
    );
  }
  return routers.map((r) => r.spec.name);
}
