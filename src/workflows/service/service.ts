/**
 * The workflow service (issue 6): what the CLI and the console call to plan and apply changes. It
 * joins the pure planners and the executor with the registry (tenants, IPAM, workload records,
 * plans, audit) and the live store (who announces what, which devices are up). Plan kinds register
 * how apply claims, re-checks and records them: the workload kinds in workloads.ts, issue 8's in
 * tenant.ts, floating-ip.ts, guard.ts and shared-service.ts. Every refusal is a WorkflowError with a sentence an engineer can act on, thrown before
 * anything is sent and before the registry changes.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { PoolExhaustedError } from '../../addr/ipam.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan, PlanKind, WorkloadRecord } from '../../model/plan.ts';
import type { Poller } from '../../poller/poller.ts';
import {
  RegistryCorruptError,
  RegistryError,
  type AuditFilter,
  type AuditRecord,
  type Registry,
  type StoredPlan,
  type TenantRecord,
} from '../../registry/index.ts';
import type { AppStore } from '../../state/store.ts';
import type { CommandRunner } from '../../transport/types.ts';
import {
  completedSteps,
  executePlan,
  type ExecDeps,
  type ExecEvent,
  type ExecOptions,
  type ExecResult,
  type RollbackRetry,
  type VyosRouterApi,
} from '../execute/index.ts';
import { PlanError } from '../plan/index.ts';
import { planDigest } from '../plan/json.ts';
import type { WorkflowSettings } from '../../inventory/load.ts';
import type { LiveView } from '../plan/build.ts';
import { adoptLiveGradually, adoptLiveWorkloads, type AdoptionState } from './adopt.ts';
import { WorkflowError } from './errors.ts';
import { interruptedPlans, markInterrupted, stillHeld } from './interrupted.ts';
import {
  hypervisorsOf,
  liveViewOf,
  recheckDevices,
  requireHypervisor,
  requireRouters,
  requireTenant,
  specsOf,
} from './fabric-lookups.ts';
import { checkPreconditions, refuseIfLeased } from './preconditions.ts';
import type { KindContext, PlanKindHandler } from './kind.ts';
import {
  planWorkloadCreate,
  planWorkloadDecommission,
  planWorkloadMigrate,
  workloadKind,
  type CreateInput,
  type MigrateInput,
} from './workloads.ts';

export { WorkflowError };
export type { KindContext, PlanKindHandler };

export interface WorkflowDeps {
  store: AppStore;
  poller: Pick<Poller, 'pollNow' | 'pollFast'>;
  registry: Registry;
  runnerFor(device: DeviceSpec): CommandRunner;
  /** A router's VyOS API (vyos-configure steps, version probes); undefined for a device without one. */
  apiFor?(device: DeviceSpec): Promise<VyosRouterApi> | undefined;
  settings: WorkflowSettings;
  operator?: string;
  /** This console instance (lease holder). Default: a fresh id with this pid and host. */
  console?: { id: string; pid: number; host: string };
  now?: () => number;
  newId?: () => string;
  /** Passed to the executor (tests shorten them). */
  verifyPollMs?: number;
  rollbackRetry?: RollbackRetry;
}

export interface ApplyOptions {
  onEvent?(event: ExecEvent): void;
  /** Awaited before each step (the console's and the CLI's pause for a manual VM move). */
  beforeStep?: ExecDeps['beforeStep'];
}

export class WorkflowService implements KindContext {
  readonly registry: Registry;
  readonly operator: string;
  readonly consoleId: { id: string; pid: number; host: string };
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly handlers = new Map<PlanKind, PlanKindHandler>();
  private adopting: AdoptionState = null;

  constructor(readonly deps: WorkflowDeps) {
    this.registry = deps.registry;
    this.operator = deps.operator ?? safeUser();
    this.consoleId = deps.console ?? { id: randomUUID(), pid: process.pid, host: hostname() };
    this.now = deps.now ?? Date.now;
    this.newId =
      deps.newId ?? (() => `${new Date(this.now()).toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`);
    this.syncTenants();
    const workloads = workloadKind(this);
    for (const kind of ['create', 'migrate', 'decommission'] as const) this.registerKind(kind, workloads);
  }

