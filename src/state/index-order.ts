/**
 * The workload index's order — by tenant, then prefix (numeric-aware), then VRF — kept from build to
 * build: entries the previous build had keep their relative order by rank, only new ones are compared.
 */
import type { TenantSpec } from '../model/workload.ts';
import type { WorkloadEntry } from './workload-entry.ts';

// One collator for every build: `localeCompare` with options builds one per call (most of a 100k-entry
// build's time went there).
const collator = new Intl.Collator('en', { numeric: true });

/** What prefixes' punctuation weighs in the collator (CLDR root order: `:` before `.` before `/`, all before digits). */
const PUNCTUATION: Readonly<Record<string, string>> = { ':': '!', '.': '"', '/': '#' };

/**
 * A prefix's primary collation weights as a plain string, for the characters FRR and iproute2 print
 * prefixes with (digits, `a`–`f`, `.`, `:`, `/`): punctuation first, then a digit run by its value
 * (`0`, its length without leading zeros, its digits), then letters. Two texts whose keys differ are in
 * the collator's order by `<` on the keys (a primary difference decides); equal keys (`010` and `10`) or
 * any other character (null) go to the collator. A fleet's start sorts ~60k new entries into the index
 * at once, ~1M comparisons: through the collator ~0.7 s of the console.
 */
export function prefixSortKey(text: string): string | null {
  let key = '';
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      let end = i;
      while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
      let from = i;
      while (from < end - 1 && text.charCodeAt(from) === 48) from++;
      key += `0${String.fromCharCode(0x40 + end - from)}${text.slice(from, end)}`;
      i = end;
    } else if (c >= 97 && c <= 102) key += text[i++];
    else {
      const weight = PUNCTUATION[text[i]!];
      if (weight === undefined) return null;
      key += weight;
      i++;
    }
  }
  return key;
}

/** Prefixes in the collator's order, through their keys where both have one and they differ. */
function comparePrefixes(a: string, b: string, keyOf: (prefix: string) => string | null): number {
  if (a === b) return 0;
  const ka = keyOf(a);
  const kb = keyOf(b);
  if (ka !== null && kb !== null && ka !== kb) return ka < kb ? -1 : 1;
  return collator.compare(a, b);
}

/** Entries in index order; the prefixes' keys from `keyOf`. */
const compareWith =
  (keyOf: (prefix: string) => string | null) =>
  (a: WorkloadEntry, b: WorkloadEntry): number =>
    // Equal texts compare equal without the collator (most comparisons of a sort are within one tenant/VRF).
    (a.tenant === b.tenant ? 0 : collator.compare(a.tenant ?? '~', b.tenant ?? '~')) ||
    comparePrefixes(a.prefix, b.prefix, keyOf) ||
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
  // Each prefix's key made once per merge: the fresh ones and those the binary searches meet.
  const keys = new Map<string, string | null>();
  const keyOf = (prefix: string) => {
    let key = keys.get(prefix);
    if (key === undefined) keys.set(prefix, (key = prefixSortKey(prefix)));
    return key;
  };
  const compareEntries = compareWith(keyOf);
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
