/**
 * Floating IPs through the workflow service on the embedded lab (real SSH to the simulated
 * hypervisors, routers polled): attach, move across hosts and on one host, a VRRP-style pair's
 * failover, detach; the registry follows applied plans only; refusals send nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import type { ExecEvent } from '../../../src/workflows/execute/index.ts';
import {
  floatingIps,
  planFipAttach,
  planFipDetach,
  planFipMove,
  registerFloatingIps,
  WorkflowError,
  WorkflowService,
} from '../../../src/workflows/service/index.ts';
import { applyThrough, settle, startEnv, viaHosts, type Env } from '../execute/lab-fixture.ts';

let env: Env;
let service: WorkflowService;
const FIP = '198.51.100.250';
const FIP32 = `${FIP}/32`;
const PAIR = '198.51.100.251/32';

function makeService(overrides: Partial<ConstructorParameters<typeof WorkflowService>[0]> = {}) {
  const s = new WorkflowService({
    store: env.fabric.store,
    poller: env.fabric.poller,
    registry: env.registry,
    runnerFor: (spec) => {
      env.sentTo.push(spec.name);
      return env.fabric.ssh.get(spec);
    },
    settings: loadInventoryFile(env.lab.inventoryPath).workflows,
    operator: 'alice',
    verifyPollMs: 20,
    ...overrides,
  });
  registerFloatingIps(s);
  return s;
}

const holders = (address: string) =>
  env.registry
    .workloads()
    .filter((w) => w.extraAllowed.includes(address))
    .map((w) => w.name);
const fipAllocations = () =>
  env.registry
    .allocated({ tenant: 'acme' })
    .filter((a) => a.workload.startsWith('fip:'))
    .map((a) => `${a.address} ${a.workload}`);
const shape = () => ({
  workloads: env.registry.workloads(),
  plans: env.registry.plans().map((p) => [p.plan.id, p.status]),
  allocations: env.registry.allocated({ tenant: 'acme' }),
});
async function hostSays(host: string, command: string): Promise<string> {
  const r = await env.fabric.ssh.get(env.spec(host)).exec(command);
  return r.stdout;
}
const hostOf = (name: string) => env.registry.workload(name)!.host;
/** The TAPs a host's kernel routes an address to (not what it learnt by BGP), from `ip -j route show`. */
const routeDevs = (json: string, address: string): string[] =>
  (JSON.parse(json) as { dst: string; dev?: string }[])
    .filter((r) => (r.dst === address || r.dst === `${address}/32`) && r.dev?.startsWith('tap-'))
    .map((r) => r.dev!);

beforeAll(async () => {
  env = await startEnv();
  service = makeService();
  service.adoptLive();
}, 180_000);
afterAll(async () => {
  await env?.close();
});

