/**
 * Issue 15 item 5 on real FRR: a make-before-break migration whose console dies in its announce step
 * (right after the target's first metric-512 route) is resumed, and another is rolled back, while a
 * workload on hv3 pings the guest every 5 ms. Both recoveries are make-before-break, so no packet may
 * be lost; how long the gaps are is measured by `npm run bench -- resume-loss`, not judged here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireNetnsLock, netnsCanRun, netnsDown, netnsUp, removeGuest } from '../../src/lab/netns/index.ts';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import { killAndRecover } from './netns-recovery.ts';
import {
  createGuest,
  decommissionGuest,
  newWorkload,
  openNetnsEnv,
  viaHosts,
  type NetnsEnv,
} from './netns-workflow-env.ts';

const can = netnsCanRun();
if (!can.ok && process.env['ROUTEDECK_REQUIRE_LAB'] === '1') {
  describe('recovery on the netns lab', () => {
    it('can run here (ROUTEDECK_REQUIRE_LAB=1)', () =>
      expect.fail(`netns lab required but cannot run: ${can.reason}`));
  });
}

let releaseLock: (() => void) | undefined;

describe.skipIf(!can.ok)('recovering a migration killed in its announce step (real FRR)', () => {
  let parent = '';
  let dir = '';
  let env: NetnsEnv;
  let w: WorkloadRecord;

  beforeAll(async () => {
    // One lab per machine: wait for any other run holding it.
    releaseLock = await acquireNetnsLock();
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-resume-'));
    dir = path.join(parent, 'lab');
    env = await openNetnsEnv(await netnsUp({ dir }));
    w = newWorkload(env, 'acme', 'acme-rs1', 'hv1');
    const { result } = await createGuest(env, w);
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    w = { ...w, state: 'active' };
  }, 900_000);

  afterAll(async () => {
    if (env && w) await decommissionGuest(env, w).catch(() => undefined);
    await removeGuest('acme-rs1', { dir }).catch(() => undefined);
    await env?.close();
    await netnsDown({ dir });
    await rm(parent, { recursive: true, force: true });
    releaseLock?.();
  }, 180_000);

  const routersVia = async (): Promise<string[]> => {
    await env.fabric.poller.pollNow();
    return [`${w.ipv4}/32`, w.ipv6Prefix].flatMap((p) => viaHosts(env, p));
  };

  it('apply --resume re-runs the interrupted announce: on hv2, 0 packets lost', async () => {
    const run = await killAndRecover(env, w, 'hv2', 'resume', 'acme-3');
    console.log(
      `resume: ${run.transmitted} sent, ${run.lost} lost, largest gap ${run.maxGapMs.toFixed(1)} ms`,
    );
    expect(run.result.status, run.result.reason).toBe('applied');
    w = { ...w, host: 'hv2' };
    expect(run.transmitted).toBeGreaterThan(100);
    expect(run.lost).toBe(0);
    expect(await routersVia()).toEqual(['hv2', 'hv2', 'hv2', 'hv2']);
  }, 300_000);

  it('apply --rollback hands back to the source before the target withdraws: on hv2 still, 0 packets lost', async () => {
    const run = await killAndRecover(env, w, 'hv1', 'rollback', 'acme-3');
    console.log(
      `rollback: ${run.transmitted} sent, ${run.lost} lost, largest gap ${run.maxGapMs.toFixed(1)} ms`,
    );
    expect(run.result.status, run.result.reason).toBe('rolled-back');
    expect(run.result.rollbacks.find((r) => r.id === 'target-announce-preferred')?.outcome).toBe('ok');
    expect(run.transmitted).toBeGreaterThan(100);
    expect(run.lost).toBe(0);
    expect(await routersVia()).toEqual(['hv2', 'hv2', 'hv2', 'hv2']);
  }, 300_000);
});
