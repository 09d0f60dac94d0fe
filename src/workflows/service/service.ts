/**
 * The workflow service (issue 6): what the CLI and the console call to create, migrate and
 * decommission workloads. It joins the pure planners and the executor with the registry (tenants,
 * IPAM, workload records, plans, audit) and the live store (who announces what, which devices are
 * up). Every refusal is a WorkflowError with a sentence an engineer can act on, thrown before
 * anything is sent and before the registry changes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { nextFreeIpv4, nextFreeIpv6Prefix, PoolExhaustedError } from '../../addr/ipam.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan, PlanKind, WorkloadRecord } from '../../model/plan.ts';
import type { TenantSpec } from '../../model/workload.ts';
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
  type VyosRouterApi,
} from '../execute/index.ts';
import { planCreate, planDecommission, planMigrate, PlanError } from '../plan/index.ts';
import type { WorkflowSettings } from '../../inventory/load.ts';
import type { LiveView } from '../plan/build.ts';
import { adoptLiveWorkloads } from './adopt.ts';

export class WorkflowError extends Error {
  override name = 'WorkflowError';
}

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
  rollbackRetry?: { attempts: number; delayMs: number };
}

export interface CreateInput {
  name: string;
  tenant: string;
  host: string;
  /** Guest NIC MAC for cloud-init; derived from the name when absent. */
  mac?: string;
  dnsServers?: string[];
}

export interface MigrateInput {
  name: string;
  target: string;
  /** Default: the inventory's `workflows.breakBeforeMake`. */
  breakBeforeMake?: boolean;
}

/** How apply treats one kind of plan (see WorkflowService.registerKind). */
export interface PlanKindHandler {
  /** A plan file the registry does not know: check it against the registry and store it (absent: refused). */
  adoptFile?(plan: Plan): void;
  /** The live fabric may have changed since planning: throw a WorkflowError to refuse (nothing sent). */
  recheck?(plan: Plan): void;
  /** In a registry transaction before anything is sent: take the subject or refuse; returns the undo. */
  claim?(plan: Plan): (() => void) | undefined;
  /** In a registry transaction after the executor: what the outcome means for the registry. */
  record?(plan: Plan, result: ExecResult): void;
}

export interface ApplyOptions {
  onEvent?(event: ExecEvent): void;
}

const TAP_MAX = 11;

/** `tap-NAME`, or a shortened, hashed form for long names (IFNAMSIZ is 15 with the `tap-` prefix). */
export function tapNameFor(name: string): string {
  if (name.length <= TAP_MAX) return `tap-${name}`;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 4);
  return `tap-${name.slice(0, TAP_MAX - 5)}-${hash}`;
}

/** A stable, locally administered unicast MAC (52:54:00, the KVM prefix) from the workload name. */
export function macFor(name: string): string {
  const h = createHash('sha256').update(name).digest();
  return ['52', '54', '00', ...[0, 1, 2].map((i) => h[i]!.toString(16).padStart(2, '0'))].join(':');
}

export class WorkflowService {
  readonly registry: Registry;
  readonly operator: string;
  readonly consoleId: { id: string; pid: number; host: string };
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly handlers = new Map<PlanKind, PlanKindHandler>();