describe('floating IPs on the embedded lab', () => {
  it('attach: routers see the /32 via the owner’s host, its TAP allows it, the registry records it', async () => {
    const w = env.registry.workload('acme-2')!;
    const plan = planFipAttach(service, { address: FIP, to: 'acme-2' });
    expect(plan.kind).toBe('floating-ip');
    // Planning writes nothing but the plan.
    expect(holders(FIP32)).toEqual([]);
    expect(fipAllocations()).toEqual([]);
    const result = await service.apply(plan);
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    expect(viaHosts(env, FIP32, 'default').every((h) => h === w.host)).toBe(true);
    expect(holders(FIP32)).toEqual(['acme-2']);
    expect(fipAllocations()).toEqual([`${FIP32} fip:${FIP32}`]);
    expect(await hostSays(w.host, 'sudo -n nft -j list ruleset')).toContain(FIP);
    expect(routeDevs(await hostSays(w.host, 'ip -j route show'), FIP)).toEqual(['tap-acme-2']);
    expect(floatingIps(service)).toEqual([
      expect.objectContaining({
        address: FIP32,
        owner: 'acme-2',
        holders: ['acme-2'],
        announcedBy: [w.host],
      }),
    ]);
  }, 180_000);

  it('move to a workload on another host: make-before-break, every router switches, the registry follows', async () => {
    const from = hostOf('acme-2');
    const to = hostOf('acme-4');
    expect(to).not.toBe(from);
    const plan = planFipMove(service, { address: FIP, to: 'acme-4' });
    const events: ExecEvent[] = [];
    const result = await service.apply(plan, { onEvent: (e) => events.push(e) });
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    expect(result.steps.map((s) => s.id)).toEqual([
      'target-guard',
      'target-announce-preferred',
      'source-withdraw',
      'source-guard',
      'target-normal-metric',
    ]);
    // The timeline: every router switched to the target while the source still announced.
    const preferred = result.steps.find((s) => s.id === 'target-announce-preferred')!;
    const switched = result.convergence.filter((c) => c.step === 'target-announce-preferred');
    expect(switched.map((c) => c.router).sort()).toEqual([...env.routers].sort());
    for (const c of switched) expect(c.at).toBeGreaterThanOrEqual(preferred.startedAt);
    expect(events.some((e) => e.type === 'command' && /metric 512/.test(e.command))).toBe(true);
    expect(viaHosts(env, FIP32, 'default').every((h) => h === to)).toBe(true);
    expect(holders(FIP32)).toEqual(['acme-4']);
    expect(await hostSays(from, 'sudo -n nft -j list ruleset')).not.toContain(FIP);
    expect(routeDevs(await hostSays(from, 'ip -j route show'), FIP)).toEqual([]);
    expect(routeDevs(await hostSays(to, 'ip -j route show'), FIP)).toEqual(['tap-acme-4']);
  }, 180_000);

  it('move to a workload on the same host: the TAP route swaps, the routers never leave the host', async () => {
    const host = hostOf('acme-4');
    expect(hostOf('acme-7')).toBe(host);
    const plan = planFipMove(service, { address: FIP, to: 'acme-7' });
    expect(plan.routeChanges).toEqual([]);
    const seen = new Set<string>();
    const result = await service.apply(plan, {
      onEvent: () => {
        for (const h of viaHosts(env, FIP32, 'default')) seen.add(h);
      },
    });
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    expect([...seen]).toEqual([host]);
    const announcers = env.fabric.store.getState().workloads.find((w) => w.prefix === FIP32)!.announcers;
    // The normal metric again (0: ip -j leaves it out), not the elevated 512.
    expect(announcers.map((a) => `${a.host} ${a.interface} ${a.metric ?? 0}`)).toEqual([
      `${host} tap-acme-7 0`,
    ]);
    expect(routeDevs(await hostSays(host, 'ip -j route show'), FIP)).toEqual(['tap-acme-7']);
    expect(holders(FIP32)).toEqual(['acme-7']);
  }, 180_000);

  it('refuses bad requests with a clear error, sending nothing and changing nothing', () => {
    const before = shape();
    const sent = env.sentTo.length;
    const refusals: [() => unknown, RegExp][] = [
      [() => planFipAttach(service, { address: FIP, to: 'acme-1' }), /already attached \(to acme-7\)/],
      [
        () => planFipAttach(service, { address: '203.0.113.9', to: 'acme-1' }),
        /outside tenant acme's IPv4 pools/,
      ],
      [
        () => planFipAttach(service, { address: '198.51.100.999', to: 'acme-1' }),
        /not an IPv4 or IPv6 address/,
      ],
      [() => planFipAttach(service, { address: '198.51.100.10', to: 'acme-2' }), /allocated to acme-1/],
      [() => planFipAttach(service, { address: '198.51.100.0/24', to: 'acme-2' }), /not a network/],
      [() => planFipAttach(service, { address: '198.51.100.249', to: 'nope' }), /no workload "nope"/],
      [
        () => planFipAttach(service, { address: '198.51.100.249', to: 'acme-1', peer: 'blue-1' }),
        /blue-1 is in tenant blue \(VRF blue\); floating IP 198.51.100.249\/32 belongs to tenant acme/,
      ],
      [() => planFipMove(service, { address: FIP, to: 'blue-2' }), /tenant blue/],
      [() => planFipMove(service, { address: FIP, to: 'acme-7' }), /already on acme-7/],
      [
        () => planFipMove(service, { address: '198.51.100.249', to: 'acme-1' }),
        /is not attached to any workload/,
      ],
      [() => planFipDetach(service, { address: '198.51.100.249' }), /is not attached to any workload/],
    ];
    for (const [fn, message] of refusals) {
      expect(fn).toThrow(WorkflowError);
      expect(fn).toThrow(message);
    }
    expect(shape()).toEqual(before);
    expect(env.sentTo.length).toBe(sent);
  });

  it('a move whose target SSH drops is rolled back; the registry and the routers stay as they were', async () => {
    const host = hostOf('acme-7');
    const target = hostOf('acme-3');
    const before = env.registry.workloads();
    const plan = planFipMove(service, { address: FIP, to: 'acme-3' });
    const svc = makeService({ rollbackRetry: { attempts: 10, delayMs: 200 } });
    const result = await svc.apply(plan, {
      onEvent: (e) => {
        if (e.type === 'step-start' && e.step === 'target-announce-preferred')
          env.lab.faults.dropSsh(target, 500);
      },
    });
    expect(result.status).toBe('rolled-back');
    expect(env.registry.workloads()).toEqual(before);
    await settle(env, 'routers back on the owner', () =>
      viaHosts(env, FIP32, 'default').every((h) => h === host),
    );
  }, 180_000);

  it('a VRRP-style pair: both allowed, the owner routes it; failover moves the route only; detach removes both', async () => {
    const a = 'acme-3';
    const b = 'acme-1';
    expect(hostOf(a)).not.toBe(hostOf(b));
    const attach = await service.apply(planFipAttach(service, { address: PAIR, to: a, peer: b }));
    expect(attach.status, JSON.stringify(attach.steps)).toBe('applied');
    expect(holders(PAIR).sort()).toEqual([a, b].sort());
    expect(viaHosts(env, PAIR, 'default').every((h) => h === hostOf(a))).toBe(true);
    const bHostNft = await hostSays(hostOf(b), 'sudo -n nft -j list ruleset');
    expect(bHostNft).toContain('198.51.100.251');
    expect(routeDevs(await hostSays(hostOf(b), 'ip -j route show'), '198.51.100.251')).toEqual([]);

    expect(() => planFipMove(service, { address: PAIR, to: 'acme-5' })).toThrow(
      /can fail over to acme-1 only/,
    );
    const failover = planFipMove(service, { address: PAIR, to: b });
    expect(failover.steps.map((s) => s.id)).toEqual([
      'target-announce-preferred',
      'source-withdraw',
      'target-normal-metric',
    ]);
    const moved = await service.apply(failover);
    expect(moved.status, JSON.stringify(moved.steps)).toBe('applied');
    expect(viaHosts(env, PAIR, 'default').every((h) => h === hostOf(b))).toBe(true);
    expect(holders(PAIR).sort()).toEqual([a, b].sort());
    expect(floatingIps(service).find((f) => f.address === PAIR)).toMatchObject({ owner: b });
    // Still allowed on the standby, so it can take it back.
    expect(await hostSays(hostOf(a), 'sudo -n nft -j list ruleset')).toContain('198.51.100.251');

    const detached = await service.apply(planFipDetach(service, { address: PAIR }));
    expect(detached.status, JSON.stringify(detached.steps)).toBe('applied');
    expect(holders(PAIR)).toEqual([]);
    expect(viaHosts(env, PAIR, 'default')).toEqual(env.routers.map(() => 'none'));
    for (const h of [hostOf(a), hostOf(b)])
      expect(await hostSays(h, 'sudo -n nft -j list ruleset')).not.toContain('198.51.100.251');
  }, 300_000);

  it('an IPv6 floating /128 is announced too (hypervisor prefix-lists allow ge 64), then detached', async () => {
    const w = env.registry.workload('acme-3')!;
    const fip6 = '2001:db8:a:ff::50';
    const attach = await service.apply(planFipAttach(service, { address: fip6, to: 'acme-3' }));
    expect(attach.status, JSON.stringify(attach.steps)).toBe('applied');
    expect(viaHosts(env, `${fip6}/128`, 'default').every((h) => h === w.host)).toBe(true);
    const detach = await service.apply(planFipDetach(service, { address: fip6 }));
    expect(detach.status, JSON.stringify(detach.steps)).toBe('applied');
    await settle(env, 'the /128 withdrawn', () =>
      viaHosts(env, `${fip6}/128`, 'default').every((h) => h === 'none'),
    );
  }, 180_000);

  it('detach: routers lose it, the allocation is freed, the owner no longer allows it', async () => {
    const host = hostOf('acme-7');
    const result = await service.apply(planFipDetach(service, { address: FIP }));
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    expect(viaHosts(env, FIP32, 'default')).toEqual(env.routers.map(() => 'none'));
    expect(holders(FIP32)).toEqual([]);
    expect(fipAllocations()).toEqual([]);
    expect(await hostSays(host, 'sudo -n nft -j list ruleset')).not.toContain(FIP);
    expect(floatingIps(service)).toEqual([]);
  }, 180_000);

  it('a plan whose workload moved since it was made is refused before anything is sent (issue 13)', async () => {
    const plan = planFipAttach(service, { address: '198.51.100.248', to: 'acme-1' });
    const w = env.registry.workload('acme-1')!;
    const elsewhere = w.host === 'hv2' ? 'hv3' : 'hv2';
    // Another plan moved acme-1 (as its record says) between planning and applying.
    env.registry.putWorkload({ ...w, host: elsewhere });
    const before = shape();
    const sent = env.sentTo.length;
    await expect(service.apply(plan)).rejects.toThrow(
      `plan ${plan.id} was planned against ${w.host}, but acme-1 is now on ${elsewhere}: ` +
        'plan again (routedeck plan fip attach 198.51.100.248/32 --to acme-1); nothing was sent',
    );
    expect(shape()).toEqual(before);
    expect(env.sentTo.length).toBe(sent);
    env.registry.putWorkload(w);
    service.discard(plan.id);
  });
  it('two consoles changing one floating IP at once: the second is refused naming the first plan, and sends nothing', async () => {
    const ADDR = '198.51.100.247';
    expect((await service.apply(planFipAttach(service, { address: ADDR, to: 'acme-2' }))).status).toBe(
      'applied',
    );
    const elsewhere = ['acme-4', 'acme-7', 'acme-3'].find((n) => hostOf(n) !== hostOf('acme-2'))!;
    const sentByB: string[] = [];
    const consoleB = makeService({
      console: { id: 'console-B', pid: process.pid, host: 'jump2' },
      runnerFor: (spec) => {
        sentByB.push(spec.name);
        return env.fabric.ssh.get(spec);
      },
    });
    const planA = planFipMove(service, { address: ADDR, to: elsewhere });
    const planB = planFipMove(consoleB, { address: ADDR, to: 'acme-1' });
    // B applies once A's target announces the address (as when B's poll is the slower): B names A's
    // plan, not the announcement A made ("now announced by …").
    const first = applyThrough(service, planA, 'target-announce-preferred');
    await first.reached;
    const before = shape();
    await expect(consoleB.apply(planB)).rejects.toThrow(
      new RegExp(
        `fip:${ADDR.replaceAll('.', '\\.')}/32 is being changed by plan ${planA.id} .*refusing to apply; nothing was sent`,
      ),
    );
    expect(sentByB).toEqual([]);
    expect((await first.done).status).toBe('applied');
    expect(holders(`${ADDR}/32`)).toEqual([elsewhere]);
    expect(shape().allocations).toEqual(before.allocations);
    consoleB.discard(planB.id);
    expect((await service.apply(planFipDetach(service, { address: ADDR }))).status).toBe('applied');
  }, 180_000);
});
