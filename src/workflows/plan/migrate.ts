/**
 * migrate: move a workload's /32 and /64 from one hypervisor to another.
 *
 * Make-before-break (default, 0 packets lost in the reference lab): stage the target and announce
 * there with the elevated kernel metric 512 (→ MED 0, beats the source's MED 100 on every router),
 * verify every router uses the target, run the compute hook, withdraw and clean up the source,
 * then put the target's route back on the normal metric (→ MED 100) by adding the normal route
 * before deleting the elevated one, so the host never has a moment without a route.
 *
 * Break-before-make (`breakBeforeMake: true`, for fabrics without always-compare-med): withdraw at
 * the source, then announce at the target with the normal metric; ~125 ms lost in the lab.
 */
import type { DeviceSpec } from '../../model/device.ts';
import type { Plan, UndoPhase, WorkloadRecord } from '../../model/plan.ts';
import {
  diffsOf,
  guardOps,
  opStep,
  prefixesOf,
  routeChangesOf,
  routeOps,
  tapOps,
  verifyAll,
  workloadLines,
  type OpStep,
  type PlanMeta,
  type PlanTarget,
} from './build.ts';
import { renderHook, type ComputeHook } from './compute-hook.ts';
import { ELEVATED_METRIC, renderOp, type HostOp } from './host-ops.ts';
import { checkAnnouncers, checkDevice, checkRouters, checkWorkload, PlanError } from './validate.ts';

export interface MigrateIntent extends PlanTarget {
  source: DeviceSpec;
  target: DeviceSpec;
  breakBeforeMake?: boolean;
  computeHook?: ComputeHook;
}

function hookStep(intent: MigrateIntent, w: WorkloadRecord): OpStep | null {
  const hook = intent.computeHook;
  if (!hook || hook.type === 'none') return null;
  const command = renderHook(hook.template, {
    workload: w.name,
    tap: w.tap,
    source: intent.source.name,
    target: intent.target.name,
    targetAddress: intent.target.host,
    ipv4: w.ipv4,
    ipv6Prefix: w.ipv6Prefix,
  });
  const base = opStep('compute-hook', intent.source, '', []);
  return {
    ...base,
    step: {
      ...base.step,
      description: `Compute hook on ${intent.source.name}: move ${w.name} itself (not undone automatically)`,
      action: { type: 'ssh', commands: [command] },
      rollback: null,
      irreversible: true,
      // A live migration of a big guest takes minutes, not the 15 s of a route change.
      timeoutMs: 30 * 60_000,
    },
  };
}

/**
 * The make-before-break undo of the elevated announce: withdrawing it while the routers use it loses
 * what is in flight until they fall back (13 packets at 5 ms on the netns lab). Instead the source
 * takes the elevated metric (a tie: routers stay), the target drops to the normal one (MED 100: the
 * routers move to the source while the target still delivers), and only then do the target's routes
 * go and the source returns to the normal metric (tried even when the target cannot be reached, so
 * a failed undo leaves the source as it was).
 */
function handBack(w: WorkloadRecord, source: DeviceSpec, target: DeviceSpec, routers: string[]): UndoPhase[] {
  const on = (host: DeviceSpec, ops: HostOp[], verify: UndoPhase['verify'] = []): UndoPhase => ({
    device: host.name,
    commands: ops.flatMap((op) => renderOp(op, host.privilege)),
    verify,
  });
  const toNormal = [...routeOps(w, 'add'), ...routeOps(w, 'del', ELEVATED_METRIC)];
  const onSource = verifyAll(w, routers, 'announced-by', source.name);
  return [
    on(source, [...routeOps(w, 'add', ELEVATED_METRIC), ...routeOps(w, 'del')]),
    on(target, toNormal, onSource),
    // Verified too, though the routers already use the source: the target is polled after its delete.
    on(target, routeOps(w, 'del'), onSource),
    { ...on(source, toNormal, onSource), always: true },
  ];
}

