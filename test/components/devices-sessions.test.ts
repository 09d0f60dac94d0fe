/**
 * The Devices view's BGP column: sessions established of all, as of each device's last poll. The
 * count is kept per snapshot (a router at fleet size holds ~40,000 sessions), so a new poll must still
 * show its own count, and a device that kept its snapshot its old one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { session } from '../helpers/snapshots.ts';
import { renderConsole, type Screen } from './harness.ts';
import { labStore, NOW } from './fixtures.ts';

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

const line = (name: string) =>
  screen!
    .text()
    .split('\n')
    .find((l) => l.startsWith(`${name} `)) ?? '';

describe('Devices view: BGP sessions', () => {
  it('counts established of all, and follows each new poll of the device', async () => {
    const store = labStore();
    screen = renderConsole({ store, now: () => NOW, cols: 120, rows: 20 });
    await screen.waitForText('spine2');
    expect(line('spine1')).toMatch(/ 2\/2\b/);
    expect(line('spine2')).toMatch(/ 1\/2\b/);
    expect(line('hv1')).toMatch(/ 1\/1\b/);

    // spine1's next poll: one session went down, one was added.
    const current = store.getState().devices['spine1']!.snapshot!;
    store.getState().pollSucceeded('spine1', {
      ...current,
      collectedAt: NOW - 500,
      bgp: [
        session('spine1', 'swp1', 'Idle', { hostname: 'hv1' }),
        session('spine1', 'swp2', 'Established', { hostname: 'hv2' }),
        session('spine1', 'swp3', 'Established', { hostname: 'hv3' }),
      ],
    });
    await screen.waitFor(() => / 2\/3\b/.test(line('spine1')), 'spine1 at 2/3');
    // spine2 kept its snapshot: its count stands.
    expect(line('spine2')).toMatch(/ 1\/2\b/);

    // Back to a poll with every session up: the count follows again (not the first snapshot's).
    store.getState().pollSucceeded('spine1', { ...current, collectedAt: NOW - 100 });
    await screen.waitFor(() => / 2\/2\b/.test(line('spine1')), 'spine1 at 2/2 again');
  });
});
