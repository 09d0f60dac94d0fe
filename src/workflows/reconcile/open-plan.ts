/**
 * The unfinished plan of a workload: its last create, migrate or decommission that applied in
 * part (applying, interrupted, failed), unless a reconcile applied after it settled it already.
 */
import type { Plan } from '../../model/plan.ts';
import { holderAlive } from '../../registry/leases.ts';
import { WorkflowError, type WorkflowService } from '../service/service.ts';
import type { OpenPlan } from './decide.ts';

const WORKLOAD_KINDS: readonly Plan['kind'][] = ['create', 'migrate', 'decommission'];
const UNFINISHED: readonly string[] = ['applying', 'interrupted', 'failed'];

export function openPlanOf(service: WorkflowService, name: string): OpenPlan | null {
  const plans = service.registry
    .plans({ workload: name })
    .filter((p) => p.status !== 'planned' && p.status !== 'discarded');
  const byTime = [...plans].sort((a, b) => a.plan.createdAt.localeCompare(b.plan.createdAt));
  const last = byTime.filter((p) => WORKLOAD_KINDS.includes(p.plan.kind)).at(-1);
  if (!last || !UNFINISHED.includes(last.status)) return null;
  const settled = byTime.some(
    (p) => p.plan.kind === 'reconcile' && p.status === 'applied' && p.plan.createdAt >= last.plan.createdAt,
  );
  if (settled) return null;
  const lease = service.registry.leases().find((l) => l.planId === last.plan.id);
  if (last.status === 'applying' && lease && holderAlive(lease.holder))
    throw new WorkflowError(
      `plan ${last.plan.id} is being applied to ${name} right now (by ${lease.holder.operator} on ${lease.holder.host}); ` +
        'wait for it to end, then reconcile if it fails',
    );
  return { plan: last.plan, status: last.status, done: service.completed(last.plan) };
}
