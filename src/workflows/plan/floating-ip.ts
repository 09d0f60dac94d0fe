/**
 * Floating (failover) IPs: an extra /32 or /128 of the tenant routed to a workload's TAP and put in
 * that TAP's vmguard allow set (shared/reference/routed-host-model.md §4), moved to another workload
 * as a plan, or held by a VRRP-style pair (both TAPs allowed, only the owner's host routes it).
 *
 * A move between hosts is make-before-break like a migration (§5): the target routes the address
 * with kernel metric 512 (MED 0, preferred by every router), is verified, then the source withdraws,
 * and the target goes back to the normal metric. A move between two workloads on one host changes
 * nothing the routers see: the target's metric-512 route waits behind the source's normal one
 * (IPv4 metric 0; for IPv6 the kernel prefers 512 over 1024 at once, equally harmless since both TAPs
 * are allowed by then), the source's route is deleted (the kernel falls over to the target's without
 * a gap), then the target's normal route replaces the elevated one. Allowing comes first, disallowing
 * last, so the guest answering is never dropped as a spoofer.
 */
import { cidrContains, familyOf, parseCidr } from '../../addr/cidr.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan, RouteChange, Verification, WorkloadRecord } from '../../model/plan.ts';
import type { TenantSpec } from '../../model/workload.ts';
import { diffsOf, opStep, VERIFY_TIMEOUT_MS, type LiveView, type OpStep, type PlanMeta } from './build.ts';
import { ELEVATED_METRIC, type HostOp } from './host-ops.ts';
import { checkAnnouncers, checkDevice, checkRouters, checkWorkload, PlanError } from './validate.ts';

/** A workload and the hypervisor its TAP is on. */
export interface FipEnd {
  workload: WorkloadRecord;
  host: DeviceSpec;
}

interface FipBase {
  tenant: TenantSpec;
  /** `198.51.100.77`, `198.51.100.77/32`, `2001:db8::7` or `2001:db8::7/128`. */
  address: string;
  routers: string[];
  live: LiveView;
}

export interface FipAttachIntent extends FipBase {
  to: FipEnd;
  /** VRRP-style pair: the peer's TAP allows the address too, but only `to`'s host routes it. */
  peer?: FipEnd;
}

export interface FipMoveIntent extends FipBase {
  from: FipEnd;
  to: FipEnd;
  /** A pair's failover: both TAPs stay allowed, only the route moves. */
  pair?: boolean;
}

export interface FipDetachIntent extends FipBase {
  owner: FipEnd;
  /** The other half of a pair: its allow element goes too. */
  peer?: FipEnd;
}

/** What a floating-IP plan does, carried in the plan (artifact `floating-ip.json`) for apply to record. */
export interface FipIntentRecord {
  op: 'attach' | 'move' | 'detach';
  address: string;
  family: 4 | 6;
  /** attach: the owner; move: the new owner. */
  to?: string;
  /** move: the old owner; detach: the owner. */
  from?: string;
  /** attach/detach of a pair, or a pair's failover: the other workload. */
  peer?: string;
  pair?: boolean;
}

export const FIP_ARTIFACT = 'floating-ip.json';

/** The lease and plan subject of a floating IP: `fip:198.51.100.77/32`. */
export function fipSubject(address: string): string {
  return `fip:${address}`;
}

/**
 * A host address as `A/32` or `A/128`. Anything else (a network, garbage) is a PlanError; the
 * canonical IPv6 spelling is the registry's job (canonicalAddress), this only checks the shape.
 */
