/**
 * Shared-service NAT in the workflow service (issue 8): tenants whose private ranges overlap reach
 * one provider service through unique slices of a transit range (routed-host-model.md §6). Slices
 * are kept in the registry (a tenant keeps its slice across plans and services); the `shared-service`
 * plan kind is applied like any other. Every refusal is a WorkflowError thrown before the registry
 * changes or anything is sent.
 */
import { cidrContains, familyOf, isValidIp, parseCidr } from '../../addr/cidr.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan } from '../../model/plan.ts';
import {
  allocateSlice,
  buildSharedServicePlan,
  DEFAULT_MAX_SLICE_LEN,
  DEFAULT_TRANSIT,
  IFNAME_PATTERN,
  NAME_PATTERN,
  SliceError,
  type NatEdge,
  type SharedServiceDesign,
  type TenantSide,
  type VyosVersion,
} from '../nat/index.ts';
import { probeConfirmAction, probeVyosVersion, supportsCommitConfirm } from '../tenant/version.ts';
import { WorkflowError, type WorkflowService } from './service.ts';
import { DEFAULT_CONFIRM_MINUTES } from './tenant.ts';

export interface SharedServiceTenantInput {
  tenant: string;
  /** Device that NATs this tenant (a VyOS router or a Linux edge in the inventory). */
  edge: string;
  /** The tenant edge's address on the transit side (the provider routes the slice to it). */
  via: string;
  /** Default: the tenant's only IPv4 pool. */
  prefix?: string;
  /** Default `ten0` / `lake0`, as in the reference lab. */
  tenantIf?: string;
  transitIf?: string;
}

export interface SharedServiceInput {
  name: string;
  /** The real service address. */
  service: string;
  /** What tenants connect to; default the service address when it lies outside every tenant prefix. */
  local?: string;
  transit?: string;
  tenants: SharedServiceTenantInput[];
  provider: { edge: string; transitIf?: string };
  /** Overrides the version each VyOS edge reports (probed over its API when absent). */
  vyosVersion?: VyosVersion;
  /** Commit-confirm window on routers that support it (default 2 minutes). */
  confirmMinutes?: number;
  rule?: number;
  maxSliceLen?: number;
}

export const SERVICE_OWNER = (name: string): string => `service:${name}`;

function ipv4(text: string, what: string): string {
  if (!isValidIp(text) || familyOf(text) !== 4)
    throw new WorkflowError(`${what} "${text}" is not an IPv4 address`);
  return text;
}

function ifname(text: string, what: string): string {
  if (!IFNAME_PATTERN.test(text)) throw new WorkflowError(`${what} "${text}" is not a valid interface name`);
  return text;
}

function edgeOf(
  service: WorkflowService,
  name: string,
  what: string,
  vyosVersion: VyosVersion | undefined,
): NatEdge {
  const spec: DeviceSpec | undefined = service.specs().get(name);
  if (!spec) {
    const known = [...service.specs().keys()].join(', ');
    throw new WorkflowError(`${what} "${name}" is not a device in the inventory (${known || 'none'})`);
  }
  const entry = service.deps.store.getState().devices[name];
  if (entry && entry.health === 'unreachable')
    throw new WorkflowError(
      `${what} ${name} is unreachable (${entry.lastError ?? 'no answer'}); refusing to plan`,
    );
  return {
    device: spec.name,
    kind: spec.kind,
    privilege: spec.privilege,
    ...(spec.kind === 'vyos' && vyosVersion ? { vyosVersion } : {}),
  };
}

/** VyOS before 1.4 (1.3 "equuleus" and older) takes the 1.3 NAT paths; anything later the 1.4 ones. */
function pathsFor(version: string): VyosVersion {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m && Number(m[1]) === 1 && Number(m[2]) <= 3 ? '1.3' : '1.4';
}

/**
 * Each VyOS edge's paths from the version it reports over its API (as tenant provisioning does),
 * with commit-confirm where the version has it; `--vyos-version` overrides the probe (plain commit).
 */
