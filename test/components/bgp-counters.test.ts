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

/** The console at 120×30 on `command` (`bgp`, `bgp spine1`), its sessions drawn. */
async function openBgp(store: ReturnType<typeof labStore>, command: string): Promise<Screen> {
  // Held where afterEach closes it, even if a wait below fails.
  const opened = renderConsole({ store, now: () => NOW, cols: 120, rows: 30 });
  screen = opened;
  await opened.waitForText('spine1');
  await opened.type(':', command, KEY.enter);
  await opened.waitForText('Established');
  return opened;
}

describe('BGP view: counters older than the sessions', () => {
  it('names the router and the counters’ age, and drops the note once they are read again', async () => {
    const store = labStore();
    screen = await openBgp(store, 'bgp');
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
    screen = await openBgp(store, 'bgp spine1');
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

  it('counts a session’s flaps in its row when a poll finds it dropped, the other rows at 0', async () => {
    const store = labStore();
    screen = await openBgp(store, 'bgp spine1');
    const row = (peer: string) =>
      screen!
        .text()
        .split('\n')
        .find((l) => l.includes(` ${peer} `)) ?? '';
    expect(row('swp1')).toMatch(/ 0\s*$/);
    const current = store.getState().devices['spine1']!.snapshot!;
    // swp1 dropped twice since the last poll (FRR's counter), and is up again.
    const bgp = current.bgp.map((s) =>
      s.peer === 'swp1' ? { ...s, connectionsDropped: s.connectionsDropped + 2 } : s,
    );
    store.getState().pollSucceeded('spine1', { ...current, bgp, collectedAt: NOW - 500 });
    await screen.waitFor(() => / 2\s*$/.test(row('swp1')), 'swp1 with 2 flaps');
    expect(row('swp2')).toMatch(/ 0\s*$/);
  });
});
