/**
 * A router's answer for one prefix (`show ip route vrf V P json`, asked by a migration's verification)
 * put into its held table at once: the Workloads and route views show the switch the moment the router
 * said so, not a poll later (issue 16: at 1,000 hosts a router poll takes seconds on a loaded console).
 */
import { CompactRouteTable } from './compact-route-table.ts';
import { CompactRouteTableBuilder } from './compact-route-builder.ts';
import type { Family, Route } from './route.ts';
import type { RouteTable, TableBasis } from './route-table.ts';

/**
 * `table` with the rows of exactly `prefix` in `vrf` replaced by `rows` (none: the router has no entry
 * for it), in their place (at the end of that VRF's table when it had none). That VRF/family's other
 * rows keep their read time; the prefix's rows are read at `at` (readAtOf with the prefix). Null when
 * the table's own rows for that VRF/family were read after `at`: the table is newer than the answer.
 */
export function withPrefixAnswer(
  table: RouteTable,
  vrf: string,
  prefix: string,
  rows: readonly Route[],
  at: number,
): CompactRouteTable | null {
  const family: Family = prefix.includes(':') ? 6 : 4;
  const readAt = table.readAtOf?.(vrf, family);
  if (readAt !== undefined && readAt > at) return null;
  for (const row of rows)
    if (row.vrf !== vrf || row.prefix !== prefix || row.family !== family)
      throw new Error(`an answer for ${vrf} ${prefix} holds a row of ${row.vrf} ${row.prefix}`);
  const builder = new CompactRouteTableBuilder();
  // Every other VRF/family table row for row (their derived views stand, see router-views.ts).
  builder.addFrom(table, (v, f) => !(v === vrf && f === family));
  addReplacing(builder, table, vrf, family, new Map([[prefix, rows]]));
  // Earlier answers in this VRF/family keep their own times; this prefix's rows are as of now.
  for (const a of answersOf(table))
    if (a.vrf === vrf && a.family === family && a.prefix !== prefix)
      builder.prefixReadAt(vrf, a.prefix, a.at);
  builder.prefixReadAt(vrf, prefix, at);
  return builder.finish(readAt);
}

/**
 * `table`'s rows of one VRF/family into `builder`, the rows of each prefix in `answers` replaced by its
 * answer in their place (a prefix the table had no row for after its last row; an empty answer drops
 * the prefix): a verification's answer for one prefix, a poll's delta for several (drivers/route-delta.ts).
 */
export function addReplacing(
  builder: CompactRouteTableBuilder,
  table: RouteTable,
  vrf: string,
  family: Family,
  answers: ReadonlyMap<string, readonly Route[]>,
): void {
  builder.noteReplaced(table, vrf, family, answers.keys());
  const placed = new Set<string>();
  for (const index of table.vrfs().includes(vrf) ? table.indexesOf(vrf, family) : []) {
    const route = table.at(index);
    const answer = answers.get(route.prefix);
    if (answer === undefined) builder.add(route);
    else if (!placed.has(route.prefix)) {
      placed.add(route.prefix);
      for (const row of answer) builder.add(row);
    }
  }
  for (const [prefix, rows] of answers) if (!placed.has(prefix)) for (const row of rows) builder.add(row);
}

function answersOf(table: RouteTable): ReturnType<CompactRouteTable['answeredPrefixes']> {
  return table instanceof CompactRouteTable ? table.answeredPrefixes() : [];
}

/** A table's rows of exactly `prefix` in `vrf`. */
function rowsOf(table: RouteTable, vrf: string, prefix: string): Route[] {
  const family: Family = prefix.includes(':') ? 6 : 4;
  const rows: Route[] = [];
  for (const index of table.vrfs().includes(vrf) ? table.indexesOf(vrf, family) : []) {
    const route = table.at(index);
    if (route.prefix === prefix) rows.push(route);
  }
  return rows;
}

/**
 * A poll's table may have been read before answers `held` has (the poll was already running when the
 * verification asked): those answers, newer, stand in the polled table too. `polled` itself when none do.
 */
export function keepAnswers(held: RouteTable, polled: RouteTable): RouteTable {
  if (held === polled) return polled;
  let routes = polled;
  const replaced = new Map<string, Set<string>>();
  for (const { vrf, prefix, family, at } of answersOf(held)) {
    const readAt = routes.readAtOf?.(vrf, family, prefix);
    if (readAt !== undefined && readAt >= at) continue;
    const next = withPrefixAnswer(routes, vrf, prefix, rowsOf(held, vrf, prefix), at);
    if (!next) continue;
    const key = `${vrf}\u0000${family}`;
    const set = replaced.get(key) ?? new Set<string>();
    for (const p of next.basis?.changed?.(vrf, family) ?? [prefix]) set.add(p);
    replaced.set(key, set);
    routes = next;
  }
  // Each step's basis is the one before, which nothing holds: the result names the polled table's
  // basis instead (the table the index last derived views from), with the answered prefixes as changed.
  const inner = polled.basis;
  if (routes === polled || !inner || !(routes instanceof CompactRouteTable)) return routes;
  return routes.withBasis(composedBasis(inner, replaced));
}

/** `inner` with some prefixes' rows replaced afterwards (`replaced`, by `vrf\0family`). */
function composedBasis(inner: TableBasis, replaced: ReadonlyMap<string, ReadonlySet<string>>): TableBasis {
  return {
    table: inner.table,
    kept: (vrf, family) => inner.kept(vrf, family) && !replaced.has(`${vrf}\u0000${family}`),
    changed: (vrf, family) => {
      const now = replaced.get(`${vrf}\u0000${family}`);
      if (!now) return inner.changed?.(vrf, family);
      const before = inner.kept(vrf, family) ? new Set<string>() : inner.changed?.(vrf, family);
      return before ? new Set([...before, ...now]) : undefined;
    },
  };
}
