import { safeJson } from '../model/text.ts';
import { existsSync } from 'node:fs';
import { familyOf } from '../addr/cidr.ts';
import type { Inventory } from '../inventory/load.ts';
import type { SourceInfo } from '../state/store.ts';
import {
  bgpView,
  devicesView,
  routesView,
  workloadsView,
  type GetFilters,
  type ViewOutput,
} from './get-views.ts';
import { overlayView } from './get-overlay.ts';
import { openInventory } from './common/inventory.ts';
import type { CliIo } from './common/io.ts';
import { useColor } from './common/table.ts';
import { UsageError } from './usage.ts';
import { openFabric, registryPathFor } from './wiring.ts';
import { openRegistry } from '../registry/index.ts';
import type { AppState } from '../state/store.ts';
import type { WorkloadNames } from './get-views.ts';

const VIEWS = {
  devices: devicesView,
  bgp: bgpView,
  routes: routesView,
  workloads: workloadsView,
  overlay: overlayView,
} as const;
type ViewName = keyof typeof VIEWS;

interface GetValues {
  inventory?: string;
  lab?: boolean;
  'lab-netns'?: boolean;
  device?: string[];
  vrf?: string;
  prefix?: string;
  json?: boolean;
  registry?: string;
}

function isAddressOrPrefix(text: string): boolean {
  const match = /^([0-9A-Fa-f.:]+)(?:\/(\d{1,3}))?$/.exec(text);
  if (!match || familyOf(match[1]!) === null) return false;
  return match[2] === undefined || Number(match[2]) <= (familyOf(match[1]!) === 4 ? 32 : 128);
}

export function parseFilters(values: GetValues, inventory: Inventory): GetFilters {
  const known = new Set(inventory.devices.map((device) => device.name));
  const devices = values.device ?? [];
  for (const name of devices) {
    if (!known.has(name))
      throw new UsageError(
        `--device ${JSON.stringify(name)}: no such device in the inventory (${[...known].join(', ')})`,
      );
  }
  if (values.vrf !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$/.test(values.vrf)) {
    throw new UsageError(`--vrf ${JSON.stringify(values.vrf)}: not a VRF name`);
  }
  if (values.prefix !== undefined && !isAddressOrPrefix(values.prefix)) {
    throw new UsageError(`--prefix ${JSON.stringify(values.prefix)}: not an IPv4 or IPv6 address or prefix`);
  }
  return { devices, vrf: values.vrf ?? null, prefix: values.prefix ?? null };
}

export async function runGet(rest: string[], values: GetValues, io: CliIo): Promise<number> {
  const [what, ...extra] = rest;
  if (!what || !(what in VIEWS) || extra.length > 0) {
    throw new UsageError(`get needs one of: ${Object.keys(VIEWS).join(', ')}`);
  }
  if ([values.lab, values['lab-netns'], values.inventory !== undefined].filter(Boolean).length > 1) {
    throw new UsageError('choose one of --inventory, --lab and --lab-netns');
  }
  const { inventory, source, close } = await openInventory(values, io.env);
  let filters: GetFilters;
  try {
    filters = parseFilters(values, inventory);
  } catch (error) {
    await close();
    throw error;
  }
  const view = VIEWS[what as ViewName];
  // Workloads join hypervisors with routers, VRRP judges a group across routers: the whole fabric.
  const whole = what === 'workloads' || what === 'overlay';
  const polled = whole || filters.devices.length === 0 ? undefined : filters.devices;
  const fabric = openFabric(inventory, source);
  try {
    await fabric.poller.pollNow(polled);
    const state = fabric.store.getState();
    const failed = (polled ?? state.deviceOrder).some((name) => state.devices[name]?.health !== 'ok');
    // A VRF no device has is a typo, not an empty answer (when every device answered, so we know).
    if (filters.vrf && !failed && !vrfsSeen(state).has(filters.vrf)) {
      io.stderr.write(
        `routedeck: no device has VRF ${filters.vrf} (VRFs seen: ${[...vrfsSeen(state)].sort().join(', ') || 'none'})\n`,
      );
      return 2;
    }
    const tty = io.stdout as NodeJS.WriteStream;
    const render = { color: useColor(tty), ...(tty.isTTY && tty.columns ? { width: tty.columns } : {}) };
    const output: ViewOutput =
      what === 'workloads'
        ? workloadsView(state, filters, render, Date.now(), registryNames(inventory, source, io.env, values))
        : view(state, filters, render);
    io.stdout.write(values.json ? `${safeJson(output.json)}\n` : output.text);
    if (output.rows === 0 && !values.json) io.stderr.write(`routedeck: ${emptyAnswer(output, values)}\n`);
    return failed ? 1 : 0;
  } finally {
    await fabric.close();
    await close();
  }
}

/** `no BGP sessions match --vrf blue --device spine1`: what was asked, and that nothing matched. */
function emptyAnswer(output: ViewOutput, values: GetValues): string {
  const asked = [
    ...(values.device ?? []).map((d) => `--device ${d}`),
    ...(values.vrf ? [`--vrf ${values.vrf}`] : []),
    ...(values.prefix ? [`--prefix ${values.prefix}`] : []),
  ];
  return `no ${output.noun ?? 'rows'}${asked.length > 0 ? ` match ${asked.join(' ')}` : ' yet'}`;
}

/** Every VRF a device reported, in its sessions or its route tables. */
function vrfsSeen(state: AppState): Set<string> {
  const vrfs = new Set<string>();
  for (const name of state.deviceOrder) {
    const snapshot = state.devices[name]?.snapshot;
    for (const session of snapshot?.bgp ?? []) vrfs.add(session.vrf);
    for (const vrf of snapshot?.routes.vrfs() ?? []) vrfs.add(vrf);
  }
  return vrfs;
}

/**
 * The registry's workload names, read when a registry file is already there (a `get` never makes one);
 * without one, or one that cannot be read, NAME says `-`.
 */
function registryNames(
  inventory: Inventory,
  source: SourceInfo,
  env: NodeJS.ProcessEnv,
  values: GetValues,
): WorkloadNames {
  const path = registryPathFor(inventory, source, env, values.registry);
  if (!existsSync(path)) return () => undefined;
  const names = new Map<string, string>();
  try {
    const registry = openRegistry({ path });
    try {
      for (const w of registry.workloads()) {
        names.set(`${w.vrf}|${w.ipv4}/32`, w.name);
        names.set(`${w.vrf}|${w.ipv6Prefix}`, w.name);
      }
    } finally {
      registry.close();
    }
  } catch {
    return () => undefined;
  }
  return (vrf, prefix) => names.get(`${vrf}|${prefix}`);
}