export function fipPrefix(address: string): { prefix: string; family: 4 | 6 } {
  const [ip = '', len, ...rest] = address.trim().split('/');
  const family = familyOf(ip);
  if (family === null || rest.length > 0 || ip.includes('/'))
    throw new PlanError(`floating IP ${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
  const host = family === 4 ? '32' : '128';
  if (len !== undefined && len !== host)
    throw new PlanError(`floating IP ${address} must be a single address (/${host}), not a network`);
  const prefix = `${ip}/${host}`;
  try {
    parseCidr(prefix);
  } catch (error) {
    throw new PlanError(`floating IP ${JSON.stringify(address)}: ${(error as Error).message}`);
  }
  return { prefix, family };
}

function checkFip(intent: FipBase, ends: FipEnd[]): { prefix: string; family: 4 | 6 } {
  const fip = fipPrefix(intent.address);
  const pools = fip.family === 4 ? intent.tenant.pools4 : intent.tenant.pools6;
  if (!pools.some((pool) => cidrContains(parseCidr(pool), fip.prefix)))
    throw new PlanError(
      `${fip.prefix} is outside tenant ${intent.tenant.name}'s IPv${fip.family} pools (${pools.join(', ') || 'none'})`,
    );
  checkRouters(intent.routers);
  for (const end of ends) {
    checkWorkload(end.workload, intent.tenant);
    checkDevice(end.host, 'hypervisor', `host of ${end.workload.name}`);
    if (end.workload.host !== end.host.name)
      throw new PlanError(
        `workload ${end.workload.name} is recorded on ${end.workload.host}, not ${end.host.name}`,
      );
    const own = [`${end.workload.ipv4}/32`, end.workload.ipv6Prefix].map((p) => parseCidr(p));
    if (own.some((p) => cidrContains(p, fip.prefix)))
      throw new PlanError(`${fip.prefix} is ${end.workload.name}'s own address, not a floating IP`);
  }
  return fip;
}

function routeOp(
  fip: { prefix: string; family: 4 | 6 },
  w: WorkloadRecord,
  op: 'add' | 'del',
  metric?: number,
): HostOp {
  return {
    kind: 'route',
    op,
    family: fip.family,
    prefix: fip.prefix,
    tap: w.tap,
    ...(w.vrf !== 'default' ? { vrf: w.vrf } : {}),
    ...(metric !== undefined ? { metric } : {}),
  };
}

function allowOp(fip: { prefix: string; family: 4 | 6 }, w: WorkloadRecord, op: 'add' | 'delete'): HostOp {
  return { kind: 'nft', op, set: fip.family === 4 ? 'allow4' : 'allow6', tap: w.tap, cidrs: [fip.prefix] };
}

function verify(
  prefix: string,
  vrf: string,
  routers: string[],
  expect: Verification['expect'],
  host?: string,
): Verification[] {
  return [
    {
      prefix,
      vrf,
      expect,
      ...(host !== undefined ? { host } : {}),
      routers: [...routers],
      timeoutMs: VERIFY_TIMEOUT_MS,
    },
  ];
}

function routeChanges(
  prefix: string,
  vrf: string,
  family: 4 | 6,
  routers: string[],
  change: RouteChange['change'],
  fromHost?: string,
  toHost?: string,
): RouteChange[] {
  return routers.map((router) => ({
    router,
    vrf,
    family,
    prefix,
    change,
    ...(fromHost !== undefined ? { fromHost } : {}),
    ...(toHost !== undefined ? { toHost } : {}),
  }));
}

function assemble(
  intent: FipBase,
  meta: PlanMeta,
  fip: { prefix: string; family: 4 | 6 },
  record: FipIntentRecord,
  summary: string,
  steps: OpStep[],
  before: Map<string, string[]>,
  changes: RouteChange[],
): Plan {
  return {
    id: meta.id,
    kind: 'floating-ip',
    createdAt: meta.now.toISOString(),
    operator: meta.operator,
    workload: fipSubject(fip.prefix),
    tenant: intent.tenant.name,
    summary,
    steps: steps.map((s) => s.step),
    diffs: diffsOf(steps, before),
    routeChanges: changes,
    artifacts: { [FIP_ARTIFACT]: `${JSON.stringify(record)}\n` },
  };
}

/** Lines of the FIP's config on each device before the plan (what the diff starts from). */
function linesOf(ops: { host: DeviceSpec; ops: HostOp[] }[]): Map<string, string[]> {
  const steps = ops.map(({ host, ops: o }) => opStep('before', host, '', o));
  return new Map(diffsOf(steps, new Map()).map((d) => [d.device, d.after]));
}

