/**
 * The workload plan kinds (issue 6) — create, migrate, decommission — on the workflow service:
 * planning with IPAM in one registry transaction, and how apply claims, re-checks and records
 * them (a create becomes active; a migrate moves the record; a decommission releases the addresses).
 */
import { createHash } from 'node:crypto';
import { nextFreeIpv4, nextFreeIpv6Prefix, PoolExhaustedError } from '../../addr/ipam.ts';
import type { Plan, Precondition, WorkloadRecord } from '../../model/plan.ts';
import type { TenantSpec } from '../../model/workload.ts';
import type { TenantRecord } from '../../registry/index.ts';
import type { ExecResult } from '../execute/index.ts';
import { planCreate, planDecommission, planMigrate } from '../plan/index.ts';
import { WorkflowError } from './errors.ts';
import { workloadPreconditions } from './preconditions.ts';
import type { KindContext, PlanKindHandler } from './kind.ts';

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

export function planWorkloadCreate(svc: KindContext, input: CreateInput): Plan {
  const tenant = svc.requireTenant(input.tenant);
  const host = svc.requireHypervisor(input.host, 'host');
  const routers = svc.requireRouters();
  const existing = svc.registry.workload(input.name);
  if (existing && existing.state !== 'retired') {
    throw new WorkflowError(`workload ${input.name} already exists (on ${existing.host}, ${existing.state})`);
  }
  const vrf = tenant.vrf;
  // The inventory's per-tenant guest network (DNS, MTU); the registry keeps pools, not this.
  const guest = svc.deps.store.getState().tenants.find((t) => t.name === tenant.name)?.guest;
  const dnsServers = input.dnsServers ?? guest?.dnsServers;
  const spec: TenantSpec = { name: tenant.name, vrf, pools4: tenant.pools4, pools6: tenant.pools6 };
  return svc.inTransaction(() => {
    const used = new Set(svc.registry.allocated({ vrf }).map((a) => a.address));
    const announced = new Set(
      svc.deps.store
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
    const made = planCreate(
      {
        tenant: spec,
        workload,
        host,
        routers,
        live: svc.liveView(),
        manageTap: svc.deps.settings.manageTap,
        mac: input.mac ?? macFor(input.name),
        ...(dnsServers ? { dnsServers } : {}),
        ...(guest?.mtu !== undefined ? { mtu: guest.mtu } : {}),
      },
      svc.planMeta(),
    );
    const plan: Plan = { ...made, preconditions: workloadPreconditions(workload, svc.liveView()) };
    svc.registry.putWorkload(workload);
    svc.registry.allocate(tenant.name, 4, workload.ipv4, workload.name);
    svc.registry.allocate(tenant.name, 6, workload.ipv6Prefix, workload.name);
    svc.registry.savePlan(plan, 'planned');
    svc.auditPlanned(plan);
    return plan;
  });
}

export function planWorkloadMigrate(svc: KindContext, input: MigrateInput): Plan {
  const w = activeWorkload(svc, input.name);
  refuseWithFloatingIps(w, 'migrate');
  const tenant = svc.requireTenant(w.tenant);
  const source = svc.requireHypervisor(w.host, 'source host');
  const target = svc.requireHypervisor(input.target, 'target host');
  const routers = svc.requireRouters();
  const breakBeforeMake = input.breakBeforeMake ?? svc.deps.settings.breakBeforeMake;
  return svc.inTransaction(() => {
    const plan = planMigrate(
      {
        tenant: toSpec(tenant),
        workload: w,
        source,
        target,
        routers,
        live: svc.liveView(),
        manageTap: svc.deps.settings.manageTap,
        breakBeforeMake,
        computeHook: svc.deps.settings.computeHook,
      },
      svc.planMeta(),
    );
    plan.preconditions = workloadPreconditions(w, svc.liveView());
    svc.registry.savePlan(plan, 'planned');
    svc.auditPlanned(plan);
    return plan;
  });
}

export function planWorkloadDecommission(svc: KindContext, input: { name: string }): Plan {
  const w = activeWorkload(svc, input.name);
  refuseWithFloatingIps(w, 'decommission');
  const tenant = svc.requireTenant(w.tenant);
  const host = svc.requireHypervisor(w.host, 'host');
  const routers = svc.requireRouters();
  return svc.inTransaction(() => {
    const plan = planDecommission(
      {
        tenant: toSpec(tenant),
        workload: w,
        host,
        routers,
        live: svc.liveView(),
        manageTap: svc.deps.settings.manageTap,
      },
      svc.planMeta(),
    );
    plan.preconditions = workloadPreconditions(w, svc.liveView());
    svc.registry.savePlan(plan, 'planned');
    svc.auditPlanned(plan);
    return plan;
  });
}

/** A migrate or decommission whose workload is not active (another plan holds it) is refused. */
function refuseIfHeld(svc: KindContext, plan: Plan): void {
  if (plan.kind === 'create') return;
  const w = svc.registry.workload(plan.workload);
  if (w && w.state === 'active') return;
  const lease = svc.registry.leases().find((l) => l.workload === plan.workload);
  throw new WorkflowError(
    `workload ${plan.workload} is ${w?.state ?? 'not in the registry'}` +
      `${lease ? ` (plan ${lease.planId} by ${lease.holder.operator} on ${lease.holder.host})` : ''}; ` +
      'refusing to apply; nothing was sent',
  );
}

/** create / migrate / decommission: the workload record, its state and its addresses. */
export function workloadKind(svc: KindContext): PlanKindHandler {
  return {
    adoptFile: (plan) => adoptPlanFile(svc, plan),
    replan: (plan) =>
      plan.kind === 'migrate'
        ? `routedeck plan migrate ${plan.workload} --to ${targetOf(plan)}`
        : plan.kind === 'decommission'
          ? `routedeck plan decommission ${plan.workload}`
          : `routedeck plan discard ${plan.id}, then routedeck plan create ${plan.workload} --tenant ${plan.tenant} --host ${plan.steps[0]?.device ?? 'HOST'}`,
    derivePreconditions: (plan) => derivedPreconditions(plan),
    recheck: (plan) => recheckWorkload(svc, plan),
    refuseIfHeld: (plan) => refuseIfHeld(svc, plan),
    claim: (plan) => {
      if (plan.kind === 'create') return undefined;
      refuseIfHeld(svc, plan);
      svc.registry.setWorkloadState(plan.workload, plan.kind === 'migrate' ? 'migrating' : 'decommissioning');
      return () => svc.registry.setWorkloadState(plan.workload, 'active');
    },
    record: (plan, result) => record(svc, plan, result),
    // A create reserved its addresses and record when it was planned.
    discard: (plan) => {
      if (plan.kind === 'create') forgetCreated(svc, plan.workload);
    },
  };
}

/** The registry after an execution: only an applied plan changes what the registry says exists. */
function record(svc: KindContext, plan: Plan, result: ExecResult): void {
  const name = plan.workload;
  {
    const w = svc.registry.workload(name);
    if (!w) return;
    if (result.status === 'applied') {
      if (plan.kind === 'create') svc.registry.setWorkloadState(name, 'active');
      else if (plan.kind === 'migrate') {
        const target = plan.routeChanges[0]?.toHost ?? targetOf(plan);
        svc.registry.putWorkload({ ...w, host: target, state: 'active' });
      } else {
        svc.registry.release(name);
        svc.registry.setWorkloadState(name, 'retired');
      }
    } else if (result.status === 'rolled-back') {
      if (plan.kind === 'create') forgetCreated(svc, name);
      else svc.registry.setWorkloadState(name, 'active');
    }
    // `failed` (a rollback failed too): the record keeps migrating/decommissioning — someone must look.
  }
}

function forgetCreated(svc: KindContext, name: string): void {
  svc.registry.release(name);
  svc.registry.deleteWorkload(name);
}

/** A plan file made elsewhere (`routedeck plan … -o`): its workload must match the registry. */
function adoptPlanFile(svc: KindContext, plan: Plan): void {
  const w = svc.registry.workload(plan.workload);
  if (plan.kind === 'create') {
    if (w && w.state !== 'retired')
      throw new WorkflowError(`plan ${plan.id} creates ${plan.workload}, which already exists`);
    throw new WorkflowError(
      `plan ${plan.id} is not in this registry (${svc.registry.path}); a create plan reserves addresses ` +
        'when it is made, so make and apply it against the same registry',
    );
  }
  if (!w || w.state !== 'active')
    throw new WorkflowError(`plan ${plan.id} acts on ${plan.workload}, which is not an active workload here`);
  svc.registry.savePlan(plan, 'planned');
}

/** A plan stored before plans recorded preconditions: the source host its steps were made for. */
function derivedPreconditions(plan: Plan): Precondition[] {
  const host =
    plan.kind === 'migrate'
      ? plan.routeChanges.find((c) => c.fromHost !== undefined)?.fromHost
      : plan.steps[0]?.device;
  if (host === undefined) return [];
  const state = plan.kind === 'create' ? 'planned' : 'active';
  return [{ kind: 'workload', workload: plan.workload, host, state }];
}

/** The live fabric may have changed since the plan was made: the same refusals as at planning. */

function recheckWorkload(svc: KindContext, plan: Plan): void {
  const live = svc.liveView();
  const w = svc.registry.workload(plan.workload);
  if (!w) return;
  const allowed = plan.kind === 'create' ? [] : [w.host];
  for (const prefix of [`${w.ipv4}/32`, w.ipv6Prefix]) {
    const others = live.announcedBy(prefix, w.vrf).filter((h) => !allowed.includes(h));
    if (others.length > 0)
      throw new WorkflowError(`${prefix} is now announced by ${others.join(', ')}; nothing was sent`);
  }
}

/**
 * A workload whose TAP carries floating IPs: their routes would stay behind on the old host (or
 * vanish with it). The engineer moves or detaches them first, as their own plans.
 */
function refuseWithFloatingIps(w: WorkloadRecord, what: string): void {
  if (w.extraAllowed.length === 0) return;
  throw new WorkflowError(
    `workload ${w.name} carries floating IP(s) ${w.extraAllowed.join(', ')}; move or detach them first ` +
      `(routedeck plan fip move|detach …), then ${what} it`,
  );
}

function activeWorkload(svc: KindContext, name: string): WorkloadRecord {
  const w = svc.registry.workload(name);
  if (!w || w.state === 'retired') {
    throw new WorkflowError(`no workload "${name}" in the registry`);
  }
  if (w.state !== 'active') throw new WorkflowError(`workload ${name} is ${w.state}, not active`);
  return w;
}

/** Planner and registry refusals become WorkflowErrors; the transaction leaves nothing behind. */

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
