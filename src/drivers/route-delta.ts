/**
 * A moved VRF/AFI table read by what changed in it, not whole (issue 16: "fetch deltas where FRR
 * allows it"). FRR stamps each BGP destination with the table version of its last best-path change
 * and lists those at or past a version: `show bgp [vrf V] ipv4|ipv6 unicast version N json` (checked
 * on FRR 8.4.4, fixtures/frr-8.4-delta/). A poll that finds one table's version moved asks for the
 * prefixes changed since the version its table was read at, then zebra for exactly those (`show ip
 * route [vrf V] P json`, one vtysh with a `-c` each) and puts the answers in place of their rows.
 *
 * What it cannot see, it does not guess: a withdrawn destination is gone from BGP's table, so it is
 * in no version listing. A delta is used only while the table's route count (the summary's ribCount)
 * is what it was when the table was read whole — a workload moving between hosts keeps it; one
 * created or removed moves it — and for at most MAX_DELTA_PREFIXES prefixes; anything else reads the
 * table whole, as does the read that settles a change (route-check.ts): the last word on a table is
 * always a whole read.
 */
import type { DeviceSpec } from '../model/device.ts';
import type { Route } from '../model/route.ts';
import type { RouteTable } from '../model/route-table.ts';
import { CompactRouteTable } from '../model/compact-route-table.ts';
import type { CommandRunner } from '../transport/types.ts';
import { checkCommandResult } from './collect.ts';
import { ParseError } from './errors.ts';
import { parsePrefixRoutes, prefixRouteQuery } from './prefix-route.ts';
import { sameRoute, type TableRef } from './route-check.ts';
import { vtyshCommand, vtyshCommands } from './shell.ts';

/** More prefixes changed than this: the table is read whole (one command line, one answer, bounded). */
export const MAX_DELTA_PREFIXES = 64;

/** `show bgp [vrf V] ipv4|ipv6 unicast version N json`. */
export function bgpDeltaQuery(t: TableRef, fromVersion: number): string {
  if (!Number.isInteger(fromVersion) || fromVersion < 1 || fromVersion > 4294967295)
    throw new RangeError(`table version ${fromVersion} is out of range`);
  const inVrf = t.vrf === 'default' ? '' : ` vrf ${t.vrf}`;
  return `show bgp${inVrf} ${t.family === 6 ? 'ipv6' : 'ipv4'} unicast version ${fromVersion} json`;
}

const V4 = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const V6 = /^[0-9a-fA-F:]+(:\d{1,3}(\.\d{1,3}){3})?\/\d{1,3}$/;

/**
 * The prefixes of a `version N` listing: FRR's table JSON (`{"vrfName":…, "tableVersion":…,
 * "routes": {"P": [paths], …}}`). An unknown VRF (`{"warning":"View/Vrf is unknown"}`), another VRF's
 * or family's table, or any other shape is an error naming device and command.
 */
export function parseBgpDelta(text: string, t: TableRef, command: string, device: string): string[] {
  const fail = (why: string): never => {
    throw new ParseError(why, command, undefined, device);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail(`not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return fail('expected a BGP table object');
  const d = doc as Record<string, unknown>;
  if (typeof d['warning'] === 'string') return fail(`FRR says: ${d['warning']}`);
  if (d['vrfName'] !== t.vrf)
    return fail(`expected VRF ${t.vrf}'s table, got ${JSON.stringify(d['vrfName'])}`);
  const routes = d['routes'];
  if (
    typeof d['tableVersion'] !== 'number' ||
    typeof routes !== 'object' ||
    routes === null ||
    Array.isArray(routes)
  )
    return fail('expected "tableVersion" and a "routes" object');
  const prefixes = Object.keys(routes);
  const shape = t.family === 4 ? V4 : V6;
  for (const p of prefixes)
    if (!shape.test(p)) return fail(`not an IPv${t.family} prefix: ${JSON.stringify(p.slice(0, 60))}`);
  return prefixes;
}

/** Consecutive JSON documents (what `vtysh -c A -c B` prints for two `json` shows), split at depth 0. */
export function splitDocuments(text: string): string[] {
  const docs: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (depth++ === 0) start = i;
    } else if (c === 125 || c === 93) {
      if (--depth === 0) docs.push(text.slice(start, i + 1));
      else if (depth < 0) break;
    } else if (depth === 0 && c > 32) {
      // Text between documents: `% VRF x not found`, `% Unknown command` — not an answer.
      const end = text.indexOf('\n', i);
      docs.push(text.slice(i, end < 0 ? text.length : end).trim());
      i = end < 0 ? text.length : end;
    }
  }
  if (depth !== 0 || inString) docs.push('');
  return docs;
}

/** What a delta read found: the changed prefixes and zebra's rows for each (none: no entry now). */
export interface TableDelta {
  table: TableRef;
  answers: Map<string, Route[]>;
}

/**
 * The prefixes of `t` changed since `fromVersion` and zebra's rows for them; null when the table must
 * be read whole (more than MAX_DELTA_PREFIXES changed). Any failure throws, naming device and command.
 */
export async function readTableDelta(
  runner: CommandRunner,
  device: Pick<DeviceSpec, 'name' | 'vtysh'>,
  t: TableRef,
  fromVersion: number,
): Promise<TableDelta | null> {
  const listing = vtyshCommand(device, bgpDeltaQuery(t, fromVersion));
  const listed = await runner.exec(listing);
  checkCommandResult(listing, listed.code, listed.stderr, listed.stdout.slice(0, 512));
  const prefixes = parseBgpDelta(listed.stdout, t, listing, device.name);
  if (prefixes.length > MAX_DELTA_PREFIXES) return null;
  const answers = new Map<string, Route[]>();
  if (prefixes.length === 0) return { table: t, answers };
  const asking = vtyshCommands(
    device,
    prefixes.map((p) => prefixRouteQuery(t.vrf, p)),
  );
  const result = await runner.exec(asking);
  checkCommandResult(asking, result.code, result.stderr, result.stdout.slice(0, 512));
  const docs = splitDocuments(result.stdout);
  // A line of text among the answers (`% VRF x not found`) is what vtysh said instead of one.
  const said = docs.find((d) => !d.startsWith('{'));
  if (said !== undefined || docs.length !== prefixes.length)
    throw new ParseError(
      said !== undefined
        ? `vtysh said ${JSON.stringify(said.slice(0, 80))}`
        : `expected ${prefixes.length} answers, got ${docs.length}`,
      asking,
      undefined,
      device.name,
    );
  prefixes.forEach((p, i) => answers.set(p, parsePrefixRoutes(docs[i]!, p, asking, device.name, t.vrf)));
  return { table: t, answers };
}

/** Whether every answer of `delta` is what `last` holds for its prefix already (FRR's uptime aside). */
export function deltaChangesNothing(last: RouteTable, delta: TableDelta): boolean {
  const { vrf, family } = delta.table;
  const prefixOf = (i: number): string =>
    last instanceof CompactRouteTable ? last.prefixAt(i) : last.at(i).prefix;
  const held = new Map<string, Route[]>();
  for (const i of last.vrfs().includes(vrf) ? last.indexesOf(vrf, family) : []) {
    const prefix = prefixOf(i);
    if (!delta.answers.has(prefix)) continue;
    const rows = held.get(prefix);
    if (rows) rows.push(last.at(i));
    else held.set(prefix, [last.at(i)]);
  }
  for (const [prefix, rows] of delta.answers) {
    const was = held.get(prefix) ?? [];
    if (was.length !== rows.length || rows.some((r, k) => !sameRoute(r, was[k]!))) return false;
  }
  return true;
}