  constructor(readonly deps: WorkflowDeps) {
    this.registry = deps.registry;
    this.operator = deps.operator ?? safeUser();
    this.consoleId = deps.console ?? { id: randomUUID(), pid: process.pid, host: hostname() };
    this.now = deps.now ?? Date.now;
    this.newId =
      deps.newId ?? (() => `${new Date(this.now()).toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`);
    this.syncTenants();
    const workloads = this.workloadHandler();
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

  tenants(): TenantRecord[] {
    return this.registry.tenants();
  }

  /** Workloads the registry knows and that are not retired, by name. */
  workloads(): WorkloadRecord[] {
    return this.registry.workloads().filter((w) => w.state !== 'retired');
  }

  hypervisors(): { name: string; health: string }[] {
    const state = this.deps.store.getState();
    return state.deviceOrder
      .map((name) => state.devices[name]!)
      .filter((d) => d.spec.role === 'hypervisor')
      .map((d) => ({ name: d.spec.name, health: d.health }));
  }

  audit(filter: AuditFilter = {}): AuditRecord[] {
    return this.registry.audit(filter);
  }

  plan(id: string): StoredPlan | undefined {
    return this.registry.plan(id);
  }

  // ---- planning ------------------------------------------------------------------------------

  planCreate(input: CreateInput): Plan {
    const tenant = this.tenant(input.tenant);
    const host = this.requireHypervisor(input.host, 'host');
    const routers = this.requireRouters();
    const existing = this.registry.workload(input.name);
    if (existing && existing.state !== 'retired') {
      throw new WorkflowError(
        `workload ${input.name} already exists (on ${existing.host}, ${existing.state})`,
      );
    }
    const vrf = tenant.vrf;
    const spec: TenantSpec = { name: tenant.name, vrf, pools4: tenant.pools4, pools6: tenant.pools6 };
    return this.inTransaction(() => {
      const used = new Set(this.registry.allocated({ vrf }).map((a) => a.address));
      const announced = new Set(
        this.deps.store
          .getState()
          .workloads.filter((w) => w.vrf === vrf)
          .map((w) => w.prefix),
      );
      const workload: WorkloadRecord = {
        name: input.name,
        tenant: tenant.name,
        vrf,
        host: host.name,
        tap: tapNameFor(input.name),
        ipv4: firstFree(tenant.pools4, (pool) => nextFreeIpv4(pool, used, announced), tenant.name, 4),
        ipv6Prefix: firstFree(
          tenant.pools6,
          (pool) => nextFreeIpv6Prefix(pool, used, announced),
          tenant.name,
          6,
        ),
        extraAllowed: [],
        state: 'planned',
      };
      // The planner checks the name before the registry stores anything under it.
      const plan = planCreate(
        {
          tenant: spec,
          workload,
          host,
          routers,
          live: this.liveView(),
          manageTap: this.deps.settings.manageTap,
          mac: input.mac ?? macFor(input.name),
          ...(input.dnsServers ? { dnsServers: input.dnsServers } : {}),
        },
        this.planMeta(),
      );
      this.registry.putWorkload(workload);
      this.registry.allocate(tenant.name, 4, workload.ipv4, workload.name);
      this.registry.allocate(tenant.name, 6, workload.ipv6Prefix, workload.name);
      this.registry.savePlan(plan, 'planned');
      this.auditPlanned(plan);
      return plan;
    });
  }

  planMigrate(input: MigrateInput): Plan {
    const w = this.activeWorkload(input.name);
    this.refuseWithFloatingIps(w, 'migrate');
    const tenant = this.tenant(w.tenant);
    const source = this.requireHypervisor(w.host, 'source host');
    const target = this.requireHypervisor(input.target, 'target host');
    const routers = this.requireRouters();
    const breakBeforeMake = input.breakBeforeMake ?? this.deps.settings.breakBeforeMake;
    return this.inTransaction(() => {
      const plan = planMigrate(
        {
          tenant: toSpec(tenant),
          workload: w,
          source,
          target,
          routers,
          live: this.liveView(),
          manageTap: this.deps.settings.manageTap,
          breakBeforeMake,
          computeHook: this.deps.settings.computeHook,
        },
        this.planMeta(),
      );
      this.registry.savePlan(plan, 'planned');
      this.auditPlanned(plan);
      return plan;
    });
  }

  planDecommission(input: { name: string }): Plan {
    const w = this.activeWorkload(input.name);
    this.refuseWithFloatingIps(w, 'decommission');
    const tenant = this.tenant(w.tenant);
    const host = this.requireHypervisor(w.host, 'host');
    const routers = this.requireRouters();
    return this.inTransaction(() => {
      const plan = planDecommission(
        {
          tenant: toSpec(tenant),
          workload: w,
          host,
          routers,
          live: this.liveView(),
          manageTap: this.deps.settings.manageTap,
        },
        this.planMeta(),
      );
      this.registry.savePlan(plan, 'planned');
      this.auditPlanned(plan);
      return plan;
    });
  }

  /** Drops a plan that will not be applied; a create's reserved addresses and record are released. */
  discard(planId: string): void {
    const stored = this.registry.plan(planId);
    if (!stored) throw new WorkflowError(`no plan ${planId} in the registry`);
    if (stored.status !== 'planned')
      throw new WorkflowError(`plan ${planId} is ${stored.status}, not planned`);
    this.registry.transaction(() => {
      if (stored.plan.kind === 'create') this.forgetCreated(stored.plan.workload);
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
  async apply(plan: Plan, options: ApplyOptions = {}): Promise<ExecResult> {
    const stored = this.registry.plan(plan.id);
    if (stored && stored.status !== 'planned') {
      throw new WorkflowError(`plan ${plan.id} is ${stored.status}; only a planned plan can be applied`);
    }
    const handler = this.handlerFor(plan);
    if (!stored) {
      if (!handler.adoptFile)
        throw new WorkflowError(
          `plan ${plan.id} is not in this registry (${this.registry.path}); plan it here`,
        );
      handler.adoptFile(plan);
    }
    await this.deps.poller.pollNow();
    this.recheckDevices(plan);
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

  /** create / migrate / decommission: the workload record, its state and its addresses. */
  private workloadHandler(): PlanKindHandler {
    return {
      adoptFile: (plan) => this.adoptPlanFile(plan),
      recheck: (plan) => this.recheckWorkload(plan),
      claim: (plan) => {
        if (plan.kind === 'create') return undefined;
        const w = this.registry.workload(plan.workload);
        if (!w || w.state !== 'active') {
          const lease = this.registry.leases().find((l) => l.workload === plan.workload);
          throw new WorkflowError(
            `workload ${plan.workload} is ${w?.state ?? 'not in the registry'}` +
              `${lease ? ` (plan ${lease.planId} by ${lease.holder.operator} on ${lease.holder.host})` : ''}; ` +
              'refusing to apply; nothing was sent',
          );
        }
        this.registry.setWorkloadState(
          plan.workload,
          plan.kind === 'migrate' ? 'migrating' : 'decommissioning',
        );
        return () => this.registry.setWorkloadState(plan.workload, 'active');
      },
      record: (plan, result) => this.record(plan, result),
    };
  }

  /** Plans a console was applying when it died (its lease holder is gone). */
  interrupted(): StoredPlan[] {
    const ids = new Set([
      ...this.registry.interruptedPlans().map((p) => p.plan.id),
      // Marked by an earlier start (markInterrupted) and not finished since: still to resume or roll
      // back. The registry's snapshot at open only sees plans still `applying`.
      ...this.registry.plans({ status: 'interrupted' }).map((p) => p.plan.id),
    ]);
    return [...ids]
      .map((id) => this.registry.plan(id))
      .filter(
        (p): p is StoredPlan => p !== undefined && (p.status === 'applying' || p.status === 'interrupted'),
      );
  }

  /** Marks the interrupted plans as such (a status an engineer sees in lists), returning them. */
  markInterrupted(): StoredPlan[] {
    const found = this.interrupted();
    for (const p of found) {
      if (p.status === 'applying') {
        this.registry.setPlanStatus(p.plan.id, 'interrupted', 'the console applying it stopped mid-plan');
        this.registry.appendAudit({
          at: new Date(this.now()).toISOString(),
          operator: this.operator,
          planId: p.plan.id,
          kind: 'plan',
          outcome: 'interrupted',
          message: `found interrupted after step(s): ${this.completed(p.plan).join(', ') || 'none'}`,
        });
      }
    }
    return this.interrupted();
  }

  /** Steps of a plan the audit log records as done. */
  completed(plan: Plan): string[] {
    return completedSteps(plan, this.registry.audit({ planId: plan.id }));
  }

  /** Continues an interrupted plan from the step that was running (undone first, then re-run). */
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
      ...(this.deps.verifyPollMs !== undefined ? { verifyPollMs: this.deps.verifyPollMs } : {}),
      ...(this.deps.rollbackRetry ? { rollbackRetry: this.deps.rollbackRetry } : {}),
    };
  }

  /** The registry after an execution: only an applied plan changes what the registry says exists. */
  private record(plan: Plan, result: ExecResult): void {
    const name = plan.workload;
    {
      const w = this.registry.workload(name);
      if (!w) return;
      if (result.status === 'applied') {
        if (plan.kind === 'create') this.registry.setWorkloadState(name, 'active');
        else if (plan.kind === 'migrate') {
          const target = plan.routeChanges[0]?.toHost ?? targetOf(plan);
          this.registry.putWorkload({ ...w, host: target, state: 'active' });
        } else {
          this.registry.release(name);
          this.registry.setWorkloadState(name, 'retired');
        }
      } else if (result.status === 'rolled-back') {
        if (plan.kind === 'create') this.forgetCreated(name);
        else this.registry.setWorkloadState(name, 'active');
      }
      // `failed` (a rollback failed too): the record keeps migrating/decommissioning — someone must look.
    }
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

  private forgetCreated(name: string): void {
    this.registry.release(name);
    this.registry.deleteWorkload(name);
  }

  /** A plan file made elsewhere (`routedeck plan … -o`): its workload must match the registry. */
  private adoptPlanFile(plan: Plan): void {
    const w = this.registry.workload(plan.workload);
    if (plan.kind === 'create') {
      if (w && w.state !== 'retired')
        throw new WorkflowError(`plan ${plan.id} creates ${plan.workload}, which already exists`);
      throw new WorkflowError(
        `plan ${plan.id} is not in this registry (${this.registry.path}); a create plan reserves addresses ` +
          'when it is made, so make and apply it against the same registry',
      );
    }
    if (!w || w.state !== 'active')
      throw new WorkflowError(
        `plan ${plan.id} acts on ${plan.workload}, which is not an active workload here`,
      );
    this.registry.savePlan(plan, 'planned');
  }

  /** The live fabric may have changed since the plan was made: the same refusals as at planning. */
  private recheckDevices(plan: Plan): void {
    const state = this.deps.store.getState();
    for (const device of new Set(plan.steps.map((s) => s.device))) {
      const entry = state.devices[device];
      if (!entry) throw new WorkflowError(`plan ${plan.id}: device ${device} is not in the inventory`);
      if (entry.health === 'unreachable')
        throw new WorkflowError(
          `${device} is unreachable (${entry.lastError ?? 'no answer'}); nothing was sent`,
        );
    }
  }

  private recheckWorkload(plan: Plan): void {
    const live = this.liveView();
    const w = this.registry.workload(plan.workload);
    if (!w) return;
    const allowed = plan.kind === 'create' ? [] : [w.host];
    for (const prefix of [`${w.ipv4}/32`, w.ipv6Prefix]) {
      const others = live.announcedBy(prefix, w.vrf).filter((h) => !allowed.includes(h));
      if (others.length > 0)
        throw new WorkflowError(`${prefix} is now announced by ${others.join(', ')}; nothing was sent`);
    }
  }

  /** Who announces what right now, from the polled hypervisors. */
  liveView(): LiveView {
    const workloads = this.deps.store.getState().workloads;
    return {
      announcedBy: (prefix, vrf) =>
        workloads.find((w) => w.vrf === vrf && w.prefix === prefix)?.announcers.map((a) => a.host) ?? [],
    };
  }

  /** Id, operator and time for a new plan. */
  planMeta() {
    return { id: this.newId(), operator: this.operator, now: new Date(this.now()) };
  }

  /** Device specs by name, from the inventory. */
  specs(): Map<string, DeviceSpec> {
    const state = this.deps.store.getState();
    return new Map(state.deviceOrder.map((name) => [name, state.devices[name]!.spec]));
  }

  private tenant(name: string): TenantRecord {
    const tenant = this.registry.tenant(name);
    if (!tenant) {
      const known = this.registry.tenants().map((t) => t.name);
      throw new WorkflowError(`unknown tenant "${name}" (known: ${known.join(', ') || 'none'})`);
    }
    return tenant;
  }

  /** A reachable hypervisor by name, or a WorkflowError saying why not. */
  requireHypervisor(name: string, what: string): DeviceSpec {
    const state = this.deps.store.getState();
    const entry = state.devices[name];
    if (!entry || entry.spec.role !== 'hypervisor') {
      const known = this.hypervisors().map((h) => h.name);
      throw new WorkflowError(`${what} "${name}" is not a hypervisor in the inventory (${known.join(', ')})`);
    }
    if (entry.health !== 'ok') {
      throw new WorkflowError(
        `${what} ${name} is ${entry.health === 'unknown' ? 'not polled yet' : entry.health}` +
          `${entry.lastError ? ` (${entry.lastError})` : ''}; refusing to plan`,
      );
    }
    return entry.spec;
  }

  /** Every router must be up: each one verifies the change. */
  /** Every router (each must be up: each verifies a change), or a WorkflowError. */
  requireRouters(): string[] {
    const state = this.deps.store.getState();
    const routers = state.deviceOrder.map((n) => state.devices[n]!).filter((d) => d.spec.role === 'router');
    if (routers.length === 0) throw new WorkflowError('the inventory has no routers to verify a change on');
    const down = routers.filter((r) => r.health !== 'ok');
    if (down.length > 0) {
      throw new WorkflowError(
        `router(s) ${down.map((r) => `${r.spec.name} (${r.health})`).join(', ')} cannot verify the change; refusing to plan`,
      );
    }
    return routers.map((r) => r.spec.name);
  }

  /**
   * A workload whose TAP carries floating IPs: their routes would stay behind on the old host (or
   * vanish with it). The engineer moves or detaches them first, as their own plans.
   */
  private refuseWithFloatingIps(w: WorkloadRecord, what: string): void {
    if (w.extraAllowed.length === 0) return;
    throw new WorkflowError(
      `workload ${w.name} carries floating IP(s) ${w.extraAllowed.join(', ')}; move or detach them first ` +
        `(routedeck plan fip move|detach …), then ${what} it`,
    );
  }

  private activeWorkload(name: string): WorkloadRecord {
    const w = this.registry.workload(name);
    if (!w || w.state === 'retired') {
      throw new WorkflowError(`no workload "${name}" in the registry`);
    }
    if (w.state !== 'active') throw new WorkflowError(`workload ${name} is ${w.state}, not active`);
    return w;
  }

  /** Planner and registry refusals become WorkflowErrors; the transaction leaves nothing behind. */
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

function firstFree(
  pools: readonly string[],
  pick: (pool: string) => string,
  tenant: string,
  family: 4 | 6,
): string {
  if (pools.length === 0) throw new WorkflowError(`tenant ${tenant} has no IPv${family} pool`);
  for (const pool of pools) {
    try {
      return pick(pool);
    } catch (error) {
      if (!(error instanceof PoolExhaustedError)) throw error;
    }
  }
  throw new WorkflowError(
    `tenant ${tenant}'s IPv${family} pool${pools.length > 1 ? 's' : ''} ${pools.join(', ')} ` +
      `${pools.length > 1 ? 'are' : 'is'} exhausted (every address is allocated or announced)`,
  );
}

function toSpec(t: TenantRecord): TenantSpec {
  return { name: t.name, vrf: t.vrf, pools4: t.pools4, pools6: t.pools6 };
}

function targetOf(plan: Plan): string {
  const step = plan.steps.find((s) => s.id.startsWith('target-'));
  if (!step) throw new WorkflowError(`plan ${plan.id} has no target step`);
  return step.device;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
