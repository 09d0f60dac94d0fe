/**
 * Plans a console was applying when it died: found in the registry at start, marked `interrupted`
 * (a status an engineer sees in lists, with an audit entry naming the steps done), offered for
 * resume or rollback.
 */
import { hostname } from 'node:os';
import { LEASE_TTL_MS, type Lease, type Registry, type StoredPlan } from '../../registry/index.ts';
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

/**
 * A plan still `applying` whose console holds its lease: on a shared registry a console elsewhere
 * cannot be probed, so it counts as alive until it has not heartbeaten for LEASE_TTL_MS. Say who,
 * since when, and when the lease lapses if that console is gone — then the same command works.
 */
export function stillHeld(
  planId: string,
  mode: 'resume' | 'rollback',
  lease: Lease,
  now: number,
  backend: Registry['backend'],
): string {
  const h = lease.holder;
  const heard = lease.heartbeatAt?.getTime();
  const who = `${h.operator}'s console (pid ${h.pid} on ${h.host})`;
  // A SQLite registry is one machine's: its holder is judged by its pid, which still runs.
  if (backend === 'sqlite' && h.host === hostname())
    return `plan ${planId} is being applied by ${who}, which is still running: let it finish, or stop it, then \`routedeck apply --${mode} ${planId}\``;
  if (heard === undefined)
    return `plan ${planId} is being applied by ${who}; if it is gone, stop it for good, then \`routedeck apply --${mode} ${planId}\``;
  const ago = Math.max(0, Math.round((now - heard) / 1000));
  const lapses = Math.max(0, Math.ceil((heard + LEASE_TTL_MS - now) / 1000));
  return (
    `plan ${planId} is being applied by ${who}, last heard from ${ago} s ago; if that console is gone, ` +
    `its lease lapses in ${lapses} s — then run \`routedeck apply --${mode} ${planId}\` again`
  );
}
