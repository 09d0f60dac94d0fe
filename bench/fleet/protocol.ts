/** Lines between bench/fleet.ts (the lab) and bench/fleet/console.ts (the console measured). */
export type FleetCommand =
  | {
      type: 'start';
      inventoryPath: string;
      /** The registry the console opens, as a fleet's second start finds it (every workload recorded). */
      registryPath: string;
      expectedPrefixes: number;
      steadyMs: number;
      watch: { prefix: string; vrf: string };
    }
  | { type: 'settle' }
  | { type: 'steady' }
  | { type: 'watch-switch'; host: string; mode: 'watch' | 'execute' }
  /** The announcing step's command returned: the executor's verification starts (execute mode). */
  | { type: 'verify'; host: string }
  | { type: 'slow-window'; slowHost: string }
  /** Keys in other views than Workloads (the ones that hold every device's rows: BGP, Guard, Devices). */
  | { type: 'views' }
  | { type: 'report' };

export interface FleetChildReport {
  firstPictureMs: number;
  /** The console's CPU from its start to the first picture, and the collector's pauses within it. */
  start: { cpuMs: number; gcMs: number; majorGcMs: number; majorGcs: number };
  prefixes: number;
  /** From start until every router's route tables were read settled (the second, confirming read). */
  settledMs: number;
  /** Host polls done per second and the median time since each host's last poll, during the steady window. */
  hostPollsPerSecond: number;
  hostAgeP50Ms: number;
  /** Each router at the end of the steady window: poll error, partial errors, tables settled, full reads. */
  routers: {
    name: string;
    lastError: string | null;
    partialErrors: string[];
    settled: boolean | null;
    tableReads: number;
    /** Polls of this router that succeeded in the window (its bytes a minute depend on how many). */
    polls: number;
  }[];
  steadyMs: number;
  cpuPercent: number;
  peakRssMB: number;
  /** Right after a full GC at the start of the steady window: what is live, and what the process holds. */
  afterGc: {
    rssMB: number;
    heapUsedMB: number;
    heapTotalMB: number;
    externalMB: number;
    arrayBuffersMB: number;
    /** V8's own malloc'd memory (compiler zones, tables outside the heap): the rest of RSS is native. */
    mallocedMB: number;
  };
  keys: { count: number; p50: number; p99: number };
  /** Keystroke → frame in each of the views with a row per device or session, once the fleet is steady. */
  views?: { view: string; rows: string; count: number; p50: number; p99: number }[];
  slow: { windowMs: number; otherIntervalP50Ms: number; otherIntervalMaxMs: number; slowHostPolls: number };
}
