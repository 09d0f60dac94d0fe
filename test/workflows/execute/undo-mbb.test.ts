/**
 * The undo of a half-done make-before-break announce is itself make-before-break (issue 15 item 5):
 * on the embedded lab a migration's console dies right after the target's first metric-512 route,
 * then `apply --rollback`'s executor undoes it. The fabric's own route events are watched throughout:
 * no router may ever use a hypervisor that no longer originates the prefix (a blackhole while the
 * withdraw travels). The plain undo (the step's `rollback` alone, the order before) is the control.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dyingDeps } from '../../helpers/dying-runner.ts';
import type { Plan, WorkloadRecord } from '../../../src/model/plan.ts';
import {
  completedSteps,
  executePlan,
  type ExecDeps,
  type ExecEvent,
} from '../../../src/workflows/execute/index.ts';
import { planMigrate } from '../../../src/workflows/plan/index.ts';
import { settle, startEnv, viaHosts, type Env } from './lab-fixture.ts';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
}, 180_000);
afterAll(async () => {
  await env?.close();
});

/** Route events of the sim (`route P: best via up0 (hv1), MED 0`, `… originated here …`) for prefixes. */
function watchBlackholes(prefixes: string[], routers: string[], start: { via: string; origins: string[] }) {
  const hypervisors = new Set(env.hypervisors.map((h) => h.name));
  const state = new Map(
    prefixes.map((p) => [
      p,
      { origins: new Set(start.origins), via: new Map(routers.map((r) => [r, [start.via]])) },
    ]),
  );
  const holes: string[] = [];
  const stop = env.lab.fabric.onEvent((e) => {
    const m = /^route (\S+)(?: vrf \S+)?: (.*)$/.exec(e.message);
    const s = m ? state.get(m[1]!) : undefined;
    if (!m || !s) return;
    const what = m[2]!;
    if (hypervisors.has(e.device)) {
      if (what.startsWith('originated here')) s.origins.add(e.device);
      else s.origins.delete(e.device);
    }
    if (routers.includes(e.device))
      s.via.set(
        e.device,
        [...what.matchAll(/\((\S+?)\)/g)].map((x) => x[1]!),
      );
    for (const [router, via] of s.via)
      for (const host of via)
        if (hypervisors.has(host) && !s.origins.has(host))
          holes.push(`${router} used ${host} for ${m[1]!} after ${e.device}: ${what}`);
  });
  return { holes, stop };
}

/** Deps whose runner for `device` runs the first command matching `dies`, then never answers (kill -9). */
function dying(device: string, dies: RegExp, died: () => void, consoleId: string): ExecDeps {
  return dyingDeps(env.deps(consoleId), device, dies, died);
}

async function killInAnnounceThenRollBack(
  plan: Plan,
  w: WorkloadRecord,
  target: string,
  rollbackDeps: (deps: ExecDeps) => ExecDeps = (deps) => deps,
) {
  let died = (): void => undefined;
  const dead = new Promise<void>((resolve) => (died = resolve));
  void executePlan(
    plan,
    dying(target, /\bmetric 512\b/, () => died(), plan.id),
  );
  await dead;
  const v4 = `${w.ipv4}/32`;
  await settle(env, 'routers on the target', () => viaHosts(env, v4, w.vrf).every((h) => h === target));
  const watch = watchBlackholes([v4, w.ipv6Prefix], env.routers, {
    via: target,
    origins: [w.host, target],
  });
  const events: ExecEvent[] = [];
  const completed = completedSteps(plan, env.registry.audit({ planId: plan.id }));
  const result = await executePlan(plan, rollbackDeps(env.deps(plan.id, events)), {
    mode: 'rollback',
    completed,
  });
  watch.stop();
  return { result, holes: watch.holes, events };
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
    { id, operator: 'alice', now: new Date() },
  );
}

/** The source's kernel routes for the workload, as `ip` prints them over SSH. */
async function sourceRoutes(w: WorkloadRecord): Promise<string> {
  const runner = env.fabric.ssh.get(env.spec(w.host));
  const out = await Promise.all([
    runner.exec(`ip route show ${w.ipv4}/32`),
    runner.exec(`ip -6 route show ${w.ipv6Prefix}`),
  ]);
  return out.map((r) => r.stdout.trim()).join('\n');
}

