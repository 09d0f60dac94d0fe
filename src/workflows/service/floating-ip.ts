/**
 * Floating IPs in the workflow service: plan attach / move / detach against the registry and the
 * live fabric, and the `floating-ip` plan kind's apply handling.
 *
 * Registry model: a floating IP is an allocation in its tenant's pools owned by `fip:<address>`
 * (not by a workload, so decommissioning or migrating a workload never frees it by accident, and a
 * move does not reallocate), and it is listed in `extraAllowed` of every workload whose TAP allows
 * it: the owner, and for a VRRP-style pair the standby too. Which of a pair is routed (the owner)
 * is read from the live fabric: the TAP its /32 is routed to. Nothing is written when a plan is
 * made; an applied plan is recorded, a rolled-back one leaves the registry as it was.
 */
import { cidrContains, parseCidr } from '../../addr/cidr.ts';
import type { Plan, Precondition, WorkloadRecord } from '../../model/plan.ts';
import type { TenantSpec } from '../../model/workload.ts';
import { canonicalAddress, RegistryError, type TenantRecord } from '../../registry/index.ts';
import type { ExecResult } from '../execute/index.ts';
import {
  FIP_ARTIFACT,
  fipPrefix,
  fipSubject,
  planFipAttach,
  planFipDetach,
  planFipMove,
  PlanError,
  type FipEnd,
  type FipIntentRecord,
} from '../plan/index.ts';
import { WorkflowError, type WorkflowService } from './service.ts';

export interface FloatingIp {
  address: string;
  tenant: string;
  vrf: string;
  /** Workloads whose TAP allows it (two for a pair). */
  holders: string[];
  /** The workload it is routed to now (live), or null when no host routes it. */
  owner: string | null;
  /** Hosts announcing it now. */
  announcedBy: string[];
}

/** Registers the `floating-ip` plan kind with a service (once per service; idempotent). */
export function registerFloatingIps(service: WorkflowService): void {
  service.registerKind('floating-ip', {
    replan,
    recheck: (plan) => recheck(service, plan),
    claim: (plan) => {
      // Check-and-set: the registry must still be as the plan found it (the lease on fip:ADDR,
      // taken by the executor, keeps a second console out while this one applies).
      expectRegistry(service, intentOf(plan));
      return undefined;
    },
    record: (plan, result) => record(service, plan, result),
  });
}

/** `198.51.100.77` → `198.51.100.77/32`, refusing what is not a single address. */
function canonical(address: string): { address: string; family: 4 | 6 } {
  try {
    const { prefix } = fipPrefix(address);
    return canonicalAddress(prefix);
  } catch (error) {
    if (error instanceof PlanError || error instanceof RegistryError) throw new WorkflowError(error.message);
    throw error;
  }
}

function intentOf(plan: Plan): FipIntentRecord {
  const text = plan.artifacts[FIP_ARTIFACT];
  if (!text) throw new WorkflowError(`plan ${plan.id} is a floating-ip plan without its ${FIP_ARTIFACT}`);
  return JSON.parse(text) as FipIntentRecord;
}

function toSpec(t: TenantRecord): TenantSpec {
  return { name: t.name, vrf: t.vrf, pools4: t.pools4, pools6: t.pools6 };
}

function activeWorkload(service: WorkflowService, name: string): WorkloadRecord {
  const w = service.registry.workload(name);
  if (!w || w.state === 'retired') throw new WorkflowError(`no workload "${name}" in the registry`);
  if (w.state !== 'active') throw new WorkflowError(`workload ${name} is ${w.state}, not active`);
  return w;
}

function end(service: WorkflowService, w: WorkloadRecord): FipEnd {
  return { workload: w, host: service.requireHypervisor(w.host, `host of ${w.name}`) };
}

/** Workloads (not retired) whose extraAllowed lists the address. */
function holdersOf(service: WorkflowService, address: string): WorkloadRecord[] {
  return service.registry
    .workloads()
    .filter((w) => w.state !== 'retired' && w.extraAllowed.some((a) => sameAddress(a, address)));
}