  /** The inventory's tenants and pools, written into the registry (the inventory is the source of truth). */
  private syncTenants(): void {
    for (const tenant of this.deps.store.getState().tenants) this.registry.upsertTenant(tenant);
  }

  /**
   * Records workloads the live fabric shows but the registry does not know (the lab's, or a fabric
   * routedeck has just been pointed at), so they can be migrated and decommissioned. Call after a
   * complete poll. Returns the names adopted.
   */
  adoptLive(): string[] {
    return adoptLiveWorkloads(this.deps.store.getState(), this.registry, this.operator, this.now);
  }

  /** `adoptLive` for a running console: a batch at a time, the event loop free between (adopt.ts). */
  async adoptLiveGradually(stopped?: () => boolean): Promise<string[]> {
    const state = this.deps.store.getState();
    const onProgress = (done: number, total: number) => {
      this.adopting = { phase: 'recording', done, total };
    };
    try {
      return await adoptLiveGradually(state, this.registry, this.operator, this.now, {
        onProgress,
        ...(stopped ? { stopped } : {}),
      });
    } finally {
      this.adopting = null;
    }
  }

  /** The console adopts the live workloads once every device has answered (adopt-start.ts): say so till then. */
  expectAdoption(): void {
    this.adopting ??= { phase: 'waiting' };
  }

  /** Whether an adoption waits or runs (anti-spoofing drift is not judged meanwhile: adopt.ts). */
  adoption(): AdoptionState {
    return this.adopting;
  }

  tenants(): TenantRecord[] {
    return this.registry.tenants();
  }

  /** Workloads the registry knows and that are not retired, by name. */
  workloads(): WorkloadRecord[] {
    return this.registry.workloads().filter((w) => w.state !== 'retired');
  }

  hypervisors(): { name: string; health: string }[] {
    return hypervisorsOf(this.deps.store);
  }

  audit(filter: AuditFilter = {}): AuditRecord[] {
    return this.registry.audit(filter);
  }

  plan(id: string): StoredPlan | undefined {
    return this.registry.plan(id);
  }

  // ---- planning (the workload kinds live in workloads.ts) -------------------------------------

  /** A new workload on a hypervisor: next free /32 and /64 from the tenant's pools, reserved now. */
  planCreate(input: CreateInput): Plan {
    return planWorkloadCreate(this, input);
  }

  /** Moves a workload to another hypervisor (make-before-break unless the inventory says otherwise). */
  planMigrate(input: MigrateInput): Plan {
    return planWorkloadMigrate(this, input);
  }

  /** Withdraws and removes a workload; its addresses are released when applied. */
  planDecommission(input: { name: string }): Plan {
    return planWorkloadDecommission(this, input);
  }

  /** Drops a plan that will not be applied; a create's reserved addresses and record are released. */
  discard(planId: string): void {
    const stored = this.registry.plan(planId);
    if (!stored) throw new WorkflowError(`no plan ${planId} in the registry`);
    if (stored.status !== 'planned')
      throw new WorkflowError(`plan ${planId} is ${stored.status}, not planned`);
    this.registry.transaction(() => {
      this.handlers.get(stored.plan.kind)?.discard?.(stored.plan);
      this.registry.setPlanStatus(planId, 'discarded', `discarded by ${this.operator}`);
      this.registry.appendAudit({
        at: new Date(this.now()).toISOString(),
        operator: this.operator,
        planId,
        kind: 'plan',
        outcome: 'discarded',
        message: `discarded before apply: ${stored.plan.summary}`,
      });
    });
  }

  /**
   * A walkthrough marker: the driver's comment in the audit log, attached to the plan being applied
   * (or to the session when none is). Returns what was recorded.
   */
  note(text: string, planId?: string): AuditRecord {
    const message = [...text]
      .map((c) => (c < ' ' || c === '\u007f' ? ' ' : c))
      .join('')
      .trim();
    if (message === '') throw new WorkflowError('a note needs some text');
    if (message.length > 500) throw new WorkflowError('a note is at most 500 characters');
    const id = planId ?? `session-${this.consoleId.id.slice(0, 8)}`;
    this.registry.appendAudit({
      at: new Date(this.now()).toISOString(),
      operator: this.operator,
      planId: id,
      kind: 'note',
      outcome: 'note',
      message,
    });
    return this.registry.audit({ planId: id }).at(-1)!;
  }