export function planFipAttach(intent: FipAttachIntent, meta: PlanMeta): Plan {
  const { to, peer, routers } = intent;
  const fip = checkFip(intent, peer ? [to, peer] : [to]);
  if (peer && peer.workload.name === to.workload.name)
    throw new PlanError(`a pair needs two workloads; ${to.workload.name} was given twice`);
  checkAnnouncers(fip.prefix, intent.live.announcedBy(fip.prefix, to.workload.vrf), []);
  const w = to.workload;
  const steps: OpStep[] = [
    opStep('owner-guard', to.host, `Allow ${fip.prefix} from ${w.name} on ${w.tap} at ${to.host.name}`, [
      allowOp(fip, w, 'add'),
    ]),
  ];
  if (peer)
    steps.push(
      opStep(
        'peer-guard',
        peer.host,
        `Allow ${fip.prefix} from ${peer.workload.name} (standby of the pair) on ${peer.workload.tap} at ${peer.host.name}`,
        [allowOp(fip, peer.workload, 'add')],
      ),
    );
  steps.push(
    opStep(
      'owner-announce',
      to.host,
      `Route ${fip.prefix} to ${w.tap} at ${to.host.name} (normal metric): every router uses ${to.host.name}`,
      [routeOp(fip, w, 'add')],
      verify(fip.prefix, w.vrf, routers, 'announced-by', to.host.name),
    ),
  );
  return assemble(
    intent,
    meta,
    fip,
    {
      op: 'attach',
      address: fip.prefix,
      family: fip.family,
      to: w.name,
      ...(peer ? { peer: peer.workload.name } : {}),
    },
    `Attach floating IP ${fip.prefix} (tenant ${intent.tenant.name}, VRF ${w.vrf}) to ${w.name} on ${to.host.name}` +
      (peer ? `, pair with ${peer.workload.name} on ${peer.host.name} (allowed, not routed)` : '') +
      `; it appears on ${routers.length} router(s)`,
    steps,
    new Map(),
    routeChanges(fip.prefix, w.vrf, fip.family, routers, 'appears', undefined, to.host.name),
  );
}

export function planFipMove(intent: FipMoveIntent, meta: PlanMeta): Plan {
  const { from, to, routers, pair } = intent;
  const fip = checkFip(intent, [from, to]);
  if (from.workload.name === to.workload.name)
    throw new PlanError(`floating IP ${fip.prefix} is already on ${to.workload.name}`);
  const vrf = to.workload.vrf;
  checkAnnouncers(fip.prefix, intent.live.announcedBy(fip.prefix, vrf), [from.host.name]);
  const sameHost = from.host.name === to.host.name;
  const src = from.workload;
  const dst = to.workload;
  const steps: OpStep[] = [];
  if (!pair)
    steps.push(
      opStep(
        'target-guard',
        to.host,
        `Allow ${fip.prefix} from ${dst.name} on ${dst.tap} at ${to.host.name}`,
        [allowOp(fip, dst, 'add')],
      ),
    );
  steps.push(
    sameHost
      ? opStep(
          'target-route-standby',
          to.host,
          `Route ${fip.prefix} to ${dst.tap} too, at kernel metric ${ELEVATED_METRIC} (behind ${src.tap}'s route until it goes)`,
          [routeOp(fip, dst, 'add', ELEVATED_METRIC)],
        )
      : opStep(
          'target-announce-preferred',
          to.host,
          `Announce ${fip.prefix} at ${to.host.name} with kernel metric ${ELEVATED_METRIC} (MED 0, preferred over ${from.host.name}'s MED 100)`,
          [routeOp(fip, dst, 'add', ELEVATED_METRIC)],
          verify(fip.prefix, vrf, routers, 'announced-by', to.host.name),
        ),
    opStep(
      'source-withdraw',
      from.host,
      sameHost
        ? `Delete ${fip.prefix}'s route to ${src.tap} (the kernel falls over to ${dst.tap}; routers keep ${to.host.name})`
        : `Withdraw ${fip.prefix} at ${from.host.name} (delete the route to ${src.tap})`,
      [routeOp(fip, src, 'del')],
      verify(fip.prefix, vrf, routers, 'announced-by', to.host.name),
    ),
  );
  if (!pair)
    steps.push(
      opStep(
        'source-guard',
        from.host,
        `Stop allowing ${fip.prefix} from ${src.name} on ${src.tap} at ${from.host.name}`,
        [allowOp(fip, src, 'delete')],
      ),
    );
  steps.push(
    opStep(
      'target-normal-metric',
      to.host,
      `Back to the normal metric at ${to.host.name}: add the normal route, then delete the metric-${ELEVATED_METRIC} one`,
      [routeOp(fip, dst, 'add'), routeOp(fip, dst, 'del', ELEVATED_METRIC)],
      verify(fip.prefix, vrf, routers, 'announced-by', to.host.name),
    ),
  );
  const before = linesOf([
    { host: from.host, ops: [allowOp(fip, src, 'add'), routeOp(fip, src, 'add')] },
    ...(pair ? [{ host: to.host, ops: [allowOp(fip, dst, 'add')] }] : []),
  ]);
  const how = sameHost ? 'on one host: a TAP route swap, no change on the routers' : 'make-before-break';
  return assemble(
    intent,
    meta,
    fip,
    {
      op: 'move',
      address: fip.prefix,
      family: fip.family,
      from: src.name,
      to: dst.name,
      ...(pair ? { pair: true, peer: src.name } : {}),
    },
    `Move floating IP ${fip.prefix} (tenant ${intent.tenant.name}, VRF ${vrf}) from ${src.name} on ${from.host.name} ` +
      `to ${dst.name} on ${to.host.name}${pair ? ' (failover within the pair)' : ''}, ${how}`,
    steps,
    before,
    sameHost ? [] : routeChanges(fip.prefix, vrf, fip.family, routers, 'moves', from.host.name, to.host.name),
  );
}

