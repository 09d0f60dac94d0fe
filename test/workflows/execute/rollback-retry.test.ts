/**
 * Issue 15 item 2 on the embedded lab: an undo that cannot reach its device is retried (each retry
 * an event), in the plan's order, for a bounded time; a rollback that cannot finish ends `failed`
 * with its reason and the command that gets out of it, on the CLI printer and the console timeline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timelineLines } from '../../../components/workflows/lines.ts';
import { initialTimeline, timelineReducer } from '../../../components/workflows/timeline.ts';
import { TimelinePrinter } from '../../../src/cli/common/timeline-printer.ts';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { MAX_FAULT_MS } from '../../../src/lab/sim/server/faults.ts';
import type { Plan } from '../../../src/model/plan.ts';
import { openRegistry, type Registry } from '../../../src/registry/index.ts';
import {
  executePlan,
  RollbackRetryError,
  type ExecEvent,
  type ExecResult,
} from '../../../src/workflows/execute/index.ts';
import { WorkflowService } from '../../../src/workflows/service/index.ts';
import { settle, startEnv, viaHosts, type Env } from './lab-fixture.ts';

let env: Env;
let registry: Registry;

function makeService(overrides: Partial<ConstructorParameters<typeof WorkflowService>[0]> = {}) {
  return new WorkflowService({
    store: env.fabric.store,
    poller: env.fabric.poller,
    registry,
    runnerFor: (spec) => {
      env.sentTo.push(spec.name);
      return env.fabric.ssh.get(spec);
    },
    settings: loadInventoryFile(env.lab.inventoryPath).workflows,
    operator: 'alice',
    verifyPollMs: 20,
    ...overrides,
  });
}

beforeAll(async () => {
  env = await startEnv();
  registry = openRegistry({ path: ':memory:' });
}, 180_000);
afterAll(async () => {
  registry?.close();
  await env?.close();
});

/** A workload created (and applied) on the first hypervisor, for a migration to the second. */
async function created(name: string) {
  const service = makeService();
  const host = env.hypervisors[0]!.name;
  const result = await service.apply(service.planCreate({ name, tenant: 'blue', host }));
  expect(result.status).toBe('applied');
  return { w: registry.workload(name)!, target: env.hypervisors[1]!.name };
}

/** The CLI printer's whole output for these events and result. */
function printed(events: readonly ExecEvent[], result: ExecResult, state: string): string {
  let out = '';
  const printer = new TimelinePrinter({
    write: (chunk: string) => ((out += chunk), true),
  } as unknown as NodeJS.WritableStream);
  for (const e of events) printer.event(e);
  printer.summary(result, state);
  return out;
}

const consoleText = (plan: Plan, events: readonly ExecEvent[]): string[] =>
  timelineLines(events.reduce(timelineReducer, initialTimeline(plan, 'apply', 0)), 0, false).map(
    (l) => l.text,
  );

