/**
 * Plans a console was applying when it died: found in the registry at start, marked `interrupted`
 * (a status an engineer sees in lists, with an audit entry naming the steps done), offered for
 * resume or rollback.
 */
import type { Registry, StoredPlan } from '../../registry/index.ts';
import { completedSteps } from '../execute/index.ts';

/** Plans still `applying` from a dead console, or marked interrupted and not finished since. */
export function interruptedPlans(registry: Registry): StoredPlan[] {
  const ids = new Set([
    ...registry.interruptedPlans().map((p) => p.plan.id),
    // Marked by an earlier start and not finished since: still to resume or roll back. The
    // registry's snapshot at open only sees plans still `applying`.
    ...registry.plans({ status: 'interrupted' }).map((p) => p.plan.id),
  ]);
  return [...ids]
    .map((id) => registry.plan(id))
    .filter(
      (p): p is StoredPlan => p !== undefined && (p.status === 'applying' || p.status === 'interrupted'),
    );
}

/** Marks the interrupted plans as such, with an audit entry each, and returns them. */
export function markInterrupted(registry: Registry, at: Date, operator: string): StoredPlan[] {
  for (const p of interruptedPlans(registry)) {
    if (p.status !== 'applying') continue;
    registry.setPlanStatus(p.plan.id, 'interrupted', 'the console applying it stopped mid-plan');
    const done = completedSteps(p.plan, registry.audit({ planId: p.plan.id }));
    registry.appendAudit({
      at: at.toISOString(),
      operator,
      planId: p.plan.id,
      kind: 'plan',
      outcome: 'interrupted',
      message: `found interrupted after step(s): ${done.join(', ') || 'none'}`,
    });
  }
  return interruptedPlans(registry);
}
