import type { DeviceRole, DeviceSpec } from '../model/device.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import { DEFAULT_POLL_INTERVAL_MS } from '../state/freshness.ts';
import type { AppStore } from '../state/store.ts';
import { OutputLimitError, SshTransportError } from '../transport/ssh/errors.ts';
import { ChangeFeeds, type ChangeFeed } from './change-feed.ts';
import { Semaphore } from './semaphore.ts';
import type { PollContext } from './watched-runner.ts';

export { WATCH_RETRY_MAX_MS, WATCH_RETRY_MS, type ChangeFeed } from './change-feed.ts';

export interface PollerOptions {
  store: AppStore;
  /** Reads one device; `context` stops it when the poll gives up and hears that answers still arrive. */
  collect: (spec: DeviceSpec, context: PollContext) => Promise<DeviceSnapshot>;
  intervalMs?: Partial<Record<DeviceRole, number>>;
  /** Hypervisor polls a second at most (default HOST_POLLS_PER_SECOND): past it their interval stretches. */
  hostPollsPerSecond?: number;
  concurrency?: number;
  /** Upper bound of the failure backoff. */
  maxBackoffMs?: number;
  /**
   * A poll during which the device answered nothing for this long fails (the device is then slow, not
   * silently stale); one whose answers keep coming (a router's first 100k-route read on a busy link) goes
   * on, up to `pollMaxMs`. Either way the poll's commands are stopped.
   */
  pollTimeoutMs?: number;
  /** The most a poll may take however much it is still receiving (default 10 × pollTimeoutMs, at least 5 min). */
  pollMaxMs?: number;
  now?: () => number;
  /**
   * A device's change feed (routers: drivers/route-watch.ts): `changed` says its routes may have moved,
   * and a poll starts then rather than at the interval. Null: the device is polled at its interval only.
   * Opened after a successful poll; one that ends is opened again after a later one (with backoff).
   */
  watch?: (spec: DeviceSpec, changed: () => void) => Promise<ChangeFeed | null>;
  /** A poll a change feed asks for starts no sooner than this after the last poll started (default WAKE_GAP_MS). */
  wakeGapMs?: number;
}

/**
 * A device whose changes keep coming (a fabric in churn) is polled at most this often for them: each
 * poll reads only what changed, so this bounds what a storm of route changes costs the console and
 * the device (four polls a second of a router's digests and deltas), not how soon a change is seen.
 */
export const WAKE_GAP_MS = 250;

/**
 * Polls at once when not configured: 16, or one per 16 devices up to 64. A poll mostly waits on the
 * network and the device; at 1,000 hosts 16 slots made the first round take minutes with both CPUs
 * partly idle (`npm run bench -- fleet`). Still bounded: a large fleet never means a thousand sessions.
 */
export function defaultConcurrency(devices: number): number {
  return Math.min(64, Math.max(16, Math.ceil(devices / 16)));
}

export const DEFAULT_INTERVAL_MS: Record<DeviceRole, number> = DEFAULT_POLL_INTERVAL_MS;

/**
 * Hypervisor polls a second, at most. Watching a fleet costs the console in proportion to its polls:
 * at 1,000 hosts every 3 s (the lab's interval) that is 333 a second, most of a core for digests that
 * say nothing changed. Past this budget the hosts' interval stretches (1,000 hosts: 10 s, the production
 * default); the routers keep theirs — their BGP sessions show a host going down within their interval —
 * and a host a workflow touches is polled fast regardless (pollFast). Views judge staleness by the
 * stretched interval (setPollIntervals), so a host is never drawn stale for it.
 */
export const HOST_POLLS_PER_SECOND = 100;

/** Errors that mean the device could not be reached at all, as opposed to a reachable device answering badly. */
export function isUnreachableError(error: unknown): boolean {
  if (error instanceof PollTimeoutError) return true;
  return error instanceof SshTransportError && !(error instanceof OutputLimitError);
}

class PollTimeoutError extends Error {
  override name = 'PollTimeoutError';
}