function sameAddress(a: string, canon: string): boolean {
  try {
    return canonicalAddress(a).address === canon;
  } catch {
    return false;
  }
}

/** Where the floating IP is in the registry: its allocation (tenant) and holders. */
function attached(service: WorkflowService, address: string) {
  for (const tenant of service.registry.tenants()) {
    const allocation = service.registry
      .allocated({ tenant: tenant.name })
      .find((a) => a.address === address && a.workload === fipSubject(address));
    if (allocation) return { tenant, holders: holdersOf(service, address) };
  }
  return undefined;
}

/** The live owner: the holder whose host routes the address to its TAP. */
function liveOwner(service: WorkflowService, address: string, vrf: string, holders: WorkloadRecord[]) {
  const entry = service.deps.store.getState().workloads.find((w) => w.vrf === vrf && w.prefix === address);
  const announcers = entry?.announcers ?? [];
  const owners = holders.filter((w) => announcers.some((a) => a.host === w.host && a.interface === w.tap));
  return { owners, announcers };
}

function requireAttached(service: WorkflowService, address: string) {
  const found = attached(service, address);
  if (!found)
    throw new WorkflowError(
      `floating IP ${address} is not attached to any workload (attach it first: routedeck plan fip attach ${address} --to W)`,
    );
  if (found.holders.length === 0)
    throw new WorkflowError(
      `floating IP ${address} is allocated but no workload holds it; the registry needs a look`,
    );
  const { owners, announcers } = liveOwner(service, address, found.tenant.vrf, found.holders);
  let owner: WorkloadRecord;
  if (owners.length === 1) owner = owners[0]!;
  else if (owners.length === 0 && announcers.length === 0 && found.holders.length === 1)
    owner = found.holders[0]!;
  else
    throw new WorkflowError(
      `cannot tell which workload owns floating IP ${address}: held by ${found.holders.map((w) => w.name).join(', ')}, ` +
        `routed by ${announcers.map((a) => `${a.host} ${a.interface}`).join(', ') || 'no host'}; an engineer must look`,
    );
  const peer = found.holders.find((w) => w.name !== owner.name);
  return { tenant: found.tenant, holders: found.holders, owner, peer };
}

function sameTenant(w: WorkloadRecord, tenant: TenantRecord, address: string): void {
  if (w.tenant !== tenant.name || w.vrf !== tenant.vrf)
    throw new WorkflowError(
      `workload ${w.name} is in tenant ${w.tenant} (VRF ${w.vrf}); floating IP ${address} belongs to tenant ` +
        `${tenant.name} (VRF ${tenant.vrf})`,
    );
}

function plan(service: WorkflowService, make: () => Plan): Plan {
  return service.inTransaction(() => {
    const p: Plan = { ...make() };
    p.preconditions = fipPreconditions(service, p);
    service.registry.savePlan(p, 'planned');
    service.auditPlanned(p);
    return p;
  });
}

/** The workloads the plan names (where they are, in which state) and who announces the address. */
function fipPreconditions(service: WorkflowService, p: Plan): Precondition[] {
  const intent = intentOf(p);
  const names = [...new Set([intent.from, intent.to, intent.peer])].filter((n) => n !== undefined);
  const vrf = service.registry.tenant(p.tenant)?.vrf ?? 'default';
  return [
    ...names.flatMap((name): Precondition[] => {
      const w = service.registry.workload(name);
      return w ? [{ kind: 'workload', workload: name, host: w.host, state: w.state }] : [];
    }),
    {
      kind: 'announced',
      prefix: intent.address,
      vrf,
      hosts: [...service.liveView().announcedBy(intent.address, vrf)].sort(),
    },
  ];
}

