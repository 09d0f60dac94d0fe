/**
 * `plan reconcile` on the workflow service: reads every hypervisor's facts of a workload and the
 * registry (its record and unfinished plan), decides the holder, and stores the plan as any other
 * kind does. A workload that already agrees is "nothing to reconcile"; one whose holder cannot be
 * decided is refused with what was found and one command per choice.
 */
import type { Plan, WorkloadRecord } from '../../model/plan.ts';
import { WorkflowError, type WorkflowService } from '../service/service.ts';
import { workloadPreconditions } from '../service/preconditions.ts';
import { decideHolder, type Decision, type OpenPlan, type RegistryOutcome } from './decide.ts';
import { describeFacts, hasTraces, hostFacts, type HostFacts } from './facts.ts';
import { openPlanOf } from './open-plan.ts';
import { planReconcile } from './plan.ts';
import type { DeviceSpec } from '../../model/device.ts';

export interface ReconcileInput {
  name: string;
  /** The holder chosen by the engineer when the fabric and registry cannot tell. */
  keep?: string;
  /** Appended to the commands a refusal offers (e.g. ` --lab`). */
  via?: string;
}

export type ReconcileResult = { kind: 'planned'; plan: Plan } | { kind: 'consistent'; message: string };

/** The holder could not be decided: what was found, and one command per choice. */
export class ReconcileUndecidedError extends WorkflowError {
  constructor(
    readonly workload: string,
    readonly found: string[],
    readonly choices: string[],
  ) {
    super(
      [
        `cannot tell where ${workload} should be; nothing was planned. Found:`,
        ...found.map((line) => `  ${line}`),
        choices.length > 0 ? 'Choose the holder and plan again:' : 'Look at these hosts first.',
        ...choices.map((c) => `  ${c}`),
      ].join('\n'),
    );
    this.name = 'ReconcileUndecidedError';
  }
}

/** Every hypervisor's facts of a workload, with its spec. */
export function factsOf(
  service: WorkflowService,
  w: WorkloadRecord,
): { spec: DeviceSpec; facts: HostFacts }[] {
  const state = service.deps.store.getState();
  return state.deviceOrder
    .map((name) => state.devices[name]!)
    .filter((d) => d.spec.role === 'hypervisor')
    .map((d) => ({
      spec: d.spec,
      facts: hostFacts(
        {
          name: d.spec.name,
          snapshot: d.snapshot,
          consecutiveFailures: d.consecutiveFailures,
          health: d.health,
          lastError: d.lastError,
        },
        w,
      ),
    }));
}

function requireWorkload(service: WorkflowService, name: string): WorkloadRecord {
  const w = service.registry.workload(name);
  if (!w || w.state === 'retired') throw new WorkflowError(`no workload "${name}" in the registry`);
  return w;
}

/** Which host each router uses for the workload's /32 now (the traffic's side of the dispute). */
function routersUse(service: WorkflowService, w: WorkloadRecord): string {
  const entry = service.deps.store
    .getState()
    .workloads.find((e) => e.vrf === w.vrf && e.prefix === `${w.ipv4}/32`);
  const views = (entry?.seenBy ?? []).filter((v) => v.selected);
  if (views.length === 0) return `routers: none has ${w.ipv4}/32`;
  return `routers: ${views.map((v) => `${v.router} → ${v.nexthops[0]?.viaHost ?? '?'}`).join(', ')}`;
}

function refusal(
  w: WorkloadRecord,
  d: Decision & { kind: 'ambiguous' },
  facts: HostFacts[],
  via: string,
  routers: string,
) {
  const shown = facts.filter((f) => f.unknown !== null || hasTraces(f) || f.tap.present);
  const candidates = d.candidates.length > 0 ? d.candidates : shown.map((f) => f.host);
  return new ReconcileUndecidedError(
    w.name,
    [
      `registry: ${w.name} ${w.state} on ${w.host} (${w.ipv4}/32, ${w.ipv6Prefix}, ${w.tap})`,
      d.why,
      ...shown.map(describeFacts),
      routers,
    ],
    candidates.map((h) => `routedeck plan reconcile ${w.name} --keep ${h}${via}`),
  );
}

/** The plan that makes fabric and registry agree on one holder, stored as planned; or why none is needed. */
export function planReconcileFor(service: WorkflowService, input: ReconcileInput): ReconcileResult {
  const w = requireWorkload(service, input.name);
  if (input.keep !== undefined) service.requireHypervisor(input.keep, '--keep host');
  const hosts = factsOf(service, w);
  const unknown = hosts.find((h) => h.facts.unknown !== null);
  if (unknown)
    throw new WorkflowError(
      `${unknown.spec.name}'s state is not known (${unknown.facts.unknown}); reconcile reads every hypervisor, try again when it answers`,
    );
  const open: OpenPlan | null = openPlanOf(service, w.name);
  const decision = decideHolder(
    w,
    open,
    hosts.map((h) => h.facts),
    input.keep,
  );
  if (decision.kind === 'ambiguous')
    throw refusal(
      w,
      decision,
      hosts.map((h) => h.facts),
      input.via ?? '',
      routersUse(service, w),
    );
  if (decision.holder !== null && input.keep === undefined)
    service.requireHypervisor(decision.holder, `holder of ${w.name}`);
  const routers = service.requireRouters();
  return service.inTransaction(() => {
    const plan = buildPlan(service, w, hosts, routers, decision, open);
    if (!plan)
      return {
        kind: 'consistent',
        message: `nothing to reconcile: ${w.name} is active on ${w.host}, announced only there, and no other host has its TAP, gateways or vmguard elements`,
      };
    plan.preconditions = workloadPreconditions(w, service.liveView());
    service.registry.savePlan(plan, 'planned');
    service.auditPlanned(plan);
    return { kind: 'planned', plan };
  });
}

export function buildPlan(
  service: WorkflowService,
  w: WorkloadRecord,
  hosts: { spec: DeviceSpec; facts: HostFacts }[],
  routers: string[],
  decision: { holder: string | null; registry: RegistryOutcome; why: string },
  open: OpenPlan | null,
  meta = service.planMeta(),
): Plan | null {
  return planReconcile(
    {
      workload: w,
      hosts,
      routers,
      holder: decision.holder,
      registry: decision.registry,
      why: decision.why,
      manageTap: service.deps.settings.manageTap,
      settles: open?.plan.id ?? null,
    },
    meta,
    w.tenant,
  );
}

/**
 * Workloads `--all` looks at: a state other than active, an unfinished plan, or announcers that
 * differ from the registry's host. (Leftover vmguard elements alone are `get guard`'s drift.)
 */
export function reconcileCandidates(service: WorkflowService): string[] {
  const announced = new Map<string, string[]>();
  for (const e of service.deps.store.getState().workloads)
    announced.set(
      `${e.vrf}|${e.prefix}`,
      e.announcers.map((a) => a.host),
    );
  return service
    .workloads()
    .filter((w) => {
      if (w.state !== 'active') return true;
      const hosts = [`${w.ipv4}/32`, w.ipv6Prefix].flatMap((p) => announced.get(`${w.vrf}|${p}`) ?? []);
      if (hosts.some((h) => h !== w.host) || !hosts.includes(w.host)) return true;
      try {
        return openPlanOf(service, w.name) !== null;
      } catch {
        return true;
      }
    })
    .map((w) => w.name);
}
