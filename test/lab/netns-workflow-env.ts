/**
 * Drives the workflow planners and executor on the netns lab through the production transports
 * (openFabric on the lab's inventory: real SSH to real FRR). Shared by test/lab/workflow-netns.test.ts
 * and bench/migration.ts; no vitest here.
 */
import { hostname } from 'node:os';
import { nextFreeIpv4, nextFreeIpv6Prefix } from '../../src/addr/ipam.ts';
import { openFabric, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile, type Inventory } from '../../src/inventory/load.ts';
import {
  attachGuest,
  detachGuest,
  firstInstalled,
  labNamespace,
  startPing,
  startRouteMonitor,
  WORKLOADS,
  type NetnsLabInfo,
  type PingStats,
} from '../../src/lab/netns/index.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import type { Plan, WorkloadRecord } from '../../src/model/plan.ts';
import type { TenantSpec } from '../../src/model/workload.ts';
import { openRegistry, type Registry } from '../../src/registry/index.ts';
import {
  executePlan,
  type ExecDeps,
  type ExecEvent,
  type ExecResult,
} from '../../src/workflows/execute/index.ts';
import { planCreate, planDecommission, planMigrate } from '../../src/workflows/plan/index.ts';

export interface NetnsEnv {
  lab: NetnsLabInfo;
  inventory: Inventory;
  fabric: Fabric;
  registry: Registry;
  routers: string[];
  spec(name: string): DeviceSpec;
  tenant(name: string): TenantSpec;
  deps(): ExecDeps;
  close(): Promise<void>;
}

export async function openNetnsEnv(lab: NetnsLabInfo): Promise<NetnsEnv> {
  const inventory = loadInventoryFile(lab.inventoryPath);
  const fabric = openFabric(inventory, { kind: 'lab-netns', label: 'LAB netns (real FRR)' });
  await fabric.poller.pollNow();
  const registry = openRegistry({ path: ':memory:' });
  const spec = (name: string): DeviceSpec => {
    const found = inventory.devices.find((d) => d.name === name);
    if (!found) throw new Error(`no device ${name}`);
    return found;
  };
  return {
    lab,
    inventory,
    fabric,
    registry,
    routers: inventory.devices.filter((d) => d.role === 'router').map((d) => d.name),
    spec,
    tenant: (name) => {
      const found = inventory.tenants.find((t) => t.name === name);
      if (!found) throw new Error(`no tenant ${name}`);
      return found;
    },
    deps: () => ({
      runnerFor: (device) => fabric.ssh.get(spec(device)),
      store: fabric.store,
      poller: fabric.poller,
      registry,
      operator: 'netns-lab',
      console: { id: `netns-${process.pid}`, pid: process.pid, host: hostname() },
    }),
    close: async () => {
      registry.close();
      await fabric.close();
    },
  };
}

/** Hosts announcing a prefix, per the store (hypervisors polled). */
function announcedBy(env: NetnsEnv, prefix: string, vrf: string): string[] {
  const entry = env.fabric.store.getState().workloads.find((w) => w.vrf === vrf && w.prefix === prefix);
  return entry?.announcers.map((a) => a.host) ?? [];
}

/** Which host each router uses for a prefix, per the store (`none` when it has no route). */
export function viaHosts(env: NetnsEnv, prefix: string, vrf = 'default'): string[] {
  const entry = env.fabric.store.getState().workloads.find((w) => w.vrf === vrf && w.prefix === prefix);
  return env.routers.map((router) => {
    const views = entry?.seenBy.filter((v) => v.router === router) ?? [];
    const view = views.find((v) => v.selected) ?? views[0];
    return view ? (view.nexthops[0]?.viaHost ?? '?') : 'none';
  });
}

/** A new workload in a tenant on the next addresses neither the lab nor the fabric uses. */
export function newWorkload(env: NetnsEnv, tenantName: string, name: string, host: string): WorkloadRecord {
  const tenant = env.tenant(tenantName);
  const vrf = tenant.vrf ?? 'default';
  const lab = WORKLOADS.filter((w) => w.tenant === tenantName);
  const announced = env.fabric.store
    .getState()
    .workloads.filter((w) => w.vrf === vrf)
    .map((w) => w.prefix);
  const v4 = new Set(announced.filter((p) => !p.includes(':')));
  const v6 = new Set(announced.filter((p) => p.includes(':')));
  return {
    name,
    tenant: tenantName,
    vrf,
    host,
    tap: `tap-${name}`,
    ipv4: nextFreeIpv4(tenant.pools4[0]!, new Set(lab.map((w) => w.ipv4)), v4),
    ipv6Prefix: nextFreeIpv6Prefix(tenant.pools6[0]!, new Set(lab.map((w) => w.ipv6Prefix)), v6),
    extraAllowed: [],
    state: 'planned',
  };
}

