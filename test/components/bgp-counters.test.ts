/**
 * Sessions whose states a poll confirmed but whose prefix counters predate a route change (the
 * driver defers the megabytes of BGP summary, bgp-probe.ts): the BGP view says whose counters are
 * how old, instead of drawing them as current.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KEY, renderConsole, type Screen } from './harness.ts';
import { labStore, NOW } from './fixtures.ts';

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

describe('BGP view: counters older than the sessions', () => {
  it('names the router and the counters’ age, and drops the note once they are read again', async () => {
    const store = labStore();
    screen = renderConsole({ store, now: () => NOW, cols: 120, rows: 30 });
    await screen.waitForText('spine1');
    await screen.type(':', 'bgp', KEY.enter);
    await screen.waitForText('Established');
    expect(screen.text()).not.toContain('RCV/SNT on');

    const current = store.getState().devices['spine1']!.snapshot!;
    store
      .getState()
      .pollSucceeded('spine1', { ...current, collectedAt: NOW - 1000, bgpCountersAt: NOW - 20_000 });
    await screen.waitForText(
      'RCV/SNT on spine1 as of 20 s ago: routes changed since (re-read once routes are quiet, within 2 min)',
    );

    const { bgpCountersAt: _, ...reread } = store.getState().devices['spine1']!.snapshot!;
    store.getState().pollSucceeded('spine1', { ...reread, collectedAt: NOW - 500 });
    await screen.waitFor((s) => !s.text().includes('RCV/SNT on'), 'the note gone');
  });

  it('shows held sessions’ time in state as of the poll that confirmed them, not as of their read', async () => {
    const store = labStore();
    screen = renderConsole({ store, now: () => NOW, cols: 120, rows: 30 });
    await screen.waitForText('spine1');
    await screen.type(':', 'bgp spine1', KEY.enter);
    await screen.waitForText('Established');
    const current = store.getState().devices['spine1']!.snapshot!;
    // Read an hour into the sessions, confirmed unchanged by a poll 65 s later.
    const bgp = current.bgp.map((s) => ({ ...s, uptimeMs: 3_600_000 }));
    store.getState().pollSucceeded('spine1', { ...current, bgp, collectedAt: NOW - 1000 });
    await screen.waitForText('01:00:00');
    store
      .getState()
      .pollSucceeded('spine1', { ...current, bgp, collectedAt: NOW - 500, bgpReadAt: NOW - 65_500 });
    await screen.waitForText('01:01:05');
    expect(screen.text()).not.toContain('01:00:00');
  });
});