/** The command that plans the same change again. */
function replan(plan: Plan): string {
  const i = intentOf(plan);
  return i.op === 'attach'
    ? `routedeck plan fip attach ${i.address} --to ${i.to ?? 'W'}${i.peer ? ` --peer ${i.peer}` : ''}`
    : i.op === 'move'
      ? `routedeck plan fip move ${i.address} --to ${i.to ?? 'W'}`
      : `routedeck plan fip detach ${i.address}`;
}

/** Plans routing a tenant address to W's TAP (and allowing it there; on the peer's TAP too for a pair). */
export function planAttach(
  service: WorkflowService,
  input: { address: string; to: string; peer?: string },
): Plan {
  const { address } = canonical(input.address);
  const w = activeWorkload(service, input.to);
  const tenant = service.registry.tenant(w.tenant);
  if (!tenant) throw new WorkflowError(`unknown tenant "${w.tenant}"`);
  const peer = input.peer !== undefined ? activeWorkload(service, input.peer) : undefined;
  if (peer) sameTenant(peer, tenant, address);
  const held = service.registry.allocated({ vrf: tenant.vrf }).find((a) => a.address === address);
  if (held) {
    const holders = holdersOf(service, address).map((h) => h.name);
    throw new WorkflowError(
      held.workload === fipSubject(address)
        ? `floating IP ${address} is already attached (to ${holders.join(', ') || 'no workload'}); move or detach it`
        : `${address} is allocated to ${held.workload} (tenant ${held.tenant}); it cannot be a floating IP`,
    );
  }
  const inside = service.registry
    .allocated({ vrf: tenant.vrf })
    .find((a) => a.family === (address.includes(':') ? 6 : 4) && cidrContains(parseCidr(a.address), address));
  if (inside)
    throw new WorkflowError(`${address} lies in ${inside.address}, which belongs to ${inside.workload}`);
  const routers = service.requireRouters();
  const to = end(service, w);
  const peerEnd = peer ? end(service, peer) : undefined;
  return plan(service, () =>
    planFipAttach(
      {
        tenant: toSpec(tenant),
        address,
        routers,
        live: service.liveView(),
        to,
        ...(peerEnd ? { peer: peerEnd } : {}),
      },
      service.planMeta(),
    ),
  );
}

/** Plans moving an attached floating IP to workload `to` (a pair's failover when `to` is the standby). */
export function planMove(service: WorkflowService, input: { address: string; to: string }): Plan {
  const { address } = canonical(input.address);
  const { tenant, owner, peer } = requireAttached(service, address);
  const target = activeWorkload(service, input.to);
  sameTenant(target, tenant, address);
  if (target.name === owner.name)
    throw new WorkflowError(`floating IP ${address} is already on ${owner.name}`);
  if (peer && peer.name !== target.name)
    throw new WorkflowError(
      `floating IP ${address} is a pair of ${owner.name} and ${peer.name}; it can fail over to ${peer.name} only ` +
        '(detach it to give it to another workload)',
    );
  const routers = service.requireRouters();
  const from = end(service, activeWorkload(service, owner.name));
  const to = end(service, target);
  return plan(service, () =>
    planFipMove(
      {
        tenant: toSpec(tenant),
        address,
        routers,
        live: service.liveView(),
        from,
        to,
        pair: peer !== undefined,
      },
      service.planMeta(),
    ),
  );
}

/** Plans withdrawing an attached floating IP and removing it from its holders' allow sets. */
export function planDetach(service: WorkflowService, input: { address: string }): Plan {
  const { address } = canonical(input.address);
  const { tenant, owner, peer } = requireAttached(service, address);
  const routers = service.requireRouters();
  const ownerEnd = end(service, activeWorkload(service, owner.name));
  const peerEnd = peer ? end(service, activeWorkload(service, peer.name)) : undefined;
  return plan(service, () =>
    planFipDetach(
      {
        tenant: toSpec(tenant),
        address,
        routers,
        live: service.liveView(),
        owner: ownerEnd,
        ...(peerEnd ? { peer: peerEnd } : {}),
      },
      service.planMeta(),
    ),
  );
}

