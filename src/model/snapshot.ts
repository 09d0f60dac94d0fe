import type { BgpSession } from './bgp.ts';
import type { GuardState } from './guard.ts';
import type { NetInterface, VrfInfo } from './interface.ts';
import type { OverlayState } from './overlay.ts';
import type { RouteTable } from './route-table.ts';
import type { WorkloadRoute } from './workload.ts';

/**
 * When the route tables were last read, and the cheap signature that says whether they changed since
 * (src/drivers/route-check.ts): BGP's per-VRF/AFI table versions and the interfaces' digest.
 */
export interface RouteCheck {
  versions: string;
  interfaces: string;
  /** When this signature was first seen. */
  since: number;
  /** The last read of any table; `fullAt`: of all of them. */
  readAt: number;
  fullAt: number;
  /** Tables (`vrf/afi`, `*` for all) whose change was not yet read SETTLE_MS after it, with when it was seen. */
  moved: Readonly<Record<string, number>>;
  /**
   * Moved tables' `version/ribCount` when last read whole, while their change is not settled: their
   * next reads ask FRR for what changed since then (drivers/route-delta.ts).
   */
  bases?: Readonly<Record<string, string>>;
  /** Nothing in `moved`: every table was read once its change had held long enough for zebra to install it. */
  settled: boolean;
}

/** After a route change, sessions' prefix counters held from an older read are re-read once it is this old. */
export const BGP_COUNTERS_MS = 30_000;
/** …at the first poll where routes do not move, or once it is this old however much they move. */
export const BGP_COUNTERS_MAX_MS = 120_000;

/** One device's live state, as its driver collected it in one poll. */
export interface DeviceSnapshot {
  device: string;
  collectedAt: number;
  bgp: BgpSession[];
  /**
   * Set when BGP's tables changed since the sessions' prefix counters (received/sent) were read, to
   * when they were read: the sessions' states are confirmed by this poll, those counters are older
   * (drivers/bgp-probe.ts re-reads them once routes are quiet, within BGP_COUNTERS_MAX_MS).
   */
  bgpCountersAt?: number;
  /**
   * When the sessions in `bgp` were read, when before this poll (the probes confirmed them unchanged
   * since): their `uptimeMs` is as of then — use `uptimeAsOfPoll` (model/bgp.ts).
   */
  bgpReadAt?: number;
  routes: RouteTable;
  interfaces: NetInterface[];
  vrfs: VrfInfo[];
  workloadRoutes: WorkloadRoute[];
  /** Routers only: WireGuard, VXLAN/EVPN, VRRP (absent where the driver does not collect it). */
  overlay?: OverlayState;
  /** Hypervisors: the anti-spoofing table (absent on routers, or when it could not be read). */
  guard?: GuardState;
  /** Parts that failed while others succeeded (e.g. `bgp: …`); non-empty means the device is degraded. */
  partialErrors: string[];
  /** Routers: the route tables' change check; absent when the tables are read at every poll. */
  routeCheck?: RouteCheck;
  /**
   * Listings this poll parsed, by part, with the SHA-256 of their text: the next poll asks the device
   * for the digest only and keeps these while it matches (drivers/digest.ts). Opaque outside the driver.
   */
  held?: Readonly<Record<string, { sha: string; value: unknown }>>;
}