export function planMigrate(intent: MigrateIntent, meta: PlanMeta): Plan {
  const { tenant, workload: w, source, target, routers, live } = intent;
  const manageTap = intent.manageTap ?? true;
  checkWorkload(w, tenant);
  checkDevice(source, 'hypervisor', 'source host');
  checkDevice(target, 'hypervisor', 'target host');
  checkRouters(routers);
  if (source.name === target.name) throw new PlanError(`${w.name} is already on ${target.name}`);
  if (w.host !== source.name)
    throw new PlanError(`workload ${w.name} is recorded on ${w.host}, not ${source.name}`);
  for (const { prefix } of prefixesOf(w))
    checkAnnouncers(prefix, live.announcedBy(prefix, w.vrf), [source.name]);
  const hook = hookStep(intent, w);

  const stage = [
    opStep('target-tap', target, `Set up ${w.tap} on ${target.name}`, tapOps(w, 'add', manageTap)),
    opStep(
      'target-guard',
      target,
      `Allow ${w.name}'s addresses on ${w.tap} at ${target.name}`,
      guardOps(w, 'add'),
    ),
  ];
  const withdraw = (verifyTarget: boolean): OpStep =>
    opStep(
      'source-withdraw',
      source,
      `Withdraw ${w.ipv4}/32 and ${w.ipv6Prefix} at ${source.name} (delete the kernel routes)`,
      routeOps(w, 'del'),
      verifyTarget ? verifyAll(w, routers, 'announced-by', target.name) : [],
    );
  const cleanup = opStep(
    'source-cleanup',
    source,
    `Remove ${w.name}'s vmguard elements and ${w.tap} setup at ${source.name}`,
    [...guardOps(w, 'delete'), ...tapOps(w, 'del', manageTap)],
  );
  let steps: OpStep[];
  if (intent.breakBeforeMake) {
    const announce = opStep(
      'target-announce',
      target,
      `Route ${w.ipv4}/32 and ${w.ipv6Prefix} to ${w.tap} at ${target.name} (normal metric)`,
      routeOps(w, 'add'),
      verifyAll(w, routers, 'announced-by', target.name),
    );
    steps = [...stage, ...(hook ? [hook] : []), withdraw(false), announce, cleanup];
  } else {
    const preferred = opStep(
      'target-announce-preferred',
      target,
      `Announce at ${target.name} with kernel metric ${ELEVATED_METRIC} (MED 0, preferred over ${source.name}'s MED 100)`,
      routeOps(w, 'add', ELEVATED_METRIC),
      verifyAll(w, routers, 'announced-by', target.name),
    );
    preferred.step.undoPhases = handBack(w, source, target, routers);
    const normal = opStep(
      'target-normal-metric',
      target,
      `Back to the normal metric at ${target.name} (MED 100): add the normal route, then delete the metric-${ELEVATED_METRIC} one`,
      [...routeOps(w, 'add'), ...routeOps(w, 'del', ELEVATED_METRIC)],
      verifyAll(w, routers, 'announced-by', target.name),
    );
    steps = [...stage, preferred, ...(hook ? [hook] : []), withdraw(true), cleanup, normal];
  }
  const mode = intent.breakBeforeMake ? 'break-before-make' : 'make-before-break';
  return {
    id: meta.id,
    kind: 'migrate',
    createdAt: meta.now.toISOString(),
    operator: meta.operator,
    workload: w.name,
    tenant: tenant.name,
    summary: `Migrate ${w.name} (tenant ${tenant.name}, VRF ${w.vrf}) from ${source.name} to ${target.name}, ${mode}: ${w.ipv4}/32 and ${w.ipv6Prefix} move on ${routers.length} router(s)`,
    steps: steps.map((s) => s.step),
    diffs: diffsOf(steps, new Map([[source.name, workloadLines(w, manageTap)]])),
    routeChanges: routeChangesOf(w, routers, 'moves', source.name, target.name),
    artifacts: {},
  };
}
