/**
 * The reconcile plan: the smallest set of host ops that leaves the workload on one holder (or on
 * none), from what every hypervisor shows now. Make-before-break: the holder gets what it lacks
 * (TAP, gateways, vmguard, a normal-metric route) first, then the other hosts withdraw and are
 * cleaned, then the holder's metric-512 route goes. Every command comes from the host-op renderers.
 */
import type { DeviceSpec } from '../../model/device.ts';
import type { GuardElement } from '../../model/guard.ts';
import type { Plan, RouteChange, WorkloadRecord } from '../../model/plan.ts';
import {
  diffsOf,
  opStep,
  prefixesOf,
  routeChangesOf,
  verifyAll,
  type OpStep,
  type PlanMeta,
} from '../plan/build.ts';
import { expectedElements, validatedElement } from '../plan/guard-repair.ts';
import { ELEVATED_METRIC, GATEWAY4, GATEWAY6, opLines, type HostOp } from '../plan/host-ops.ts';
import { PlanError } from '../plan/validate.ts';
import { announcers, type RegistryOutcome } from './decide.ts';
import { hasTraces, type HostFacts, type RouteFact } from './facts.ts';

export interface ReconcileIntent {
  workload: WorkloadRecord;
  hosts: { spec: DeviceSpec; facts: HostFacts }[];
  routers: string[];
  /** null: no host keeps it (a decommission or a create being undone). */
  holder: string | null;
  registry: RegistryOutcome;
  why: string;
  /** false when the compute layer creates and deletes TAPs. */
  manageTap: boolean;
  /** The unfinished plan this one settles, if any. */
  settles: string | null;
}

/** Stored in the plan (artifact `reconcile.json`): what apply records in the registry. */
export const OUTCOME_ARTIFACT = 'reconcile.json';

const vrfOf = (w: WorkloadRecord) => (w.vrf !== 'default' ? { vrf: w.vrf } : {});

function nftOps(op: 'add' | 'delete', tap: string, elements: readonly GuardElement[]): HostOp[] {
  return (['allow4', 'allow6'] as const).flatMap((set): HostOp[] => {
    const cidrs = elements.filter((e) => e.set === set).map((e) => validatedElement(e).cidr);
    return cidrs.length > 0 ? [{ kind: 'nft', op, set, tap, cidrs }] : [];
  });
}

function routeOp(w: WorkloadRecord, r: RouteFact, op: 'add' | 'del'): HostOp {
  return { kind: 'route', op, family: r.family, prefix: r.prefix, tap: w.tap, ...vrfOf(w), metric: r.metric };
}

/** A host's present config of this workload, in the diff's vocabulary. */
function presentLines(w: WorkloadRecord, f: HostFacts): string[] {
  const ops: HostOp[] = [];
  if (f.tap.present && f.tap.up)
    ops.push({
      kind: 'tap',
      op: 'add',
      tap: w.tap,
      create: false,
      ...(f.tap.master ? { vrf: f.tap.master } : {}),
    });
  if (f.tap.linkLocal4) ops.push({ kind: 'addr', op: 'add', tap: w.tap, cidr: `${GATEWAY4}/32` });
  if (f.tap.linkLocal6) ops.push({ kind: 'addr', op: 'add', tap: w.tap, cidr: `${GATEWAY6}/64` });
  ops.push(...nftOps('add', w.tap, f.guard ?? []));
  ops.push(...f.routes.map((r) => routeOp(w, r, 'add')));
  return ops.flatMap(opLines);
}

function holderOps(
  w: WorkloadRecord,
  f: HostFacts,
  manageTap: boolean,
): { setup: HostOp[]; normal: HostOp[] } {
  const setup: HostOp[] = [];
  const master = w.vrf !== 'default' ? w.vrf : null;
  if (!f.tap.present) {
    if (!manageTap)
      throw new PlanError(
        `${w.tap} does not exist on ${f.host} and the compute layer owns TAPs here: start ${w.name} there first, or keep another host`,
      );
    setup.push({ kind: 'tap', op: 'add', tap: w.tap, create: true, ...vrfOf(w) });
  } else if (!f.tap.up || f.tap.master !== master) {
    setup.push({ kind: 'tap', op: 'add', tap: w.tap, create: false, ...vrfOf(w) });
  }
  if (!f.tap.linkLocal4) setup.push({ kind: 'addr', op: 'add', tap: w.tap, cidr: `${GATEWAY4}/32` });
  if (!f.tap.linkLocal6) setup.push({ kind: 'addr', op: 'add', tap: w.tap, cidr: `${GATEWAY6}/64` });
  if (f.guard === null)
    throw new PlanError(`${f.host} has no vmguard table; install it before ${w.name} is kept there`);
  const key = (e: GuardElement) => `${e.set} ${e.cidr}`;
  const expected = expectedElements(w);
  const have = new Set(f.guard.map(key));
  const want = new Set(expected.map(key));
  setup.push(
    ...nftOps(
      'add',
      w.tap,
      expected.filter((e) => !have.has(key(e))),
    ),
  );
  setup.push(
    ...nftOps(
      'delete',
      w.tap,
      f.guard.filter((e) => !want.has(key(e))),
    ),
  );
  for (const { family, prefix } of prefixesOf(w)) {
    if (!f.routes.some((r) => r.prefix === prefix && r.metric !== ELEVATED_METRIC))
      setup.push({ kind: 'route', op: 'add', family, prefix, tap: w.tap, ...vrfOf(w) });
  }
  const normal = f.routes.filter((r) => r.metric === ELEVATED_METRIC).map((r) => routeOp(w, r, 'del'));
  return { setup, normal };
}

