/**
 * The workload index's order — by tenant, then prefix (numeric-aware), then VRF — kept from build to
 * build: entries the previous build had keep their relative order by rank, only new ones are compared.
 */
import type { TenantSpec } from '../model/workload.ts';
import type { WorkloadEntry } from './workload-entry.ts';

// One collator for every build: `localeCompare` with options builds one per call (most of a 100k-entry
// build's time went there).
const collator = new Intl.Collator('en', { numeric: true });

// Equal texts compare equal without the collator (most comparisons of a sort are within one tenant/VRF).
const compareEntries = (a: WorkloadEntry, b: WorkloadEntry): number =>
  (a.tenant === b.tenant ? 0 : collator.compare(a.tenant ?? '~', b.tenant ?? '~')) ||
  collator.compare(a.prefix, b.prefix) ||
  (a.vrf === b.vrf ? 0 : collator.compare(a.vrf, b.vrf));

/** Each entry's rank in the previous build's order, per tenant list (an entry's tenant follows from it). */
const lastRanks = new WeakMap<readonly TenantSpec[], Map<string, number>>();

/** The last build's ranks (`vrf|prefix` → place), for a build that changes entries in their places. */
export function ranksOf(tenants: readonly TenantSpec[]): ReadonlyMap<string, number> | undefined {
  return lastRanks.get(tenants);
}

function remember(sorted: readonly WorkloadEntry[], tenants: readonly TenantSpec[]): void {
  const next = new Map<string, number>();
  sorted.forEach((entry, rank) => next.set(`${entry.vrf}|${entry.prefix}`, rank));
  lastRanks.set(tenants, next);
}

/** `known` (the last order, some gone) with `fresh` entries sorted in; the ranks remembered. */
export function placeAmong(
  known: readonly WorkloadEntry[],
  fresh: WorkloadEntry[],
  tenants: readonly TenantSpec[],
): WorkloadEntry[] {
  const sorted = mergeFresh(known, fresh);
  remember(sorted, tenants);
  return sorted;
}

/**
 * By tenant, then prefix (numeric-aware). Entries the previous build had keep their relative order
 * (a comparison of two numbers); only new ones go through the collator and a binary search: a build that
 * adds or removes a few workloads costs no full sort of 100k entries.
 */
export function sortEntries(
  entries: Map<string, WorkloadEntry>,
  tenants: readonly TenantSpec[],
): WorkloadEntry[] {
  const ranks = lastRanks.get(tenants);
  // Known entries go to their last rank's slot (ranks are distinct), then close up: no comparison sort.
  const slots: (WorkloadEntry | undefined)[] = new Array<WorkloadEntry | undefined>(ranks?.size ?? 0);
  const fresh: WorkloadEntry[] = [];
  for (const [key, entry] of entries) {
    const rank = ranks?.get(key);
    if (rank === undefined) fresh.push(entry);
    else slots[rank] = entry;
  }
  const known: WorkloadEntry[] = [];
  for (const entry of slots) if (entry !== undefined) known.push(entry);
  const sorted = mergeFresh(known, fresh);
  if (fresh.length > 0 || !ranks || ranks.size !== sorted.length) remember(sorted, tenants);
  return sorted;
}

/** `known` (in order) with `fresh` (any order) sorted in: new entries go through the collator alone. */
function mergeFresh(known: readonly WorkloadEntry[], fresh: WorkloadEntry[]): WorkloadEntry[] {
  fresh.sort(compareEntries);
  const sorted: WorkloadEntry[] = [];
  let i = 0;
  for (const entry of fresh) {
    // Where it goes among the known ones: a binary search from the last insertion point.
    let lo = i;
    let hi = known.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(known[mid]!, entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    while (i < lo) sorted.push(known[i++]!);
    sorted.push(entry);
  }
  while (i < known.length) sorted.push(known[i++]!);
  return sorted;
}
