/**
 * Tenant provisioning on the workflow service: the facts the planner needs (each router's VyOS
 * version probed over its API, the uplinks from the live BGP sessions, the VRFs and interfaces
 * every device has), the plan stored and audited, and the `tenant` kind: an applied plan puts the
 * tenant and its pools in the registry (and the live store, so its workloads are attributed).
 */
import { vyosVrfNameProblem } from '../../drivers/vyos/names.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan } from '../../model/plan.ts';
import type { DeviceSnapshot } from '../../model/snapshot.ts';
import type { TenantSpec } from '../../model/workload.ts';
import {
  planTenantProvisioning,
  probeConfirmAction,
  probeVyosVersion,
  supportsCommitConfirm,
  type HostFacts,
  type RouterFacts,
  type TenantIntent,
} from '../tenant/index.ts';
import { WorkflowError, type WorkflowService } from './service.ts';

export const TENANT_ARTIFACT = 'tenant.json';
/** The commit-confirm window: long enough for the read-back and the hypervisors' steps. */
export const DEFAULT_CONFIRM_MINUTES = 2;

export interface TenantInput extends TenantIntent {
  confirmMinutes?: number;
}

function snapshotOf(service: WorkflowService, name: string): DeviceSnapshot {
  const entry = service.deps.store.getState().devices[name];
  if (!entry?.snapshot) throw new WorkflowError(`${name} has not been polled yet; refusing to plan`);
  return entry.snapshot;
}

/** Unnumbered default-VRF sessions: the interface and the peer's hostname (FRR's `hostname` capability). */
function uplinksOf(snapshot: DeviceSnapshot, peers: ReadonlySet<string>): { iface: string; peer: string }[] {
  const seen = new Map<string, string>();
  for (const s of snapshot.bgp)
    if (s.vrf === 'default' && s.peerType === 'interface' && s.hostname && peers.has(s.hostname))
      seen.set(s.peer, s.hostname);
  return [...seen].map(([iface, peer]) => ({ iface, peer }));
}

function asnOf(snapshot: DeviceSnapshot): string {
  return snapshot.bgp.find((s) => s.vrf === 'default')?.localAs ?? '';
}

function vrfsOf(snapshot: DeviceSnapshot): { name: string; table: number | null }[] {
  return snapshot.vrfs.map((v) => ({ name: v.name, table: v.table }));
}

async function routerFacts(
  service: WorkflowService,
  spec: DeviceSpec,
  hosts: ReadonlySet<string>,
): Promise<Omit<RouterFacts, 'commitConfirm'>> {
  const api = service.deps.apiFor?.(spec);
  if (!api)
    throw new WorkflowError(
      `router ${spec.name} has no VyOS API in the inventory; a tenant VRF is committed through it`,
    );
  let version: string;
  let confirmAction: RouterFacts['confirmAction'];
  try {
    const probe = await api;
    version = await probeVyosVersion(probe);
    // What an unconfirmed commit-confirm would do on this router, said in the preview.
    if (supportsCommitConfirm(version)) confirmAction = await probeConfirmAction(probe);
  } catch (error) {
    throw new WorkflowError(
      `router ${spec.name}: cannot read its VyOS version and commit-confirm action: ${(error as Error).message}; refusing to plan`,
    );
  }
  const snapshot = snapshotOf(service, spec.name);
  return {
    name: spec.name,
    version,
    ...(confirmAction ? { confirmAction } : {}),
    asn: asnOf(snapshot),
    uplinks: uplinksOf(snapshot, hosts).map(({ iface, peer }) => ({ iface, host: peer })),
    vrfs: vrfsOf(snapshot),
    interfaces: snapshot.interfaces.map((i) => i.name),
  };
}

/**
 * Plans a tenant: refuses (WorkflowError, nothing stored) a bad value, an existing tenant or VRF,
 * a table in use, a router that is down or runs VyOS 1.3; otherwise stores and audits the plan.
 */
