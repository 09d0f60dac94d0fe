/**
 * The `reconcile` plan kind on the workflow service: apply re-reads every hypervisor and refuses
 * when the plan would now differ; an applied plan records its outcome in the registry (active on
 * the holder, retired, or removed) and settles the unfinished plan it was made for.
 */
import { z } from 'zod';
import type { Plan } from '../../model/plan.ts';
import type { ExecResult } from '../execute/index.ts';
import { WorkflowError, type WorkflowService } from '../service/service.ts';
import type { RegistryOutcome } from './decide.ts';
import { OUTCOME_ARTIFACT } from './plan.ts';
import { buildPlan, factsOf } from './reconcile.ts';

const outcomeSchema = z.object({
  registry: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('active'), host: z.string().min(1) }),
    z.object({ kind: z.literal('retired') }),
    z.object({ kind: z.literal('forgotten') }),
  ]),
  settles: z.string().nullable(),
});

function outcomeOf(plan: Plan): { registry: RegistryOutcome; settles: string | null } {
  const text = plan.artifacts[OUTCOME_ARTIFACT];
  const parsed = text === undefined ? null : outcomeSchema.safeParse(safeJsonParse(text));
  if (!parsed?.success) throw new WorkflowError(`plan ${plan.id} does not say what the registry becomes`);
  return parsed.data;
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const replan = (plan: Plan) => `routedeck plan reconcile ${plan.workload}`;
const commandsOf = (plan: Plan | null) => JSON.stringify(plan?.steps.map((s) => [s.device, s.action]) ?? []);

/** Each step as `device: command; command` (what the operator compares by eye). */
function commandLines(plan: Plan | null): string[] {
  return (plan?.steps ?? []).map((s) => {
    const sent =
      s.action.type === 'ssh'
        ? s.action.commands
        : s.action.commands.map(
            (c) => `${c.op} ${c.path.join(' ')}${c.value === undefined ? '' : ` ${c.value}`}`,
          );
    return `${s.device}: ${sent.join('; ')}`;
  });
}

/** The first few lines only one of the two plans has: what changed on the hosts, for the error. */
function changedCommands(before: Plan, after: Plan | null): string {
  const was = commandLines(before);
  const now = commandLines(after);
  const gone = was.filter((l) => !now.includes(l));
  const added = now.filter((l) => !was.includes(l));
  const show = (lines: string[]) => (lines.length === 0 ? 'nothing' : lines.slice(0, 3).join(' | '));
  return `planned ${show(gone)}; would now send ${show(added)}`;
}

/** The same plan made again from what the hosts show now must send the same commands. */
function recheck(service: WorkflowService, plan: Plan): void {
  const w = service.registry.workload(plan.workload);
  if (!w) throw new WorkflowError(`${plan.workload} is no longer in the registry; nothing was sent`);
  const { registry, settles } = outcomeOf(plan);
  const hosts = factsOf(service, w);
  const unknown = hosts.find((h) => h.facts.unknown !== null);
  if (unknown)
    throw new WorkflowError(
      `${unknown.spec.name}'s state is not known now (${unknown.facts.unknown}); nothing was sent`,
    );
  const holder = registry.kind === 'active' ? registry.host : null;
  const routers = plan.steps.flatMap((s) => s.verify).at(0)?.routers ?? service.requireRouters();
  const open = settles ? service.registry.plan(settles) : undefined;
  const again = buildPlan(
    service,
    w,
    hosts,
    routers,
    { holder, registry, why: '' },
    open ? { plan: open.plan, status: open.status, done: [] } : null,
    { id: plan.id, operator: plan.operator, now: new Date(plan.createdAt) },
  );
  if (commandsOf(again) !== commandsOf(plan))
    throw new WorkflowError(
      `the hosts changed since plan ${plan.id} was made (${changedCommands(plan, again)}): plan again (${replan(plan)}); nothing was sent`,
    );
}

function record(service: WorkflowService, plan: Plan, result: ExecResult): void {
  if (result.status !== 'applied') return;
  const { registry: outcome, settles } = outcomeOf(plan);
  const reg = service.registry;
  const w = reg.workload(plan.workload);
  if (!w) return;
  if (outcome.kind === 'active') reg.putWorkload({ ...w, host: outcome.host, state: 'active' });
  else {
    reg.release(w.name);
    if (outcome.kind === 'retired') reg.setWorkloadState(w.name, 'retired');
    else reg.deleteWorkload(w.name);
  }
  const old = settles ? reg.plan(settles) : undefined;
  if (!old) return;
  // An interrupted plan would be offered for resume again at every start: it is settled now.
  if (old.status === 'applying' || old.status === 'interrupted')
    reg.setPlanStatus(old.plan.id, 'failed', `settled by reconcile plan ${plan.id}`);
  reg.appendAudit({
    at: service.planMeta().now.toISOString(),
    operator: service.operator,
    planId: old.plan.id,
    kind: 'plan',
    outcome: 'settled',
    message: `settled by reconcile plan ${plan.id}: ${plan.summary}`,
  });
}

/** Registers the `reconcile` plan kind with a service. */
export function registerReconcile(service: WorkflowService): void {
  service.registerKind('reconcile', {
    replan,
    adoptFile: (plan) => {
      recheck(service, plan);
      service.registry.savePlan(plan, 'planned');
    },
    recheck: (plan) => recheck(service, plan),
    record: (plan, result) => record(service, plan, result),
  });
}