/** The floating IPs the registry knows, with their live owner. */
export function floatingIps(service: WorkflowService): FloatingIp[] {
  return service.registry.tenants().flatMap((tenant) =>
    service.registry
      .allocated({ tenant: tenant.name })
      .filter((a) => a.workload === fipSubject(a.address))
      .map((a) => {
        const holders = holdersOf(service, a.address);
        const { owners, announcers } = liveOwner(service, a.address, tenant.vrf, holders);
        return {
          address: a.address,
          tenant: tenant.name,
          vrf: tenant.vrf,
          holders: holders.map((h) => h.name),
          owner: owners.length === 1 ? owners[0]!.name : null,
          announcedBy: announcers.map((x) => x.host),
        };
      }),
  );
}

/** The registry must still be as the plan expects, or apply is refused before anything is sent. */
function expectRegistry(service: WorkflowService, intent: FipIntentRecord): void {
  const holders = holdersOf(service, intent.address).map((w) => w.name);
  const fail = (why: string): never => {
    throw new WorkflowError(`floating IP ${intent.address}: ${why}; refusing to apply; nothing was sent`);
  };
  const allocated = attached(service, intent.address) !== undefined;
  if (intent.op === 'attach') {
    if (allocated || holders.length > 0)
      fail(`it is attached since the plan was made (${holders.join(', ')})`);
    return;
  }
  if (!allocated) fail('it is no longer attached');
  const expected = (
    intent.op === 'move' ? [intent.from, ...(intent.pair ? [intent.to] : [])] : [intent.from, intent.peer]
  ).filter((n): n is string => n !== undefined);
  if (holders.slice().sort().join() !== [...new Set(expected)].sort().join())
    fail(
      `the plan expects it on ${expected.join(', ')} but the registry has ${holders.join(', ') || 'nobody'}`,
    );
}

/** The live fabric may have moved it since the plan was made. */
function recheck(service: WorkflowService, plan: Plan): void {
  const intent = intentOf(plan);
  const vrf = plan.routeChanges[0]?.vrf ?? service.registry.tenant(plan.tenant)?.vrf ?? 'default';
  const announcers = service.liveView().announcedBy(intent.address, vrf);
  const fromHost = intent.from ? service.registry.workload(intent.from)?.host : undefined;
  const allowed = intent.op === 'attach' ? [] : fromHost ? [fromHost] : [];
  const others = announcers.filter((h) => !allowed.includes(h));
  if (others.length > 0)
    throw new WorkflowError(`${intent.address} is now announced by ${others.join(', ')}; nothing was sent`);
}

function setAllowed(
  service: WorkflowService,
  name: string | undefined,
  address: string,
  allowed: boolean,
): void {
  if (name === undefined) return;
  const w = service.registry.workload(name);
  if (!w) return;
  const rest = w.extraAllowed.filter((a) => !sameAddress(a, address));
  service.registry.putWorkload({ ...w, extraAllowed: allowed ? [...rest, address] : rest });
}

/** Only an applied plan changes the registry. */
function record(service: WorkflowService, plan: Plan, result: ExecResult): void {
  if (result.status !== 'applied') return;
  const intent = intentOf(plan);
  if (intent.op === 'attach') {
    service.registry.allocate(plan.tenant, intent.family, intent.address, fipSubject(intent.address));
    setAllowed(service, intent.to, intent.address, true);
    setAllowed(service, intent.peer, intent.address, true);
  } else if (intent.op === 'move') {
    setAllowed(service, intent.to, intent.address, true);
    if (!intent.pair) setAllowed(service, intent.from, intent.address, false);
  } else {
    setAllowed(service, intent.from, intent.address, false);
    setAllowed(service, intent.peer, intent.address, false);
    service.registry.release(fipSubject(intent.address));
  }
}