export async function planTenant(service: WorkflowService, input: TenantInput): Promise<Plan> {
  if (!service.deps.apiFor)
    throw new WorkflowError('this console has no VyOS API access to configure routers');
  // Before any router is asked anything: a name VyOS's validator refuses would only fail at commit.
  const vrfProblem = vyosVrfNameProblem(input.vrf);
  if (vrfProblem) throw new WorkflowError(`VRF name ${JSON.stringify(input.vrf)}: ${vrfProblem}`);
  const routers = service.requireRouters();
  const hostNames = service.hypervisors().map((h) => h.name);
  const hosts = hostNames.map((name) => service.requireHypervisor(name, 'hypervisor'));
  const specs = service.specs();
  const routerSet = new Set(routers);
  const routerInfo = await Promise.all(
    routers.map((name) => routerFacts(service, specs.get(name)!, new Set(hostNames))),
  );
  const confirmMinutes = input.confirmMinutes ?? DEFAULT_CONFIRM_MINUTES;
  const hostInfo: HostFacts[] = hosts.map((spec) => {
    const snapshot = snapshotOf(service, spec.name);
    return {
      spec,
      asn: asnOf(snapshot),
      uplinks: uplinksOf(snapshot, routerSet).map(({ iface, peer }) => ({ iface, router: peer })),
      vrfs: vrfsOf(snapshot),
      interfaces: snapshot.interfaces.map((i) => i.name),
    };
  });
  const { confirmMinutes: _unused, ...intent } = input;
  void _unused;
  const tenants: TenantSpec[] = service.registry.tenants();
  return service.inTransaction(() => {
    const plan = planTenantProvisioning(
      {
        intent,
        routers: routerInfo.map((r) => ({ ...r, commitConfirm: supportsCommitConfirm(r.version) })),
        hosts: hostInfo,
        tenants,
        confirmMinutes,
      },
      service.planMeta(),
    );
    plan.artifacts[TENANT_ARTIFACT] = `${JSON.stringify(intent, null, 2)}\n`;
    service.registry.savePlan(plan, 'planned');
    service.auditPlanned(plan);
    return plan;
  });
}

/** The tenant a plan provisions (kept with the plan, so a plan file carries it too). */
export function tenantOf(plan: Plan): TenantIntent {
  const text = plan.artifacts[TENANT_ARTIFACT];
  if (!text) throw new WorkflowError(`plan ${plan.id} has no ${TENANT_ARTIFACT}`);
  const t = JSON.parse(text) as TenantIntent;
  if (t.name !== plan.tenant)
    throw new WorkflowError(`plan ${plan.id}: ${TENANT_ARTIFACT} names ${t.name}, not ${plan.tenant}`);
  return t;
}

function refuseIfTaken(service: WorkflowService, t: TenantIntent): void {
  const known = service.registry.tenants().find((x) => x.name === t.name || x.vrf === t.vrf);
  if (known)
    throw new WorkflowError(
      `tenant ${known.name} (VRF ${known.vrf}) is in the registry now; refusing to provision ${t.name} again; nothing was sent`,
    );
  const state = service.deps.store.getState();
  for (const name of state.deviceOrder) {
    // A table taken since planning is left to the router's own commit check, which says so itself.
    const vrf = state.devices[name]?.snapshot?.vrfs.find((v) => v.name === t.vrf);
    if (vrf)
      throw new WorkflowError(
        `${name} now has VRF ${vrf.name}, which this plan would create; nothing was sent`,
      );
  }
}

/** Registers the `tenant` plan kind: apply re-checks the fabric and records the tenant once applied. */
export function registerTenantKind(service: WorkflowService): void {
  service.registerKind('tenant', {
    adoptFile: (plan) => {
      refuseIfTaken(service, tenantOf(plan));
      service.registry.savePlan(plan, 'planned');
    },
    recheck: (plan) => refuseIfTaken(service, tenantOf(plan)),
    record: (plan, result) => {
      if (result.status !== 'applied') return;
      const t = tenantOf(plan);
      const spec: TenantSpec = { name: t.name, vrf: t.vrf, pools4: [...t.pools4], pools6: [...t.pools6] };
      service.registry.upsertTenant(spec);
      const { store } = service.deps;
      store.setState({ tenants: [...store.getState().tenants.filter((x) => x.name !== t.name), spec] });
    },
  });
}
