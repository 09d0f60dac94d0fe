/** Lines between bench/fleet.ts (the lab) and bench/fleet/console.ts (the console measured). */
export type FleetCommand =
  | {
      type: 'start';
      inventoryPath: string;
      expectedPrefixes: number;
      steadyMs: number;
      watch: { prefix: string; vrf: string };
    }
  | { type: 'steady' }
  | { type: 'watch-switch'; host: string }
  | { type: 'slow-window'; slowHost: string }
  | { type: 'report' };

export interface FleetChildReport {
  firstPictureMs: number;
  prefixes: number;
  steadyMs: number;
  cpuPercent: number;
  peakRssMB: number;
  keys: { count: number; p50: number; p99: number };
  slow: { windowMs: number; otherIntervalP50Ms: number; otherIntervalMaxMs: number; slowHostPolls: number };
}