describe('rollback that really retries', () => {
  it('the target drops during a step and stays down into the rollback: the undo is retried in order until it succeeds; the registry is back on the source', async () => {
    const { w, target } = await created('rr-web1');
    const service = makeService({ rollbackRetry: { forMs: 120_000, delayMs: 50, maxDelayMs: 400 } });
    const plan = service.planMigrate({ name: w.name, target });
    const events: ExecEvent[] = [];
    const result = await service.apply(plan, {
      onEvent: (e) => {
        events.push(e);
        // Down "for an hour" from the step on; back only once the undo was retried twice.
        if (e.type === 'step-start' && e.step === 'target-announce-preferred')
          env.lab.faults.dropSsh(target, MAX_FAULT_MS);
        if (e.type === 'rollback-retry' && e.attempt === 3) env.lab.faults.clear(target);
      },
    });
    expect(result.status, JSON.stringify(result.rollbacks)).toBe('rolled-back');
    expect(result.rollbacks.map((r) => [r.id, r.outcome])).toEqual([
      ['target-announce-preferred', 'ok'],
      ['target-guard', 'ok'],
      ['target-tap', 'ok'],
    ]);
    const retries = events.filter((e) => e.type === 'rollback-retry');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const r of retries) {
      expect(r).toMatchObject({ step: 'target-announce-preferred', device: target });
      expect(r.error).toContain(target);
    }
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 2));
    // Nothing after it was undone while it still failed.
    const undoOrder = events
      .filter((e) => e.type === 'rollback-start' || e.type === 'rollback-retry' || e.type === 'rollback-done')
      .map((e) => `${e.type}:${e.step}`);
    const firstOther = undoOrder.findIndex((x) => !x.endsWith(':target-announce-preferred'));
    expect(undoOrder.slice(0, firstOther).at(-1)).toBe('rollback-done:target-announce-preferred');
    expect(undoOrder.slice(firstOther).every((x) => !x.includes('retry'))).toBe(true);

    expect(registry.workload(w.name)).toMatchObject({ host: w.host, state: 'active' });
    expect(result.reason).toMatch(/^step target-announce-preferred on /);
    expect(result.next).toBeUndefined();
    const audit = registry.audit({ planId: plan.id });
    expect(audit.filter((a) => a.kind === 'rollback' && a.outcome === 'retry').length).toBe(retries.length);
    expect(audit.at(-1)).toMatchObject({ outcome: 'rolled-back' });
    await settle(env, 'source announcing alone', () =>
      viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === w.host),
    );

    const out = printed(events, result, 'active');
    expect(out).toContain(`rollback target-announce-preferred on ${target} retrying (attempt 2 in`);
    expect(out).toMatch(/rollback target-announce-preferred ok/);
    expect(out).toContain('Result: rolled-back.');
    expect(out).toContain('Reason: step target-announce-preferred on');
    expect(out).not.toContain('Next:');
    // The console, mid-retry: what is retried, where, which attempt and why.
    const midRetry = consoleText(plan, events.slice(0, events.indexOf(retries[0]!) + 1));
    expect(midRetry.some((l) => l.includes(`undo on ${target} failed, attempt 2 in`))).toBe(true);
    const after = consoleText(plan, events);
    expect(after.some((l) => /undone on attempt \d+/.test(l))).toBe(true);
  }, 300_000);

  it('an undo that can never succeed ends failed at the bound: later undos are not run; reason and `plan reconcile` are shown', async () => {
    const { w, target } = await created('rr-web2');
    const service = makeService({ rollbackRetry: { forMs: 400, delayMs: 50, maxDelayMs: 100 } });
    const plan = service.planMigrate({ name: w.name, target });
    const events: ExecEvent[] = [];
    const result = await service.apply(plan, {
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step-start' && e.step === 'target-announce-preferred')
          env.lab.faults.dropSsh(target, MAX_FAULT_MS);
      },
    });
    try {
      expect(result.status).toBe('failed');
      expect(result.rollbacks.map((r) => [r.id, r.outcome])).toEqual([
        ['target-announce-preferred', 'failed'],
        ['target-guard', 'skipped'],
        ['target-tap', 'skipped'],
      ]);
      expect(result.rollbacks[1]!.error).toMatch(
        /not undone: the undo of target-announce-preferred on .* failed first/,
      );
      // Never sent: no undo of the earlier steps started once the first one gave up.
      expect(events.filter((e) => e.type === 'rollback-start').map((e) => e.step)).toEqual([
        'target-announce-preferred',
      ]);
      expect(events.some((e) => e.type === 'rollback-retry')).toBe(true);
      expect(result.reason).toContain(`rollback of target-announce-preferred on ${target}`);
      expect(result.reason).toContain(
        `not undone after it: target-guard on ${target}, target-tap on ${target}`,
      );
      expect(result.next).toBe(`routedeck plan reconcile ${w.name}`);
      expect(registry.plan(plan.id)).toMatchObject({ status: 'failed', detail: result.reason });
      expect(events.at(-1)).toMatchObject({ type: 'done', status: 'failed', next: result.next });

      const state = registry.workload(w.name)!.state;
      const out = printed(events, result, state);
      expect(out).toContain('Result: failed.');
      expect(out).toContain(`Reason: step target-announce-preferred on ${target}`);
      expect(out).toContain(`Next: routedeck plan reconcile ${w.name}\n`);
      const lines = consoleText(plan, events);
      expect(lines).toContain(`Next: routedeck plan reconcile ${w.name}`);
      expect(lines.some((l) => l.startsWith('Reason: step target-announce-preferred'))).toBe(true);
      expect(lines.filter((l) => l.includes('not undone')).length).toBeGreaterThanOrEqual(2);
    } finally {
      env.lab.faults.clear(target);
    }
  }, 300_000);

  it('an undo whose effect is already in place (the route was removed by hand) says so and goes on: rolled back', async () => {
    const { w, target } = await created('rr-web4');
    // The test before left the target's SSH cut: wait until the poller reads it again.
    for (;;) {
      await env.fabric.poller.pollNow([target]);
      if (env.fabric.store.getState().devices[target]!.health === 'ok') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    let inject = true;
    const byHand = `sudo -n ip route del ${w.ipv4}/32 dev ${w.tap} vrf ${w.vrf} metric 512`;
    const service = makeService({
      runnerFor: (spec) => {
        env.sentTo.push(spec.name);
        const runner = env.fabric.ssh.get(spec);
        return {
          ...runner,
          // The source's withdraw fails; meanwhile someone deleted the target's elevated IPv4 route by hand.
          exec: async (command, options) => {
            if (!(inject && spec.name === w.host && / route del /.test(command)))
              return runner.exec(command, options);
            // Once: the make-before-break undo deletes the source's normal route (for the elevated one) too.
            inject = false;
            expect((await env.lab.fabric.device(target)!.exec(byHand)).code).toBe(0);
            return { code: 1, stdout: '', stderr: 'injected failure\n' };
          },
        } as typeof runner;
      },
    });
    const plan = service.planMigrate({ name: w.name, target });
    const events: ExecEvent[] = [];
    const result = await service.apply(plan, { onEvent: (e) => events.push(e) });
    inject = false;
    expect(result.status, result.reason).toBe('rolled-back');
    expect(result.rollbacks.every((r) => r.outcome === 'ok' || r.outcome === 'skipped')).toBe(true);
    const done = events.find(
      (e) => e.type === 'rollback-done' && e.step === 'target-announce-preferred',
    ) as Extract<ExecEvent, { type: 'rollback-done' }>;
    expect(done.outcome).toBe('ok');
    expect(done.already).toMatch(
      new RegExp(
        `^route already absent: \`sudo -n ip route del ${w.ipv4.replace(/\./g, '\\.')}/32 dev ${w.tap}.* metric 512\`$`,
      ),
    );
    expect(registry.workload(w.name)).toMatchObject({ host: w.host, state: 'active' });
    expect(printed(events, result, 'active')).toMatch(
      /rollback target-announce-preferred ok \(route already absent: `sudo -n ip route del /,
    );
    expect(
      consoleText(plan, events).some((l) => l.includes('route already absent: `sudo -n ip route del')),
    ).toBe(true);
    await settle(env, 'source announcing alone', () =>
      viaHosts(env, `${w.ipv4}/32`, w.vrf).every((h) => h === w.host),
    );
  }, 300_000);

  it('a bad retry bound is refused before anything is sent', async () => {
    const service = makeService();
    const plan = service.planCreate({ name: 'rr-web3', tenant: 'blue', host: env.hypervisors[0]!.name });
    const sent = env.sentTo.length;
    for (const bad of [{ forMs: -1 }, { forMs: 1.5 }, { forMs: 3_600_001 }, { delayMs: 0 }]) {
      const run = executePlan(plan, { ...env.deps('c-bad'), rollbackRetry: bad });
      await expect(run).rejects.toBeInstanceOf(RollbackRetryError);
      await expect(run).rejects.toThrow(
        /rollbackRetry\.\w+ must be a whole number of ms from \d+ to \d+, got /,
      );
    }
    expect(env.sentTo.length).toBe(sent);
    expect(env.registry.leases()).toEqual([]);
    expect(env.registry.plan(plan.id)).toBeUndefined();
    service.discard(plan.id);
  }, 180_000);
});
