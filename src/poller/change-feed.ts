/**
 * The devices' change feeds (routers' route monitors, drivers/route-watch.ts) as the poller keeps them:
 * opened after a successful poll, one a device at most; one that could not be opened or ended is tried
 * again after WATCH_RETRY_MS, doubling to WATCH_RETRY_MAX_MS (one that ran longer than that is a drop:
 * tried again soon); each opening and end is told to the store (the events, `+mon` in Devices). What a
 * feed's signal does to the poll schedule is the poller's (poller.ts wake()).
 */
import type { DeviceSpec } from '../model/device.ts';

/** What the poller holds of a change feed (drivers/route-watch.ts RouteWatch, by shape). */
export interface ChangeFeed {
  readonly ended: Promise<string>;
  close(): void;
}

export const WATCH_RETRY_MS = 5_000;
export const WATCH_RETRY_MAX_MS = 10 * 60_000;

interface FeedState {
  feed: ChangeFeed | null;
  opening: boolean;
  retryAt?: number;
  retryMs?: number;
}

export class ChangeFeeds {
  private readonly states = new Map<string, FeedState>();
  private closed = false;

  constructor(
    private readonly openFeed: (spec: DeviceSpec, changed: () => void) => Promise<ChangeFeed | null>,
    private readonly now: () => number,
    private readonly tell: (device: string, on: boolean, at: number, why?: string) => void,
  ) {}

  /** Opens `spec`'s feed if it has none and its retry time has come; `current` says the poller still wants it. */
  async open(spec: DeviceSpec, changed: () => void, current: () => boolean): Promise<void> {
    let state = this.states.get(spec.name);
    if (!state) this.states.set(spec.name, (state = { feed: null, opening: false }));
    if (this.closed || state.feed || state.opening) return;
    if (state.retryAt !== undefined && this.now() < state.retryAt) return;
    state.opening = true;
    const s = state;
    const retry = () => {
      s.retryMs = Math.min((s.retryMs ?? WATCH_RETRY_MS / 2) * 2, WATCH_RETRY_MAX_MS);
      s.retryAt = this.now() + s.retryMs;
    };
    let feed: ChangeFeed | null = null;
    try {
      feed = await this.openFeed(spec, changed);
    } catch {
      feed = null;
    }
    s.opening = false;
    if (!feed) return retry();
    if (this.closed || !current()) return feed.close();
    s.feed = feed;
    const openedAt = this.now();
    this.tell(spec.name, true, openedAt);
    void feed.ended.then((why) => {
      if (s.feed !== feed) return;
      s.feed = null;
      // One that ran a while is a drop, not a refusal: tried again soon.
      if (this.now() - openedAt > WATCH_RETRY_MAX_MS) s.retryMs = undefined;
      retry();
      if (!this.closed) this.tell(spec.name, false, this.now(), why);
    });
  }

  /** Feeds may open again (the poller started again after a stop). */
  resume(): void {
    this.closed = false;
  }

  closeAll(): void {
    this.closed = true;
    for (const state of this.states.values()) {
      const feed = state.feed;
      state.feed = null;
      feed?.close();
    }
  }
}
