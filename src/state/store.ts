import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DeviceHealth, DeviceSpec } from '../model/device.ts';
import type { Route } from '../model/route.ts';
import { keepAnswers, withPrefixAnswer } from '../model/route-answer.ts';
import type { RouteTable } from '../model/route-table.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import type { TenantSpec } from '../model/workload.ts';
import { copyRecords } from './device-records.ts';
import { DEFAULT_POLL_INTERVAL_MS } from './freshness.ts';
import { sameIndexInputs } from './index-inputs.ts';
import { INDEX_DEFER_ABOVE, IndexSchedule } from './index-schedule.ts';
import { buildWorkloadIndex, type WorkloadEntry } from './workload-index.ts';

export interface DeviceEntry {
  spec: DeviceSpec;
  health: DeviceHealth;
  snapshot: DeviceSnapshot | null;
  lastError: string | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  polling: boolean;
  consecutiveFailures: number;
  /** The interval the poller polls this device at (set by the poller; freshness judges age by it). */
  pollIntervalMs: number;
  /** Its route monitor is open: a route change starts a poll at once, not at the interval (poller.ts). */
  changeFeed?: boolean;
}

export interface StoreEvent {
  at: number;
  device: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface SourceInfo {
  kind: 'inventory' | 'lab-sim' | 'lab-netns';
  /** What the header shows: the inventory's name, or `LAB (simulated)`. */
  label: string;
}

/** A colleague watching this console through `routedeck serve` (read-only). */
export interface Watcher {
  user: string;
  from: string;
  /** The authorized key's comment or fingerprint. */
  key: string;
}

export interface AppState {
  source: SourceInfo;
  devices: Record<string, DeviceEntry>;
  deviceOrder: string[];
  tenants: TenantSpec[];
  workloads: WorkloadEntry[];
  /** Times each session (`device|vrf|afi|peer`) left Established since the console started. */
  sessionFlaps: Record<string, number>;
  events: StoreEvent[];
  /** Who is watching this console right now (empty unless it is served). */
  watchers: Watcher[];
  setWatchers(watchers: Watcher[], at: number): void;
  /** The poller says how often it polls each device (its base interval, not the failure backoff). */
  setPollIntervals(intervals: Record<string, number>): void;
  pollStarted(device: string, at: number): void;
  /** The poller opened (`on`) or lost a device's change feed; a loss says why, in the events. */
  setChangeFeed(device: string, on: boolean, at: number, why?: string): void;
  pollSucceeded(device: string, snapshot: DeviceSnapshot): void;
  /**
   * A router's own answer for one prefix at `at` (a migration's verification asked it): put into its
   * held table at once, the workload index rebuilt for it — shown the moment the router switched, not
   * a poll later. A later poll whose table was read before `at` keeps the answer (model/route-answer.ts).
   */
  routeAnswered(device: string, vrf: string, prefix: string, rows: Route[], at: number): void;
  pollFailed(device: string, message: string, at: number, health: 'unreachable' | 'degraded'): void;
  /** Builds the workload index now if a rebuild is waiting (a deferred one, see `indexDeferAbove`). */
  flushIndex(): void;
  /** Whether `workloads` waits for a rebuild that is due (the screen says the index is catching up). */
  indexPending: boolean;
  /** Routers read but not yet in `workloads`: they wait for the other routers' first reads (router-hold.ts). */
  routersHeld: number;
}

export type AppStore = StoreApi<AppState>;

const MAX_EVENTS = 500;
/** A poll's start (the `polling` mark) shows at most this late when no other change comes first. */
const STARTS_MS = 100;

export function sessionKey(device: string, vrf: string, afiSafi: string, peer: string): string {
  return `${device}|${vrf}|${afiSafi}|${peer}`;
}

export function createAppStore(init: {
  source: SourceInfo;
  devices: DeviceSpec[];
  tenants: TenantSpec[];
  /** Defaults to INDEX_DEFER_ABOVE. */
  indexDeferAbove?: number;
  /** What times an index build (which sets how long the next deferred one waits); performance.now. */
  buildClock?: () => number;
}): AppStore {
  const devices: Record<string, DeviceEntry> = {};
  const names = init.devices.map((spec) => spec.name);
  for (const spec of init.devices) {
    devices[spec.name] = {
      spec,
      health: 'unknown',
      snapshot: null,
      lastError: null,
      lastAttemptAt: null,
      lastSuccessAt: null,
      polling: false,
      consecutiveFailures: 0,
      pollIntervalMs: DEFAULT_POLL_INTERVAL_MS[spec.role],
    };
  }
  return createStore<AppState>()((set, get) => {
    /**
     * Polls that started and are not in `devices` yet: each change copies the device record (1,004
     * devices at fleet size, 100 polls a second), so a start rides along with the next change of any
     * device, or shows at most STARTS_MS later — not a copy of its own.
     */
    const starts = new Map<string, number>();
    // Devices that have not answered (or failed) once yet: the last one's answer ends the start's longer
    // index waits (IndexSchedule.started).
    const unanswered = new Set(names);
    const answered = (name: string) => {
      if (unanswered.delete(name) && unanswered.size === 0) schedule.started();
    };
    // By the names the store was made with, into a dictionary-mode object (device-records.ts).
    const copyDevices = (from: Record<string, DeviceEntry>) => copyRecords(names, from);
    let startsTimer: NodeJS.Timeout | null = null;
    const withStarts = (devices: Record<string, DeviceEntry>): Record<string, DeviceEntry> => {
      if (startsTimer) clearTimeout(startsTimer);
      startsTimer = null;
      for (const [name, at] of starts) {
        const entry = devices[name];
        if (entry) devices[name] = { ...entry, polling: true, lastAttemptAt: at };
      }
      starts.clear();
      return devices;
    };
    const update = (
      name: string,
      change: (entry: DeviceEntry) => Partial<DeviceEntry>,
      events: StoreEvent[] = [],
      extra: Partial<AppState> = {},
    ) => {
      if (!get().devices[name]) return;
      set((state) => {
        const devices = withStarts(copyDevices(state.devices));
        const entry = devices[name]!;
        devices[name] = { ...entry, ...change(entry) };
        return {
          ...extra,
          devices,
          events: events.length > 0 ? [...state.events, ...events].slice(-MAX_EVENTS) : state.events,
        };
      });
    };
    const schedule = new IndexSchedule({
      deferAbove: init.indexDeferAbove ?? INDEX_DEFER_ABOVE,
      clock: init.buildClock ?? (() => performance.now()),
      size: () => get().workloads.length,
      rebuild: () => {
        const state = get();
        const { hold } = schedule;
        set({
          workloads: buildWorkloadIndex(hold.forIndex(Object.values(state.devices)), state.tenants),
          indexPending: hold.size > 0,
          routersHeld: hold.size,
        });
      },
      pending: () => set({ indexPending: true, routersHeld: schedule.hold.size }),
    });
    return {
      source: init.source,
      devices,
      deviceOrder: init.devices.map((spec) => spec.name),
      tenants: init.tenants,
      workloads: [],
      indexPending: false,
      routersHeld: 0,
      flushIndex: () => schedule.flush(),
      sessionFlaps: {},
      events: [],
      watchers: [],
      setWatchers: (watchers, at) => {
        const id = (w: Watcher) => `${w.user}@${w.from} (${w.key})`;
        const before = new Set(get().watchers.map(id));
        const after = new Set(watchers.map(id));
        const events: StoreEvent[] = [
          ...[...after].filter((w) => !before.has(w)).map((w) => `${w} started watching`),
          ...[...before].filter((w) => !after.has(w)).map((w) => `${w} stopped watching`),
        ].map((message) => ({ at, device: 'serve', level: 'info' as const, message }));
        set((state) => ({
          watchers: watchers.map((w) => ({ ...w })),
          events: events.length > 0 ? [...state.events, ...events].slice(-MAX_EVENTS) : state.events,
        }));
      },
      setPollIntervals: (intervals) =>
        set((state) => {
          const devices = copyDevices(state.devices);
          for (const [name, ms] of Object.entries(intervals)) {
            const entry = devices[name];
            if (entry && entry.pollIntervalMs !== ms) devices[name] = { ...entry, pollIntervalMs: ms };
          }
          return { devices };
        }),
      setChangeFeed: (name, on, at, why) =>
        set((state) => {
          const entry = state.devices[name];
          if (!entry || (entry.changeFeed ?? false) === on) return {};
          const message = on
            ? 'route monitor open: a route change polls it at once'
            : `route monitor ended (${why ?? 'no reason given'}): polled every ${entry.pollIntervalMs / 1000} s until it reopens`;
          const event: StoreEvent = { at, device: name, level: on ? 'info' : 'warn', message };
          const devices = copyDevices(state.devices);
          devices[name] = { ...entry, changeFeed: on };
          return {
            devices,
            events: [...state.events, event].slice(-MAX_EVENTS),
          };
        }),
      pollStarted: (name, at) => {
        if (!get().devices[name]) return;
        starts.set(name, at);
        startsTimer ??= setTimeout(() => {
          startsTimer = null;
          if (starts.size > 0) set((state) => ({ devices: withStarts(copyDevices(state.devices)) }));
        }, STARTS_MS);
        startsTimer.unref?.();
      },
      pollSucceeded: (name, polled) => {
        const before = get().devices[name];
        const previous = before?.snapshot ?? null;
        const snapshot = previous ? withAnswers(previous, polled) : polled;
        // Nothing the workload index reads changed: no rebuild (cost proportional to change).
        const unchanged = before !== undefined && sameIndexInputs(before.spec.role, before, snapshot);
        const { events, flaps } = sessionChanges(name, previous, snapshot, get().sessionFlaps);
        const health: DeviceHealth = snapshot.partialErrors.length > 0 ? 'degraded' : 'ok';
        if (get().devices[name]?.health === 'unreachable')
          events.push({ at: snapshot.collectedAt, device: name, level: 'info', message: 'reachable again' });
        update(
          name,
          () => ({
            snapshot,
            health,
            polling: false,
            lastSuccessAt: snapshot.collectedAt,
            lastError: snapshot.partialErrors.length > 0 ? snapshot.partialErrors.join('; ') : null,
            consecutiveFailures: 0,
          }),
          events,
          { sessionFlaps: flaps },
        );
        if (before?.spec.role === 'router') {
          // A large first table while other routers' first polls are out: held, no build for it; the
          // last of them read, the held ones join now (router-hold.ts).
          const { held, released } = schedule.hold.routerPolled(
            name,
            previous === null,
            snapshot.routes.size,
            get().devices,
          );
          if (held) {
            set({ indexPending: true, routersHeld: schedule.hold.size });
            return answered(name);
          }
          if (released) {
            schedule.changed(true);
            return answered(name);
          }
        }
        const moved =
          before?.spec.role === 'hypervisor' &&
          previous !== null &&
          previous.workloadRoutes !== snapshot.workloadRoutes;
        if (!unchanged) schedule.changed(before?.spec.role === 'router' || (moved && schedule.hostMoved()));
        answered(name);
      },
      routeAnswered: (name, vrf, prefix, rows, at) => {
        const snapshot = get().devices[name]?.snapshot;
        if (!snapshot) return;
        let routes: RouteTable | null;
        try {
          routes = withPrefixAnswer(snapshot.routes, vrf, prefix, rows, at);
        } catch {
          // A row the table refuses (out-of-range numbers): the next poll reads it and says so.
          return;
        }
        if (!routes) return;
        update(name, () => ({ snapshot: { ...snapshot, routes } }));
        schedule.build();
      },
      pollFailed: (name, message, at, health) => {
        const entry = get().devices[name];
        const events: StoreEvent[] =
          entry && entry.health !== health
            ? [{ at, device: name, level: 'error', message: `${health}: ${message}` }]
            : [];
        update(
          name,
          (current) => ({
            health,
            polling: false,
            lastError: message,
            consecutiveFailures: current.consecutiveFailures + 1,
          }),
          events,
        );
        // An unreachable device's last snapshot stays for context, but its state is no longer current:
        // the workload index then also shows what the routers still route via it (flagged).
        // A router's first poll failed: routers held for it join now.
        if (entry?.spec.role === 'router' && schedule.hold.routerFailed(get().devices))
          schedule.changed(true);
        else if (entry && (entry.consecutiveFailures === 0 || entry.health !== health)) schedule.changed();
        answered(name);
      },
    };
  });
}

/** Answers the store holds that are newer than a poll's table stand in it (model/route-answer.ts). */
function withAnswers(previous: DeviceSnapshot, polled: DeviceSnapshot): DeviceSnapshot {
  const routes = keepAnswers(previous.routes, polled.routes);
  return routes === polled.routes ? polled : { ...polled, routes };
}

function sessionChanges(
  device: string,
  previous: DeviceSnapshot | null,
  next: DeviceSnapshot,
  flaps: Record<string, number>,
): { events: StoreEvent[]; flaps: Record<string, number> } {
  const events: StoreEvent[] = [];
  if (!previous) return { events, flaps };
  // The usual poll: the same sessions in the same order, none changed state or dropped — no event,
  // no flap. A router with thousands of sessions is polled every 2 s; no keyed map for that.
  const was = previous.bgp;
  // The driver hands back the held sessions themselves while its probes confirm them (bgp-read.ts).
  if (was === next.bgp) return { events, flaps };
  if (
    was.length === next.bgp.length &&
    next.bgp.every((s, i) => {
      const o = was[i]!;
      return (
        o.state === s.state &&
        o.connectionsDropped === s.connectionsDropped &&
        o.peer === s.peer &&
        o.vrf === s.vrf &&
        o.afiSafi === s.afiSafi
      );
    })
  )
    return { events, flaps };
  const before = new Map(
    previous.bgp.map((session) => [sessionKey(device, session.vrf, session.afiSafi, session.peer), session]),
  );
  let updated = flaps;
  for (const session of next.bgp) {
    const key = sessionKey(device, session.vrf, session.afiSafi, session.peer);
    const old = before.get(key);
    if (!old || old.state === session.state) continue;
    const peer = session.hostname ? `${session.peer} (${session.hostname})` : session.peer;
    events.push({
      at: next.collectedAt,
      device,
      level: session.established ? 'info' : 'warn',
      message: `BGP ${session.vrf}/${session.afiSafi} ${peer}: ${old.state} → ${session.state}`,
    });
  }
  // A session can drop and come back between two polls; FRR's drop counter still tells.
  for (const session of next.bgp) {
    const key = sessionKey(device, session.vrf, session.afiSafi, session.peer);
    const old = before.get(key);
    if (!old) continue;
    let drops = Math.max(0, session.connectionsDropped - old.connectionsDropped);
    if (drops === 0 && old.established && !session.established) drops = 1;
    if (drops > 0) updated = { ...updated, [key]: (updated[key] ?? 0) + drops };
  }
  return { events, flaps: updated };
}