export function planFipDetach(intent: FipDetachIntent, meta: PlanMeta): Plan {
  const { owner, peer, routers } = intent;
  const fip = checkFip(intent, peer ? [owner, peer] : [owner]);
  const w = owner.workload;
  checkAnnouncers(fip.prefix, intent.live.announcedBy(fip.prefix, w.vrf), [owner.host.name]);
  const steps: OpStep[] = [
    opStep(
      'owner-withdraw',
      owner.host,
      `Withdraw ${fip.prefix} at ${owner.host.name} (delete the route to ${w.tap})`,
      [routeOp(fip, w, 'del')],
      verify(fip.prefix, w.vrf, routers, 'withdrawn'),
    ),
    opStep(
      'owner-guard',
      owner.host,
      `Stop allowing ${fip.prefix} from ${w.name} on ${w.tap} at ${owner.host.name}`,
      [allowOp(fip, w, 'delete')],
    ),
  ];
  if (peer)
    steps.push(
      opStep(
        'peer-guard',
        peer.host,
        `Stop allowing ${fip.prefix} from ${peer.workload.name} on ${peer.workload.tap} at ${peer.host.name}`,
        [allowOp(fip, peer.workload, 'delete')],
      ),
    );
  const before = linesOf([
    { host: owner.host, ops: [allowOp(fip, w, 'add'), routeOp(fip, w, 'add')] },
    ...(peer ? [{ host: peer.host, ops: [allowOp(fip, peer.workload, 'add')] }] : []),
  ]);
  return assemble(
    intent,
    meta,
    fip,
    {
      op: 'detach',
      address: fip.prefix,
      family: fip.family,
      from: w.name,
      ...(peer ? { peer: peer.workload.name } : {}),
    },
    `Detach floating IP ${fip.prefix} (tenant ${intent.tenant.name}, VRF ${w.vrf}) from ${w.name} on ${owner.host.name}` +
      `${peer ? ` and its pair ${peer.workload.name}` : ''}; it disappears from ${routers.length} router(s)`,
    steps,
    before,
    routeChanges(fip.prefix, w.vrf, fip.family, routers, 'disappears', owner.host.name),
  );
}
