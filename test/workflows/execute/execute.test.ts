/**
 * executePlan on the embedded lab through the production SSH path: commands go over SSH to the
 * simulated hypervisors, verification reads the routers' tables as polled into the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan, WorkloadRecord } from '../../../src/model/plan.ts';
import { LeaseHeldError } from '../../../src/registry/index.ts';
import { executePlan, type ExecEvent } from '../../../src/workflows/execute/index.ts';
import { planCreate, planDecommission, planMigrate } from '../../../src/workflows/plan/index.ts';
import { newWorkload, settle, startEnv, viaHosts, type Env } from './lab-fixture.ts';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
}, 180_000);
afterAll(async () => {
  await env?.close();
});

const meta = (id: string) => ({ id, operator: 'alice', now: new Date() });
const nobody = { announcedBy: () => [] };

function createPlan(id: string, w: WorkloadRecord): Plan {
  const host = env.spec(w.host);
  return planCreate(
    {
      tenant: env.tenant(w.tenant),
      workload: w,
      host,
      routers: env.routers,
      live: nobody,
      mac: '52:54:00:aa:bb:cc',
    },
    meta(id),
  );
}

function migratePlan(id: string, w: WorkloadRecord, target: string): Plan {
  return planMigrate(
    {
      tenant: env.tenant(w.tenant),
      workload: w,
      source: env.spec(w.host),
      target: env.spec(target),
      routers: env.routers,
      live: { announcedBy: () => [w.host] },
    },
    meta(id),
  );
}

const labWorkload = (index: number, vrf: string): WorkloadRecord => {
  const w = env.lab.fabric.workloads().filter((x) => x.vrf === vrf)[index];
  if (!w) throw new Error(`no lab workload #${index} in ${vrf}`);
  return { ...w, extraAllowed: [], state: 'active' };
};
const otherHost = (host: string): string => env.hypervisors.find((h) => h.name !== host)!.name;

describe('executePlan on the embedded lab', () => {
  const created: WorkloadRecord[] = [];

  it('applies a create plan: both routers see the /32 via the host; the audit has every step', async () => {
    const hv = env.hypervisors[0]!.name;
    const w = newWorkload(
      env,
      env.tenant(env.lab.fabric.workloads().find((x) => x.vrf === 'default')!.tenant),
      'exec1',
      hv,
    );
    created.push(w);
    const plan = createPlan('p-create', w);
    const events: ExecEvent[] = [];
    const result = await executePlan(plan, env.deps('c1', events));

    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    expect(result.steps.map((s) => [s.id, s.outcome])).toEqual(plan.steps.map((s) => [s.id, 'ok']));
    expect(viaHosts(env, `${w.ipv4}/32`, w.vrf)).toEqual(env.routers.map(() => hv));
    const prefix4 = result.convergence.filter((c) => c.prefix === `${w.ipv4}/32`);
    expect(prefix4.map((c) => c.router).sort()).toEqual([...env.routers].sort());

    const audit = env.registry.audit({ planId: plan.id });
    const stepEntries = audit.filter((a) => a.kind === 'step');
    expect(stepEntries.map((a) => [a.device, a.outcome])).toEqual(plan.steps.map((s) => [s.device, 'ok']));
    plan.steps.forEach((step, i) => {
      expect(stepEntries[i]!.diff?.after).toEqual(step.action.type === 'ssh' ? step.action.commands : []);
    });
    expect(audit.at(0)?.outcome).toBe('start');
    expect(audit.at(-1)?.outcome).toBe('applied');
    expect(env.registry.plan(plan.id)?.status).toBe('applied');
    expect(env.registry.leases()).toEqual([]);
    expect(events.filter((e) => e.type === 'step-start')).toHaveLength(plan.steps.length);
    expect(events.some((e) => e.type === 'verify-progress' && e.satisfied)).toBe(true);
  }, 180_000);

  it('applies a decommission of the created workload: both routers withdraw it', async () => {
    const w = created[0]!;
    const plan = planDecommission(
      {
        tenant: env.tenant(w.tenant),
        workload: w,
        host: env.spec(w.host),
        routers: env.routers,
        live: { announcedBy: () => [w.host] },
      },
      meta('p-decom'),
    );
    const result = await executePlan(plan, env.deps('c1'));
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    expect(viaHosts(env, `${w.ipv4}/32`, w.vrf)).toEqual(env.routers.map(() => 'none'));
    const withdrawn = result.convergence.filter(
      (c) => c.expect === 'withdrawn' && c.prefix === `${w.ipv4}/32`,
    );
    expect(withdrawn.map((c) => c.router).sort()).toEqual([...env.routers].sort());
  }, 180_000);

  it('applies a make-before-break migrate: the workload ends on the target, both routers via the target', async () => {
    const w = labWorkload(0, 'default');
    const target = otherHost(w.host);
    // The moment a router's answer satisfies the verification, the store shows that router routing the
    // /32 via the target (its answer stands in its table), not a router poll later.
    const shownAtVerify: string[] = [];
    const deps = env.deps('c1');
    deps.onEvent = (e) => {
      if (e.type === 'verify-progress' && e.satisfied && e.prefix === `${w.ipv4}/32`)
        shownAtVerify.push(`${e.router}→${viaHosts(env, e.prefix, e.vrf)[env.routers.indexOf(e.router)]}`);
    };
    const result = await executePlan(migratePlan('p-migrate', w, target), deps);
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    // Every step that verified the /32 (all expect the target) saw it in the store at that moment.
    expect([...new Set(shownAtVerify)].sort()).toEqual(env.routers.map((r) => `${r}→${target}`).sort());
    expect(viaHosts(env, `${w.ipv4}/32`, w.vrf)).toEqual(env.routers.map(() => target));
    expect(result.convergence.some((c) => c.step === 'source-withdraw')).toBe(true);
    await env.fabric.poller.pollNow([w.host, target]);
    const after = env.fabric.store
      .getState()
      .workloads.find((x) => x.vrf === w.vrf && x.prefix === `${w.ipv4}/32`);
    expect(after!.announcers.map((a) => a.host)).toEqual([target]);
  }, 180_000);

  it('a failing step rolls back the executed steps in reverse: the source still announces', async () => {
    const w = labWorkload(0, 'blue');
    const target = otherHost(w.host);
    const plan = migratePlan('p-fail', w, target);
    // The third step routes to a TAP that does not exist on the target.
    const broken = plan.steps[2]!;
    expect(broken.id).toBe('target-announce-preferred');
    if (broken.action.type !== 'ssh') throw new Error('expected ssh');
    broken.action = {
      type: 'ssh',
      commands: broken.action.commands.map((c) => c.replaceAll(w.tap, 'tap-nope')),
    };

    const result = await executePlan(plan, env.deps('c1'));
    expect(result.status).toBe('rolled-back');
    expect(result.steps.map((s) => s.outcome)).toEqual(['ok', 'ok', 'failed']);
    expect(result.steps[2]!.error).toMatch(/tap-nope/);
    expect(result.rollbacks.map((r) => [r.id, r.outcome])).toEqual([
      ['target-announce-preferred', 'skipped'],
      ['target-guard', 'ok'],
      ['target-tap', 'ok'],
    ]);
    await settle(env, 'source still announcing', () =>
      viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === w.host),
    );
    const audit = env.registry.audit({ planId: plan.id });
    expect(audit.filter((a) => a.kind === 'rollback').map((a) => a.outcome)).toEqual(['skipped', 'ok', 'ok']);
    expect(audit.at(-1)?.outcome).toBe('rolled-back');
    expect(env.registry.plan(plan.id)?.status).toBe('rolled-back');
    expect(env.registry.leases()).toEqual([]);
  }, 180_000);

  it('SSH to the target drops mid-plan: rollback (retried after reconnect) leaves the source announcing', async () => {
    const w = labWorkload(0, 'red');
    const target = otherHost(w.host);
    const plan = migratePlan('p-drop', w, target);
    const events: ExecEvent[] = [];
    const deps = env.deps('c1', events);
    const result = await executePlan(plan, {
      ...deps,
      rollbackRetry: { attempts: 10, delayMs: 200 },
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step-start' && e.step === 'target-announce-preferred')
          env.lab.faults.dropSsh(target, 500);
      },
    });
    expect(result.status, JSON.stringify(result.rollbacks)).toBe('rolled-back');
    const failed = result.steps.at(-1)!;
    expect(failed.id).toBe('target-announce-preferred');
    expect(failed.error).toContain(target);
    expect(result.rollbacks.map((r) => [r.id, r.outcome])).toEqual([
      ['target-announce-preferred', 'ok'],
      ['target-guard', 'ok'],
      ['target-tap', 'ok'],
    ]);
    await settle(env, 'source still announcing', () =>
      viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === w.host),
    );
    await env.fabric.poller.pollNow([w.host, target]);
    const entry = env.fabric.store
      .getState()
      .workloads.find((x) => x.vrf === w.vrf && x.prefix === `${w.ipv4}/32`);
    expect(entry!.announcers.map((a) => a.host)).toEqual([w.host]);
    expect(env.registry.audit({ planId: plan.id }).at(-1)?.outcome).toBe('rolled-back');
  }, 180_000);

  it('a verification that cannot succeed times out and rolls back', async () => {
    const hv = env.hypervisors[0]!.name;
    const w = newWorkload(env, env.tenant('blue'), 'exec2', hv, created);
    const plan = createPlan('p-verify', w);
    for (const step of plan.steps)
      step.verify = step.verify.map((v) => ({ ...v, host: otherHost(hv), timeoutMs: 300 }));
    const result = await executePlan(plan, env.deps('c1'));
    expect(result.status).toBe('rolled-back');
    const failed = result.steps.find((s) => s.outcome === 'failed');
    expect(failed?.error).toMatch(/verification timed out/);
    expect(result.rollbacks.every((r) => r.outcome !== 'failed')).toBe(true);
    await settle(env, 'create undone', () => viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === 'none'));
    expect(env.registry.audit({ planId: plan.id }).at(-1)?.outcome).toBe('rolled-back');
  }, 180_000);

  it('a failure after the compute hook moved the workload rolls nothing back and says why', async () => {
    const w = labWorkload(2, 'default');
    const target = otherHost(w.host);
    const plan = planMigrate(
      {
        tenant: env.tenant(w.tenant),
        workload: w,
        source: env.spec(w.host),
        target: env.spec(target),
        routers: env.routers,
        live: { announcedBy: () => [w.host] },
        computeHook: { type: 'command', template: 'true {workload}' },
      },
      meta('p-hook'),
    );
    expect(plan.steps.find((s) => s.id === 'compute-hook')?.irreversible).toBe(true);
    const result = await executePlan(plan, {
      ...env.deps('c1'),
      onEvent: (e) => {
        if (e.type === 'step-done' && e.step === 'compute-hook') env.lab.faults.dropSsh(w.host, 2000);
      },
    });
    expect(result.status).toBe('failed');
    expect(result.steps.at(-1)?.id).toBe('source-withdraw');
    expect(result.rollbacks.every((r) => r.outcome === 'skipped')).toBe(true);
    const stored = env.registry.plan('p-hook')!;
    expect(stored.status).toBe('failed');
    expect(stored.detail).toMatch(/not rolled back: compute-hook .* already moved/);
    // The way out is printed with it (issue 15): the plan's reason and the reconcile command.
    expect(result.reason).toBe(stored.detail);
    expect(result.next).toBe(`routedeck plan reconcile ${w.name}`);
    expect(result.rollbacks.every((r) => r.error?.startsWith('not rolled back: compute-hook'))).toBe(true);
    // The routers stay on the target, where the workload now is.
    await settle(env, 'routers on the target', () =>
      viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === target),
    );
    env.lab.faults.clear(w.host);
  }, 180_000);

  it('refuses a second plan on a workload whose lease is held, naming the holder; nothing is sent', async () => {
    const w = labWorkload(1, 'default');
    const first = executePlan(migratePlan('p-first', w, otherHost(w.host)), env.deps('console-A'));
    const sentBefore = env.sentTo.length;
    const second = executePlan(migratePlan('p-second', w, otherHost(w.host)), env.deps('console-B'));
    await expect(second).rejects.toBeInstanceOf(LeaseHeldError);
    await expect(second).rejects.toThrow(/p-first.*alice on console console-A/);
    expect(env.sentTo.length).toBe(sentBefore);
    expect(env.registry.plan('p-second')).toBeUndefined();
    expect((await first).status).toBe('applied');
    expect(env.registry.leases()).toEqual([]);
  }, 180_000);
});
