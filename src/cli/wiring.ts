import { dirname, join } from 'node:path';
import {
  defaultRegistryPath,
  openRegistry,
  parseRegistryLocation,
  RegistryError,
  type Registry,
  type RegistryOptions,
  type RegistryUnavailableError,
  TeamFeed,
} from '../registry/index.ts';
import {
  registerFloatingIps,
  registerGuardRepair,
  registerTenantKind,
  registerSharedService,
  WorkflowService,
} from '../workflows/service/index.ts';
import { registerReconcile } from '../workflows/reconcile/index.ts';
import { driverFor } from '../drivers/index.ts';
import { watchRouteChanges } from '../drivers/route-watch.ts';
import type { Inventory } from '../inventory/load.ts';
import type { DeviceSpec, SecretRef } from '../model/device.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import { Poller, type PollerOptions } from '../poller/poller.ts';
import { hostsToConfirm } from '../state/hosts-to-confirm.ts';
import { watchedRunner, type PollContext } from '../poller/watched-runner.ts';
import { createAppStore, type AppStore, type SourceInfo } from '../state/store.ts';
import { resolveSecret } from '../transport/secrets.ts';
import { SshPool, type SshPoolDefaults } from '../transport/ssh/index.ts';
import { VyosApiClient } from '../transport/vyos-api/client.ts';

export interface Fabric {
  store: AppStore;
  poller: Poller;
  ssh: SshPool;
  /** A router's VyOS API client (one per device, key resolved at first use); undefined without `api`. */
  apiFor(spec: DeviceSpec): Promise<VyosApiClient> | undefined;
  close(): Promise<void>;
}

export interface FabricOptions {
  ssh?: Partial<SshPoolDefaults>;
  poller?: Omit<PollerOptions, 'store' | 'collect'>;
  /** Keeps polling (a console): a first read of large route tables waits to count as settled (drivers/types.ts). */
  settleFirst?: boolean;
}

/** Builds the production path: inventory → transports → drivers → store, polled by the poller. */
export function openFabric(inventory: Inventory, source: SourceInfo, options: FabricOptions = {}): Fabric {
  const store = createAppStore({ source, devices: inventory.devices, tenants: inventory.tenants });
  const ssh = new SshPool({ knownHostsFile: inventory.knownHostsFile, ...options.ssh });
  const apis = new Map<string, Promise<VyosApiClient>>();
  const apiFor = (spec: DeviceSpec): Promise<VyosApiClient> | undefined => {
    const api = spec.api;
    if (!api) return undefined;
    let client = apis.get(spec.name);
    if (!client) {
      // Resolved at first use, never stored: a missing secret is reported as this device's error.
      client = resolveSecret(api.key).then((key) => new VyosApiClient({ url: api.url, key, tls: api.tls }));
      client.catch(() => apis.delete(spec.name));
      apis.set(spec.name, client);
    }
    return client;
  };
  const collect = async (spec: DeviceSpec, context: PollContext): Promise<DeviceSnapshot> => {
    const api = await apiFor(spec);
    // The last snapshot goes along: what did not change since (a router's route tables) is not read again.
    const previous = store.getState().devices[spec.name]?.snapshot ?? null;
    return driverFor(spec.kind).collect({
      device: spec,
      runner: watchedRunner(ssh.get(spec), context),
      previous,
      ...(options.settleFirst ? { settleFirst: true } : {}),
      ...(context.woken ? { woken: true } : {}),
      ...(context.watched ? { watched: true } : {}),
      ...(api ? { api } : {}),
    });
  };
  // Routers' route monitors wake their polls (drivers/route-watch.ts): a migration's switch is read
  // when it happens, not up to an interval later. Hosts' own changes come from routedeck's plans,
  // which poll them at once; a thousand more channels would cost more than they save.
  const watch = (spec: DeviceSpec, changed: () => void) =>
    spec.role === 'router' ? watchRouteChanges(ssh.get(spec), changed) : Promise.resolve(null);
  const poller = new Poller({ store, collect, watch, ...options.poller });
  confirmMovedHosts(store, poller);
  return {
    store,
    poller,
    ssh,
    apiFor,
    close: async () => {
      poller.stop();
      await ssh.closeAll();
    },
  };
}

/**
 * Where this fabric's registry lives: `--registry`/`ROUTEDECK_REGISTRY`; the inventory's
 * `registry.url` (a team's shared one); a lab's next to its inventory (a new lab starts with a new
 * one); else the XDG state directory. A given location that is neither a file in an existing
 * directory nor a known URL is refused (RegistryLocationError, exit 2) before anything is created.
 */
export function registryPathFor(
  inventory: Inventory,
  source: SourceInfo,
  env: NodeJS.ProcessEnv,
  explicit?: string,
): string {
  const given = explicit ?? (env.ROUTEDECK_REGISTRY || undefined) ?? inventory.registry?.url;
  if (given !== undefined) {
    parseRegistryLocation(given);
    return given;
  }
  if (source.kind !== 'inventory' && inventory.source)
    return join(dirname(inventory.source), 'registry.sqlite');
  return defaultRegistryPath(env);
}

