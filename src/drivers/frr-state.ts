import { CompactRouteTable } from '../model/compact-route-table.ts';
import { CompactRouteTableBuilder } from '../model/compact-route-builder.ts';
import type { DeviceSpec } from '../model/device.ts';
import type { NetInterface, VrfInfo } from '../model/interface.ts';
import type { RouteTable } from '../model/route-table.ts';
import type { DeviceSnapshot, RouteCheck } from '../model/snapshot.ts';
import { readBgp } from './bgp-read.ts';
import { parseOutput, part, partialErrors, streamRoutes, type PartResult } from './collect.ts';
import { BGP_FULL_MS, bgpProbeCommands, sessionsOf } from './bgp-probe.ts';
import { readIfChanged, type Held } from './digest.ts';
import {
  bgpTableVersions,
  heldCheck,
  interfaceDigest,
  keepUnchanged,
  planRouteRead,
  ribRoutes,
  SETTLE_FIRST_ROUTES,
  SETTLE_MS,
  type TableRef,
} from './route-check.ts';
import { parseIpLinks } from './linux/ip-addr.ts';
import { dedupeIpRoutes, parseIpJsonRoutes, type IpRoute } from './linux/ip-route.ts';
import { mayBeWorkloadRoute, workloadRoutesFrom } from './linux/workload-routes.ts';
import { addReplacing } from '../model/route-answer.ts';
import { deltaChangesNothing, readTableDelta, type TableDelta } from './route-delta.ts';
import { afterPrefetch, prefetched, prefetchQueries } from './route-prefetch.ts';
import { vtyshCommand } from './shell.ts';
import type { DriverContext } from './types.ts';

/** The state commands both kinds send (FRR runs inside VyOS too), by purpose. */
export interface FrrStateCommands {
  bgp: string;
  routes4: string;
  routes6: string;
  /** `-d` so each interface's kind (vrf, vxlan, bridge…) and master are known. */
  addresses: string;
  /** Kernel routes, for workload routes; only hypervisors carry workloads. */
  kernelRoutes4?: string;
  kernelRoutes6?: string;
}

export function frrStateCommands(device: DeviceSpec, withKernelRoutes: boolean): FrrStateCommands {
  const commands: FrrStateCommands = {
    bgp: vtyshCommand(device, 'show bgp vrf all summary json'),
    routes4: vtyshCommand(device, 'show ip route vrf all json'),
    routes6: vtyshCommand(device, 'show ipv6 route vrf all json'),
    addresses: 'ip -j -d addr show',
  };
  if (withKernelRoutes) {
    // Selected on the host: unicast routes only (workloads' are; each TAP's local, broadcast and
    // multicast routes are not), one family each (`table all` without -4 lists both, so the IPv6
    // routes came twice). At 1,000 hosts a host's two listings went 192 → ~55 kB a first read.
    commands.kernelRoutes4 = 'ip -j -4 route show table all type unicast';
    commands.kernelRoutes6 = 'ip -j -6 route show table all type unicast';
  }
  return commands;
}

/** One VRF's table of one family, for a poll that re-reads only what changed (route-check.ts). */
export function tableCommand(device: DeviceSpec, t: TableRef): string {
  const inVrf = t.vrf === 'default' ? '' : ` vrf ${t.vrf}`;
  return vtyshCommand(device, `show ${t.family === 6 ? 'ipv6' : 'ip'} route${inVrf} json`);
}

export function commandList(c: FrrStateCommands): string[] {
  return [c.bgp, c.routes4, c.routes6, c.addresses, c.kernelRoutes4, c.kernelRoutes6].filter(
    (x): x is string => x !== undefined,
  );
}

/**
 * VRFs from the device's config API (VyOS: megabytes of config at a thousand BGP neighbours, which at
 * every 2 s poll was most of what watching a router cost): held while the interface listing's digest
 * and the BGP sessions (peers per VRF and address family, how many not Established) hold — a VRF added,
 * removed or renumbered changes its device, one with its own sessions changes those. A changed VNI, RD
 * or route target moves only table versions, as every route that moves does: while they move the
 * config is read again at most every VRF_CONFIG_ON_ROUTES_MS (during a migration, routes move at every
 * poll), and in any case at least every BGP_FULL_MS.
 */