async function resolveVyos(
  service: WorkflowService,
  edge: NatEdge,
  override: VyosVersion | undefined,
  confirmMinutes: number,
): Promise<NatEdge> {
  if (edge.kind !== 'vyos') return edge;
  if (override) return { ...edge, vyosVersion: override };
  const spec = service.specs().get(edge.device)!;
  const api = service.deps.apiFor?.(spec);
  if (!api)
    throw new WorkflowError(
      `VyOS edge ${edge.device} has no API in the inventory: its NAT is committed through it ` +
        '(give --vyos-version only to override the version it reports)',
    );
  let version: string;
  let confirmAction: NatEdge['confirmAction'];
  try {
    const probe = await api;
    version = await probeVyosVersion(probe);
    if (supportsCommitConfirm(version)) confirmAction = await probeConfirmAction(probe);
  } catch (error) {
    throw new WorkflowError(
      `VyOS edge ${edge.device}: cannot read its version and commit-confirm action: ${(error as Error).message}; refusing to plan`,
    );
  }
  return {
    ...edge,
    vyosVersion: pathsFor(version),
    vyosProbed: version,
    ...(confirmAction ? { confirmMinutes, confirmAction } : {}),
  };
}

/** The input checked against the registry and inventory: everything but the slices. Pure refusals. */
function validate(service: WorkflowService, input: SharedServiceInput) {
  if (!NAME_PATTERN.test(input.name))
    throw new WorkflowError(`shared-service name "${input.name}" must match ${NAME_PATTERN.source}`);
  const serviceAddr = ipv4(input.service, 'service address');
  const transit = input.transit ?? DEFAULT_TRANSIT;
  try {
    if (familyOf(transit) !== 4) throw new Error('not IPv4');
    parseCidr(transit);
  } catch (error) {
    throw new WorkflowError(`transit range "${transit}" is not an IPv4 prefix (${(error as Error).message})`);
  }
  if (input.tenants.length === 0) throw new WorkflowError('a shared service needs at least one --tenant');
  const seen = new Set<string>();
  const tenants = input.tenants.map((t) => {
    if (seen.has(t.tenant)) throw new WorkflowError(`tenant ${t.tenant} is given twice`);
    seen.add(t.tenant);
    const record = service.registry.tenant(t.tenant);
    if (!record) {
      const known = service.registry.tenants().map((x) => x.name);
      throw new WorkflowError(`unknown tenant "${t.tenant}" (known: ${known.join(', ') || 'none'})`);
    }
    let prefix = t.prefix;
    if (prefix === undefined) {
      if (record.pools4.length !== 1)
        throw new WorkflowError(
          `tenant ${t.tenant} has ${record.pools4.length} IPv4 pools (${record.pools4.join(', ') || 'none'}); ` +
            'name the one to map with prefix=',
        );
      prefix = record.pools4[0]!;
    } else if (!record.pools4.some((p) => cidrContains(parseCidr(p), prefix!)))
      throw new WorkflowError(
        `prefix ${prefix} is not inside tenant ${t.tenant}'s IPv4 pools (${record.pools4.join(', ')})`,
      );
    return {
      tenant: t.tenant,
      prefix,
      edge: edgeOf(service, t.edge, `edge of tenant ${t.tenant}`, input.vyosVersion),
      via: ipv4(t.via, `via of tenant ${t.tenant}`),
      tenantIf: ifname(t.tenantIf ?? 'ten0', `tenant interface of ${t.tenant}`),
      transitIf: ifname(t.transitIf ?? 'lake0', `transit interface of ${t.tenant}`),
    };
  });
  const provider = {
    edge: edgeOf(service, input.provider.edge, 'provider edge', input.vyosVersion),
    ...(input.provider.transitIf
      ? { transitIf: ifname(input.provider.transitIf, 'provider transit interface') }
      : {}),
  };
  // One table (nftables) or one rule number (VyOS) per service and device: an edge does one job.
  const jobs = new Map<string, string>();
  for (const [device, job] of [
    ...tenants.map((t) => [t.edge.device, `tenant ${t.tenant}'s edge`]),
    [provider.edge.device, 'the provider edge'],
  ] as const) {
    const other = jobs.get(device);
    if (other)
      throw new WorkflowError(
        `${device} is both ${other} and ${job}; each tenant and the provider need their own edge ` +
          "(the NAT of one would rewrite the other's)",
      );
    jobs.set(device, job);
  }
  // VyOS refuses static NAT (1.4+) and a 1.3 destination rule without an inbound interface.
  if (provider.edge.kind === 'vyos' && !provider.transitIf)
    throw new WorkflowError(
      `provider edge ${provider.edge.device} is a VyOS router: name its transit-facing interface ` +
        `with --provider ${provider.edge.device},in=IF (VyOS requires inbound-interface on the rule)`,
    );
  const inside = tenants.filter((t) => cidrContains(parseCidr(t.prefix), serviceAddr));
  const local = input.local !== undefined ? ipv4(input.local, 'local service address') : undefined;
  if (local === undefined && inside.length > 0)
    throw new WorkflowError(
      `service address ${serviceAddr} lies inside ${inside.map((t) => `${t.tenant}'s ${t.prefix}`).join(', ')}: ` +
        'give the address tenants use with --local',
    );
  const rule = input.rule ?? 5000;
  if (!Number.isInteger(rule) || rule < 1 || rule > 9999)
    throw new WorkflowError(`rule ${rule} is not 1–9999`);
  return { serviceAddr, transit, tenants, local: local ?? serviceAddr, rule, provider };
}

