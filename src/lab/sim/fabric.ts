/**
 * The embedded lab's simulated fabric (DESIGN.md, "Embedded default and lab"): routers and
 * hypervisors whose every output is rendered from a model of their kernel, zebra and bgpd, with
 * BGP propagation delayed per hop. The SSH servers and the VyOS API emulator sit in front of it.
 */
import type { TenantSpec } from '../../model/workload.ts';
import { editGuardSet, spoofFrom } from './guard.ts';
import { buildFabric, FULL_TABLES_MAX, fullTablesToHosts } from './model/build.ts';
import type { SimNode } from './model/node.ts';
import { OVERLAY_FAULTS, SimOverlay, type OverlayFaultKind } from './model/overlay.ts';
import { Prng } from './model/prng.ts';
import { applyVyosConfig, renderVyosConfig } from './model/vyos-config.ts';
import { runShell } from './shell/shell.ts';
import { prepareRouteDocs } from './render/frr-routes.ts';
import type { SimDevice, SimFabric, SimFabricOptions, VyosConfigJson } from './types.ts';

export const DEFAULT_SIM_OPTIONS: SimFabricOptions = {
  hosts: 4,
  routers: 2,
  workloads: 20,
  tenants: 3,
  seed: 1,
  hopDelayMs: 40,
  jitterMs: 15,
};

const KERNEL_RELEASE = '6.1.0-28-amd64';
export const SIM_MAX = { hosts: 1000, routers: 16, workloads: 50_000, tenants: 20 };

function checkOptions(o: SimFabricOptions): void {
  for (const key of ['hosts', 'routers', 'workloads', 'tenants'] as const) {
    const v = o[key];
    if (!Number.isInteger(v) || v < (key === 'workloads' ? 0 : 1) || v > SIM_MAX[key]) {
      throw new Error(
        `sim fabric: ${key} must be an integer from ${key === 'workloads' ? 0 : 1} to ${SIM_MAX[key]} (got ${v})`,
      );
    }
  }
  if (o.hostRoutes !== undefined && o.hostRoutes !== 'full' && o.hostRoutes !== 'default')
    throw new Error(`sim fabric: hostRoutes must be full or default (got ${String(o.hostRoutes)})`);
  if (o.hostRoutes === 'full' && (o.hosts > FULL_TABLES_MAX.hosts || o.workloads > FULL_TABLES_MAX.workloads))
    throw new Error(
      `sim fabric: full tables on hypervisors only up to ${FULL_TABLES_MAX.hosts} hosts and ${FULL_TABLES_MAX.workloads} workloads`,
    );
  if (!(o.hopDelayMs >= 0) || !(o.jitterMs >= 0) || o.jitterMs > o.hopDelayMs) {
    throw new Error('sim fabric: hopDelayMs and jitterMs must be ≥ 0, with jitterMs ≤ hopDelayMs');
  }
}

export function createSimFabric(options: Partial<SimFabricOptions> = {}): SimFabric {
  const opts: SimFabricOptions = { ...DEFAULT_SIM_OPTIONS, ...options };
  checkOptions(opts);
  opts.hostRoutes ??= fullTablesToHosts(opts) ? 'full' : 'default';
  const built = buildFabric(opts);
  const { network } = built;
  // Runtime randomness (MACs of new links) has its own stream so it never shifts the build.
  const runtimePrng = new Prng(opts.seed ^ 0x7a7a);
  const routerConfigs = new Map<string, VyosConfigJson>();
  const routerNodes = built.routers.flatMap((name) => network.node(name) ?? []);
  const overlay = new SimOverlay(
    routerNodes.map((n) => ({
      name: n.name,
      routerId: n.spec.routerId,
      mac: n.kernel.links.get('eth0')?.mac ?? '',
    })),
    built.tenants.flatMap((t) =>
      t.vrf !== undefined && t.table !== undefined ? [{ vrf: t.vrf, table: t.table }] : [],
    ),
    () => Date.now(),
    routerNodes[0]?.bootedAt ?? Date.now(),
  );
  for (const n of routerNodes) n.overlay = overlay;

  const wrap = (node: SimNode): SimDevice => {
    const ctx = { node, prng: runtimePrng, kernelRelease: KERNEL_RELEASE };
    const device: SimDevice = {
      name: node.name,
      role: node.spec.role,
      kind: node.spec.kind,
      exec: async (command) => {
        // A whole route listing's tables are made a table at a time first, the other devices
        // answering in between (render/frr-routes.ts); a prefix's lookup needs none of them.
        if (/\broute (vrf all )?json\b/.test(command)) await prepareRouteDocs(node);
        return runShell(ctx, command);
      },
      monitorRoutes: (listener) => network.onRouteChange(node.name, listener),
    };
    if (node.spec.kind === 'vyos') {
      routerConfigs.set(node.name, renderVyosConfig(node));
      device.vyosConfig = () => structuredClone(routerConfigs.get(node.name) ?? {});
      device.applyVyosConfig = (config) => {
        applyVyosConfig(node, network, config, runtimePrng);
        routerConfigs.set(node.name, structuredClone(config));
      };
    }
    return device;
  };
  const devices = [...built.routers, ...built.hosts].flatMap((name) => {
    const node = network.node(name);
    return node ? [wrap(node)] : [];
  });
  const byName = new Map(devices.map((d) => [d.name, d]));
  const tenants: TenantSpec[] = built.tenants.map((t) => ({
    name: t.name,
    ...(t.vrf !== undefined ? { vrf: t.vrf } : {}),
    pools4: [...t.pools4],
    pools6: [...t.pools6],
  }));

  return {
    options: opts,
    tenants,
    devices: () => [...devices],
    device: (name) => byName.get(name),
    workloads: () => built.workloads.map((w) => ({ ...w })),
    flapSession: (device, peer, downMs = 3000) => network.flap(device, peer, downMs),
    overlayFault: (device, kind, agoMs) => {
      if (!(OVERLAY_FAULTS as readonly string[]).includes(kind))
        throw new Error(
          `overlay fault kind must be one of ${OVERLAY_FAULTS.join(', ')}, got ${JSON.stringify(kind)}`,
        );
      return overlay.fault(device, kind as OverlayFaultKind, agoMs);
    },
    clearOverlay: (device) => overlay.clear(device),
    overlayStatus: () => overlay.status(),
    spoof: (device, tap, packets) => spoofFrom(network.node(device), device, tap, packets),
    editGuard: (device, op, set, tap, cidr) => editGuardSet(network.node(device), device, op, set, tap, cidr),
    onEvent: (listener) => network.onEvent(listener),
    printRouteTables: async () => {
      for (const node of routerNodes) await prepareRouteDocs(node);
    },
    close: () => network.close(),
  };
}
