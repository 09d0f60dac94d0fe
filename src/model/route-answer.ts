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
  const has = table.vrfs().includes(vrf);
  // Column by column when the builder took its ids from `table`; else each row added again.
  const copied = has && builder.copyReplacing(table, vrf, family, answers, placed);
  for (const index of has && !copied ? table.indexesOf(vrf, family) : []) {
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
  // Newer answers per VRF/family table: all put in with one copy of the polled table (a router's
  // 120k rows copied once per answer cost a loaded console ~50 ms each, and a workload's /32 and /64
  // are two answers).
  const newer = new Map<string, { vrf: string; family: Family; answers: Map<string, Route[]> }>();
  const times: { vrf: string; prefix: string; at: number }[] = [];
  for (const { vrf, prefix, family, at } of answersOf(held)) {
    // Not over rows of that prefix read since, nor into a table read after the answer.
    const readAt = polled.readAtOf?.(vrf, family, prefix);
    const tableAt = polled.readAtOf?.(vrf, family);
    if ((readAt !== undefined && readAt >= at) || (tableAt !== undefined && tableAt > at)) continue;
    const key = `${vrf}\u0000${family}`;
    let table = newer.get(key);
    if (!table) newer.set(key, (table = { vrf, family, answers: new Map() }));
    table.answers.set(prefix, rowsOf(held, vrf, prefix));
    times.push({ vrf, prefix, at });
  }
  if (newer.size === 0) return polled;
  const builder = new CompactRouteTableBuilder();
  builder.addFrom(polled, (vrf, family) => !newer.has(`${vrf}\u0000${family}`));
  const replaced = new Map<string, ReadonlySet<string>>();
  for (const [key, { vrf, family, answers }] of newer) {
    addReplacing(builder, polled, vrf, family, answers);
    const tableAt = polled.readAtOf?.(vrf, family);
    if (tableAt !== undefined) builder.tableReadAt(vrf, family, tableAt);
    // The polled table's own per-prefix times in that table stand, the answers' times over them.
    for (const a of answersOf(polled))
      if (a.vrf === vrf && a.family === family && !answers.has(a.prefix))
        builder.prefixReadAt(vrf, a.prefix, a.at);
    replaced.set(key, new Set(answers.keys()));
  }
  for (const { vrf, prefix, at } of times) builder.prefixReadAt(vrf, prefix, at);
  const routes = builder.finish();
  // The copy's basis is the polled table, which nothing holds once this returns: it names the polled
  // table's own basis (the table the index last derived views from), with the answered prefixes changed.
  const named = routes.basis?.changed;
  const inner = polled.basis;
  if (!inner || !named) return routes;
  const spelled = new Map<string, ReadonlySet<string>>();
  for (const [key, { vrf, family }] of newer) spelled.set(key, named(vrf, family) ?? replaced.get(key)!);
  return routes.withBasis(composedBasis(inner, spelled));
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
