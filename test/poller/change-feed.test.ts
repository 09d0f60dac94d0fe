import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceSpec } from '../../src/model/device.ts';
import { Poller, WATCH_RETRY_MS, type ChangeFeed } from '../../src/poller/poller.ts';
import { createAppStore } from '../../src/state/store.ts';
import { snapshot } from '../helpers/snapshots.ts';

const router = (name: string): DeviceSpec => ({
  name,
  role: 'router',
  kind: 'vyos',
  host: '127.0.0.1',
  port: 22,
  user: 'vyos',
  auth: { type: 'agent' },
  vtysh: 'vtysh',
  privilege: '',
});

const pollers: Poller[] = [];
afterEach(() => pollers.splice(0).forEach((poller) => poller.stop()));

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A feed the test drives: `changed()` as the route monitor's lines would, `end()` as a dropped channel. */
function feeds() {
  const open: { changed: () => void; end: (why: string) => void; closed: boolean }[] = [];
  let refuse = false;
  const watch = async (_spec: DeviceSpec, changed: () => void): Promise<ChangeFeed | null> => {
    if (refuse) return null;
    let end!: (why: string) => void;
    const ended = new Promise<string>((resolve) => (end = resolve));
    const feed = { changed, end, closed: false };
    open.push(feed);
    return {
      ended,
      close: () => {
        feed.closed = true;
        end('closed by routedeck');
      },
    };
  };
  return { open, watch, refuse: (on: boolean) => (refuse = on) };
}

/**
 * Routers are polled every hour here: any poll after the first came from the change feed. Nothing is
 * timed; each step waits for what a user would see (a poll counted, the device entry's feed flag).
 */
function setup(
  watch: ReturnType<typeof feeds>['watch'],
  collect?: () => Promise<void>,
  clock?: { skew: number },
) {
  const store = createAppStore({
    source: { kind: 'inventory', label: 't' },
    devices: [router('rtr1')],
    tenants: [],
  });
  let polls = 0;
  const poller = new Poller({
    store,
    collect: async (spec) => {
      polls++;
      await collect?.();
      return snapshot(spec.name, {});
    },
    intervalMs: { router: 3_600_000, hypervisor: 3_600_000 },
    watch,
    wakeGapMs: 0,
    ...(clock ? { now: () => Date.now() + clock.skew } : {}),
  });
  pollers.push(poller);
  return { store, poller, polls: () => polls };
}

describe('a router’s change feed wakes its poll', () => {
  it('opens after the first poll; a change polls at once instead of an hour later; the device says it is watched', async () => {
    const f = feeds();
    const { store, poller, polls } = setup(f.watch);
    poller.start();
    await until('first poll and feed', () => polls() === 1 && f.open.length === 1);
    await until('flag', () => store.getState().devices['rtr1']!.changeFeed === true);
    expect(
      store.getState().events.some((e) => e.device === 'rtr1' && /route monitor open/.test(e.message)),
    ).toBe(true);
    f.open[0]!.changed();
    await until('woken poll', () => polls() === 2);
    f.open[0]!.changed();
    await until('woken again', () => polls() === 3);
    expect(f.open).toHaveLength(1);
  });

  it('changes during a poll make exactly one more poll after it (it may have read before them)', async () => {
    const f = feeds();
    let release: (() => void) | null = null;
    let hold = false;
    const { poller, polls } = setup(f.watch, () =>
      hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve(),
    );
    poller.start();
    await until('feed', () => f.open.length === 1);
    hold = true;
    f.open[0]!.changed();
    await until('held poll', () => release !== null);
    hold = false;
    for (let i = 0; i < 5; i++) f.open[0]!.changed();
    const before = polls();
    release!();
    await until('one more', () => polls() === before + 1);
    // Nothing else is pending: a further poll would need another change (or the hour).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(polls()).toBe(before + 1);
  });

  it('a feed that ends is named in the events and the device drawn as polled at its interval; it reopens after a later poll', async () => {
    const f = feeds();
    const clock = { skew: 0 };
    const { store, poller, polls } = setup(f.watch, undefined, clock);
    poller.start();
    await until('feed', () => f.open.length === 1);
    f.open[0]!.end('the device ended it or the connection dropped');
    await until('flag off', () => store.getState().devices['rtr1']!.changeFeed === false);
    const ended = store.getState().events.find((e) => /route monitor ended/.test(e.message));
    expect(ended?.message).toContain('the device ended it or the connection dropped');
    expect(ended?.message).toContain('polled every 3600 s until it reopens');
    expect(ended?.level).toBe('warn');
    // A change the dead feed would have carried does not poll; the next poll (here asked for) reopens it
    // once its retry time has passed — not before (no reconnect storm against a device refusing it).
    await poller.pollNow(['rtr1']);
    expect(f.open).toHaveLength(1);
    expect(polls()).toBe(2);
    clock.skew = WATCH_RETRY_MS;
    await poller.pollNow(['rtr1']);
    await until(
      'reopened',
      () => f.open.length === 2 && store.getState().devices['rtr1']!.changeFeed === true,
    );
    f.open[1]!.changed();
    await until('woken by the new feed', () => polls() === 4);
  });

  it('a device that refuses the monitor is polled at its interval, with no error shown', async () => {
    const f = feeds();
    f.refuse(true);
    const { store, poller, polls } = setup(f.watch);
    poller.start();
    await until('first poll', () => polls() === 1 && store.getState().devices['rtr1']!.health === 'ok');
    expect(store.getState().devices['rtr1']!.changeFeed ?? false).toBe(false);
    expect(store.getState().devices['rtr1']!.lastError).toBeNull();
  });

  it('stop() closes the feeds', async () => {
    const f = feeds();
    const { poller } = setup(f.watch);
    poller.start();
    await until('feed', () => f.open.length === 1);
    poller.stop();
    expect(f.open[0]!.closed).toBe(true);
  });

  it('a feed whose wakes find the routes as they were (noise) stops being trusted until it has been quiet an interval', async () => {
    const f = feeds();
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [router('rtr1')],
      tenants: [],
    });
    let routes = snapshot('rtr1', {}).routes;
    const told: boolean[] = [];
    const clock = { skew: 0 };
    const poller = new Poller({
      store,
      collect: async (spec, context) => {
        told.push(context.woken === true);
        return { ...snapshot(spec.name, {}), routes };
      },
      intervalMs: { router: 3_600_000, hypervisor: 3_600_000 },
      watch: f.watch,
      wakeGapMs: 0,
      now: () => Date.now() + clock.skew,
    });
    pollers.push(poller);
    poller.start();
    await until('feed', () => f.open.length === 1 && told.length === 1);
    const wakeAndPoll = async () => {
      const n = told.length;
      f.open[0]!.changed();
      await until('woken poll', () => told.length === n + 1);
      return told[n];
    };
    // The first quiet wake is normal (the poll after the one that read a change); from the second the
    // polls are plain ones (no prefetch of every table's listing).
    expect(await wakeAndPoll()).toBe(true);
    expect(await wakeAndPoll()).toBe(true);
    expect(await wakeAndPoll()).toBe(false);
    // A real change: read by a plain poll, then wakes are trusted again.
    routes = snapshot('rtr1', {}).routes;
    expect(await wakeAndPoll()).toBe(false);
    expect(await wakeAndPoll()).toBe(true);
    expect(await wakeAndPoll()).toBe(true);
    expect(await wakeAndPoll()).toBe(false);
    // Quiet for an interval: trusted again.
    clock.skew += 3_600_000;
    expect(await wakeAndPoll()).toBe(true);
  });
});
