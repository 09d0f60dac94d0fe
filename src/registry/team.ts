/**
 * What the rest of the team is doing, as seen from one console: other consoles' live leases (a
 * workload being changed right now: who, from where, which plan) and the plans that are planned or
 * applying, plus the team's recent plans with their outcome (the `:audit` view's rows). Refreshed at
 * once when PostgreSQL announces a change (LISTEN/NOTIFY), and on a timer (lease expiry; SQLite
 * consoles on one machine, which have no notifications). Shaped for React's useSyncExternalStore.
 */
import type { PlanKind, PlanStatus } from '../model/plan.ts';
import type { Registry } from './open.ts';

export interface TeamLease {
  workload: string;
  planId: string;
  operator: string;
  console: string;
  host: string;
  pid: number;
  /** ms since the epoch. */
  since: number;
  /** The plan the lease is for, when the registry holds it. */
  kind: PlanKind | null;
  summary: string | null;
}

export interface TeamPlan {
  id: string;
  kind: PlanKind;
  workload: string;
  operator: string;
  status: PlanStatus;
  summary: string;
  /** ms since the epoch of its last status change. */
  updatedAt: number;
  /** Why its status last changed (failure reason, rollback note). */
  detail: string | null;
  /** Planned or applied from this console (by its lease), or planned by this operator and not leased. */
  own: boolean;
}

export interface TeamActivity {
  /** Live leases held by other consoles, by workload. */
  leases: TeamLease[];
  /** Plans planned or applying, anyone's (`own` tells them apart), oldest first. */
  active: TeamPlan[];
  /** The most recent plans whatever their status, newest first (at most `recent`). */
  recent: TeamPlan[];
  /** When this snapshot was read (ms). */
  at: number;
  /** Set when the registry could not be read for the last refresh. */
  error: string | null;
}

export interface TeamFeedOptions {
  /** This console's lease id (WorkflowService.consoleId.id) and operator. */
  console: string;
  operator: string;
  /** How many recent plans to keep (default 50). */
  recent?: number;
  /** Refresh without notifications every this many ms (default: 1 s on SQLite, 10 s on PostgreSQL). */
  pollMs?: number;
  now?: () => number;
}

const ACTIVE: readonly PlanStatus[] = ['planned', 'applying'];

export function readTeamActivity(registry: Registry, options: TeamFeedOptions): TeamActivity {
  const now = options.now ?? Date.now;
  const stored = registry.plans();
  const byId = new Map(stored.map((p) => [p.plan.id, p]));
  const leases = registry.leases().filter((l) => registry.leaseIsLive(l));
  const ownPlans = new Set(leases.filter((l) => l.holder.console === options.console).map((l) => l.planId));
  const leasedPlans = new Set(leases.map((l) => l.planId));
  const toTeamPlan = (p: (typeof stored)[number]): TeamPlan => ({
    id: p.plan.id,
    kind: p.plan.kind,
    workload: p.plan.workload,
    operator: p.plan.operator,
    status: p.status,
    summary: p.plan.summary,
    updatedAt: p.updatedAt.getTime(),
    detail: p.detail,
    own: ownPlans.has(p.plan.id) || (!leasedPlans.has(p.plan.id) && p.plan.operator === options.operator),
  });
  return {
    leases: leases
      .filter((l) => l.holder.console !== options.console)
      .map((l) => ({
        workload: l.workload,
        planId: l.planId,
        operator: l.holder.operator,
        console: l.holder.console,
        host: l.holder.host,
        pid: l.holder.pid,
        since: l.acquiredAt.getTime(),
        kind: byId.get(l.planId)?.plan.kind ?? null,
        summary: byId.get(l.planId)?.plan.summary ?? null,
      })),
    active: stored.filter((p) => ACTIVE.includes(p.status)).map(toTeamPlan),
    recent: stored
      .slice(-(options.recent ?? 50))
      .reverse()
      .map(toTeamPlan),
    at: now(),
    error: null,
  };
}

/** A live TeamActivity: subscribe/getSnapshot for useSyncExternalStore; stop() at exit. */
export class TeamFeed {
  private snapshot: TeamActivity;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private unlisten: () => void = () => {};

  constructor(
    private readonly registry: Registry,
    private readonly options: TeamFeedOptions,
  ) {
    this.snapshot = { leases: [], active: [], recent: [], at: 0, error: null };
  }

  private started = false;

  start(): this {
    if (this.started) return this;
    this.started = true;
    this.refresh();
    this.unlisten = this.registry.onChange(() => this.soon());
    const every = this.options.pollMs ?? (this.registry.backend === 'postgres' ? 10_000 : 1_000);
    this.timer = setInterval(() => this.refresh(), every);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    this.unlisten();
    this.listeners.clear();
  }

  readonly getSnapshot = (): TeamActivity => this.snapshot;

  /** The first subscriber starts the feed (a one-shot CLI command that never looks costs nothing). */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (!this.started) this.start();
    return () => this.listeners.delete(listener);
  };

  /** Reads the registry now (also what a notification triggers, coalesced over 50 ms). */
  refresh(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    try {
      this.snapshot = readTeamActivity(this.registry, this.options);
    } catch (error) {
      // Registry unreachable: keep the last picture, say it is stale.
      this.snapshot = { ...this.snapshot, error: (error as Error).message };
    }
    for (const l of this.listeners) l();
  }

  private soon(): void {
    // A plan's apply commits several changes in a burst: one read for all of them.
    if (this.pending) return;
    this.pending = setTimeout(() => this.refresh(), 50);
    this.pending.unref();
  }
}