  // ---- applying ------------------------------------------------------------------------------

  /**
   * Applies a planned plan: re-checks the live fabric, runs the executor, then records the outcome
   * in the registry (a create becomes active; a migrate moves the record; a decommission releases
   * the addresses). A plan from a file that the registry does not know is stored first.
   */
  async apply(file: Plan, options: ApplyOptions = {}): Promise<ExecResult> {
    const stored = this.registry.plan(file.id);
    if (stored && stored.status !== 'planned') {
      throw new WorkflowError(`plan ${file.id} is ${stored.status}; only a planned plan can be applied`);
    }
    // What runs is the registry's copy: a file edited and re-hashed must not smuggle other commands.
    const plan = this.registryCopy(file);
    const handler = this.handlerFor(plan);
    if (!stored) {
      if (!handler.adoptFile)
        throw new WorkflowError(
          `plan ${plan.id} is not in this registry (${this.registry.path}); plan it here`,
        );
      handler.adoptFile(plan);
    }
    await this.deps.poller.pollNow();
    // Another console's plan may have taken the subject while this one polled: say so, not the
    // changes that plan is making (which the live preconditions below would find first).
    handler.refuseIfHeld?.(plan);
    refuseIfLeased(this.registry, plan);
    recheckDevices(this.deps.store, plan);
    checkPreconditions(
      plan,
      plan.preconditions ?? handler.derivePreconditions?.(plan) ?? [],
      this.registry,
      this.liveView(),
      handler.replan?.(plan) ?? `routedeck plan ${plan.kind} …`,
    );
    handler.recheck?.(plan);
    // Check-and-set in one transaction: of two consoles applying plans for one subject, one wins.
    const release = this.registry.transaction(() => handler.claim?.(plan));
    let result: ExecResult;
    try {
      result = await executePlan(plan, this.execDeps(options));
    } catch (error) {
      // Refused before anything was sent (a lease held elsewhere): the claim is given back.
      if (release) this.registry.transaction(release);
      throw error;
    }
    this.registry.transaction(() => handler.record?.(plan, result));
    return result;
  }

  /**
   * The registry's copy of a plan (a plan the registry does not know is returned as is); a plan
   * that differs from the registry's copy under the same id is refused.
   */
  registryCopy(plan: Plan): Plan {
    const stored = this.registry.plan(plan.id);
    if (!stored) return plan;
    if (planDigest(stored.plan) !== planDigest(plan))
      throw new WorkflowError(
        `plan file for ${plan.id} differs from the registry's copy of that plan (edited after planning); ` +
          `apply it by id (routedeck apply ${plan.id}) to run the registry's copy, or plan again`,
      );
    return stored.plan;
  }

  /**
   * Adds a plan kind (tenant provisioning, floating IPs, …) from another module: how apply checks,
   * claims and records it. The built-in kinds are create, migrate and decommission.
   */
  registerKind(kind: PlanKind, handler: PlanKindHandler): void {
    this.handlers.set(kind, handler);
  }

  private handlerFor(plan: Plan): PlanKindHandler {
    const handler = this.handlers.get(plan.kind);
    if (!handler) throw new WorkflowError(`plans of kind ${plan.kind} cannot be applied by this console`);
    return handler;
  }

  /** Plans a console was applying when it died (its lease holder is gone). */
  interrupted(): StoredPlan[] {
    return interruptedPlans(this.registry);
  }

  /** Marks the interrupted plans as such (a status an engineer sees in lists), returning them. */
  markInterrupted(): StoredPlan[] {
    return markInterrupted(this.registry, new Date(this.now()), this.operator);
  }

  /** Steps of a plan the audit log records as done. */
  completed(plan: Plan): string[] {
    return completedSteps(plan, this.registry.audit({ planId: plan.id }));
  }

  /**
   * Continues an interrupted plan from the step that was running: an SSH step is re-run as it is
   * (what is already in place is accepted); a VyOS step is undone from a read of the router first.
   */
  resume(planId: string, options: ApplyOptions = {}): Promise<ExecResult> {
    return this.finishInterrupted(planId, 'resume', options);
  }