async function heldVrfs(
  read: () => Promise<VrfInfo[]>,
  held: Readonly<Record<string, Held<unknown>>>,
  kept: Record<string, Held<unknown>>,
  now: number,
): Promise<PartResult<VrfInfo[]>> {
  const interfaces = kept['interfaces']?.sha;
  const bgp = kept['bgp']?.sha;
  const key = interfaces !== undefined && bgp !== undefined ? `${interfaces}|${sessionsOf(bgp)}` : null;
  const last = held['vrfs'] as Held<HeldVrfs> | undefined;
  if (key !== null && last && last.sha === key) {
    const age = now - last.value.readAt;
    if (age < BGP_FULL_MS && (last.value.bgp === bgp || age < VRF_CONFIG_ON_ROUTES_MS)) {
      kept['vrfs'] = last;
      return { ok: true, value: last.value.vrfs };
    }
  }
  const result = await part('vrfs', read);
  if (result.ok && key !== null)
    kept['vrfs'] = { sha: key, value: { vrfs: result.value, readAt: now, bgp: bgp! } };
  return result;
}

interface HeldVrfs {
  vrfs: VrfInfo[];
  readAt: number;
  /** The BGP signature (sessions and table versions) when it was read. */
  bgp: string;
}

/** While table versions move (sessions the same), the VRF config is read again at most this often. */
export const VRF_CONFIG_ON_ROUTES_MS = 60_000;

export interface FrrStateOptions {
  commands: FrrStateCommands;
  /** VRFs from somewhere better than the interface list (VyOS config); falls back to interfaces. */
  vrfs?: () => Promise<VrfInfo[]>;
}