interface DeviceTimer {
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  /** The one poll queued behind the running one for callers that need a poll started after they asked. */
  queued: Promise<void> | null;
  failures: number;
  /** When the last poll started (a change feed's wake waits WAKE_GAP_MS past it). */
  lastStart?: number;
  /** A change came while a poll ran: poll again once it is done (it may have read before the change). */
  woken?: boolean;
  /** The feed announced a change since the last poll started: the next poll is told (PollContext.woken). */
  changedSince?: boolean;
  /** Polls in a row the feed asked for that found the routes as they were (a noisy feed): see wakeDelay. */
  quietWakes?: number;
  /** When the feed last said something (a wake after a quiet interval forgets quietWakes). */
  lastWakeAt?: number;
  /** tick() is between starting its poll and arming the next timer (it sees `woken` itself). */
  ticking?: boolean;
  /** pollNow named this device among a few, or pollFast: its next poll is watched (PollContext.watched). */
  watchNext?: boolean;
}

/** pollNow naming at most this many devices watches them (a whole-fabric pollNow does not). */
export const WATCHED_BY_NAME_MAX = 16;

/**
 * Decides when to collect what from whom. One run per device at a time: a tick that finds the previous
 * run still going is dropped rather than queued, so a slow device never piles up work (k9s does the same).
 */
export class Poller {
  private readonly devices = new Map<string, DeviceTimer>();
  private readonly semaphore: Semaphore;
  private readonly fast = new Map<string, { intervalMs: number; until: number }>();
  private stopped = true;

  private readonly hostFloorMs: number;

  /** The devices' change feeds (route monitors), when the poller was given a way to open them. */
  private readonly feeds: ChangeFeeds | null;

  constructor(private readonly options: PollerOptions) {
    this.feeds = options.watch
      ? new ChangeFeeds(
          options.watch,
          () => this.now(),
          (name, on, at, why) => options.store.getState().setChangeFeed(name, on, at, why),
        )
      : null;
    const hosts = this.specs().filter((spec) => spec.role === 'hypervisor').length;
    this.hostFloorMs = Math.ceil((hosts * 1000) / (options.hostPollsPerSecond ?? HOST_POLLS_PER_SECOND));
    this.semaphore = new Semaphore(options.concurrency ?? defaultConcurrency(this.specs().length));
    // Views judge staleness by the interval this poller really uses, not a constant of their own.
    options.store
      .getState()
      .setPollIntervals(Object.fromEntries(this.specs().map((spec) => [spec.name, this.baseInterval(spec)])));
  }

  private baseInterval(spec: DeviceSpec): number {
    const configured = this.options.intervalMs?.[spec.role] ?? DEFAULT_INTERVAL_MS[spec.role];
    return spec.role === 'hypervisor' ? Math.max(configured, this.hostFloorMs) : configured;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private specs(): DeviceSpec[] {
    const state = this.options.store.getState();
    return state.deviceOrder.map((name) => state.devices[name]!.spec);
  }

  /** Polling on its own (start() called, stop() not): not a one-shot read. */
  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    this.stopped = false;
    this.feeds?.resume();
    for (const spec of this.specs()) {
      this.devices.set(spec.name, { timer: null, running: null, queued: null, failures: 0 });
      void this.tick(spec);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.devices.values()) {
      if (entry.timer) clearTimeout(entry.timer);
    }
    this.feeds?.closeAll();
  }

