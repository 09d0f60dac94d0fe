/**
 * A starting console's routers joined into the workload index together. Each router's first table
 * gives every entry of the index its view: at 1,000 hosts (100k entries, 50k Workloads rows) a join
 * was 2–3 s of index build and regrouping, and the four routers' first reads arrive one after another
 * over ~15 s — four joins. So a large router table read first while other routers' first polls are
 * still out is held back from the index (the router's own views show it at once) until those polls
 * end, or JOIN_HOLD_MS after the first one held, or anything asks for the index now (flushIndex: a
 * workflow's pollNow); then the held routers join in one build. Decided by table size (the index's
 * `deferAbove`), never by time taken: small labs and the tests see each router as it is read.
 */
import type { DeviceSpec } from '../model/device.ts';

/** What the hold reads of a store's device entry. */
interface HoldEntry {
  spec: Pick<DeviceSpec, 'name' | 'role'>;
  snapshot: object | null;
  consecutiveFailures: number;
}

/** At most this long after the first router held, the held ones join whatever the others do. */
export const JOIN_HOLD_MS = 20_000;

/** A router whose first poll has not ended: no snapshot, no failure yet. */
function awaited(entry: HoldEntry): boolean {
  return entry.spec.role === 'router' && entry.snapshot === null && entry.consecutiveFailures === 0;
}

export class RouterJoinHold {
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Routes a router's table has from which its first read is held (the index's deferAbove). */
    private readonly minRoutes: number,
    /** Called when held routers are let go by the timer: the index is to be built soon. */
    private readonly onTimeout: () => void,
  ) {}

  /** How many routers are held back from the index now. */
  get size(): number {
    return this.held.size;
  }

  /**
   * A router's poll succeeded (its entry in `devices` is updated): true while its table stays out of
   * the index — its first read (`firstRead`), large, other routers' first polls still out. The last of
   * those polls ended: every held router is let go (`release` is true then; a build is due).
   */
  routerPolled(
    name: string,
    firstRead: boolean,
    routes: number,
    devices: Readonly<Record<string, HoldEntry>>,
  ): { held: boolean; released: boolean } {
    if (!Object.values(devices).some(awaited)) return { held: false, released: this.release() };
    if (this.held.has(name)) return { held: true, released: false };
    if (!firstRead || routes < this.minRoutes) return { held: false, released: false };
    this.held.add(name);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.release()) this.onTimeout();
      }, JOIN_HOLD_MS);
      this.timer.unref?.();
    }
    return { held: true, released: false };
  }

  /** A router's first poll failed: true when that let the held routers go (no other first poll out). */
  routerFailed(devices: Readonly<Record<string, HoldEntry>>): boolean {
    return this.held.size > 0 && !Object.values(devices).some(awaited) && this.release();
  }

  /** Lets every held router join; true when there were any. */
  release(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.held.size === 0) return false;
    this.held.clear();
    return true;
  }

  /** The devices as the index is to read them: held routers as not read yet. */
  forIndex<T extends HoldEntry>(devices: T[]): T[] {
    if (this.held.size === 0) return devices;
    return devices.map((entry) => (this.held.has(entry.spec.name) ? { ...entry, snapshot: null } : entry));
  }
}