/**
 * Plans shared-service NAT: each tenant's slice (kept, or the first free one), the service's transit
 * address (kept, or the highest free one), and the plan, stored and audited in one transaction.
 */
export async function planSharedService(service: WorkflowService, input: SharedServiceInput): Promise<Plan> {
  const checked = validate(service, input);
  const confirmMinutes = input.confirmMinutes ?? DEFAULT_CONFIRM_MINUTES;
  if (!Number.isInteger(confirmMinutes) || confirmMinutes < 1 || confirmMinutes > 60)
    throw new WorkflowError(`confirm minutes ${confirmMinutes} is not 1–60`);
  const resolve = (edge: NatEdge) => resolveVyos(service, edge, input.vyosVersion, confirmMinutes);
  const v = {
    ...checked,
    tenants: await Promise.all(checked.tenants.map(async (t) => ({ ...t, edge: await resolve(t.edge) }))),
    provider: { ...checked.provider, edge: await resolve(checked.provider.edge) },
  };
  const maxSliceLen = input.maxSliceLen ?? DEFAULT_MAX_SLICE_LEN;
  return service.inTransaction(() => {
    const reg = service.registry;
    const take = (owner: string, priv: string, from: 'first' | 'last'): string => {
      const held = reg.transitSlices(v.transit);
      const kept = held.find((s) => s.owner === owner && s.private === priv);
      if (kept) return kept.slice;
      try {
        const slice = allocateSlice({
          transit: v.transit,
          prefix: priv,
          taken: held.map((s) => s.slice),
          maxSliceLen,
          from,
        });
        return reg.reserveTransitSlice({ transit: v.transit, owner, private: priv, slice }).slice;
      } catch (error) {
        if (error instanceof SliceError) throw new WorkflowError(`${owner}: ${error.message}`);
        throw error;
      }
    };
    const tenants: TenantSide[] = v.tenants.map((t) => ({
      tenant: t.tenant,
      edge: t.edge,
      private: t.prefix,
      slice: take(t.tenant, t.prefix, 'first'),
      tenantIf: t.tenantIf,
      transitIf: t.transitIf,
      via: t.via,
    }));
    const serviceTransit = take(SERVICE_OWNER(input.name), `${v.serviceAddr}/32`, 'last').replace(
      /\/32$/,
      '',
    );
    const design: SharedServiceDesign = {
      name: input.name,
      service: v.serviceAddr,
      serviceTransit,
      local: v.local,
      transit: v.transit,
      rule: v.rule,
      tenants,
      provider: v.provider,
    };
    const plan = buildSharedServicePlan(design, service.planMeta());
    service.registry.savePlan(plan, 'planned');
    service.auditPlanned(plan);
    return plan;
  });
}

/** Registers the `shared-service` plan kind. Slices were recorded when planning; nothing to claim or record. */
export function registerSharedService(service: WorkflowService): void {
  service.registerKind('shared-service', {
    // A plan file from another registry would carry slices this registry does not hold.
    adoptFile: (plan) => {
      throw new WorkflowError(
        `plan ${plan.id} is not in this registry (${service.registry.path}); shared-service slices are ` +
          'kept in the registry that planned them, so plan and apply against the same registry',
      );
    },
  });
}
