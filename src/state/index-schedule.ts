/**
 * When the store rebuilds the workload index (issue 16): at once below a size, coalesced above it —
 * one build at most every few times the last build's duration, sooner for what a watched migration
 * waits for, and a starting fleet's routers held until they can join together (router-hold.ts).
 * The store says what changed; this decides when `rebuild` runs.
 */
import { RouterJoinHold } from './router-hold.ts';

/**
 * From this many entries on, index rebuilds are coalesced: one build at most every few times the last
 * build's duration (so rebuilding takes at most a fraction of a core while a 1,000-host fabric reports
 * in), and `flushIndex` (the poller's `pollNow` calls it) builds at once. Below it every change
 * rebuilds at once, as small labs and the tests expect. Decided by size, never by how fast the machine is.
 */
export const INDEX_DEFER_ABOVE = 5_000;
const INDEX_MIN_DELAY_MS = 200;
const INDEX_DELAY_FACTOR = 4;
/**
 * Until every device has answered (or failed) once, a build waits eight times the last one: a starting
 * fleet's first reads change the index hundreds of times, and each build is also a regroup and a redraw
 * of the Workloads view (together ~1.6× the build at 1,000 hosts) — the console's CPU goes to reading
 * the fleet. The last device's answer brings the waiting build to INDEX_MIN_DELAY_MS (`started`).
 */
const INDEX_START_DELAY_FACTOR = 8;
/**
 * The wait a build earns is capped: the routers' join at a fleet's start (router-hold.ts) is one build
 * of seconds, and four times it left the hosts read after it out of the index for ~16 s.
 */
const INDEX_MAX_DELAY_MS = 5_000;
/**
 * A host whose workload routes changed (not its first read) is indexed INDEX_MIN_DELAY_MS after the
 * change — a workflow's move, what the Workloads row's host waits for — up to MOVED_BURST such hosts
 * at once and one a second after that; more (a fleet restarting) wait as first reads do.
 */
const MOVED_BURST = 8;
const MOVED_PER_SECOND = 1;

export class IndexSchedule {
  /** Routers read first at a fleet's start, held to join the index together. */
  readonly hold: RouterJoinHold;
  private timer: NodeJS.Timeout | null = null;
  /** When the waiting build is due (on the build clock). */
  private due = 0;
  private lastBuildMs = 0;
  // Moved hosts that may still be indexed soon (a bucket refilled with time, see MOVED_BURST).
  private movedTokens = MOVED_BURST;
  private movedAt = Date.now();
  /** Not every device has answered once yet (see INDEX_START_DELAY_FACTOR). */
  private starting = true;

  constructor(
    private readonly o: {
      deferAbove: number;
      /** What times a build (which sets how long the next deferred one waits); performance.now. */
      clock: () => number;
      /** Entries in the index now. */
      size: () => number;
      /** Builds the index (reading `hold` for the devices it may see). */
      rebuild: () => void;
      /** A build is waiting (the screen says the index is catching up). */
      pending: () => void;
    },
  ) {
    this.hold = new RouterJoinHold(o.deferAbove, () => this.changed(true));
  }

  /** Builds now. */
  build(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const started = this.o.clock();
    this.o.rebuild();
    this.lastBuildMs = this.o.clock() - started;
  }

  /** Builds now if a build waits or routers are held (a caller reads the index next). */
  flush(): void {
    if (this.hold.release() || this.timer) this.build();
  }

  /**
   * Something the index reads changed. `soon`: a router's tables, or a few hosts' workload routes —
   * what a migration being watched waits for, and rare: built INDEX_MIN_DELAY_MS after it, not after
   * the wait the last build earned (a router's change costs a build many times a host's).
   */
  changed(soon = false): void {
    if (this.o.size() < this.o.deferAbove) return this.build();
    const factor = this.starting ? INDEX_START_DELAY_FACTOR : INDEX_DELAY_FACTOR;
    const delay = soon
      ? INDEX_MIN_DELAY_MS
      : Math.min(INDEX_MAX_DELAY_MS, Math.max(INDEX_MIN_DELAY_MS, factor * this.lastBuildMs));
    const at = this.o.clock() + delay;
    if (this.timer && this.due <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.o.pending();
    this.due = at;
    this.timer = setTimeout(() => this.build(), delay);
    this.timer.unref?.();
  }

  /**
   * Every device has answered (or failed) once: from now on builds wait INDEX_DELAY_FACTOR times the
   * last, and one waiting now comes INDEX_MIN_DELAY_MS from now — the first complete picture is not
   * held back by the start's longer waits.
   */
  started(): void {
    if (!this.starting) return;
    this.starting = false;
    if (this.timer) this.changed(true);
  }

  /** A host's workload routes moved (not its first read): whether it may be indexed soon. */
  hostMoved(): boolean {
    const now = Date.now();
    this.movedTokens = Math.min(
      MOVED_BURST,
      this.movedTokens + ((now - this.movedAt) / 1000) * MOVED_PER_SECOND,
    );
    this.movedAt = now;
    if (this.movedTokens < 1) return false;
    this.movedTokens--;
    return true;
  }
}
