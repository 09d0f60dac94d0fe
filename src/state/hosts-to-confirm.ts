/**
 * A workload moved by someone else (another console, a hypervisor's own tooling): the routers switch
 * and their polls show it at once (their route monitors), but the Workloads view's HOST column comes from
 * the hosts' own tables, read every 10 s at fleet size — the row would show the old host for seconds
 * while its routers show the new one. When an index build leaves an entry whose router routes it via a
 * host that does not announce it, that host and the ones announcing it are worth a poll now: what they
 * say is what the row shows (nothing here is shown; it only decides whom to poll sooner).
 * Cost proportional to change: only entries whose object changed since the last build are looked at
 * (the index keeps untouched entries' objects in place).
 */
import type { WorkloadEntry } from './workload-entry.ts';

/** More hosts than this at once (a router reset moves everything): the regular polls will do. */
export const MAX_HOSTS_TO_CONFIRM = 16;

export function hostsToConfirm(
  before: readonly WorkloadEntry[],
  after: readonly WorkloadEntry[],
  known: (host: string) => boolean,
): string[] {
  // A build that added or removed entries moved the others' places: not a migration's shape.
  if (before.length !== after.length || before === after) return [];
  const out = new Set<string>();
  for (let i = 0; i < after.length; i++) {
    const entry = after[i]!;
    if (entry === before[i]) continue;
    const announced = new Set(entry.announcers.map((a) => a.host));
    let routedElsewhere = false;
    for (const view of entry.seenBy) {
      if (!view.selected) continue;
      for (const hop of view.nexthops)
        if (hop.viaHost !== undefined && !announced.has(hop.viaHost) && known(hop.viaHost)) {
          out.add(hop.viaHost);
          routedElsewhere = true;
        }
    }
    if (routedElsewhere) for (const host of announced) if (known(host)) out.add(host);
    if (out.size > MAX_HOSTS_TO_CONFIRM) return [];
  }
  return [...out];
}
