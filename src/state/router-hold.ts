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
   * A router's poll succeeded: whether its table is held from the index (its first read, large, other
   * routers' first polls still out). `before` is its entry before this poll.
   */
  routerRead(
    name: string,
    before: HoldEntry,
    routes: number,
    devices: Readonly<Record<string, HoldEntry>>,
  ): boolean {
    if (this.held.has(name)) return true;
    if (before.snapshot !== null || routes < this.minRoutes) return false;
    const others = Object.values(devices).some((entry) => entry.spec.name !== name && awaited(entry));
    if (!others) return false;
    this.held.add(name);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.release()) this.onTimeout();
      }, JOIN_HOLD_MS);
      this.timer.unref?.();
    }
    return true;
  }

  /** Whether the held routers may join now: no other router's first poll is still out. */
  othersDone(devices: Readonly<Record<string, HoldEntry>>): boolean {
    return (
      this.held.size > 0 &&
      !Object.values(devices).some((entry) => !this.held.has(entry.spec.name) && awaited(entry))
    );
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