describe('rollback of a half-done make-before-break announce', () => {
  const workload = (): WorkloadRecord => {
    const w = env.lab.fabric.workloads().find((x) => x.vrf === 'default');
    if (!w) throw new Error('no lab workload in the default VRF');
    return { ...w, extraAllowed: [], state: 'active' };
  };
  const other = (host: string): string => env.hypervisors.find((h) => h.name !== host)!.name;

  it('moves the routers back to the source before the target withdraws: no router ever points at a hole', async () => {
    const w = workload();
    const before = await sourceRoutes(w);
    const target = other(w.host);
    const { result, holes, events } = await killInAnnounceThenRollBack(
      migratePlan('p-mbb-undo', w, target),
      w,
      target,
    );

    expect(result.status, JSON.stringify(result.rollbacks)).toBe('rolled-back');
    expect(holes).toEqual([]);
    expect(viaHosts(env, `${w.ipv4}/32`, w.vrf)).toEqual(env.routers.map(() => w.host));
    // The store saw the target's delete (no poll since the rollback): the source alone announces.
    const live = env.fabric.store
      .getState()
      .workloads.find((x) => x.vrf === w.vrf && x.prefix === `${w.ipv4}/32`);
    expect(live?.announcers.map((a) => a.host)).toEqual([w.host]);
    expect(viaHosts(env, w.ipv6Prefix, w.vrf)).toEqual(env.routers.map(() => w.host));
    // The interrupted step never sent its IPv6 route: that delete is said, not failed.
    const undone = events.find((e) => e.type === 'rollback-done' && e.step === 'target-announce-preferred');
    expect(undone).toMatchObject({ outcome: 'ok', already: expect.stringMatching(/route already absent/) });
    // The source is back on the normal metric (MED 100), exactly as before the migration.
    expect(await sourceRoutes(w)).toBe(before);
  });

  it('control: the plain undo (withdraw first, the order before) leaves the routers on a withdrawn host', async () => {
    const w = workload();
    const target = other(w.host);
    const plan = migratePlan('p-plain-undo', w, target);
    const plain: Plan = { ...plan, steps: plan.steps.map(({ undoPhases: _, ...step }) => step) };
    const { result, holes } = await killInAnnounceThenRollBack(plain, w, target);

    expect(result.status).toBe('rolled-back');
    expect(holes.length).toBeGreaterThan(0);
    expect(holes[0]).toContain(target);
    await settle(env, 'routers back on the source', () =>
      viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === w.host),
    );
  });

  it('the target unreachable during the undo: it fails, naming the target, and the source is left as it was', async () => {
    const w = workload();
    const before = await sourceRoutes(w);
    const target = other(w.host);
    const cut = (deps: ExecDeps): ExecDeps => ({
      ...deps,
      rollbackRetry: { forMs: 300, delayMs: 100 },
      runnerFor: (name) => {
        const real = deps.runnerFor(name);
        if (name !== target) return real;
        const refused = (): Promise<never> => Promise.reject(new Error('connect ECONNREFUSED (test)'));
        return { exec: refused, execStream: refused };
      },
    });
    const plan = migratePlan('p-cut-undo', w, target);
    const { result } = await killInAnnounceThenRollBack(plan, w, target, cut);

    expect(result.status).toBe('failed');
    const undo = result.rollbacks.find((r) => r.id === 'target-announce-preferred');
    expect(undo?.outcome).toBe('failed');
    expect(undo?.error).toContain(`on ${target}`);
    expect(undo?.error).toContain('ECONNREFUSED');
    // The source took the elevated metric for the hand-back, then got its normal route back.
    expect(await sourceRoutes(w)).toBe(before);
    // What the failed undo left (the target still announcing) is reconcile's; here the lab is tidied.
    const tidy = await executePlan(plan, env.deps(plan.id), {
      mode: 'rollback',
      completed: completedSteps(plan, env.registry.audit({ planId: plan.id })),
    });
    expect(tidy.status).toBe('rolled-back');
  });
  it('a console killed after the engineer said the VM moved: apply --rollback undoes nothing (it would strand the VM) and says so', async () => {
    const w = workload();
    const target = other(w.host);
    const plan = migratePlan('p-moved-kill', w, target);
    let died = (): void => undefined;
    const dead = new Promise<void>((resolve) => (died = resolve));
    const deps = dyingDeps(env.deps(plan.id), w.host, /ip route del/, () => died());
    void executePlan(plan, {
      ...deps,
      beforeStep: async (step) =>
        step.id === 'source-withdraw'
          ? { irreversible: `alice confirmed ${w.name} moved by hand` }
          : undefined,
    });
    await dead;
    const completed = completedSteps(plan, env.registry.audit({ planId: plan.id }));
    expect(completed).toEqual(['target-tap', 'target-guard', 'target-announce-preferred']);
    const result = await executePlan(plan, env.deps(plan.id), { mode: 'rollback', completed });

    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(
      new RegExp(`not rolled back: alice confirmed ${w.name} moved by hand \\(before source-withdraw\\)`),
    );
    expect(result.rollbacks.every((r) => r.outcome === 'skipped')).toBe(true);
    expect(result.next).toBe(`routedeck plan reconcile ${w.name}`);
    // The target still announces: the routers reach the VM where it now is.
    await settle(env, 'routers on the target', () =>
      viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === target),
    );
  });
});
