import { hostname } from 'node:os';
import { z } from 'zod';
import { keyOf, parseRow, type Ctx } from './context.ts';
import { LeaseHeldError, type LeaseHolder } from './errors.ts';

export interface Lease {
  workload: string;
  planId: string;
  holder: LeaseHolder;
  acquiredAt: Date;
  /** Last sign of life from the holder (refreshed every LEASE_TTL/3 while its console runs). */
  heartbeatAt?: Date;
  /** Set when this lease replaced one whose holder had died (dead pid here, or no heartbeat for a TTL). */
  tookOverFrom?: { planId: string; holder: LeaseHolder; since: Date };
}

/** A holder that has not heartbeaten for this long is gone (a console on another machine cannot be probed). */
export const LEASE_TTL_MS = 30_000;

const row = z.object({
  workload: z.string().min(1),
  plan_id: z.string().min(1),
  console: z.string(),
  operator: z.string(),
  pid: z.number().int(),
  host: z.string(),
  acquired_at: z.number().int(),
  heartbeat_at: z.number().int().nullable(),
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

/**
 * Whether a lease still binds: a holder on this host while its pid lives; one elsewhere while it
 * heartbeats (a lease written before heartbeats existed keeps the old rule: presumed alive). With
 * `heartbeatOnly` (a shared PostgreSQL registry) the pid is never consulted: two machines may share a
 * host name, and probing our pid table for a console on the other would break a live lease.
 */
export function leaseLive(
  lease: Lease,
  now: number,
  ttlMs: number,
  thisHost: string = hostname(),
  heartbeatOnly = false,
): boolean {
  if (!heartbeatOnly && lease.holder.host === thisHost) return holderAlive(lease.holder, thisHost);
  if (lease.heartbeatAt === undefined) return true;
  return now - lease.heartbeatAt.getTime() <= ttlMs;
}

export function leasesApi(ctx: Ctx, ttlMs: number = LEASE_TTL_MS) {
  const { db } = ctx;
  // Consoles whose leases this handle keeps alive; the timer runs only while one holds a lease.
  const consoles = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  /** Whether a lease still binds, by this registry's clock and TTL (heartbeats alone on a shared registry). */
  const isLive = (lease: Lease): boolean =>
    leaseLive(lease, ctx.now(), ttlMs, hostname(), db.dialect === 'postgres');
  const toLease = (r: unknown): Lease => {
    const v = parseRow(row, r, 'leases', keyOf(r, 'workload'));
    const lease: Lease = {
      workload: v.workload,
      planId: v.plan_id,
      holder: { console: v.console, operator: v.operator, pid: v.pid, host: v.host },
      acquiredAt: new Date(v.acquired_at),
    };
    if (v.heartbeat_at !== null) lease.heartbeatAt = new Date(v.heartbeat_at);
    return lease;
  };

  /** Refreshes the heartbeat of every lease this handle's consoles hold; returns how many. */
  function heartbeatLeases(): number {
    let n = 0;
    const at = ctx.now();
    for (const c of consoles) {
      // A read first: a console that holds nothing must not queue for SQLite's write lock every tick.
      if (db.prepare('SELECT 1 FROM leases WHERE console = ? LIMIT 1').get(c) === undefined) continue;
      n += db.prepare('UPDATE leases SET heartbeat_at = ? WHERE console = ?').run(at, c).changes;
    }
    return n;
  }

  function startHeartbeat(console: string): void {
    consoles.add(console);
    if (timer) return;
    timer = setInterval(
      () => {
        try {
          heartbeatLeases();
        } catch {
          // Registry unreachable: others cannot see us either, and the lease lapses as it should.
        }
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    timer.unref();
  }

  /**
   * Takes the lease on a workload for a plan. Re-acquiring one's own lease (same plan and console)
   * is a no-op; a lease held by a live holder throws LeaseHeldError naming it; a lease whose holder
   * is gone (no heartbeat for a TTL; on SQLite also a dead pid on this host) is taken over, and the
   * result says from whom.
   */
  function acquireLease(workload: string, planId: string, holder: LeaseHolder): Lease {
    const lease = ctx.tx(() => {
      const r = db.prepare('SELECT * FROM leases WHERE workload = ?').get(workload);
      const current = r === undefined ? undefined : toLease(r);
      if (current && current.planId === planId && current.holder.console === holder.console) return current;
      if (current && isLive(current)) {
        const byHeartbeat = db.dialect === 'postgres' || current.holder.host !== hostname();
        const lapsesAt =
          byHeartbeat && current.heartbeatAt
            ? new Date(current.heartbeatAt.getTime() + ttlMs + 1)
            : undefined;
        throw new LeaseHeldError(workload, current.planId, current.holder, current.acquiredAt, lapsesAt);
      }
      const at = ctx.now();
      db.prepare(
        `INSERT INTO leases (workload, plan_id, console, operator, pid, host, acquired_at, heartbeat_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (workload) DO UPDATE SET plan_id = excluded.plan_id, console = excluded.console,
           operator = excluded.operator, pid = excluded.pid, host = excluded.host,
           acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
      ).run(workload, planId, holder.console, holder.operator, holder.pid, holder.host, at, at);
      const taken: Lease = { workload, planId, holder, acquiredAt: new Date(at), heartbeatAt: new Date(at) };
      if (current) {
        taken.tookOverFrom = { planId: current.planId, holder: current.holder, since: current.acquiredAt };
      }
      return taken;
    });
    startHeartbeat(holder.console);
    return lease;
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
      .prepare('SELECT * FROM leases WHERE (plan_id = @plan OR @plan IS NULL) ORDER BY workload')
      .all({ plan: filter.planId ?? null });
    return (rows as unknown[]).map(toLease);
  }

  const stopHeartbeat = (): void => clearInterval(timer);

  return {
    acquireLease,
    releaseLease,
    releaseLeasesOf,
    leases,
    heartbeatLeases,
    leaseIsLive: isLive,
    stopHeartbeat,
  };
}
