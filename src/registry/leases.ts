import { hostname } from 'node:os';
import { z } from 'zod';
import { keyOf, parseRow, type Ctx } from './context.ts';
import { LeaseHeldError, type LeaseHolder } from './errors.ts';

export interface Lease {
  workload: string;
  planId: string;
  holder: LeaseHolder;
  acquiredAt: Date;
  /** Set when this lease replaced one whose holder process had died. */
  tookOverFrom?: { planId: string; holder: LeaseHolder; since: Date };
}

const row = z.object({
  workload: z.string().min(1),
  plan_id: z.string().min(1),
  console: z.string(),
  operator: z.string(),
  pid: z.number().int(),
  host: z.string(),
  acquired_at: z.number().int(),
});

/**
 * True unless we can prove the holder is gone. Only a holder on this host can be checked (signal 0
 * probes the pid without touching it; EPERM means it exists under another user). A holder on
 * another host is assumed alive: we cannot see its processes, and a wrongly broken lease is worse
 * than asking the operator to wait. Pid reuse can make a dead holder look alive (never the reverse),
 * which errs on the same safe side.
 */
export function holderAlive(holder: LeaseHolder, thisHost: string = hostname()): boolean {
  if (holder.host !== thisHost) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function leasesApi(ctx: Ctx) {
  const { db } = ctx;
  const toLease = (r: unknown): Lease => {
    const v = parseRow(row, r, 'leases', keyOf(r, 'workload'));
    return {
      workload: v.workload,
      planId: v.plan_id,
      holder: { console: v.console, operator: v.operator, pid: v.pid, host: v.host },
      acquiredAt: new Date(v.acquired_at),
    };
  };

  /**
   * Takes the lease on a workload for a plan. Re-acquiring one's own lease (same plan and console)
   * is a no-op; a lease held by a live holder throws LeaseHeldError naming it; a lease whose holder
   * pid on this host is dead (console killed mid-apply) is taken over, and the result says from whom.
   */
  function acquireLease(workload: string, planId: string, holder: LeaseHolder): Lease {
    return ctx.tx(() => {
      const r = db.prepare('SELECT * FROM leases WHERE workload = ?').get(workload);
      const current = r === undefined ? undefined : toLease(r);
      if (current && current.planId === planId && current.holder.console === holder.console) return current;
      if (current && holderAlive(current.holder)) {
        throw new LeaseHeldError(workload, current.planId, current.holder, current.acquiredAt);
      }
      const at = ctx.now();
      db.prepare(
        `INSERT OR REPLACE INTO leases (workload, plan_id, console, operator, pid, host, acquired_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(workload, planId, holder.console, holder.operator, holder.pid, holder.host, at);
      const lease: Lease = { workload, planId, holder, acquiredAt: new Date(at) };
      if (current) {
        lease.tookOverFrom = { planId: current.planId, holder: current.holder, since: current.acquiredAt };
      }
      return lease;
    });
  }

  /** Releases the lease if `planId` holds it; returns whether one was released. */
  function releaseLease(workload: string, planId: string): boolean {
    return (
      db.prepare('DELETE FROM leases WHERE workload = ? AND plan_id = ?').run(workload, planId).changes > 0
    );
  }

  function releaseLeasesOf(planId: string): number {
    return db.prepare('DELETE FROM leases WHERE plan_id = ?').run(planId).changes;
  }

  function leases(filter: { planId?: string } = {}): Lease[] {
    const rows = db
      .prepare('SELECT * FROM leases WHERE (@plan IS NULL OR plan_id = @plan) ORDER BY workload')
      .all({ plan: filter.planId ?? null });
    return (rows as unknown[]).map(toLease);
  }

  return { acquireLease, releaseLease, releaseLeasesOf, leases };
}
