/**
 * Anti-spoofing in the workflow service: per hypervisor, the vmguard sets against the registry
 * (drift) and the spoofed-source drops per TAP, and the `guard-repair` plan kind. The registry is
 * the truth: a repair changes the hosts' sets, never the registry.
 */
import type { DeviceSpec } from '../../model/device.ts';
import type { SpoofCounter, UnparsedGuardElement } from '../../model/guard.ts';
import type { Plan } from '../../model/plan.ts';
import { guardDrift, planGuardRepair, type GuardDrift } from '../plan/guard-repair.ts';
import { adoptionText } from './adopt.ts';
import { WorkflowError, type WorkflowService } from './service.ts';

export interface GuardReport {
  device: string;
  /** `no-table`: the host has no vmguard table; `unknown`: not collected (unreachable, not polled, nft failed). */
  state: 'clean' | 'drift' | 'no-table' | 'unknown';
  drift: GuardDrift[];
  spoofed: SpoofCounter[];
  perTap: boolean;
  droppedTotal: number | null;
  elements: number;
  /** Set elements that did not parse: shown for an engineer to look at, never part of a repair. */
  unparsed: UnparsedGuardElement[];
  /** Why the state is unknown. */
  note?: string;
}

function hypervisorNames(service: WorkflowService, device?: string): string[] {
  const state = service.deps.store.getState();
  const all = state.deviceOrder.filter((n) => state.devices[n]?.spec.role === 'hypervisor');
  if (device === undefined) return all;
  if (!all.includes(device))
    throw new WorkflowError(`"${device}" is not a hypervisor in the inventory (${all.join(', ')})`);
  return [device];
}

/** Drift and drop counters per hypervisor, from the last poll and the registry. */
export function guardReports(service: WorkflowService, device?: string): GuardReport[] {
  const state = service.deps.store.getState();
  const workloads = service.registry.workloads();
  return hypervisorNames(service, device).map((name) => {
    const entry = state.devices[name];
    const guard = entry?.snapshot?.guard;
    const base = {
      device: name,
      drift: [],
      spoofed: [],
      perTap: false,
      droppedTotal: null,
      elements: 0,
      unparsed: [],
    };
    if (!guard) {
      const why =
        entry?.health === 'unreachable' ? `unreachable: ${entry.lastError ?? ''}` : entry?.lastError;
      return { ...base, state: 'unknown', note: why ?? 'not polled yet' };
    }
    if (!guard.present) return { ...base, state: 'no-table' };
    const drift = guardDrift(name, guard.elements, workloads);
    return {
      device: name,
      state: drift.length > 0 ? 'drift' : 'clean',
      drift,
      spoofed: guard.spoofed,
      perTap: guard.perTap,
      droppedTotal: guard.droppedTotal,
      elements: guard.elements.length,
      unparsed: guard.unparsed,
    };
  });
}

/** Plans the repair of every hypervisor's drift (or one's); refuses when there is nothing to repair. */
export function planGuardRepairFor(service: WorkflowService, input: { device?: string } = {}): Plan {
  const adoption = service.adoption();
  if (adoption)
    throw new WorkflowError(
      `${adoptionText(adoption)}: until it has, their TAPs' elements are not drift; repair after it (R again)`,
    );
  const reports = guardReports(service, input.device);
  const blocked = reports.filter((r) => r.state === 'unknown' || r.state === 'no-table');
  const named = input.device !== undefined;
  if (named || blocked.length === reports.length) {
    for (const r of blocked) {
      if (r.state === 'no-table')
        throw new WorkflowError(`${r.device} has no vmguard table; install it before repairing its elements`);
      throw new WorkflowError(
        `${r.device}'s vmguard table is not known (${r.note ?? 'not collected'}); refusing to plan`,
      );
    }
  }
  const drifting = reports.filter((r) => r.state === 'drift');
  if (drifting.length === 0) {
    const where = named ? input.device : 'any hypervisor';
    throw new WorkflowError(`no anti-spoofing drift on ${where}; nothing to plan`);
  }
  const state = service.deps.store.getState();
  const hosts = drifting.map((r) => {
    const host: DeviceSpec = service.requireHypervisor(r.device, 'hypervisor');
    const guard = state.devices[r.device]?.snapshot?.guard;
    return { host, elements: guard?.present ? guard.elements : [], drift: r.drift };
  });
  return service.inTransaction(() => {
    const plan = planGuardRepair(hosts, service.planMeta());
    service.registry.savePlan(plan, 'planned');
    service.auditPlanned(plan);
    return plan;
  });
}

/** Every element the plan adds must still be missing and every one it deletes still there. */
function recheck(service: WorkflowService, plan: Plan): void {
  for (const step of plan.steps) {
    const report = guardReports(service, step.device)[0];
    if (!report || (report.state !== 'drift' && report.state !== 'clean'))
      throw new WorkflowError(`${step.device}'s vmguard table is not known now; nothing was sent`);
    const now = new Set(
      report.drift.map((d) => `${d.kind === 'missing' ? 'add' : 'delete'} ${d.set} "${d.tap}" . ${d.cidr}`),
    );
    const wanted = planned(step.action.type === 'ssh' ? step.action.commands : []);
    const gone = wanted.filter((w) => !now.has(w));
    if (gone.length > 0)
      throw new WorkflowError(
        `${step.device}'s vmguard sets changed since plan ${plan.id} (${gone[0]}${gone.length > 1 ? ` and ${gone.length - 1} more` : ''} ` +
          `no longer drift); plan again (${replan(plan)}); nothing was sent`,
      );
  }
}

/** `… nft add element inet vmguard allow4 '{ "tap" . a/32, "tap" . b/32 }'` → one entry per element. */
function planned(commands: readonly string[]): string[] {
  return commands.flatMap((c) => {
    const m = /nft (add|delete) element inet vmguard (allow[46]) '?\{ (.*) \}'?$/.exec(c);
    if (!m) return [];
    return (m[3] ?? '').split(', ').map((e) => `${m[1]} ${m[2]} ${e}`);
  });
}

/** The command that plans a fresh repair of the same hosts. */
function replan(plan: Plan): string {
  const devices = [...new Set(plan.steps.map((s) => s.device))];
  return `routedeck plan guard-repair${devices.length === 1 ? ` --device ${devices[0]}` : ''}`;
}

/** Registers the `guard-repair` plan kind with a service. */
export function registerGuardRepair(service: WorkflowService): void {
  service.registerKind('guard-repair', {
    replan,
    adoptFile: (plan) => {
      recheck(service, plan);
      service.registry.savePlan(plan, 'planned');
    },
    recheck: (plan) => recheck(service, plan),
  });
}