function cleanupOps(w: WorkloadRecord, f: HostFacts, manageTap: boolean): HostOp[] {
  const ops: HostOp[] = nftOps('delete', w.tap, f.guard ?? []);
  if (f.tap.linkLocal4) ops.push({ kind: 'addr', op: 'del', tap: w.tap, cidr: `${GATEWAY4}/32` });
  if (f.tap.linkLocal6) ops.push({ kind: 'addr', op: 'del', tap: w.tap, cidr: `${GATEWAY6}/64` });
  // A bare TAP (no gateway, route or element of ours) may be a compute layer's standby leg: left alone.
  if (manageTap && f.tap.present && hasTraces(f))
    ops.push({ kind: 'tap', op: 'del', tap: w.tap, create: true, ...vrfOf(w) });
  return ops;
}

function routeChanges(
  w: WorkloadRecord,
  routers: string[],
  holder: string | null,
  now: string[],
): RouteChange[] {
  const others = now.filter((h) => h !== holder);
  if (holder === null)
    return others.length > 0 ? routeChangesOf(w, routers, 'disappears', others.join('+')) : [];
  if (others.length > 0) return routeChangesOf(w, routers, 'moves', others.join('+'), holder);
  return now.includes(holder) ? [] : routeChangesOf(w, routers, 'appears', undefined, holder);
}

/** The plan, or null when the hosts already agree and the registry already says so. */
export function planReconcile(intent: ReconcileIntent, meta: PlanMeta, tenant: string): Plan | null {
  const { workload: w, hosts, routers, holder, manageTap } = intent;
  for (const { facts } of hosts) {
    if (facts.unknown)
      throw new PlanError(
        `${facts.host}'s state is not known (${facts.unknown}); reconcile needs every hypervisor read`,
      );
    const odd = facts.routes.find((r) => r.tap !== w.tap);
    if (odd)
      throw new PlanError(
        `${facts.host} routes ${odd.prefix} to ${odd.tap}, not ${w.name}'s ${w.tap}: look at that host before reconciling`,
      );
  }
  const held = hosts.find((h) => h.spec.name === holder);
  if (holder !== null && !held) throw new PlanError(`${holder} is not a hypervisor in the inventory`);
  const steps: OpStep[] = [];
  const ops = held ? holderOps(w, held.facts, manageTap) : { setup: [], normal: [] };
  if (held && ops.setup.length > 0)
    steps.push(opStep('holder-setup', held.spec, `Set up what ${holder} lacks for ${w.name}`, ops.setup));
  const others = hosts.filter((h) => h.spec.name !== holder);
  for (const o of others.filter((h) => h.facts.routes.length > 0))
    steps.push(
      opStep(
        `withdraw-${o.spec.name}`,
        o.spec,
        `Withdraw ${w.name}'s routes at ${o.spec.name} (delete the kernel routes)`,
        o.facts.routes.map((r) => routeOp(w, r, 'del')),
      ),
    );
  for (const o of others) {
    const cleanup = cleanupOps(w, o.facts, manageTap);
    if (cleanup.length > 0)
      steps.push(
        opStep(`cleanup-${o.spec.name}`, o.spec, `Remove ${w.name}'s leftovers at ${o.spec.name}`, cleanup),
      );
  }
  if (held && ops.normal.length > 0)
    steps.push(
      opStep(
        'holder-normal-metric',
        held.spec,
        `Delete the metric-${ELEVATED_METRIC} route at ${holder} (its normal-metric route stays)`,
        ops.normal,
      ),
    );
  // The last step that changes a route checks the outcome on every router.
  const last = steps.findLast((s) => s.ops.some((op) => op.kind === 'route'));
  if (last)
    last.step.verify = verifyAll(w, routers, holder ? 'announced-by' : 'withdrawn', holder ?? undefined);
  const registryDone =
    intent.registry.kind === 'active' &&
    w.state === 'active' &&
    w.host === intent.registry.host &&
    intent.settles === null;
  if (steps.length === 0 && registryDone) return null;
  const after =
    intent.registry.kind === 'active'
      ? `${w.name} active on ${intent.registry.host}`
      : intent.registry.kind === 'retired'
        ? `${w.name} retired, its addresses released`
        : `${w.name} removed, its addresses released`;
  const before = new Map(hosts.map((h) => [h.spec.name, presentLines(w, h.facts)]));
  return {
    id: meta.id,
    kind: 'reconcile',
    createdAt: meta.now.toISOString(),
    operator: meta.operator,
    workload: w.name,
    tenant,
    summary: `Reconcile ${w.name} (tenant ${tenant}, VRF ${w.vrf}): ${intent.why}. ${steps.length} step(s); then the registry records ${after}`,
    steps: steps.map((s) => s.step),
    diffs: diffsOf(steps, before),
    routeChanges: routeChanges(w, routers, holder, announcers(hosts.map((h) => h.facts))),
    artifacts: { [OUTCOME_ARTIFACT]: JSON.stringify({ registry: intent.registry, settles: intent.settles }) },
  };
}