const meta = (id: string) => ({ id, operator: 'netns-lab', now: new Date() });
let planSeq = 0;
const planId = (kind: string): string => `${kind}-${process.pid}-${++planSeq}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function target(env: NetnsEnv, w: WorkloadRecord): Omit<Parameters<typeof planCreate>[0], 'host' | 'mac'> {
  return {
    tenant: env.tenant(w.tenant),
    workload: w,
    routers: env.routers,
    live: { announcedBy: (prefix, vrf) => announcedBy(env, prefix, vrf) },
    manageTap: env.inventory.workflows.manageTap,
  };
}

/** The compute layer makes the guest's leg on its host, then the create plan attaches it to the network. */
export async function createGuest(
  env: NetnsEnv,
  w: WorkloadRecord,
): Promise<{ plan: Plan; result: ExecResult }> {
  await attachGuest(
    { name: w.name, host: w.host, tap: w.tap, ipv4: w.ipv4, ipv6Prefix: w.ipv6Prefix },
    {
      dir: env.lab.dir,
    },
  );
  await env.fabric.poller.pollNow();
  const plan = planCreate(
    { ...target(env, w), host: env.spec(w.host), mac: '52:54:00:00:0a:01' },
    meta(planId('create')),
  );
  return { plan, result: await executePlan(plan, env.deps()) };
}

export interface MigrationRun {
  plan: Plan;
  result: ExecResult;
  mode: 'make-before-break' | 'break-before-make';
  ping: PingStats;
  /**
   * Per router and prefix, ms from the announcing step's start: `verifiedMs`, to the executor seeing
   * the router use the target (ExecResult.convergence, as fine as the executor's polling); `fibMs`, to
   * the router's kernel installing the route towards the target (`ip monitor route`; null: not seen);
   * `fibAfterCommandMs`, the same counted from when the hypervisor's `ip route add` for that prefix
   * returned over SSH (FRR's share alone, comparable with the reference's ~125 ms).
   */
  convergence: {
    router: string;
    prefix: string;
    verifiedMs: number | null;
    fibMs: number | null;
    fibAfterCommandMs: number | null;
  }[];
  /** First step's start to last step's end (ms). */
  totalMs: number;
}

/** The guest gets a leg on the target (the compute layer's part), then the migration is planned. */
export async function prepareMigration(
  env: NetnsEnv,
  w: WorkloadRecord,
  to: string,
  breakBeforeMake: boolean,
): Promise<Plan> {
  const leg = { name: w.name, host: to, tap: w.tap, ipv4: w.ipv4, ipv6Prefix: w.ipv6Prefix };
  await attachGuest(leg, { dir: env.lab.dir });
  await env.fabric.poller.pollNow();
  return planMigrate(
    {
      ...target(env, w),
      source: env.spec(w.host),
      target: env.spec(to),
      breakBeforeMake,
      computeHook: env.inventory.workflows.computeHook,
    },
    meta(planId('migrate')),
  );
}

/**
 * A live migration as the lab's compute layer does it: the guest gets a leg on the target, a
 * ping runs every `pingIntervalMs` from `pingFrom` (a lab workload namespace) to the guest's IPv4,
 * the plan runs (its compute hook moves the guest's default routes), then the source leg goes.
 */
export async function migrateGuest(
  env: NetnsEnv,
  w: WorkloadRecord,
  to: string,
  opts: { breakBeforeMake: boolean; pingFrom: string; pingIntervalMs?: number; settleMs?: number },
): Promise<MigrationRun> {
  const plan = await prepareMigration(env, w, to, opts.breakBeforeMake);
  const settle = opts.settleMs ?? 300;
  const monitors = env.routers.map((router) => ({ router, monitor: startRouteMonitor(router) }));
  const ping = startPing(labNamespace(opts.pingFrom), w.ipv4, { intervalMs: opts.pingIntervalMs ?? 5 });
  const events: ExecEvent[] = [];
  const stopAll = () => Promise.all([ping.stop(), ...monitors.map((m) => m.monitor.stop())]);
  let result: ExecResult;
  try {
    await sleep(settle);
    result = await executePlan(plan, { ...env.deps(), onEvent: (e) => events.push(e) });
    await sleep(settle);
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  const [stats, ...routeEvents] = await stopAll();
  if (result.status === 'applied') await detachGuest({ host: w.host, tap: w.tap });

  const announceStep = opts.breakBeforeMake ? 'target-announce' : 'target-announce-preferred';
  const start = result.steps.find((s) => s.id === announceStep)?.startedAt;
  // The announcing step's commands are `ip route add` for the /32, then for the /64.
  const routeAdded = events.flatMap((e) =>
    e.type === 'command' && e.step === announceStep && e.code === 0 && /\broute add\b/.test(e.command)
      ? [e.at]
      : [],
  );
  const convergence =
    start === undefined
      ? []
      : env.routers.flatMap((router, i) =>
          [`${w.ipv4}/32`, w.ipv6Prefix].map((prefix, family) => {
            const verified = result.convergence.find(
              (c) => c.step === announceStep && c.router === router && c.prefix === prefix,
            );
            const fib = firstInstalled(routeEvents[i] ?? [], router, prefix, to, start);
            return {
              router,
              prefix,
              verifiedMs: verified ? verified.at - start : null,
              fibMs: fib !== null ? fib - start : null,
              fibAfterCommandMs:
                fib !== null && routeAdded[family] !== undefined ? fib - routeAdded[family] : null,
            };
          }),
        );
  const first = result.steps[0]?.startedAt ?? 0;
  return {
    plan,
    result,
    mode: opts.breakBeforeMake ? 'break-before-make' : 'make-before-break',
    ping: stats,
    convergence,
    totalMs: (result.steps.at(-1)?.endedAt ?? first) - first,
  };
}

/** The decommission plan withdraws and cleans up; then the compute layer removes the guest's leg. */
export async function decommissionGuest(
  env: NetnsEnv,
  w: WorkloadRecord,
): Promise<{ plan: Plan; result: ExecResult }> {
  await env.fabric.poller.pollNow();
  const plan = planDecommission({ ...target(env, w), host: env.spec(w.host) }, meta(planId('decommission')));
  const result = await executePlan(plan, env.deps());
  if (result.status === 'applied') await detachGuest({ host: w.host, tap: w.tap });
  return { plan, result };
}
