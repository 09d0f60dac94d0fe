import { AllocationConflictError, type Registry } from '../../registry/index.ts';
import type { AppState } from '../../state/store.ts';
import type { WorkloadRecord } from '../../model/plan.ts';

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Workloads recorded per registry transaction (one commit, each workload its own savepoint). The
 * console records them a batch at a time between its other work (adoptLiveGradually): a batch is
 * ~0.5 ms a workload here — checking each address against the tenant's pools and the allocations.
 */
export const ADOPT_BATCH = 50;

/**
 * Workloads the fabric routes but the registry does not know: one TAP on one hypervisor with
 * exactly one /32 and one /64 of a tenant, announced by that host alone. Anything less clear (two
 * announcers, several prefixes on one TAP, no tenant) is left for an engineer, never guessed.
 */
export function adoptLiveWorkloads(
  state: AppState,
  registry: Registry,
  operator: string,
  now: () => number,
): string[] {
  const candidates = adoptionCandidates(state, registry);
  const adopted: string[] = [];
  for (let i = 0; i < candidates.length; i += ADOPT_BATCH)
    adopted.push(...recordAdoptions(registry, candidates.slice(i, i + ADOPT_BATCH), operator, now));
  return adopted;
}

/**
 * Where a console's adoption of the live workloads is: waiting for every device's first answer, or
 * recording (so many of so many); null when none waits or runs. Until it is over the registry does not
 * yet know the fabric's workloads: anti-spoofing drift is not judged (their TAPs' elements would all
 * read as stale, and a repair would delete them).
 */
export type AdoptionState = { phase: 'waiting' } | { phase: 'recording'; done: number; total: number } | null;

/** What a screen says while an adoption waits or runs. */
export function adoptionText(state: NonNullable<AdoptionState>): string {
  return state.phase === 'waiting'
    ? 'the registry records the live workloads once every device has answered'
    : `the registry is recording the live workloads (${state.done.toLocaleString('en-US')} of ${state.total.toLocaleString('en-US')})`;
}

/**
 * `adoptLiveWorkloads` for a running console: the candidates read once, then recorded ADOPT_BATCH at a
 * time with the event loop free between batches — a fleet's first start finds 50,000 workloads the
 * registry does not know, and recording them in one go froze the console for over a minute (its polls
 * timed out meanwhile: hosts drawn down that were not). Stops between batches once `stopped()` says so.
 */
export async function adoptLiveGradually(
  state: AppState,
  registry: Registry,
  operator: string,
  now: () => number,
  options: { stopped?: () => boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<string[]> {
  const candidates = adoptionCandidates(state, registry);
  const adopted: string[] = [];
  if (candidates.length > 0) options.onProgress?.(0, candidates.length);
  for (let i = 0; i < candidates.length; i += ADOPT_BATCH) {
    if (options.stopped?.()) break;
    adopted.push(...recordAdoptions(registry, candidates.slice(i, i + ADOPT_BATCH), operator, now));
    options.onProgress?.(Math.min(i + ADOPT_BATCH, candidates.length), candidates.length);
    if (i + ADOPT_BATCH < candidates.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return adopted;
}

/** The records `adoptLiveWorkloads` would write, read from the index and the registry (nothing written). */
export function adoptionCandidates(state: AppState, registry: Registry): WorkloadRecord[] {
  const byTap = new Map<
    string,
    { host: string; tap: string; vrf: string; tenant: string; prefixes: string[] }
  >();
  const unclear = new Set<string>();
  for (const entry of state.workloads) {
    if (entry.announcers.length !== 1 || entry.tenant === null) continue;
    const a = entry.announcers[0]!;
    // Known only from the routers (host unreachable): no TAP to adopt.
    if (a.interface === null) continue;
    const key = `${a.host}|${a.interface}|${entry.vrf}`;
    const group = byTap.get(key) ?? {
      host: a.host,
      tap: a.interface,
      vrf: entry.vrf,
      tenant: entry.tenant,
      prefixes: [],
    };
    if (group.tenant !== entry.tenant) unclear.add(key);
    group.prefixes.push(entry.prefix);
    byTap.set(key, group);
  }
  const recorded = registry.workloads();
  const known = new Set(recorded.flatMap((w) => [`${w.vrf}|${w.ipv4}/32`, `${w.vrf}|${w.ipv6Prefix}`]));
  // Names in use: the registry's (a retired one may be taken again), and those chosen here (the first
  // TAP of a name wins, as when each was written before the next was looked at).
  const taken = new Set(recorded.filter((w) => w.state !== 'retired').map((w) => w.name));
  const records: WorkloadRecord[] = [];
  for (const [key, g] of byTap) {
    if (unclear.has(key)) continue;
    const v4 = g.prefixes.filter((p) => !p.includes(':') && p.endsWith('/32'));
    const v6 = g.prefixes.filter((p) => p.includes(':') && p.endsWith('/64'));
    if (v4.length !== 1 || v6.length !== 1 || g.prefixes.length !== 2) continue;
    if (known.has(`${g.vrf}|${v4[0]}`) || known.has(`${g.vrf}|${v6[0]}`)) continue;
    const name = g.tap.replace(/^tap-?/, '');
    if (!NAME.test(name)) continue;
    if (taken.has(name)) continue;
    taken.add(name);
    const record: WorkloadRecord = {
      name,
      tenant: g.tenant,
      vrf: g.vrf,
      host: g.host,
      tap: g.tap,
      ipv4: v4[0]!.replace(/\/32$/, ''),
      ipv6Prefix: v6[0]!,
      extraAllowed: [],
      state: 'active',
    };
    records.push(record);
  }
  return records;
}

/**
 * Writes adopted records in one transaction — one commit, not one per workload: the registry syncs
 * each commit to disk, and 50,000 workloads (a fleet's first start) took ~1.5 ms each, a console
 * frozen for over a minute. Each workload is its own savepoint: an address someone else holds
 * skips that one, as before. Returns the names recorded.
 */
export function recordAdoptions(
  registry: Registry,
  records: readonly WorkloadRecord[],
  operator: string,
  now: () => number,
): string[] {
  const adopted: string[] = [];
  const at = new Date(now()).toISOString();
  registry.transaction(() => {
    for (const record of records) {
      const { name } = record;
      try {
        registry.transaction(() => {
          registry.putWorkload(record);
          registry.allocate(record.tenant, 4, record.ipv4, name);
          registry.allocate(record.tenant, 6, record.ipv6Prefix, name);
          registry.appendAudit({
            at,
            operator,
            planId: `adopt-${name}`,
            kind: 'adopt',
            device: record.host,
            outcome: 'ok',
            message: `recorded ${name} from the live fabric: ${record.ipv4}/32 and ${record.ipv6Prefix} on ${record.host} ${record.tap} (tenant ${record.tenant})`,
          });
        });
        adopted.push(name);
      } catch (error) {
        // Someone else holds the address in the registry: a conflict to look at, not to overwrite.
        if (!(error instanceof AllocationConflictError)) throw error;
      }
    }
  });
  return adopted;
}