/** `check` without the delta bases of `paths` (their tables are read whole until the change settles). */
function withoutBases(check: RouteCheck | undefined, paths: ReadonlySet<string>): RouteCheck | undefined {
  if (!check?.bases || paths.size === 0) return check;
  const bases = Object.fromEntries(Object.entries(check.bases).filter(([path]) => !paths.has(path)));
  return { ...check, bases };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function value<T>(r: PartResult<T> | undefined, fallback: T): T {
  return r?.ok ? r.value : fallback;
}

/**
 * One poll of a device's FRR and kernel state. Parts run in parallel (one SSH exec channel each);
 * then the two route streams, which share a builder, one after the other — or not at all when the
 * BGP table versions and interfaces say the last poll's tables still hold (route-check.ts). Each part
 * fails on its own into `partialErrors`; when all fail the device is unreachable and this throws.
 */
export async function collectFrrState(ctx: DriverContext, opts: FrrStateOptions): Promise<DeviceSnapshot> {
  const { device, runner } = ctx;
  const c = opts.commands;

  // Listings held from the last poll are read again only when their digest moved (digest.ts).
  // Each held listing was read whole in its own part (a failed part keeps nothing), so another part's
  // failure (an API call that timed out on a loaded router) does not throw them away: that turned one
  // timeout into a full re-read of megabytes of BGP summary and interfaces at the next poll.
  const held = ctx.previous?.held ?? {};
  const kept: Record<string, Held<unknown>> = {};
  const readHeld = async <T>(key: string, command: string, parse: (text: string) => T): Promise<T> => {
    const read = await readIfChanged(runner, command, held[key] as Held<T> | undefined, (text) =>
      parseOutput(command, () => parse(text), device.name),
    );
    kept[key] = { sha: read.sha, value: read.value };
    return read.value;
  };
  const kernelRoutes = (
    command: string | undefined,
    family: 4 | 6,
  ): Promise<PartResult<IpRoute[]>> | undefined =>
    command === undefined
      ? undefined
      : part('workloads', () =>
          // Held until the listing's digest moves: only the routes that may be workloads' (a host
          // lists ~20 a TAP; at 1,000 hosts the whole listings were ~200 MB of the console's heap).
          readHeld(`kernel${family}`, command, (text) =>
            parseIpJsonRoutes(text, family).filter(mayBeWorkloadRoute),
          ),
        );

  const now = (ctx.now ?? Date.now)();
  // Woken by the route monitor: the BGP probes and the moved tables' listings in one command, beside
  // the other parts' digests (route-prefetch.ts) — a moved router read in two turns, not four.
  const routeRunner =
    ctx.woken === true && ctx.previous
      ? afterPrefetch(prefetched(runner, device, prefetchQueries(ctx.previous)), runner)
      : runner;
  // A watched hypervisor (a migration step's, a moved workload's) has its small route tables read in this
  // first turn, beside the digests, not after them: the poll then takes two turns, not three (on a
  // loaded console each was 0.5–0.8 s of the time before its row named the host). Used when the
  // plan reads them whole, as it does once the host's BGP versions moved; otherwise only waited for.
  const early =
    ctx.watched === true && device.role === 'hypervisor' ? hostTables(runner, c, device.name) : undefined;
  const [bgp, addresses, kernel4, kernel6] = await Promise.all([
    part('bgp', () =>
      readBgp({ runner: routeRunner, device, command: c.bgp, held, kept, now, woken: ctx.woken === true }),
    ),
    part('interfaces', () => readHeld('interfaces', c.addresses, parseIpLinks)),
    kernelRoutes(c.kernelRoutes4, 4),
    kernelRoutes(c.kernelRoutes6, 6),
  ]);
  // Beside the table reads, not before them: a config read of megabytes must not delay the routes.
  const vrfsRead = opts.vrfs ? heldVrfs(opts.vrfs, held, kept, now) : undefined;
  /**
   * What is derived from held listings is held with them: when every input's digest is the last
   * poll's, the last poll's value (the same object) stands. A thousand hosts polled every few seconds
   * otherwise rebuild identical workload routes and digests, and the store compares them again.
   */
  const derived = <T>(key: string, inputs: readonly (string | undefined)[], make: () => T): T => {
    const sha = inputs.every((x) => x !== undefined) ? inputs.join('|') : undefined;
    const last = held[key] as Held<T> | undefined;
    if (sha !== undefined && last?.sha === sha) {
      kept[key] = last;
      return last.value;
    }
    const made = make();
    if (sha !== undefined) kept[key] = { sha, value: made };
    return made;
  };
  // Tables only when the cheap signature says they may have changed, and only those (route-check.ts).
  const versions = bgp.ok ? bgp.value.versions : null;
  // A first read of large tables waits until BGP has held still SETTLE_MS: then one read is settled.
  let tablesAt = now;
  let heldSince: number | undefined;
  if (
    ctx.settleFirst === true &&
    versions !== null &&
    !heldCheck(ctx.previous) &&
    ribRoutes(versions) >= SETTLE_FIRST_ROUTES
  ) {
    await (ctx.sleep ?? sleep)(SETTLE_MS);
    tablesAt = (ctx.now ?? Date.now)();
    // The versions probe (a summary filtered to no peer: a few hundred bytes), not the whole summary
    // again (~20 MB at 1,000 hosts): the same `vrf/afi:version/ribCount` text (bgp-probe.ts).
    const again = await runner.exec(bgpProbeCommands(device).versions).catch(() => null);
    if (again?.code === 0 && bgpTableVersions(again.stdout) === versions) heldSince = tablesAt - SETTLE_MS;
  }
  const plan = planRouteRead(
    ctx.previous,
    versions !== null && addresses.ok
      ? {
          versions,
          interfaces: derived('interfaceDigest', [kept['interfaces']?.sha], () =>
            interfaceDigest(addresses.value.interfaces),
          ),
        }
      : null,
    tablesAt,
    heldSince,
  );
  const previous = ctx.previous;
  let routes: PartResult<number>[] = [];
  const noDelta = new Set<string>();
  let table = (): RouteTable => previous!.routes;
  const hostReadsAll = plan.read === 'all' && device.role === 'hypervisor';
  if (hostReadsAll) {
    const { b4, b6, read } = early ?? hostTables(runner, c, device.name);
    routes = await read;
    table = () => {
      if (!routes.some((r) => r.ok)) return CompactRouteTable.empty();
      const joined = new CompactRouteTableBuilder();
      for (const [i, b] of [b4, b6].entries()) {
        const read = b.finish(tablesAt);
        if (routes[i]!.ok) for (const route of read) joined.add(route);
      }
      const fresh = joined.finish(tablesAt);
      return previous && routes.every((r) => r.ok) ? keepUnchanged(previous.routes, fresh) : fresh;
    };
  } else if (plan.read === 'all') {
    const builder = new CompactRouteTableBuilder();
    routes = [
      await part('routes', () => streamRoutes(runner, c.routes4, builder, device.name)),
      await part('routes', () => streamRoutes(runner, c.routes6, builder, device.name)),
    ];
    table = () => {
      if (!routes.some((r) => r.ok)) return CompactRouteTable.empty();
      const fresh = builder.finish(tablesAt);
      return previous && routes.every((r) => r.ok) ? keepUnchanged(previous.routes, fresh) : fresh;
    };
  } else if (plan.read === 'some') {
    // Moved tables read by what changed in them (route-delta.ts); one that cannot be is read whole.
    // The builder only here (its columns are ~30 kB of typed arrays): most polls read no table.
    const builder = new CompactRouteTableBuilder();
    const deltas: TableDelta[] = [];
    const whole = [...plan.tables];
    // Both families' deltas at once: a workload's /32 and /64 move together, and each delta is two
    // commands in turn (the listing, then zebra) — at fleet load every turn is a wait.
    const reads = await Promise.all(
      plan.deltas.map((d) =>
        part('routes', () => readTableDelta(routeRunner, device, d.table, d.fromVersion)),
      ),
    );
    for (const [i, d] of plan.deltas.entries()) {
      const read = reads[i]!;
      if (read.ok && read.value !== null) {
        deltas.push(read.value);
        continue;
      }
      whole.push(d.table);
      // A delta FRR refused (an FRR without `version N`, a VRF gone meanwhile) is not asked again
      // until this change settles: the whole table answers, and says what is wrong if anything is.
      if (!read.ok) noDelta.add(d.table.path);
    }
    const readTables = [...whole, ...deltas.map((d) => d.table)];
    const reading = new Set(readTables.map((t) => `${t.vrf}\u0000${t.family}`));
    // Deltas that found what the last table holds (each poll asks again until a change settles) leave
    // it as it is: copying a router's 120k rows for nothing cost a loaded console 150–250 ms a poll.
    const unchanged = whole.length === 0 && deltas.every((d) => deltaChangesNothing(previous!.routes, d));
    if (!unchanged) {
      builder.addFrom(previous!.routes, (vrf, family) => !reading.has(`${vrf}\u0000${family}`));
      for (const d of deltas) addReplacing(builder, previous!.routes, d.table.vrf, d.table.family, d.answers);
    }
    for (const t of whole)
      routes.push(
        await part('routes', () =>
          streamRoutes(runner, tableCommand(device, t), builder, device.name, { only: t }),
        ),
      );
    // One VRF failing must not drop its rows while others' are fresh: the last tables stand, marked degraded.
    // A re-read that found what the last poll had (the confirming read once a change settled) keeps
    // the last table object, as a full read does: what is derived from it is not derived again. Only
    // the tables read are compared; the others were copied row for row.
    if (!unchanged && routes.every((r) => r.ok))
      table = () => keepUnchanged(previous!.routes, builder.finish(tablesAt), readTables);
  }
  // Read early for a plan that did not want them whole: not left running past the poll.
  if (early && !hostReadsAll) await early.read;
  const apiVrfs = await vrfsRead;
  const routeCheck = routes.every((r) => r.ok) ? withoutBases(plan.check, noDelta) : undefined;

  const results: PartResult<unknown>[] = [];
  for (const r of [bgp, addresses, kernel4, kernel6, ...routes, apiVrfs]) if (r) results.push(r);
  const errors = partialErrors(device.name, results);
  const interfaces: NetInterface[] = value(addresses, undefined)?.interfaces ?? [];
  const vrfs = apiVrfs?.ok ? apiVrfs.value : (value(addresses, undefined)?.vrfs ?? []);
  const hasKernelRoutes = (kernel4?.ok ?? false) || (kernel6?.ok ?? false);
  const kernelSha = (command: string | undefined, key: string) =>
    command === undefined ? '-' : kept[key]?.sha;
  const workloadRoutes = hasKernelRoutes
    ? derived(
        'workloadRoutes',
        [
          kernelSha(c.kernelRoutes4, 'kernel4'),
          kernelSha(c.kernelRoutes6, 'kernel6'),
          kept['interfaces']?.sha,
          apiVrfs?.ok ? kept['vrfs']?.sha : 'from-interfaces',
        ],
        () =>
          workloadRoutesFrom(dedupeIpRoutes([...value(kernel4, []), ...value(kernel6, [])]), interfaces, {
            host: device.name,
            vrfs,
          }),
      )
    : [];

  // Fields set one by one, not spread in: on Node 20's V8 an object literal with spreads gave each
  // snapshot a hidden class of its own (~300 bytes more, a hundred a second at 1,000 hosts, each
  // living until the device's next poll — promoted).
  const snapshot: DeviceSnapshot = {
    device: device.name,
    collectedAt: now,
    bgp: bgp.ok ? bgp.value.sessions : [],
    routes: table(),
    interfaces,
    vrfs,
    workloadRoutes,
    partialErrors: errors,
    held: kept,
  };
  if (bgp.ok && bgp.value.countersAt !== undefined) snapshot.bgpCountersAt = bgp.value.countersAt;
  if (bgp.ok && bgp.value.readAt !== undefined) snapshot.bgpReadAt = bgp.value.readAt;
  if (routeCheck) snapshot.routeCheck = routeCheck;
  return snapshot;
}

/**
 * A hypervisor's route tables (small: a few hundred routes; its poll is what a migration's target waits
 * on): both families at once, each into its own builder, joined by the caller (IPv4 rows first).
 */
function hostTables(
  runner: DriverContext['runner'],
  c: FrrStateCommands,
  name: string,
): { b4: CompactRouteTableBuilder; b6: CompactRouteTableBuilder; read: Promise<PartResult<number>[]> } {
  const b4 = new CompactRouteTableBuilder();
  const b6 = new CompactRouteTableBuilder();
  const read = Promise.all([
    part('routes', () => streamRoutes(runner, c.routes4, b4, name)),
    part('routes', () => streamRoutes(runner, c.routes6, b6, name)),
  ]);
  return { b4, b6, read };
}
