import type { DeviceSpec } from '../model/device.ts';
import type { Route } from '../model/route.ts';
import type { CommandRunner } from '../transport/types.ts';
import { CommandError, describeIssues, ParseError } from './errors.ts';
import { FrrRouteEntriesSchema, isFrrRouteEntries, nexthopsOf, otherVrf } from './frr/route-entry.ts';
import { isValidVrfName } from './names.ts';
import { vtyshCommand } from './shell.ts';
import type { VtyshSession } from './vtysh-session.ts';

/**
 * One of a router's entries for one prefix: what a verification needs (protocol, selected, next hops)
 * and the rest of the row, so the answer can stand in the router's held table (model/route-answer.ts).
 */
export type PrefixRoute = Route;

/**
 * `show ip[v6] route [vrf V] P json`: one prefix, exact match — what a migration's verification asks
 * a router instead of its whole table (~750 bytes a route: a 100k-route table is ~75 MB and seconds
 * of router CPU; one prefix is under 1 kB and answers in milliseconds).
 */
export function prefixRouteCommand(device: Pick<DeviceSpec, 'vtysh'>, vrf: string, prefix: string): string {
  return vtyshCommand(device, prefixRouteQuery(vrf, prefix));
}

/** The vtysh command itself (for an open vtysh session, drivers/vtysh-session.ts). */
export function prefixRouteQuery(vrf: string, prefix: string): string {
  // Both go inside the one vtysh argument vtyshCommand quotes: validated, never quoted again.
  if (!isValidVrfName(vrf)) throw new Error(`VRF name ${JSON.stringify(vrf)} is not valid`);
  if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(prefix))
    throw new Error(`prefix ${JSON.stringify(prefix)} is not valid`);
  const family = prefix.includes(':') ? 'ipv6' : 'ip';
  const inVrf = vrf === 'default' ? '' : ` vrf ${vrf}`;
  return `show ${family} route${inVrf} ${prefix} json`;
}

// FRR 8.4 answers a prefix it has no entry for (or only a shorter covering one) with `{}` under
// `json` and with this line without it (fixtures/frr-8.4-prefix/): both mean "absent".
const NOT_IN_TABLE = /^%\s*Network not in table\s*$/;

/**
 * The router's entries for exactly `prefix` in `vrf` ([] when it has none), asked on `session` when
 * one is open, else with one exec. Any other answer — an
 * unknown VRF, a daemon down, a shape we do not know — throws, naming device and command.
 */
export async function readPrefixRoutes(
  runner: CommandRunner,
  device: Pick<DeviceSpec, 'name' | 'vtysh'>,
  vrf: string,
  prefix: string,
  session?: VtyshSession | null,
): Promise<PrefixRoute[]> {
  const command = prefixRouteCommand(device, vrf, prefix);
  // Errors name the shell command either way: the one an engineer runs to see it for themselves.
  const result = session
    ? { code: 0, stdout: await session.ask(prefixRouteQuery(vrf, prefix)), stderr: '' }
    : await runner.exec(command);
  const text = result.stdout.trim();
  if (NOT_IN_TABLE.test(text)) return [];
  if (result.code !== 0 || text.startsWith('%')) {
    const detail = (text || result.stderr.trim()).split('\n')[0] ?? '';
    throw new CommandError(command, result.code, detail || 'no output');
  }
  return parsePrefixRoutes(text, prefix, command, device.name, vrf);
}

/** Parses the JSON of prefixRouteCommand: `{}` or `{"P": [entry, …]}` (asked in `vrf`). */
export function parsePrefixRoutes(
  text: string,
  prefix: string,
  command: string,
  device: string,
  vrf = 'default',
): PrefixRoute[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ParseError(`not JSON: ${JSON.stringify(text.slice(0, 80))}`, command, undefined, device);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new ParseError('expected an object keyed by prefix', command, undefined, device);
  const keys = Object.keys(doc);
  if (keys.length === 0) return [];
  const entries = (doc as Record<string, unknown>)[prefix];
  if (entries === undefined || keys.length > 1)
    throw new ParseError(
      `expected only ${prefix}, got ${keys
        .slice(0, 3)
        .map((k) => JSON.stringify(k))
        .join(', ')}`,
      command,
      undefined,
      device,
    );
  if (!isFrrRouteEntries(entries)) {
    const parsed = FrrRouteEntriesSchema.safeParse(entries);
    const why = parsed.success ? 'rejected' : describeIssues(parsed.error.issues);
    throw new ParseError(`route entry for "${prefix}": ${why}`, command, undefined, device);
  }
  const family = prefix.includes(':') ? 6 : 4;
  return entries.map((e) => {
    if (e.vrfName !== undefined && e.vrfName !== vrf)
      throw new ParseError(otherVrf(prefix, e.vrfName, vrf), command, undefined, device);
    return {
      vrf,
      family,
      prefix,
      protocol: e.protocol,
      selected: e.selected === true,
      installed: e.installed === true,
      distance: e.distance ?? null,
      metric: e.metric ?? null,
      uptime: e.uptime ?? null,
      nexthops: nexthopsOf(e.nexthops),
    };
  });
}