  /** Undoes an interrupted plan: every finished step and the interrupted one, in reverse. */
  rollback(planId: string, options: ApplyOptions = {}): Promise<ExecResult> {
    return this.finishInterrupted(planId, 'rollback', options);
  }

  private async finishInterrupted(
    planId: string,
    mode: 'resume' | 'rollback',
    options: ApplyOptions,
  ): Promise<ExecResult> {
    const stored = this.interrupted().find((p) => p.plan.id === planId);
    if (!stored) {
      const known = this.registry.plan(planId);
      const lease = known?.status === 'applying' ? this.registry.leases({ planId })[0] : undefined;
      if (lease) throw new WorkflowError(stillHeld(planId, mode, lease, this.now(), this.registry.backend));
      throw new WorkflowError(
        known
          ? `plan ${planId} is ${known.status}, not interrupted; nothing to ${mode}`
          : `no plan ${planId} in the registry`,
      );
    }
    const { plan } = stored;
    const completed = this.completed(plan);
    await this.deps.poller.pollNow();
    const opts: ExecOptions = { mode, completed };
    const result = await executePlan(plan, this.execDeps(options), opts);
    this.registry.transaction(() => this.handlerFor(plan).record?.(plan, result));
    return result;
  }

  // ---- internals -----------------------------------------------------------------------------

  /** The executor's dependencies for this console (plan kinds in other modules use them too). */
  execDeps(options: ApplyOptions = {}): ExecDeps {
    const specs = this.specs();
    return {
      runnerFor: (device) => {
        const spec = specs.get(device);
        if (!spec) throw new WorkflowError(`device ${device} is not in the inventory`);
        return this.deps.runnerFor(spec);
      },
      apiFor: (device) => {
        const spec = specs.get(device);
        const api = spec ? this.deps.apiFor?.(spec) : undefined;
        return api ?? Promise.reject(new WorkflowError(`device ${device} has no VyOS API in the inventory`));
      },
      store: this.deps.store,
      poller: this.deps.poller,
      registry: this.registry,
      operator: this.operator,
      console: this.consoleId,
      now: this.now,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.beforeStep ? { beforeStep: options.beforeStep } : {}),
      ...(this.deps.verifyPollMs !== undefined ? { verifyPollMs: this.deps.verifyPollMs } : {}),
      // The inventory's bound (workflows.rollbackRetryMs), unless the caller (a test) gives its own.
      rollbackRetry: { forMs: this.deps.settings.rollbackRetryMs, ...this.deps.rollbackRetry },
    };
  }

  /** The audit line of a plan being made (kinds in other modules call it after saving their plan). */
  auditPlanned(plan: Plan): void {
    this.registry.appendAudit({
      at: new Date(this.now()).toISOString(),
      operator: this.operator,
      planId: plan.id,
      kind: 'plan',
      outcome: 'planned',
      message: plan.summary,
    });
  }

  /** Who announces what right now, from the polled hypervisors. */
  liveView(): LiveView {
    return liveViewOf(this.deps.store);
  }

  /** Id, operator and time for a new plan. */
  planMeta() {
    return { id: this.newId(), operator: this.operator, now: new Date(this.now()) };
  }

  specs(): Map<string, DeviceSpec> {
    return specsOf(this.deps.store);
  }

  requireTenant(name: string): TenantRecord {
    return requireTenant(this.registry, name);
  }

  requireHypervisor(name: string, what: string): DeviceSpec {
    return requireHypervisor(this.deps.store, name, what);
  }

  requireRouters(): string[] {
    return requireRouters(this.deps.store);
  }

  /** Runs fn as one registry transaction; planner and registry refusals become WorkflowErrors. */
  inTransaction<T>(fn: () => T): T {
    try {
      return this.registry.transaction(fn);
    } catch (error) {
      if (
        error instanceof PlanError ||
        error instanceof PoolExhaustedError ||
        (error instanceof RegistryError && !(error instanceof RegistryCorruptError))
      )
        throw new WorkflowError(error.message);
      throw error;
    }
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