/**
 * How to open the registry at `path`: the inventory's password reference (resolved now, never
 * stored) and TLS settings apply when `path` is the inventory's own registry URL.
 */
export async function registryOptionsFor(
  inventory: Inventory,
  path: string,
): Promise<Pick<RegistryOptions, 'password' | 'sslmode' | 'sslrootcert'> & { path: string }> {
  const settings = inventory.registry;
  if (!settings || settings.url !== path) return { path };
  return {
    path,
    ...(settings.password ? { password: await registryPassword(settings.password) } : {}),
    ...(settings.sslmode ? { sslmode: settings.sslmode } : {}),
    ...(settings.sslrootcert ? { sslrootcert: settings.sslrootcert } : {}),
  };
}

export interface WorkflowsOptions {
  registryPath: string;
  operator?: string;
}

/** The workflow service on an open fabric: registry (with the API keys as secrets to scrub) + executor. */
export async function openWorkflows(
  inventory: Inventory,
  fabric: Fabric,
  options: WorkflowsOptions,
): Promise<{ service: WorkflowService; registry: Registry; team: TeamFeed; close(): void }> {
  // Resolved here only so the audit log can scrub them; never stored.
  const secrets = await Promise.all(
    inventory.devices.flatMap((d) => (d.api ? [resolveSecret(d.api.key).catch(() => null)] : [])),
  );
  const registry = openRegistry({
    ...(await registryOptionsFor(inventory, options.registryPath)),
    secrets: secrets.filter((s): s is string => typeof s === 'string' && s.length > 0),
  });
  try {
    const service = new WorkflowService({
      store: fabric.store,
      poller: fabric.poller,
      registry,
      runnerFor: (spec) => fabric.ssh.get(spec),
      apiFor: (spec) => fabric.apiFor(spec),
      settings: inventory.workflows,
      ...(options.operator ? { operator: options.operator } : {}),
    });
    registerFloatingIps(service);
    registerGuardRepair(service);
    registerTenantKind(service);
    registerSharedService(service);
    registerReconcile(service);
    // Tenants provisioned by routedeck live in the registry, not the inventory: the live views need
    // their pools too (or a new console would flag their workloads as in no tenant's pool).
    const known = new Set(fabric.store.getState().tenants.map((t) => t.name));
    const provisioned = registry
      .tenants()
      .filter((t) => !known.has(t.name))
      .map((t) => ({
        name: t.name,
        ...(t.vrf !== 'default' ? { vrf: t.vrf } : {}),
        pools4: t.pools4,
        pools6: t.pools6,
      }));
    if (provisioned.length > 0) fabric.store.setState((s) => ({ tenants: [...s.tenants, ...provisioned] }));
    // Other consoles' leases and active plans, live (the Workloads view marks what they are changing).
    const team = new TeamFeed(registry, {
      console: service.consoleId.id,
      operator: service.operator,
    }).start();
    return {
      service,
      registry,
      team,
      close: () => {
        team.stop();
        registry.close();
      },
    };
  } catch (error) {
    registry.close();
    throw error;
  }
}

/** The inventory's registry.password, resolved now; a missing one is the registry's refusal (exit 2). */
async function registryPassword(ref: SecretRef): Promise<string> {
  try {
    return await resolveSecret(ref);
  } catch (error) {
    throw new RegistryError(`registry password: ${(error as Error).message}`);
  }
}

/**
 * The shared registry is down at start: the console still shows the live fabric, read-only, and says
 * why on its header line (every screen) and in the log — nothing can be planned or applied.
 */
export function announceRegistryDown(
  store: AppStore,
  error: RegistryUnavailableError,
  at = Date.now(),
): void {
  const why = `registry ${error.location} unreachable: read-only, nothing can be planned or applied (fix the database, then restart the console; or --registry FILE for a local one)`;
  store.setState((s) => ({
    source: { ...s.source, label: `${s.source.label} │ ${why}` },
    events: [
      ...s.events,
      { at, device: 'registry', level: 'error' as const, message: `${error.message}; ${why}` },
    ],
  }));
}

/** A host is polled for a moved workload (hosts-to-confirm.ts) at most this often. */
const CONFIRM_HOST_MS = 2_000;

/**
 * While the poller runs: a workload its routers route via a host that does not announce it polls that
 * host and its announcers now, so the Workloads row's host follows the routers within a host poll.
 */
function confirmMovedHosts(store: AppStore, poller: Poller): void {
  const asked = new Map<string, number>();
  let last = store.getState().workloads;
  store.subscribe((state) => {
    if (state.workloads === last) return;
    const before = last;
    last = state.workloads;
    if (!poller.running) return;
    const hosts = hostsToConfirm(
      before,
      state.workloads,
      (name) => state.devices[name]?.spec.role === 'hypervisor',
    );
    const now = Date.now();
    const due = hosts.filter((h) => now - (asked.get(h) ?? -Infinity) >= CONFIRM_HOST_MS);
    if (due.length === 0) return;
    for (const h of due) asked.set(h, now);
    if (asked.size > 4 * MAX_ASKED) asked.clear();
    void poller.pollNow(due);
  });
}

const MAX_ASKED = 1024;
