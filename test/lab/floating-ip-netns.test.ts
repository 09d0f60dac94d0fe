/**
 * Issue 8, floating IPs on real FRR: a failover address moves between the lab's workloads on hv1
 * and hv2 (acme-1, acme-2) while acme-3 on hv3 pings it every 5 ms, through the workflow
 * service (plans over real SSH, verified on the routers' tables). Both guests hold the address on
 * lo, as a VRRP pair or a Hetzner floating IP requires, so the network alone decides who answers;
 * an nft counter on the address in each guest shows who did.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireNetnsLock,
  firstInstalled,
  labNamespace,
  netnsCanRun,
  netnsDown,
  netnsUp,
  runInNamespace,
  startPing,
  startRouteMonitor,
  tryRunInNamespace,
  vtysh,
  type PingStats,
} from '../../src/lab/netns/index.ts';
import type { ExecResult } from '../../src/workflows/execute/index.ts';
import {
  floatingIps,
  planFipAttach,
  planFipDetach,
  planFipMove,
  registerFloatingIps,
  WorkflowService,
} from '../../src/workflows/service/index.ts';
import { openNetnsEnv, viaHosts, type NetnsEnv } from './netns-workflow-env.ts';

const can = netnsCanRun();
if (!can.ok && process.env['ROUTEDECK_REQUIRE_LAB'] === '1') {
  describe('floating IPs on the netns lab', () => {
    it('can run here (ROUTEDECK_REQUIRE_LAB=1)', () =>
      expect.fail(`netns lab required but cannot run: ${can.reason}`));
  });
}

const FIP = '198.51.100.200';
const FIP32 = `${FIP}/32`;
// The lab's workloads: the registry adopts them under the same names as their guests' (rd-<name>).
const GUESTS = { 'acme-1': 'acme-1', 'acme-2': 'acme-2' } as const;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let releaseLock: (() => void) | undefined;

describe.skipIf(!can.ok)('floating IPs on the netns lab (real FRR over real SSH)', () => {
  let parent = '';
  let dir = '';
  let env: NetnsEnv;
  let service: WorkflowService;

  beforeAll(async () => {
    releaseLock = await acquireNetnsLock();
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-fip-'));
    dir = path.join(parent, 'lab');
    env = await openNetnsEnv(await netnsUp({ dir }));
    service = new WorkflowService({
      store: env.fabric.store,
      poller: env.fabric.poller,
      registry: env.registry,
      runnerFor: (spec) => env.fabric.ssh.get(spec),
      settings: env.inventory.workflows,
      operator: 'netns-lab',
    });
    registerFloatingIps(service);
    service.adoptLive();
    // Both guests own the address (on lo) and count what reaches it.
    for (const guest of Object.values(GUESTS)) {
      const ns = labNamespace(guest);
      await runInNamespace(ns, ['ip', 'addr', 'add', FIP32, 'dev', 'lo']);
      await runInNamespace(ns, ['nft', 'add', 'table', 'inet', 'fipcount']);
      await runInNamespace(ns, [
        'nft',
        'add chain inet fipcount in { type filter hook input priority 0; policy accept; }',
      ]);
      await runInNamespace(ns, [
        'nft',
        'add',
        'rule',
        'inet',
        'fipcount',
        'in',
        'ip',
        'daddr',
        FIP,
        'counter',
      ]);
    }
  }, 900_000);

  afterAll(async () => {
    await env?.close();
    await netnsDown({ dir });
    await rm(parent, { recursive: true, force: true });
    releaseLock?.();
  }, 180_000);

  /** Packets that reached the address in each guest. */
  async function counters(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [name, guest] of Object.entries(GUESTS)) {
      const text = await runInNamespace(labNamespace(guest), [
        'nft',
        'list',
        'chain',
        'inet',
        'fipcount',
        'in',
      ]);
      out[name] = Number(/counter packets (\d+)/.exec(text)?.[1] ?? NaN);
    }
    return out;
  }
  const routersVia = () => viaHosts(env, FIP32);

  async function pingedMove(to: keyof typeof GUESTS, target: string) {
    const plan = planFipMove(service, { address: FIP, to });
    const monitors = env.routers.map((router) => ({ router, monitor: startRouteMonitor(router) }));
    const ping = startPing(labNamespace('acme-3'), FIP, { intervalMs: 5 });
    let result: ExecResult;
    try {
      await sleep(300);
      result = await service.apply(plan);
      await sleep(300);
    } catch (error) {
      await Promise.all([ping.stop(), ...monitors.map((m) => m.monitor.stop())]).catch(() => undefined);
      throw error;
    }
    const [stats, ...routeEvents] = (await Promise.all([
      ping.stop(),
      ...monitors.map((m) => m.monitor.stop()),
    ])) as [PingStats, ...Awaited<ReturnType<ReturnType<typeof startRouteMonitor>['stop']>>[]];
    const start = result.steps.find((s) => s.id === 'target-announce-preferred')?.startedAt ?? 0;
    const fibMs = env.routers.map((router, i) => {
      const at = firstInstalled(routeEvents[i] ?? [], router, FIP32, target, start);
      return at === null ? null : at - start;
    });
    const verifiedMs = env.routers.map((router) => {
      const c = result.convergence.find((x) => x.step === 'target-announce-preferred' && x.router === router);
      return c ? c.at - start : null;
    });
    console.log(
      `floating IP → ${to} (${target}): ${stats.transmitted} sent, ${stats.received} received, ${stats.lost} lost, ` +
        `largest gap ${stats.maxGapMs.toFixed(1)} ms; ` +
        env.routers
          .map((r, i) => `${r} FIB ${fibMs[i]?.toFixed(0)} ms, verified ${verifiedMs[i]} ms`)
          .join('; '),
    );
    return { plan, result, stats, fibMs, verifiedMs };
  }

  it('attaches the address to acme-1 on hv1: both routers use hv1, acme-3 reaches it', async () => {
    const plan = planFipAttach(service, { address: FIP, to: 'acme-1' });
    const result = await service.apply(plan);
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    expect(routersVia()).toEqual(['hv1', 'hv1']);
    for (const router of env.routers) {
      const table = JSON.parse(await vtysh(router, `show ip route ${FIP32} json`)) as Record<string, unknown>;
      expect(table[FIP32], router).toBeDefined();
    }
    expect(env.registry.workload('acme-1')!.extraAllowed).toEqual([FIP32]);
    const hv1 = await runInNamespace(labNamespace('hv1'), [
      'nft',
      'list',
      'set',
      'inet',
      'vmguard',
      'allow4',
    ]);
    expect(hv1).toMatch(new RegExp(`"tap-acme-1" \\. ${FIP.replaceAll('.', '\\.')}`));
    const before = await counters();
    const r = await tryRunInNamespace(labNamespace('acme-3'), [
      'ping',
      '-c',
      '5',
      '-i',
      '0.2',
      '-W',
      '2',
      FIP,
    ]);
    expect(r.stdout, r.stderr).toMatch(/5 received/);
    const after = await counters();
    expect(after['acme-1']! - before['acme-1']!).toBe(5);
    expect(after['acme-2']).toBe(before['acme-2']);
  }, 180_000);

  it('moves it to acme-2 on hv2 under a 5 ms ping from hv3: 0 lost, and acme-2 answers afterwards', async () => {
    const run = await pingedMove('acme-2', 'hv2');
    expect(run.result.status, JSON.stringify(run.result.steps)).toBe('applied');
    expect(run.stats.transmitted).toBeGreaterThan(100);
    expect(run.stats.lost).toBe(0);
    expect(run.stats.received).toBeGreaterThanOrEqual(run.stats.transmitted - 1);
    expect(routersVia()).toEqual(['hv2', 'hv2']);
    for (const ms of run.fibMs) expect(ms).not.toBeNull();
    for (const ms of run.verifiedMs) expect(ms).not.toBeNull();
    // The registry follows: acme-2 holds it, acme-1 no longer does; hv1 no longer allows it.
    expect(env.registry.workload('acme-2')!.extraAllowed).toEqual([FIP32]);
    expect(env.registry.workload('acme-1')!.extraAllowed).toEqual([]);
    expect(floatingIps(service)).toEqual([
      expect.objectContaining({ owner: 'acme-2', announcedBy: ['hv2'] }),
    ]);
    const hv1 = await runInNamespace(labNamespace('hv1'), [
      'nft',
      'list',
      'set',
      'inet',
      'vmguard',
      'allow4',
    ]);
    expect(hv1).not.toContain(FIP);
    // Now acme-2 answers, not acme-1.
    const before = await counters();
    const r = await tryRunInNamespace(labNamespace('acme-3'), [
      'ping',
      '-c',
      '5',
      '-i',
      '0.2',
      '-W',
      '2',
      FIP,
    ]);
    expect(r.stdout, r.stderr).toMatch(/5 received/);
    const after = await counters();
    expect(after['acme-2']! - before['acme-2']!).toBe(5);
    expect(after['acme-1']).toBe(before['acme-1']);
  }, 180_000);

  it('moves it back to acme-1 the same way: 0 lost again', async () => {
    const run = await pingedMove('acme-1', 'hv1');
    expect(run.result.status, JSON.stringify(run.result.steps)).toBe('applied');
    expect(run.stats.transmitted).toBeGreaterThan(100);
    expect(run.stats.lost).toBe(0);
    expect(routersVia()).toEqual(['hv1', 'hv1']);
  }, 180_000);

  it('detaches it: both routers lose the /32, hv1 no longer routes or allows it', async () => {
    const result = await service.apply(planFipDetach(service, { address: FIP }));
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    await env.fabric.poller.pollNow();
    expect(routersVia()).toEqual(['none', 'none']);
    for (const router of env.routers) {
      const v4 = JSON.parse(await vtysh(router, 'show ip route json')) as Record<string, unknown>;
      expect(v4[FIP32], router).toBeUndefined();
    }
    const hv1 = await runInNamespace(labNamespace('hv1'), ['ip', 'route', 'show', FIP32]);
    expect(hv1.trim()).toBe('');
    expect(env.registry.allocated({ tenant: 'acme' }).map((a) => a.workload)).not.toContain(`fip:${FIP32}`);
  }, 180_000);
});
