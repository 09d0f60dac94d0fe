/**
 * What a kind of plan (workloads, tenants, floating IPs, …) may use of the workflow service, and
 * what it gives back. Kind modules import this file, never service.ts, so the service can import
 * them without a circle.
 */
import type { WorkflowSettings } from '../../inventory/load.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan, Precondition } from '../../model/plan.ts';
import type { Registry, TenantRecord } from '../../registry/index.ts';
import type { AppStore } from '../../state/store.ts';
import type { ExecResult } from '../execute/index.ts';
import type { LiveView } from '../plan/build.ts';

/** How apply treats one kind of plan (see WorkflowService.registerKind). */
export interface PlanKindHandler {
  /** A plan file the registry does not know: check it against the registry and store it (absent: refused). */
  adoptFile?(plan: Plan): void;
  /** The command that makes a fresh plan of this kind for the same subject (shown when one is refused). */
  replan?(plan: Plan): string;
  /** Preconditions of a plan made before they were recorded in plans (derived from its steps). */
  derivePreconditions?(plan: Plan): Precondition[];
  /** The live fabric may have changed since planning: throw a WorkflowError to refuse (nothing sent). */
  recheck?(plan: Plan): void;
  /**
   * Refuse (a WorkflowError) when another plan holds the subject — checked before the live
   * preconditions, so that a second console's apply names the plan in the way, not its effects.
   */
  refuseIfHeld?(plan: Plan): void;
  /** In a registry transaction before anything is sent: take the subject or refuse; returns the undo. */
  claim?(plan: Plan): (() => void) | undefined;
  /** In a registry transaction after the executor: what the outcome means for the registry. */
  record?(plan: Plan, result: ExecResult): void;
  /** In a registry transaction when a planned plan is dropped: release what planning reserved. */
  discard?(plan: Plan): void;
}

/** The part of the workflow service a kind module plans with (WorkflowService implements it). */
export interface KindContext {
  readonly registry: Registry;
  readonly deps: { readonly store: AppStore; readonly settings: WorkflowSettings };
  /** The audit line of a plan being made. */
  auditPlanned(plan: Plan): void;
  /** Who announces what right now, from the polled hypervisors. */
  liveView(): LiveView;
  /** Id, operator and time for a new plan. */
  planMeta(): { id: string; operator: string; now: Date };
  requireTenant(name: string): TenantRecord;
  requireHypervisor(name: string, what: string): DeviceSpec;
  requireRouters(): string[];
  /** Runs fn as one registry transaction; planner and registry refusals become WorkflowErrors. */
  inTransaction<T>(fn: () => T): T;
}