  /**
   * The device's change feed said something moved: poll it now (WAKE_GAP_MS after the last poll
   * started at the soonest), or, while a poll runs, once more right after it.
   */
  private wake(spec: DeviceSpec, entry: DeviceTimer): void {
    if (this.stopped || this.devices.get(spec.name) !== entry) return;
    entry.changedSince = true;
    const now = this.now();
    if (entry.lastWakeAt !== undefined && now - entry.lastWakeAt >= this.intervalFor(spec, 0))
      entry.quietWakes = 0;
    entry.lastWakeAt = now;
    if (entry.running) {
      if (entry.woken) return;
      entry.woken = true;
      // A poll tick() started sees `woken` when it arms its next timer; another (pollNow's) does not.
      if (!entry.ticking)
        void entry.running.then(() => {
          if (!entry.woken || entry.ticking) return;
          entry.woken = false;
          this.wake(spec, entry);
        });
      return;
    }
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.tick(spec), this.wakeDelay(spec, entry));
    entry.timer.unref?.();
  }

  /**
   * How long after the last poll's start a woken one may start: WAKE_GAP_MS, doubled for each woken
   * poll in a row past the first that found the routes as they were (kernel routes FRR does not hold —
   * an RA's default route refreshed, a DHCP lease — move the monitor too), up to the device's interval:
   * a noisy feed costs at most what interval polling costs. One quiet poll is normal: the poll after
   * the one that read a change, for lines that came while it ran. A feed quiet for an interval is
   * trusted again.
   */
  private wakeDelay(spec: DeviceSpec, entry: DeviceTimer): number {
    const base = this.options.wakeGapMs ?? WAKE_GAP_MS;
    const doublings = Math.min(Math.max(0, (entry.quietWakes ?? 0) - 1), 16);
    const gap = Math.min(base * 2 ** doublings, this.intervalFor(spec, 0));
    return Math.max(0, (entry.lastStart ?? -Infinity) + gap - this.now());
  }

  /**
   * Polls now (all devices or the named ones) and resolves when a poll of each that started after
   * this call is done: a poll already running may have read the device before a change the caller
   * just made, so it is followed by one more (shared by every caller that asked meanwhile).
   */
  async pollNow(names?: string[]): Promise<void> {
    const specs = this.specs().filter((spec) => !names || names.includes(spec.name));
    if (names && specs.length <= WATCHED_BY_NAME_MAX)
      for (const spec of specs) this.entryFor(spec).watchNext = true;
    await Promise.all(specs.map((spec) => this.runFresh(spec)));
    // What the caller reads next (the workload index included) reflects these polls.
    this.options.store.getState().flushIndex();
  }

  /** Poll some devices faster for a while (during a migration the routers are watched closely). */
  pollFast(names: string[], intervalMs: number, forMs: number): void {
    const until = this.now() + forMs;
    for (const name of names) {
      this.fast.set(name, { intervalMs, until });
      const entry = this.devices.get(name);
      // The first poll started from now is watched: the caller just changed the device (a workflow's
      // step); the fast polls after it mostly find it as it was, and read what they must ask for.
      if (entry) entry.watchNext = true;
      const spec = this.specs().find((candidate) => candidate.name === name);
      if (entry && spec && !entry.running) {
        if (entry.timer) clearTimeout(entry.timer);
        void this.tick(spec);
      }
    }
  }

  private intervalFor(spec: DeviceSpec, failures: number): number {
    const fast = this.fast.get(spec.name);
    if (fast && fast.until > this.now() && failures === 0) return fast.intervalMs;
    const base = this.baseInterval(spec);
    if (failures === 0) return base;
    return Math.min(base * 2 ** Math.min(failures, 10), this.options.maxBackoffMs ?? 60_000);
  }

  private async tick(spec: DeviceSpec): Promise<void> {
    const ticked = this.devices.get(spec.name);
    if (ticked) ticked.ticking = true;
    try {
      await this.runOnce(spec);
    } finally {
      if (ticked) ticked.ticking = false;
    }
    if (this.stopped) return;
    const entry = this.devices.get(spec.name);
    if (!entry) return;
    // A change the feed announced during that poll: poll again soon, it may have read before it.
    const woken = entry.woken === true && entry.failures === 0;
    entry.woken = false;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(
      () => void this.tick(spec),
      woken ? this.wakeDelay(spec, entry) : this.intervalFor(spec, entry.failures),
    );
    entry.timer.unref?.();
  }

  private entryFor(spec: DeviceSpec): DeviceTimer {
    let entry = this.devices.get(spec.name);
    if (!entry) {
      entry = { timer: null, running: null, queued: null, failures: 0 };
      this.devices.set(spec.name, entry);
    }
    return entry;
  }

  private runFresh(spec: DeviceSpec): Promise<void> {
    const entry = this.entryFor(spec);
    if (!entry.running) return this.runOnce(spec, true);
    if (!entry.queued) {
      const queued = entry.running.then(() => {
        if (entry.queued === queued) entry.queued = null;
        return this.runOnce(spec, true);
      });
      entry.queued = queued;
    }
    return entry.queued;
  }

  /**
   * Routers, devices watched closely (a migration) and polls a caller waits for go ahead of the
   * routine host polls in the queue for a slot.
   */
  private priorityOf(spec: DeviceSpec, fresh: boolean): number {
    if (fresh || spec.role === 'router') return 0;
    const fast = this.fast.get(spec.name);
    return fast && fast.until > this.now() ? 0 : 1;
  }

  private runOnce(spec: DeviceSpec, fresh = false): Promise<void> {
    const entry = this.entryFor(spec);
    if (entry.running) return entry.running;
    const current = entry;
    current.running = this.semaphore
      .run(() => this.collectOne(spec, current), this.priorityOf(spec, fresh))
      .finally(() => {
        current.running = null;
      });
    return current.running;
  }

  private async collectOne(spec: DeviceSpec, entry: DeviceTimer): Promise<void> {
    const store = this.options.store.getState();
    entry.lastStart = this.now();
    store.pollStarted(spec.name, entry.lastStart);
    const idleMs = this.options.pollTimeoutMs ?? 30_000;
    const maxMs = this.options.pollMaxMs ?? Math.max(10 * idleMs, 300_000);
    const controller = new AbortController();
    let lastAnswer = Date.now();
    let idleTimer: NodeJS.Timeout | undefined;
    let maxTimer: NodeJS.Timeout | undefined;
    const wake = entry.changedSince === true;
    entry.changedSince = false;
    // A noisy feed's polls are not told they were woken (a woken poll asks more: route-prefetch.ts).
    const woken = wake && (entry.quietWakes ?? 0) < 2;
    const watched = entry.watchNext === true;
    entry.watchNext = false;
    const context: PollContext = {
      ...(woken ? { woken } : {}),
      ...(watched ? { watched } : {}),
      signal: controller.signal,
      progress: () => {
        lastAnswer = Date.now();
      },
    };
    try {
      const snapshot = await Promise.race([
        this.options.collect(spec, context),
        new Promise<never>((_, reject) => {
          const giveUp = (message: string) => {
            const error = new PollTimeoutError(message);
            reject(error);
            controller.abort(error);
          };
          // Re-armed for what is left of the window after the last answer (no timer per chunk).
          const watchIdle = (ms: number) => {
            idleTimer = setTimeout(() => {
              const quiet = Date.now() - lastAnswer;
              if (quiet >= idleMs) giveUp(`no answer within ${idleMs / 1000} s`);
              else watchIdle(idleMs - quiet);
            }, ms);
          };
          watchIdle(idleMs);
          maxTimer = setTimeout(
            () => giveUp(`still answering after ${maxMs / 1000} s: stopped (a poll may take at most that)`),
            maxMs,
          );
        }),
      ]);
      entry.failures = 0;
      if (wake) {
        // Found the routes as they were (the driver keeps the table object then): a quiet wake.
        const before = this.options.store.getState().devices[spec.name]?.snapshot;
        entry.quietWakes = before && snapshot.routes === before.routes ? (entry.quietWakes ?? 0) + 1 : 0;
      }
      this.options.store.getState().pollSucceeded(spec.name, snapshot);
      if (!this.stopped)
        void this.feeds?.open(
          spec,
          () => this.wake(spec, entry),
          () => !this.stopped && this.devices.get(spec.name) === entry,
        );
    } catch (error) {
      // The change it was told of may not have been read: the next poll is told again.
      if (wake) entry.changedSince = true;
      entry.failures++;
      const message = error instanceof Error ? error.message : String(error);
      this.options.store
        .getState()
        .pollFailed(spec.name, message, this.now(), isUnreachableError(error) ? 'unreachable' : 'degraded');
    } finally {
      clearTimeout(idleTimer);
      clearTimeout(maxTimer);
    }
  }
}
