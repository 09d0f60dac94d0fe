/** What the workload index holds per workload prefix (workload-index.ts builds it). */
import type { Family } from '../model/route.ts';
import type { RouterView } from './router-views.ts';

export interface Announcer {
  host: string;
  /** The TAP; null when only the routers tell (the host could not be read). */
  interface: string | null;
  metric: number | null;
  /** `host`: the host's own table routes it to a TAP; `routers`: routers route it via the host, which could not be read. */
  source: 'host' | 'routers';
  /** Why the host's own view is missing or old (`host unreachable`, …); null when its last poll succeeded. */
  hostProblem: string | null;
}

export interface WorkloadEntry {
  vrf: string;
  prefix: string;
  family: Family;
  /** Tenant whose pool holds the prefix; null when no tenant owns it ("announced but unknown"). */
  tenant: string | null;
  announcers: Announcer[];
  seenBy: RouterView[];
  /** Problems an engineer should see: announced from two hosts, not in any tenant pool, not seen by a router. */
  conflicts: string[];
}
