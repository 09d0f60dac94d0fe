/**
 * Reconcile on the embedded lab (production SSH + store + registry): a migration stranded after
 * its compute hook goes forward, one stopped before it goes back, a disputed workload is refused
 * with both choices and nothing sent, a consistent one has nothing to reconcile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { openRegistry, type Registry } from '../../../src/registry/index.ts';
import { ELEVATED_METRIC } from '../../../src/workflows/plan/index.ts';
import { renderOp } from '../../../src/workflows/plan/host-ops.ts';
import { tapOps, routeOps } from '../../../src/workflows/plan/build.ts';
import {
  planReconcileFor,
  registerReconcile,
  ReconcileUndecidedError,
} from '../../../src/workflows/reconcile/index.ts';
import { WorkflowError, WorkflowService } from '../../../src/workflows/service/index.ts';
import type { WorkloadRecord } from '../../../src/model/plan.ts';
import { startEnv, viaHosts, type Env } from '../execute/lab-fixture.ts';

let env: Env;
let registry: Registry;
let service: WorkflowService;

function makeService(overrides: Partial<ConstructorParameters<typeof WorkflowService>[0]> = {}) {
  const settings = loadInventoryFile(env.lab.inventoryPath).workflows;
  const s = new WorkflowService({
    store: env.fabric.store,
    poller: env.fabric.poller,
    registry,
    runnerFor: (spec) => {
      env.sentTo.push(spec.name);
      return env.fabric.ssh.get(spec);
    },
    // A compute hook that succeeds: the lab's guests move with their network.
    settings: { ...settings, computeHook: { type: 'command', template: 'true' } },
    operator: 'alice',
    verifyPollMs: 20,
    rollbackRetry: { attempts: 1, delayMs: 10 },
    ...overrides,
  });
  registerReconcile(s);
  return s;
}

/** Polls every device until each hypervisor's last poll succeeded (after an SSH drop ends). */
async function pollUntilRead(): Promise<void> {
  for (;;) {
    await env.fabric.poller.pollNow();
    const state = env.fabric.store.getState();
    const hvs = env.hypervisors.map((h) => state.devices[h.name]!);
    if (hvs.every((d) => d.snapshot !== null && d.consecutiveFailures === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The hosts with anything of the workload: routes (with metric), vmguard elements, its TAP. */
function traces(w: WorkloadRecord) {
  const state = env.fabric.store.getState();
  return env.hypervisors
    .map((h) => state.devices[h.name]!.snapshot!)
    .map((snap) => ({
      host: snap.device,
      routes: snap.workloadRoutes
        .filter((r) => r.vrf === w.vrf && [`${w.ipv4}/32`, w.ipv6Prefix].includes(r.prefix))
        .map((r) => r.metric),
      guard: snap.guard?.present ? snap.guard.elements.filter((e) => e.tap === w.tap).length : 0,
      tap: snap.interfaces.some((i) => i.name === w.tap),
    }))
    .filter((t) => t.routes.length > 0 || t.guard > 0 || t.tap);
}

async function created(name: string, host: string): Promise<WorkloadRecord> {
  const plan = service.planCreate({ name, tenant: 'blue', host });
  expect((await service.apply(plan)).status).toBe('applied');
  return registry.workload(name)!;
}

beforeAll(async () => {
  env = await startEnv();
  registry = openRegistry({ path: ':memory:' });
  service = makeService();
  service.adoptLive();
}, 180_000);
afterAll(async () => {
  registry?.close();
  await env?.close();
});

describe('plan reconcile on the embedded lab', () => {
  it('a consistent workload: nothing to reconcile, nothing planned', async () => {
    const w = await created('rc-ok', env.hypervisors[0]!.name);
    const plans = registry.plans().length;
    const result = planReconcileFor(service, { name: w.name });
    expect(result.kind).toBe('consistent');
    expect(result.kind === 'consistent' && result.message).toMatch(
      /nothing to reconcile: rc-ok is active on/,
    );
    expect(registry.plans().length).toBe(plans);
  }, 180_000);

  it('a migration stranded after its compute hook finishes forward: active on the target, one announcer', async () => {
    const [a, b] = [env.hypervisors[0]!.name, env.hypervisors[1]!.name];
    const w = await created('rc-fwd', a);
    const migrate = service.planMigrate({ name: w.name, target: b });
    const result = await service.apply(migrate, {
      onEvent: (e) => {
        // The source's SSH drops right after the hook moved the guest: the withdraw fails, nothing is undone.
        if (e.type === 'step-done' && e.step === 'compute-hook') env.lab.faults.dropSsh(a, 1500);
      },
    });
    expect(result.status).toBe('failed');
    expect(registry.workload(w.name)).toMatchObject({ host: a, state: 'migrating' });
    await pollUntilRead();
    // Stranded as in issue 15: the target at metric 512, the source with its routes and vmguard elements.
    expect(
      traces(w)
        .map((t) => t.host)
        .sort(),
    ).toEqual([a, b].sort());
    expect(traces(w).find((t) => t.host === b)?.routes).toContain(ELEVATED_METRIC);

    const made = planReconcileFor(service, { name: w.name });
    if (made.kind !== 'planned') throw new Error('expected a plan');
    const plan = made.plan;
    expect(plan.kind).toBe('reconcile');
    expect(plan.summary).toMatch(/compute hook ran.*forward/);
    // Make-before-break: the target gets its normal-metric route before anything is withdrawn.
    expect(plan.steps.map((s) => `${s.device} ${s.id}`)).toEqual([
      `${b} holder-setup`,
      `${a} withdraw-${a}`,
      `${a} cleanup-${a}`,
      `${b} holder-normal-metric`,
    ]);
    // Exact commands from the host-op renderers, verified on the routers at the end.
    expect(plan.steps[0]!.action).toEqual({
      type: 'ssh',
      commands: [
        expect.stringMatching(/ip route add .*\/32 dev tap-rc-fwd vrf blue$/),
        expect.stringMatching(/ip -6 route add .*\/64 dev tap-rc-fwd vrf blue$/),
      ],
    });
    expect(plan.steps[1]!.action).toMatchObject({
      type: 'ssh',
      commands: expect.arrayContaining([
        expect.stringMatching(/ip route del .*\/32 dev tap-rc-fwd vrf blue metric 0$/),
      ]),
    });
    expect(plan.steps.at(-1)!.verify.every((v) => v.expect === 'announced-by' && v.host === b)).toBe(true);
    expect(plan.diffs.map((d) => d.device).sort()).toEqual([a, b].sort());

    const applied = await service.apply(plan);
    expect(applied.status).toBe('applied');
    expect(registry.workload(w.name)).toMatchObject({ host: b, state: 'active' });
    expect(registry.plan(plan.id)?.status).toBe('applied');
    await env.fabric.poller.pollNow();
    expect(traces(w)).toEqual([
      { host: b, routes: expect.not.arrayContaining([ELEVATED_METRIC]), guard: 3, tap: true },
    ]);
    expect(viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === b)).toBe(true);
    // Settled: the same workload now has nothing to reconcile.
    expect(planReconcileFor(service, { name: w.name }).kind).toBe('consistent');
  }, 180_000);

  it('a migration stopped before its compute hook goes back to the source', async () => {
    const [a, b] = [env.hypervisors[0]!.name, env.hypervisors[1]!.name];
    const w = await created('rc-back', a);
    const migrate = service.planMigrate({ name: w.name, target: b });
    // The console dies as the target's preferred announce finishes (before the step is recorded).
    await expect(
      service.apply(migrate, {
        onEvent: (e) => {
          if (e.type === 'step-done' && e.step === 'target-announce-preferred') throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    registry.setWorkloadState(w.name, 'migrating');
    await env.fabric.poller.pollNow();
    expect(traces(w).find((t) => t.host === b)?.routes).toContain(ELEVATED_METRIC);

    const made = planReconcileFor(service, { name: w.name });
    if (made.kind !== 'planned') throw new Error('expected a plan');
    expect(made.plan.summary).toMatch(/compute hook had not run.*go back/);
    expect(made.plan.steps.map((s) => s.id)).toEqual([`withdraw-${b}`, `cleanup-${b}`]);
    expect((await service.apply(made.plan)).status).toBe('applied');
    expect(registry.workload(w.name)).toMatchObject({ host: a, state: 'active' });
    // The interrupted migration is settled: not offered for resume again.
    expect(registry.plan(migrate.id)?.status).toBe('failed');
    await env.fabric.poller.pollNow();
    expect(traces(w).map((t) => t.host)).toEqual([a]);
    expect(viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === a)).toBe(true);
  }, 180_000);

  it('announced from two hosts at equal metric with no plan: refused with both choices, nothing sent', async () => {
    const [a, b] = [env.hypervisors[0]!.name, env.hypervisors[2]!.name];
    const w = await created('rc-amb', a);
    // Someone set the workload up by hand on a second host, normal metric.
    const runner = env.fabric.ssh.get(env.spec(b));
    for (const op of [...tapOps(w, 'add', true), ...routeOps(w, 'add')])
      for (const cmd of renderOp(op, env.spec(b).privilege)) expect((await runner.exec(cmd)).code).toBe(0);
    await env.fabric.poller.pollNow();
    const sent = env.sentTo.length;
    const plans = registry.plans().length;
    let refusal: unknown;
    try {
      planReconcileFor(service, { name: w.name, via: ' --lab' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ReconcileUndecidedError);
    const text = (refusal as Error).message;
    expect(text).toMatch(new RegExp(`${b}: announces ${w.ipv4}/32 on tap-rc-amb at metric 0`));
    expect(text).toMatch(new RegExp(`routers: spine1 → (${a}|${b}), spine2 → (${a}|${b})`));
    expect(text).toContain(`routedeck plan reconcile rc-amb --keep ${a} --lab`);
    expect(text).toContain(`routedeck plan reconcile rc-amb --keep ${b} --lab`);
    expect(env.sentTo.length).toBe(sent);
    expect(registry.plans().length).toBe(plans);

    // The engineer chooses: the other host's copy is removed.
    const made = planReconcileFor(service, { name: w.name, keep: a });
    if (made.kind !== 'planned') throw new Error('expected a plan');
    expect(made.plan.steps.map((s) => s.id)).toEqual([`withdraw-${b}`, `cleanup-${b}`]);
    expect((await service.apply(made.plan)).status).toBe('applied');
    await env.fabric.poller.pollNow();
    expect(traces(w).map((t) => t.host)).toEqual([a]);
  }, 180_000);

  it('the hosts changed between plan and apply: refused, naming what it would now send, nothing sent', async () => {
    const [a, b] = [env.hypervisors[3]!.name, env.hypervisors[0]!.name];
    const w = await created('rc-drift', a);
    const runner = env.fabric.ssh.get(env.spec(b));
    const byHand = async (ops: ReturnType<typeof tapOps>) => {
      for (const op of ops)
        for (const cmd of renderOp(op, env.spec(b).privilege)) expect((await runner.exec(cmd)).code).toBe(0);
    };
    // A leftover TAP with its gateways on a second host (no routes: the fabric's view is unchanged).
    await byHand(tapOps(w, 'add', true));
    await env.fabric.poller.pollNow();
    const made = planReconcileFor(service, { name: w.name, keep: a });
    if (made.kind !== 'planned') throw new Error('expected a plan');
    expect(made.plan.steps.map((s) => s.id)).toEqual([`cleanup-${b}`]);
    // Someone removes it by hand before the plan is applied.
    await byHand(tapOps(w, 'del', true));
    await env.fabric.poller.pollNow();
    const sent = env.sentTo.length;
    await expect(service.apply(made.plan)).rejects.toThrow(
      new RegExp(
        `^the hosts changed since plan ${made.plan.id} was made \\(planned ${b}: [^|]*tap-rc-drift[^|]*; would now send nothing\\): plan again \\(routedeck plan reconcile rc-drift\\); nothing was sent$`,
      ),
    );
    expect(env.sentTo.length).toBe(sent);
    expect(registry.plan(made.plan.id)?.status).toBe('planned');
    // Planned again from what the hosts show now: nothing left to do.
    expect(planReconcileFor(service, { name: w.name }).kind).toBe('consistent');
  }, 180_000);

  it('a decommission stopped after the withdraw finishes removing: retired, addresses released', async () => {
    const host = env.hypervisors[1]!.name;
    const w = await created('rc-gone', host);
    const decommission = service.planDecommission({ name: w.name });
    await expect(
      service.apply(decommission, {
        onEvent: (e) => {
          if (e.type === 'step-start' && e.step === 'cleanup') throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    registry.setWorkloadState(w.name, 'decommissioning');
    await env.fabric.poller.pollNow();
    const made = planReconcileFor(service, { name: w.name });
    if (made.kind !== 'planned') throw new Error('expected a plan');
    expect(made.plan.summary).toMatch(/finish removing rc-gone.*retired, its addresses released/);
    expect(made.plan.steps.map((s) => s.id)).toEqual([`cleanup-${host}`]);
    expect((await service.apply(made.plan)).status).toBe('applied');
    expect(registry.workload(w.name)?.state).toBe('retired');
    expect(registry.allocated({ vrf: w.vrf }).map((a) => a.address)).not.toContain(`${w.ipv4}/32`);
    await env.fabric.poller.pollNow();
    expect(traces(w)).toEqual([]);
  }, 180_000);

  it('bad input: an unknown workload or --keep host is one sentence, nothing planned', () => {
    const plans = registry.plans().length;
    expect(() => planReconcileFor(service, { name: 'ghost' })).toThrow(
      /^no workload "ghost" in the registry$/,
    );
    expect(() => planReconcileFor(service, { name: 'rc-ok', keep: 'hv99' })).toThrow(WorkflowError);
    expect(registry.plans().length).toBe(plans);
  });
});
