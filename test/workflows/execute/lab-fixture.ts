import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { nextFreeIpv4, nextFreeIpv6Prefix } from '../../../src/addr/ipam.ts';
import { openFabric, type Fabric } from '../../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { startSimLab, type SimLab, type SimLabOptions } from '../../../src/lab/sim/lab.ts';
import type { DeviceSpec } from '../../../src/model/device.ts';
import type { Plan, WorkloadRecord } from '../../../src/model/plan.ts';
import type { TenantSpec } from '../../../src/model/workload.ts';
import { openRegistry, type Registry } from '../../../src/registry/index.ts';
import type { ExecDeps, ExecEvent, ExecResult } from '../../../src/workflows/execute/index.ts';
import type { WorkflowService } from '../../../src/workflows/service/index.ts';

export interface Env {
  /** The lab's parent dir (`ROUTEDECK_LAB_DIR` for the CLI when the lab writes its state). */
  dir: string;
  lab: SimLab;
  fabric: Fabric;
  registry: Registry;
  routers: string[];
  hypervisors: DeviceSpec[];
  spec(name: string): DeviceSpec;
  tenant(name: string): TenantSpec;
  /** Devices a runner was handed out for, in order (to prove nothing was sent). */
  sentTo: string[];
  deps(consoleId: string, events?: ExecEvent[]): ExecDeps;
  close(): Promise<void>;
}

export async function startEnv(opts: Pick<SimLabOptions, 'rebootMs' | 'writeState'> = {}): Promise<Env> {
  const parent = await mkdtemp(path.join(tmpdir(), 'routedeck-exec-'));
  const lab = await startSimLab({
    dir: path.join(parent, 'sim'),
    writeState: false,
    fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    ...opts,
  });
  const fabric = openFabric(loadInventoryFile(lab.inventoryPath), {
    kind: 'lab-sim',
    label: 'LAB (simulated)',
  });
  await fabric.poller.pollNow();
  const registry = openRegistry({ path: ':memory:' });
  const state = fabric.store.getState();
  const specs = state.deviceOrder.map((name) => state.devices[name]!.spec);
  const sentTo: string[] = [];
  const spec = (name: string): DeviceSpec => {
    const found = specs.find((s) => s.name === name);
    if (!found) throw new Error(`no device ${name}`);
    return found;
  };
  return {
    dir: parent,
    lab,
    fabric,
    registry,
    routers: specs.filter((s) => s.role === 'router').map((s) => s.name),
    hypervisors: specs.filter((s) => s.role === 'hypervisor'),
    spec,
    tenant: (name) => {
      const found = state.tenants.find((t) => t.name === name);
      if (!found) throw new Error(`no tenant ${name}`);
      return found;
    },
    sentTo,
    deps: (consoleId, events) => ({
      runnerFor: (device) => {
        sentTo.push(device);
        return fabric.ssh.get(spec(device));
      },
      store: fabric.store,
      poller: fabric.poller,
      registry,
      operator: 'alice',
      console: { id: consoleId, pid: process.pid, host: hostname() },
      verifyPollMs: 20,
      ...(events ? { onEvent: (e: ExecEvent) => events.push(e) } : {}),
    }),
    close: async () => {
      registry.close();
      await fabric.close();
      await lab.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/** A new workload record in a tenant, on the next free addresses the lab does not use. */
export function newWorkload(
  env: Env,
  tenant: TenantSpec,
  name: string,
  host: string,
  taken: WorkloadRecord[] = [],
): WorkloadRecord {
  const vrf = tenant.vrf ?? 'default';
  const existing = env.lab.fabric.workloads().filter((w) => w.vrf === vrf);
  return {
    name,
    tenant: tenant.name,
    vrf,
    host,
    tap: `tap-${name}`,
    ipv4: nextFreeIpv4(tenant.pools4[0]!, new Set([...existing, ...taken].map((w) => w.ipv4)), new Set()),
    ipv6Prefix: nextFreeIpv6Prefix(
      tenant.pools6[0]!,
      new Set([...existing, ...taken].map((w) => w.ipv6Prefix)),
      new Set(),
    ),
    extraAllowed: [],
    state: 'planned',
  };
}

/** Which host each router uses for a prefix, per the store (`none` when it does not see it). */
export function viaHosts(env: Env, prefix: string, vrf: string): string[] {
  const entry = env.fabric.store.getState().workloads.find((w) => w.vrf === vrf && w.prefix === prefix);
  return env.routers.map((router) => {
    const views = entry?.seenBy.filter((v) => v.router === router) ?? [];
    const view = views.find((v) => v.selected) ?? views[0];
    return view ? (view.nexthops[0]?.viaHost ?? '?') : 'none';
  });
}

/** Polls the routers until the condition holds (or throws after timeoutMs). */
export async function settle(
  env: Env,
  what: string,
  condition: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const start = Date.now();
  for (;;) {
    await env.fabric.poller.pollNow(env.routers);
    if (condition()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts applying `plan` on `service` and resolves `reached` once its step `step` is done (a second
 * console's apply can then be tried against the first's effect), `done` with its result.
 */
export function applyThrough(
  service: WorkflowService,
  plan: Plan,
  step: string,
): { reached: Promise<void>; done: Promise<ExecResult> } {
  let reachedStep!: () => void;
  const reached = new Promise<void>((resolve) => (reachedStep = resolve));
  const done = service.apply(plan, {
    onEvent: (e) => {
      if (e.type === 'step-done' && e.step === step) reachedStep();
    },
  });
  return { reached, done };
}
