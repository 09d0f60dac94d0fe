/**
 * One entry of the workload index made complete: its views from the routers (in router order), the
 * announcers the routers infer for hosts that cannot be read, and the problems an engineer should see.
 */
import type { DeviceSnapshot } from '../model/snapshot.ts';
import { sameList } from './index-inputs.ts';
import { viewOf, type RouterCache, type RouterView } from './router-views.ts';
import type { Announcer, WorkloadEntry } from './workload-entry.ts';

/** A router as the index reads it: its last snapshot and the views derived from its tables. */
export type IndexRouter = { name: string; snapshot: DeviceSnapshot; cache: RouterCache };

/** The view the entry holds from `router` (null: none). */
export function heldView(entry: WorkloadEntry, router: string): RouterView | null {
  for (const view of entry.seenBy) if (view.router === router) return view;
  return null;
}

/**
 * `entry` of the last build with the views of routers read for the first time since (`joined`) — held
 * views of the others as they were, in router order — and, when a joined router routes the prefix via
 * a host that cannot be read, the announcers inferred from the routers again (per router in order, as
 * rebuildTouched infers them); its conflicts again. What withViews and rebuildTouched would give it
 * (index-host-delta.test.ts compares with full builds), without looking up the views it holds: at a
 * starting console's router joins this runs for every one of 100k entries.
 */
export function joinedEntry(
  entry: WorkloadEntry,
  routers: readonly IndexRouter[],
  joined: ReadonlySet<string>,
  down: ReadonlyMap<string, string>,
): WorkloadEntry {
  const key = `${entry.vrf}|${entry.prefix}`;
  const seenBy: RouterView[] = [];
  let held = 0;
  let viaDown = false;
  for (const r of routers) {
    let view: RouterView | null = null;
    if (joined.has(r.name)) {
      view = viewOf(r.name, r.snapshot, r.cache, key, entry);
      if (view && down.size > 0)
        for (const hop of view.nexthops)
          if (hop.viaHost !== undefined && down.has(hop.viaHost)) viaDown = true;
    } else if (entry.seenBy[held]?.router === r.name) view = entry.seenBy[held++]!;
    if (view) seenBy.push(view);
  }
  let announcers = entry.announcers;
  // Inferred announcers only for a tenant's prefix (rebuildTouched's ownerOf), as the routers say now.
  if (viaDown && entry.tenant !== null) {
    announcers = announcers.filter((a) => a.source === 'host');
    for (const view of seenBy)
      for (const hop of view.nexthops) {
        const host = hop.viaHost;
        if (host === undefined || !down.has(host) || announcers.some((a) => a.host === host)) continue;
        announcers.push(inferredAnnouncer(host, down));
      }
  }
  // The routers infer what they did (the common case): the held array stays (finishEntry's trim would
  // copy it), which what is derived from entries — the Workloads grouping — keys by.
  const kept = sameList(announcers, entry.announcers, sameAnnouncer);
  const next: WorkloadEntry = {
    vrf: entry.vrf,
    prefix: entry.prefix,
    family: entry.family,
    tenant: entry.tenant,
    announcers,
    seenBy,
    conflicts: [],
  };
  finishEntry(next, down, routers);
  if (kept) next.announcers = entry.announcers;
  return next;
}

/** An entry's views from every router and its conflicts. */
export function withViews(
  entry: WorkloadEntry,
  key: string,
  routers: readonly IndexRouter[],
  down: ReadonlyMap<string, string>,
): WorkloadEntry {
  for (const r of routers) {
    const view = viewOf(r.name, r.snapshot, r.cache, key, entry);
    if (view) entry.seenBy.push(view);
  }
  finishEntry(entry, down, routers);
  return entry;
}

/**
 * The last step of building an entry (its announcers and views are complete): the problems an engineer
 * should see on it, and its arrays trimmed to their length.
 */
export function finishEntry(
  entry: WorkloadEntry,
  down: ReadonlyMap<string, string>,
  routers: readonly { name: string }[],
): void {
  {
    const hosts = new Set(entry.announcers.map((announcer) => announcer.host));
    if (hosts.size > 1) entry.conflicts.push(`announced from ${hosts.size} hosts: ${[...hosts].join(', ')}`);
    for (const host of hosts) {
      const problem = down.get(host);
      const routed = entry.seenBy.some((view) => view.nexthops.some((hop) => hop.viaHost === host));
      if (problem && routed)
        entry.conflicts.push(
          `${problem.replace('host', `host ${host}`)} — routers still route it via ${host}`,
        );
    }
    if (entry.tenant === null) entry.conflicts.push('not in any tenant pool');
    if (entry.seenBy.length < routers.length) {
      const blind = routers.filter(({ name }) => !entry.seenBy.some((view) => view.router === name));
      if (blind.length > 0) entry.conflicts.push(`not seen by ${blind.map(({ name }) => name).join(', ')}`);
    }
  }
  // The entry is complete: its arrays at their length. An array grown by push from empty holds 17
  // slots (184 bytes) for its one to four items — at 1,000 hosts, 100k entries held ~40 MB that way.
  entry.announcers = entry.announcers.slice();
  entry.seenBy = entry.seenBy.slice();
  if (entry.conflicts.length > 0) entry.conflicts = entry.conflicts.slice();
}

const sameAnnouncer = (x: Announcer, y: Announcer): boolean =>
  x === y ||
  (x.host === y.host &&
    x.source === y.source &&
    x.interface === y.interface &&
    x.metric === y.metric &&
    x.hostProblem === y.hostProblem);

/** An announcer only the routers tell of: they route the prefix via `host`, which cannot be read. */
export function inferredAnnouncer(host: string, down: ReadonlyMap<string, string>): Announcer {
  return { host, interface: null, metric: null, source: 'routers', hostProblem: down.get(host)! };
}
